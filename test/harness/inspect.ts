/**
 * An independent, test-side reading of a small loopback capture, built on tshark's TCP fields: per TCP
 * connection, the MQTT packets each side sent (over plain TCP or inside WebSocket frames), with the
 * capture frame that carried each packet's last byte, plus the FIN/RST/WebSocket-close events.
 *
 * It exists to write `samples/manifest.json` and to check recordings; it is deliberately simple (no
 * loss, no reordering: loopback captures only) and shares no code with `src/`.
 */
import { execFileSync } from 'node:child_process';
import { constants, inflateRawSync } from 'node:zlib';
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
  /** WebSocket close reason (UTF-8 after the code), when there is one. */
  reason?: string;
}

/** One WebSocket frame as read from the capture (after the HTTP Upgrade). */
export interface SeenWsFrame {
  by: 'client' | 'server';
  opcode: number;
  fin: boolean;
  /** RSV1–3 as a 3-bit number (4 = RSV1). */
  rsv: number;
  masked: boolean;
  /** Payload length. */
  length: number;
  /** The capture frame of the WebSocket frame's first byte and of its last byte. */
  firstFrame: number;
  frame: number;
  /** Its payload was inflated (permessage-deflate, RSV1 on the message's first frame). */
  compressed?: boolean;
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
  /** Capture frames that carried payload, per direction. */
  dataFrames: { c2s: number[]; s2c: number[] };
  /** True when the capture has no SYN for it: the client side was told by the port (see {@link inspectCapture}). */
  midstream?: boolean;
  /** WebSocket only: every frame, both directions, in capture order. */
  wsFrames?: SeenWsFrame[];
  /** WebSocket only: the `Sec-WebSocket-Extensions` the server agreed to ('' when none). */
  wsExtensions?: string;
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

/** The HTTP head at the front of a half-stream (up to CRLF CRLF), and where the frames start. */
function httpHead(b: readonly number[]): { head: string; end: number } {
  let p = 0;
  for (; p + 3 < b.length; p++) if (b[p] === 13 && b[p + 1] === 10 && b[p + 2] === 13 && b[p + 3] === 10) break;
  return { head: Buffer.from(b.slice(0, p)).toString('latin1'), end: Math.min(b.length, p + 4) };
}

/** permessage-deflate as agreed in the 101 response (RFC 7692 §7.1), for one direction. */
interface Deflate { noContextTakeover: boolean }

function agreedDeflate(responseHead: string, by: 'client' | 'server'): Deflate | undefined {
  const ext = /^sec-websocket-extensions:\s*(.*)$/im.exec(responseHead)?.[1]?.trim() ?? '';
  if (!/^permessage-deflate\b/i.test(ext)) return undefined;
  return { noContextTakeover: new RegExp(`\\b${by}_no_context_takeover\\b`, 'i').test(ext) };
}

/**
 * The MQTT byte stream inside one direction's WebSocket frames: data frames (binary, text, continuation;
 * mosquitto 2.0.11 takes text frames too) unmasked and joined, deflated messages inflated (their bytes map
 * to the frame that completed the message). A data frame with RSV bits but no extension agreed still counts
 * as data (its bytes are on the wire, like a corrupted packet over TCP), although mosquitto refuses it; frames
 * with a reserved opcode carry no data.
 */
function unwrapWebSocket(h: HalfStream, by: 'client' | 'server', deflate: Deflate | undefined, rowsByFrame: Map<number, Row>,
  events: SeenEvent[], wsFrames: SeenWsFrame[]): MqttStream {
  const b = h.bytes;
  let p = httpHead(b).end;
  const bytes: number[] = [];
  const frames: number[] = [];
  let message: { compressed: boolean; payload: number[] } | undefined;
  let history = Buffer.alloc(0);
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
    const fin = (b0 & 0x80) !== 0;
    const rsv = (b0 >> 4) & 0x07;
    const payload = b.slice(p, p + len).map((x, i) => (key ? x ^ key[i & 3]! : x));
    const lastFrame = h.frames[p + len - 1] ?? h.frames[p - 1]!;
    const rec: SeenWsFrame = { by, opcode, fin, rsv, masked: key !== undefined, length: len, firstFrame: h.frames[start]!, frame: lastFrame };
    wsFrames.push(rec);
    if (opcode === 0 || opcode === 1 || opcode === 2) {
      if (opcode !== 0) message = { compressed: deflate !== undefined && (rsv & 4) !== 0, payload: [] };
      if (message?.compressed) {
        rec.compressed = true;
        message.payload.push(...payload);
        if (fin) {
          const out = inflateRawSync(Buffer.concat([Buffer.from(message.payload), Buffer.of(0, 0, 0xff, 0xff)]),
            { finishFlush: constants.Z_SYNC_FLUSH, ...(history.length > 0 ? { dictionary: history } : {}) });
          for (const x of out) { bytes.push(x); frames.push(lastFrame); }
          history = deflate!.noContextTakeover ? Buffer.alloc(0) : Buffer.concat([history, out]).subarray(-32768);
        }
      } else {
        for (let i = 0; i < len; i++) { bytes.push(payload[i]!); frames.push(h.frames[p + i]!); }
      }
      if (fin) message = undefined;
    } else if (opcode === 8) {
      events.push({ kind: 'ws_close', by, frame: lastFrame, ts: rowsByFrame.get(lastFrame)?.ts ?? 0,
        code: len >= 2 ? (payload[0]! << 8) | payload[1]! : 1005,
        ...(len > 2 ? { reason: Buffer.from(payload.slice(2)).toString('utf8') } : {}) });
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

/**
 * Reads every TCP connection of a (small, loopback) capture. Needs tshark. The client is the side that
 * sent the SYN; for a connection whose SYN is not in the capture, the side whose port is not one of
 * `serverPorts` (the broker's and the proxy's listeners), else the side with the higher port.
 */
export function inspectCapture(pcap: string, serverPorts: readonly number[] = []): SeenConnection[] {
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
    const first = list[0]!;
    const srcIsServer = serverPorts.includes(first.src) && !serverPorts.includes(first.dst);
    const dstIsServer = serverPorts.includes(first.dst) && !serverPorts.includes(first.src);
    const clientFirst = dstIsServer || (!srcIsServer && first.src > first.dst);
    const clientPort = syn ? syn.src : clientFirst ? first.src : first.dst;
    const serverPort = syn ? syn.dst : clientFirst ? first.dst : first.src;
    const c2s = new HalfStream();
    const s2c = new HalfStream();
    const events: SeenEvent[] = [];
    const dataFrames: { c2s: number[]; s2c: number[] } = { c2s: [], s2c: [] };
    for (const r of list) {
      const dir: Dir = r.src === clientPort ? 'c2s' : 's2c';
      const by = dir === 'c2s' ? 'client' : 'server';
      (dir === 'c2s' ? c2s : s2c).add(r);
      if (r.payload.length > 0) dataFrames[dir].push(r.frame);
      if (r.flags & 0x04) events.push({ kind: 'rst', by, frame: r.frame, ts: r.ts });
      if (r.flags & 0x01) events.push({ kind: 'fin', by, frame: r.frame, ts: r.ts });
    }
    // WebSocket: an HTTP Upgrade request (a plain HTTP request, e.g. to the MQTT port, is not one).
    const request = httpHead(c2s.bytes).head;
    const isWs = request.startsWith('GET ') && /^upgrade:\s*websocket\s*$/im.test(request);
    const response = isWs ? httpHead(s2c.bytes).head : '';
    const wsFrames: SeenWsFrame[] = [];
    const toStream = (h: HalfStream, by: 'client' | 'server'): MqttStream => (isWs
      ? unwrapWebSocket(h, by, agreedDeflate(response, by), byFrame, events, wsFrames)
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
      packets, events, dataFrames,
      ...(firstClose ? { firstClose } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      ...(syn ? {} : { midstream: true }),
      ...(isWs ? {
        wsFrames: wsFrames.sort((a, b) => a.frame - b.frame),
        wsExtensions: /^sec-websocket-extensions:\s*(.*)$/im.exec(response)?.[1]?.trim() ?? '',
      } : {}),
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
