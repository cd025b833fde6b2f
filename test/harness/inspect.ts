/**
 * An independent, test-side reading of a small loopback capture, built on tshark's TCP fields: per TCP
 * connection, the MQTT packets each side sent (over plain TCP or inside WebSocket frames), with the
 * capture frame that carried each packet's last byte, plus the FIN/RST/WebSocket-close events.
 *
 * It exists to write `samples/manifest.json` and to check recordings; it is deliberately simple (no
 * loss, no reordering: loopback captures only) and shares no code with `src/`.
 */
import { execFileSync } from 'node:child_process';
import { PACKET_TYPES, takePackets, type PacketTypeName } from './packets.js';
import { requireTool } from './proc.js';

/** Direction of bytes: client to server or server to client. */
export type Dir = 'c2s' | 's2c';

/** One MQTT packet as read from the capture. */
export interface SeenPacket {
  dir: Dir;
  type: PacketTypeName;
  /** The fixed header's first byte. */
  firstByte: number;
  /** The capture frame (1-based) that carried the packet's last byte. */
  frame: number;
  /** Every frame that carried some of its bytes. */
  frames: number[];
  /** Capture time of `frame`, seconds since the epoch. */
  ts: number;
  /** The packet's bytes (fixed header included), hex. */
  hex: string;
  /** CONNACK return/reason code, DISCONNECT (v5) reason code. */
  reasonCode?: number;
  /** CONNECT only. */
  clientId?: string;
  /** CONNECT only: 3, 4 or 5. */
  level?: number;
  /** CONNECT only. */
  keepAlive?: number;
}

/** A TCP-level or WebSocket-level event. */
export interface SeenEvent {
  kind: 'fin' | 'rst' | 'ws_close';
  by: 'client' | 'server';
  frame: number;
  /** Capture time, seconds since the epoch. */
  ts: number;
  /** WebSocket close status code. */
  code?: number;
}

/** One TCP connection. */
export interface SeenConnection {
  stream: number;
  clientPort: number;
  serverPort: number;
  transport: 'tcp' | 'websocket';
  synFrame: number;
  packets: SeenPacket[];
  events: SeenEvent[];
  /** First FIN or RST in the capture, if any: who closed the transport first. */
  firstClose?: SeenEvent;
  /** Client id from the CONNECT, if one was seen. */
  clientId?: string;
}

interface Row {
  frame: number;
  ts: number;
  stream: number;
  src: number;
  dst: number;
  flags: number;
  seq: number;
  payload: Uint8Array;
}

function rows(pcap: string): Row[] {
  const out = execFileSync(requireTool('tshark'), ['-n', '-r', pcap, '-Y', 'tcp', '-T', 'fields',
    '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.dstport',
    '-e', 'tcp.flags', '-e', 'tcp.seq', '-e', 'tcp.payload'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  return out.split('\n').filter(Boolean).map((l) => {
    const [frame, ts, stream, src, dst, flags, seq, payload] = l.split('\t');
    return {
      frame: Number(frame), ts: Number(ts), stream: Number(stream), src: Number(src), dst: Number(dst),
      flags: parseInt(flags ?? '0', 16), seq: Number(seq), payload: new Uint8Array(Buffer.from((payload ?? '').replace(/:/g, ''), 'hex')),
    };
  });
}

/** A half-connection's bytes with, for each byte, the frame that carried it. */
class HalfStream {
  bytes: number[] = [];
  frames: number[] = [];
  private next: number | undefined;
  add(r: Row): void {
    if (r.payload.length === 0) return;
    this.next ??= r.seq;
    const skip = this.next - r.seq;
    if (skip >= r.payload.length) return; // retransmission
    if (skip < 0) throw new Error(`inspect: gap in tcp.stream ${r.stream} at frame ${r.frame}`);
    for (let i = skip; i < r.payload.length; i++) {
      this.bytes.push(r.payload[i]!);
      this.frames.push(r.frame);
    }
    this.next = r.seq + r.payload.length;
  }
}

/** An MQTT byte stream with a frame per byte (after WebSocket unmasking when needed). */
interface MqttStream { bytes: Uint8Array; frames: number[] }

function unwrapWebSocket(h: HalfStream, by: 'client' | 'server', rowsByFrame: Map<number, Row>, events: SeenEvent[]): MqttStream {
  const b = h.bytes;
  let p = 0;
  for (; p + 3 < b.length; p++) if (b[p] === 13 && b[p + 1] === 10 && b[p + 2] === 13 && b[p + 3] === 10) break;
  p += 4;
  const bytes: number[] = [];
  const frames: number[] = [];
  while (p + 2 <= b.length) {
    const start = p;
    const b0 = b[p]!;
    const b1 = b[p + 1]!;
    let len = b1 & 0x7f;
    p += 2;
    if (len === 126) { len = (b[p]! << 8) | b[p + 1]!; p += 2; } else if (len === 127) {
      len = 0;
      for (let i = 0; i < 8; i++) len = len * 256 + b[p + i]!;
      p += 8;
    }
    const key = (b1 & 0x80) !== 0 ? b.slice(p, p + 4) : undefined;
    if (key) p += 4;
    if (p + len > b.length) break;
    const opcode = b0 & 0x0f;
    const payload = b.slice(p, p + len).map((x, i) => (key ? x ^ key[i & 3]! : x));
    if (opcode === 0 || opcode === 2) {
      for (let i = 0; i < len; i++) { bytes.push(payload[i]!); frames.push(h.frames[p + i]!); }
    } else if (opcode === 8) {
      const frame = h.frames[p + len - 1] ?? h.frames[start]!;
      events.push({ kind: 'ws_close', by, frame, ts: rowsByFrame.get(frame)?.ts ?? 0,
        code: len >= 2 ? (payload[0]! << 8) | payload[1]! : 1005 });
    }
    p += len;
  }
  return { bytes: Uint8Array.from(bytes), frames };
}

function decodePackets(s: MqttStream, dir: Dir, connectLevel: number | undefined, tsOf: (frame: number) => number): SeenPacket[] {
  const { packets } = takePackets(s.bytes);
  const out: SeenPacket[] = [];
  let off = 0;
  for (const pk of packets) {
    const frames = [...new Set(s.frames.slice(off, off + pk.length))];
    const first = pk[0]!;
    const type = PACKET_TYPES[first >> 4]!;
    const frame = s.frames[off + pk.length - 1]!;
    const rec: SeenPacket = { dir, type, firstByte: first, frame, frames, ts: tsOf(frame), hex: Buffer.from(pk).toString('hex') };
    let h = 1;
    while (pk[h]! & 0x80) h++;
    const body = pk.subarray(h + 1);
    if (type === 'CONNECT' && body.length >= 10) {
      const nameLen = (body[0]! << 8) | body[1]!;
      let q = 2 + nameLen;
      rec.level = body[q]!;
      rec.keepAlive = (body[q + 2]! << 8) | body[q + 3]!;
      q += 4;
      if (rec.level === 5) {
        let propLen = 0;
        let mult = 1;
        for (;;) { const v = body[q++]!; propLen += (v & 0x7f) * mult; mult *= 128; if (!(v & 0x80)) break; }
        q += propLen;
      }
      const idLen = (body[q]! << 8) | body[q + 1]!;
      rec.clientId = Buffer.from(body.subarray(q + 2, q + 2 + idLen)).toString('utf8');
    } else if (type === 'CONNACK' && body.length >= 2) {
      rec.reasonCode = body[1]!;
    } else if (type === 'DISCONNECT' && body.length >= 1 && connectLevel === 5) {
      rec.reasonCode = body[0]!;
    }
    out.push(rec);
    off += pk.length;
  }
  return out;
}

/** Reads every TCP connection of a (small, loopback) capture. Needs tshark. */
export function inspectCapture(pcap: string): SeenConnection[] {
  const all = rows(pcap);
  const byFrame = new Map(all.map((r) => [r.frame, r]));
  const streams = new Map<number, Row[]>();
  for (const r of all) {
    const list = streams.get(r.stream) ?? [];
    list.push(r);
    streams.set(r.stream, list);
  }
  const conns: SeenConnection[] = [];
  for (const [stream, list] of [...streams.entries()].sort((a, b) => a[0] - b[0])) {
    const syn = list.find((r) => (r.flags & 0x12) === 0x02);
    const clientPort = syn ? syn.src : list[0]!.src;
    const serverPort = syn ? syn.dst : list[0]!.dst;
    const c2s = new HalfStream();
    const s2c = new HalfStream();
    const events: SeenEvent[] = [];
    for (const r of list) {
      const dir: Dir = r.src === clientPort ? 'c2s' : 's2c';
      const by = dir === 'c2s' ? 'client' : 'server';
      (dir === 'c2s' ? c2s : s2c).add(r);
      if (r.flags & 0x04) events.push({ kind: 'rst', by, frame: r.frame, ts: r.ts });
      if (r.flags & 0x01) events.push({ kind: 'fin', by, frame: r.frame, ts: r.ts });
    }
    const isWs = Buffer.from(c2s.bytes.slice(0, 4)).toString('latin1') === 'GET ';
    const toStream = (h: HalfStream, by: 'client' | 'server'): MqttStream => (isWs
      ? unwrapWebSocket(h, by, byFrame, events)
      : { bytes: Uint8Array.from(h.bytes), frames: h.frames });
    const cs = toStream(c2s, 'client');
    const ss = toStream(s2c, 'server');
    // The CONNECT's protocol level decides how DISCONNECT bodies read, so decode the client side twice.
    const tsOf = (f: number): number => byFrame.get(f)?.ts ?? 0;
    const level = decodePackets(cs, 'c2s', undefined, tsOf).find((p) => p.type === 'CONNECT')?.level;
    const cPackets = decodePackets(cs, 'c2s', level, tsOf);
    const sPackets = decodePackets(ss, 's2c', level, tsOf);
    const packets = [...cPackets, ...sPackets].sort((a, b) => a.frame - b.frame || (a.dir === b.dir ? 0 : a.dir === 'c2s' ? -1 : 1));
    events.sort((a, b) => a.frame - b.frame);
    const firstClose = events.find((e) => e.kind === 'fin' || e.kind === 'rst');
    const clientId = cPackets.find((p) => p.type === 'CONNECT')?.clientId;
    conns.push({
      stream, clientPort, serverPort, transport: isWs ? 'websocket' : 'tcp', synFrame: syn?.frame ?? list[0]!.frame,
      packets, events,
      ...(firstClose ? { firstClose } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
    });
  }
  return conns;
}

/** tshark's own `frame:TYPE` list of MQTT packets (decoding `ports` as MQTT), the differential oracle. */
export function tsharkMqttPairs(pcap: string, ports: readonly number[] = []): string[] {
  const out = execFileSync(requireTool('tshark'), ['-n', '-r', pcap, ...ports.flatMap((p) => ['-d', `tcp.port==${p},mqtt`]),
    '-Y', 'mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter(Boolean).flatMap((line) => {
    const [frame, types] = line.split('\t');
    return (types ?? '').split(',').filter(Boolean).map((t) => `${frame}:${PACKET_TYPES[Number(t)] ?? t}`);
  });
}
