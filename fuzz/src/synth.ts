/**
 * Synthesized traffic for structure-aware fuzzing: link/IP/TCP frames with correct sequence numbers
 * (like test/support/tcp-builder.ts), WebSocket framing of an MQTT byte stream (RFC 6455 §5.2:
 * masked client frames, fragmentation, interleaved control frames, optional permessage-deflate with
 * context takeover, RFC 7692 §7.2.1), and an MQTT 3.1 / 3.1.1 / 5.0 packet generator whose fields come
 * from pools of awkward values. TCP and WebSocket framing stay valid; only what they carry is hostile.
 */
import { createHash } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { LINK, type Packet } from './capture-io.js';
import type { Rng } from './rng.js';

// ── link / IP / TCP ──────────────────────────────────────────────────────────────────────────────

export interface Peer {
  readonly ip: Uint8Array; // 4 or 16 bytes
  readonly port: number;
}

export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

const u16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function ipv4Checksum(h: number[]): number {
  let s = 0;
  for (let i = 0; i < h.length; i += 2) s += (h[i]! << 8) | h[i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** One frame: link header (by link type), IPv4 or IPv6 (by address size), TCP. */
export function tcpFrame(linkType: number, src: Peer, dst: Peer, seq: number, ack: number, flags: number,
  payload: Uint8Array, tcpOptions: readonly number[] = []): Uint8Array {
  const optLen = (tcpOptions.length + 3) & ~3;
  const opts = [...tcpOptions, ...new Array<number>(optLen - tcpOptions.length).fill(1)];
  const tcp = [...u16(src.port), ...u16(dst.port), ...u32(seq >>> 0), ...u32(ack >>> 0), ((20 + optLen) / 4) << 4, flags,
    ...u16(65535), 0, 0, 0, 0, ...opts];
  const v6 = src.ip.length === 16;
  let ip: number[];
  if (v6) {
    ip = [0x60, 0, 0, 0, ...u16(tcp.length + payload.length), 6, 64, ...src.ip, ...dst.ip];
  } else {
    ip = [0x45, 0, ...u16(20 + tcp.length + payload.length), 0, 1, 0x40, 0, 64, 6, 0, 0, ...src.ip, ...dst.ip];
    const c = ipv4Checksum(ip);
    ip[10] = c >>> 8;
    ip[11] = c & 0xff;
  }
  let link: number[];
  switch (linkType) {
    case LINK.RAW: link = []; break;
    case LINK.NULL: link = v6 ? [30, 0, 0, 0] : [2, 0, 0, 0]; break;
    case LINK.LOOP: link = v6 ? [0, 0, 0, 30] : [0, 0, 0, 2]; break;
    case LINK.SLL: link = [0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 1, 0, 0, ...u16(v6 ? 0x86dd : 0x0800)]; break;
    case LINK.SLL2: link = [...u16(v6 ? 0x86dd : 0x0800), 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 1, 0, 0]; break;
    default: link = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, ...u16(v6 ? 0x86dd : 0x0800)]; break;
  }
  const head = [...link, ...ip, ...tcp];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

export interface ConversationOptions {
  readonly linkType: number;
  readonly client: Peer;
  readonly server: Peer;
  readonly handshake: boolean;
  readonly start: number;
  /** Largest segment; each send picks sizes up to it. */
  readonly mss: number;
}

/** A TCP connection written frame by frame, with valid sequence numbers and a forward-moving clock. */
export class Conversation {
  readonly frames: Packet[] = [];
  private cseq: number;
  private sseq: number;
  private t: number;

  constructor(private readonly rng: Rng, private readonly o: ConversationOptions) {
    this.t = o.start;
    this.cseq = rng.u32();
    this.sseq = rng.u32();
    if (o.handshake) {
      this.push('client', SYN, new Uint8Array(0), [2, 4, 5, 0xb4]);
      this.cseq = (this.cseq + 1) >>> 0;
      this.push('server', SYN | ACK, new Uint8Array(0), [2, 4, 5, 0xb4]);
      this.sseq = (this.sseq + 1) >>> 0;
      this.push('client', ACK, new Uint8Array(0));
    }
  }

  wait(seconds: number): this {
    this.t += seconds;
    return this;
  }

  private push(from: 'client' | 'server', flags: number, payload: Uint8Array, opts: readonly number[] = [], seq?: number): void {
    const c = from === 'client';
    const frame = tcpFrame(this.o.linkType, c ? this.o.client : this.o.server, c ? this.o.server : this.o.client,
      seq ?? (c ? this.cseq : this.sseq), c ? this.sseq : this.cseq, flags, payload, opts);
    const sec = Math.floor(this.t);
    this.frames.push({ sec, nsec: Math.round((this.t - sec) * 1e6) * 1000, linkType: this.o.linkType, data: frame });
    this.t += 0.0001 + this.rng.int(1000) / 1e6;
  }

  /** Sends bytes in random segment sizes (valid TCP: sequence numbers follow the bytes). */
  send(from: 'client' | 'server', bytes: Uint8Array): this {
    let at = 0;
    while (at < bytes.length) {
      const size = Math.max(1, Math.min(bytes.length - at, this.rng.chance(0.3) ? this.rng.range(1, 16) : this.rng.range(1, this.o.mss)));
      const part = bytes.subarray(at, at + size);
      this.push(from, ACK | PSH, part);
      if (from === 'client') this.cseq = (this.cseq + part.length) >>> 0;
      else this.sseq = (this.sseq + part.length) >>> 0;
      at += size;
    }
    return this;
  }

  fin(from: 'client' | 'server'): this {
    this.push(from, FIN | ACK, new Uint8Array(0));
    if (from === 'client') this.cseq = (this.cseq + 1) >>> 0;
    else this.sseq = (this.sseq + 1) >>> 0;
    return this;
  }

  rst(from: 'client' | 'server'): this {
    this.push(from, RST, new Uint8Array(0));
    return this;
  }
}

export function randomPeer(rng: Rng, v6: boolean, port: number): Peer {
  if (v6) {
    const ip = rng.bytes(16);
    ip[0] = 0xfd;
    return { ip, port };
  }
  return { ip: Uint8Array.of(10, rng.byte(), rng.byte(), rng.range(1, 254)), port };
}

// ── WebSocket ────────────────────────────────────────────────────────────────────────────────────

export const WS_OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface WsFrameSpec {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly payload: Uint8Array;
  readonly mask: Uint8Array | null;
  /** Force a length encoding (0 = 7-bit, 2 = 16-bit, 8 = 64-bit); default minimal. */
  readonly lengthBytes?: 0 | 2 | 8;
  /** Write this 64-bit length high word instead of 0 (for the top-bit rule). */
  readonly lengthHigh?: number;
}

/** One frame on the wire (the payload masked with the key when there is one; the input is not modified). */
export function wsFrame(s: WsFrameSpec): Uint8Array {
  const len = s.payload.length;
  const enc = s.lengthBytes ?? (len < 126 ? 0 : len < 65536 ? 2 : 8);
  const head: number[] = [(s.fin ? 0x80 : 0) | ((s.rsv & 7) << 4) | (s.opcode & 0x0f)];
  const m = s.mask ? 0x80 : 0;
  if (enc === 0) head.push(m | (len & 0x7f));
  else if (enc === 2) head.push(m | 126, (len >>> 8) & 0xff, len & 0xff);
  else head.push(m | 127, ...u32(s.lengthHigh ?? 0), ...u32(len));
  const out = new Uint8Array(head.length + (s.mask ? 4 : 0) + len);
  out.set(head, 0);
  let p = head.length;
  if (s.mask) {
    out.set(s.mask, p);
    p += 4;
    for (let i = 0; i < len; i++) out[p + i] = s.payload[i]! ^ s.mask[i & 3]!;
  } else {
    out.set(s.payload, p);
  }
  return out;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function upgradeRequest(key: string, deflate: boolean, extraHeaders = ''): Uint8Array {
  return ascii(`GET /mqtt HTTP/1.1\r\nHost: broker\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n`
    + `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n`
    + `${deflate ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : ''}${extraHeaders}\r\n`);
}

export function upgradeResponse(key: string, deflate: boolean, status = 101): Uint8Array {
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  return ascii(`HTTP/1.1 ${status} Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n`
    + `Sec-WebSocket-Protocol: mqtt\r\n${deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : ''}\r\n`);
}

/** permessage-deflate with context takeover for one direction (RFC 7692 §7.2.1: tail 00 00 FF FF removed). */
export class Deflater {
  private history = new Uint8Array(0);

  compress(message: Uint8Array): Uint8Array {
    const out = deflateRawSync(message, { finishFlush: constants.Z_SYNC_FLUSH,
      ...(this.history.length > 0 ? { dictionary: this.history } : {}) });
    const all = new Uint8Array(this.history.length + message.length);
    all.set(this.history, 0);
    all.set(message, this.history.length);
    this.history = all.slice(Math.max(0, all.length - 32768));
    return new Uint8Array(out.subarray(0, out.length - 4));
  }
}

export interface WsFramerOptions {
  readonly masked: boolean;
  readonly deflate: Deflater | null;
  /** Chance of a ping/pong between frames. */
  readonly controlChance: number;
}

/** Frames MQTT bytes as WebSocket messages: random message boundaries, fragments and control frames. */
export function frameMessage(rng: Rng, message: Uint8Array, o: WsFramerOptions): Uint8Array[] {
  const out: Uint8Array[] = [];
  const key = (): Uint8Array | null => (o.masked ? rng.bytes(4) : null);
  const body = o.deflate ? o.deflate.compress(message) : message;
  const parts = rng.chance(0.6) ? 1 : rng.range(1, Math.max(1, Math.min(6, body.length)));
  let at = 0;
  for (let i = 0; i < parts; i++) {
    const end = i === parts - 1 ? body.length : Math.min(body.length, at + rng.int(body.length - at + 1));
    out.push(wsFrame({ fin: i === parts - 1, rsv: i === 0 && o.deflate ? 4 : 0, opcode: i === 0 ? WS_OPCODE.binary : WS_OPCODE.continuation,
      payload: body.subarray(at, end), mask: key() }));
    at = end;
    if (rng.chance(o.controlChance)) {
      out.push(wsFrame({ fin: true, rsv: 0, opcode: rng.chance(0.5) ? WS_OPCODE.ping : WS_OPCODE.pong, payload: rng.bytes(rng.int(20)), mask: key() }));
    }
  }
  return out;
}

export function wsKey(rng: Rng): string {
  return Buffer.from(rng.bytes(16)).toString('base64');
}

// ── MQTT ─────────────────────────────────────────────────────────────────────────────────────────

export type Level = 3 | 4 | 5;

export function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function varint(n: number): number[] {
  const out: number[] = [];
  let x = n;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    out.push(b);
  } while (x > 0 && out.length < 8);
  return out;
}

/** Strings that are awkward for terminals, JSON and UTF-8 checks. */
export const HOSTILE_TEXT = [
  '', 'a', 'sensors/temp', 'a/+/#', '#', '+', '/', '$SYS/broker/uptime', 'x'.repeat(300),
  '\u001b[2J\u001b[H', '\u001b]52;c;aGVsbG8=\u0007', '\u001b]8;;http://evil.example/\u001b\\click\u001b]8;;\u001b\\',
  '\u202eevil\u202c', '\u009b31m', 'line\nbreak\r\n', 'tab\there', '\u0000nul', 'caf\u00e9', '\ud83d\ude00 emoji',
  '\u2066isolate\u2069', '\u200bzero-width', '\u007fdel', '__proto__', 'constructor', 'toString',
];

function str(s: Uint8Array | string): number[] {
  const b = typeof s === 'string' ? ascii(s) : s;
  return [...u16(b.length), ...b];
}

/** A string field: mostly hostile text, sometimes invalid UTF-8 or a wrong length. */
function hostile(rng: Rng): number[] {
  const r = rng.float();
  if (r < 0.8) return str(rng.pick(HOSTILE_TEXT));
  if (r < 0.9) return str(rng.pick([Uint8Array.of(0xc3, 0x28), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xff), Uint8Array.of(0xc2, 0x9b)]));
  return str(rng.bytes(rng.small(40)));
}

type PropType = 'byte' | 'u16' | 'u32' | 'varint' | 'str' | 'bin' | 'pair';
const PROPS: readonly [number, PropType][] = [
  [0x01, 'byte'], [0x02, 'u32'], [0x03, 'str'], [0x08, 'str'], [0x09, 'bin'], [0x0b, 'varint'], [0x11, 'u32'],
  [0x12, 'str'], [0x13, 'u16'], [0x15, 'str'], [0x16, 'bin'], [0x17, 'byte'], [0x18, 'u32'], [0x19, 'byte'],
  [0x1a, 'str'], [0x1c, 'str'], [0x1f, 'str'], [0x21, 'u16'], [0x22, 'u16'], [0x23, 'u16'], [0x24, 'byte'],
  [0x25, 'byte'], [0x26, 'pair'], [0x27, 'u32'], [0x28, 'byte'], [0x29, 'byte'], [0x2a, 'byte'],
];

function interestingNumber(rng: Rng, max: number): number {
  return rng.pick([0, 1, 2, max, max - 1, rng.int(max + 1), rng.int(16)].filter((x) => x >= 0 && x <= max));
}

function properties(rng: Rng, allowed?: readonly number[]): number[] {
  const out: number[] = [];
  const n = rng.chance(0.5) ? 0 : rng.small(6);
  for (let i = 0; i < n; i++) {
    const [id, type] = rng.chance(0.05) ? [rng.byte(), rng.pick<PropType>(['byte', 'u16', 'str'])] as const
      : rng.pick(allowed ? PROPS.filter(([x]) => allowed.includes(x)) : PROPS) ?? PROPS[0]!;
    out.push(id);
    switch (type) {
      case 'byte': out.push(interestingNumber(rng, 255)); break;
      case 'u16': out.push(...u16(interestingNumber(rng, 65535))); break;
      case 'u32': out.push(...u32(interestingNumber(rng, 0xffffffff))); break;
      case 'varint': out.push(...varint(interestingNumber(rng, 268435455))); break;
      case 'str': out.push(...hostile(rng)); break;
      case 'bin': out.push(...str(rng.bytes(rng.small(64)))); break;
      case 'pair': out.push(...hostile(rng), ...hostile(rng)); break;
    }
  }
  return [...varint(out.length), ...out];
}

function packet(first: number, body: readonly number[]): Uint8Array {
  return Uint8Array.from([first, ...varint(body.length), ...body]);
}

export const PACKET_NAMES = ['CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK',
  'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'] as const;
export type PacketName = typeof PACKET_NAMES[number];

/** Who sends each packet type (AUTH and DISCONNECT go both ways in 5.0). */
export const SENDER: Record<PacketName, 'client' | 'server' | 'both'> = {
  CONNECT: 'client', CONNACK: 'server', PUBLISH: 'both', PUBACK: 'both', PUBREC: 'both', PUBREL: 'both', PUBCOMP: 'both',
  SUBSCRIBE: 'client', SUBACK: 'server', UNSUBSCRIBE: 'client', UNSUBACK: 'server', PINGREQ: 'client', PINGRESP: 'server',
  DISCONNECT: 'both', AUTH: 'both',
};

export interface GenOptions {
  readonly level: Level;
  /** Packet id to use (in-flight tests); random otherwise. */
  readonly packetId?: number;
  /** Payload size for PUBLISH. */
  readonly payloadSize?: number;
  readonly password?: Uint8Array;
  readonly username?: string;
  readonly clientId?: string;
  /** Only what the spec allows (no DUP on QoS 0, non-empty topics and filters): a packet resync must accept. */
  readonly strict?: boolean;
}

/** A well-formed packet of the given type (fields from the hostile pools). */
export function genPacket(rng: Rng, type: PacketName, o: GenOptions): Uint8Array {
  const v5 = o.level === 5;
  const id = o.packetId ?? (rng.chance(0.1) && !o.strict ? 0 : rng.range(1, 65535));
  const props = (allowed?: readonly number[]): number[] => (v5 ? properties(rng, allowed) : []);
  const text = (r: Rng): number[] => (o.strict ? str(r.pick(['a', 'a/b', 'sensors/temp', 'x'.repeat(40)])) : hostile(r));
  switch (type) {
    case 'CONNECT': {
      const will = rng.chance(0.3);
      const username = o.username !== undefined || rng.chance(0.4);
      const password = o.password !== undefined || (username && rng.chance(0.7));
      const flags = (username ? 0x80 : 0) | (password ? 0x40 : 0) | (will ? 0x04 | (rng.int(3) << 3) | (rng.chance(0.3) ? 0x20 : 0) : 0)
        | (rng.chance(0.8) ? 0x02 : 0);
      const body = [...str(o.level === 3 ? 'MQIsdp' : 'MQTT'), o.level, flags, ...u16(interestingNumber(rng, 65535)), ...props(),
        ...(o.clientId !== undefined ? str(o.clientId) : text(rng))];
      if (will) body.push(...props([0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26]), ...text(rng), ...str(rng.bytes(rng.small(40))));
      if (username) body.push(...(o.username !== undefined ? str(o.username) : text(rng)));
      if (password) body.push(...str(o.password ?? rng.bytes(rng.small(24))));
      return packet(0x10, body);
    }
    case 'CONNACK': return packet(0x20, [rng.chance(0.2) ? 1 : 0, rng.chance(0.8) ? 0 : interestingNumber(rng, 255), ...props()]);
    case 'PUBLISH': {
      const qos = rng.int(3);
      const first = 0x30 | (rng.chance(0.1) && !(o.strict && qos === 0) ? 8 : 0) | (qos << 1) | (rng.chance(0.2) ? 1 : 0);
      const payload = rng.chance(0.3) ? ascii(rng.pick(HOSTILE_TEXT)) : rng.bytes(o.payloadSize ?? rng.small(200));
      return packet(first, [...text(rng), ...(qos > 0 ? u16(id) : []), ...props([0x01, 0x02, 0x03, 0x08, 0x09, 0x0b, 0x23, 0x26]), ...payload]);
    }
    case 'PUBACK': case 'PUBREC': case 'PUBREL': case 'PUBCOMP': {
      const first = { PUBACK: 0x40, PUBREC: 0x50, PUBREL: 0x62, PUBCOMP: 0x70 }[type];
      const tail = v5 && rng.chance(0.6) ? [interestingNumber(rng, 255), ...(rng.chance(0.5) ? props([0x1f, 0x26]) : [])] : [];
      return packet(first, [...u16(id), ...tail]);
    }
    case 'SUBSCRIBE': {
      const n = rng.range(1, 4);
      const subs: number[] = [];
      for (let i = 0; i < n; i++) subs.push(...text(rng), rng.chance(0.9) ? rng.int(3) : rng.byte());
      return packet(0x82, [...u16(id), ...props([0x0b, 0x26]), ...subs]);
    }
    case 'SUBACK': {
      const n = rng.range(1, 4);
      const codes: number[] = [];
      for (let i = 0; i < n; i++) codes.push(rng.pick([0, 1, 2, 0x80, rng.byte()]));
      return packet(0x90, [...u16(id), ...props([0x1f, 0x26]), ...codes]);
    }
    case 'UNSUBSCRIBE': {
      const n = rng.range(1, 3);
      const f: number[] = [];
      for (let i = 0; i < n; i++) f.push(...text(rng));
      return packet(0xa2, [...u16(id), ...props([0x26]), ...f]);
    }
    case 'UNSUBACK': return packet(0xb0, [...u16(id), ...(v5 ? [...props([0x1f, 0x26]), rng.pick([0, 0x11, 0x80])] : [])]);
    case 'PINGREQ': return Uint8Array.of(0xc0, 0);
    case 'PINGRESP': return Uint8Array.of(0xd0, 0);
    case 'DISCONNECT': return v5 && rng.chance(0.6)
      ? packet(0xe0, [rng.pick([0, 4, 0x8d, 0x8e, 0x95, rng.byte()]), ...(rng.chance(0.5) ? props([0x11, 0x1c, 0x1f, 0x26]) : [])])
      : Uint8Array.of(0xe0, 0);
    case 'AUTH': return packet(0xf0, [rng.pick([0, 0x18, 0x19]), ...properties(rng, [0x15, 0x16, 0x1f, 0x26])]);
  }
}

export interface MqttMessage {
  readonly dir: 'c2s' | 's2c';
  readonly bytes: Uint8Array;
}

/** A plausible session: CONNECT, CONNACK, a mix of traffic in the right directions, maybe DISCONNECT. */
export function genSession(rng: Rng, level: Level, count: number): MqttMessage[] {
  const out: MqttMessage[] = [];
  out.push({ dir: 'c2s', bytes: genPacket(rng, 'CONNECT', { level }) });
  out.push({ dir: 's2c', bytes: genPacket(rng, 'CONNACK', { level }) });
  for (let i = 0; i < count; i++) {
    let type = rng.pick(PACKET_NAMES);
    if (type === 'AUTH' && level !== 5) type = 'PUBLISH';
    const sender = SENDER[type];
    const dir = sender === 'client' ? 'c2s' : sender === 'server' ? 's2c' : rng.chance(0.5) ? 'c2s' : 's2c';
    out.push({ dir, bytes: genPacket(rng, type, { level }) });
  }
  if (rng.chance(0.5)) out.push({ dir: 'c2s', bytes: genPacket(rng, 'DISCONNECT', { level }) });
  return out;
}

export interface ConversationSpec {
  /** 'websocket-raw': on a WebSocket port, the messages are sent verbatim (they already are upgrade + frames). */
  readonly transport: 'tcp' | 'websocket' | 'websocket-raw';
  readonly deflate: boolean;
  readonly messages: readonly MqttMessage[];
  /** How the conversation ends. */
  readonly end: 'fin-client' | 'fin-server' | 'rst-client' | 'rst-server' | 'open';
}

/** Writes a conversation as frames: handshake, upgrade (WebSocket), the messages, the end. */
export function synthesize(rng: Rng, spec: ConversationSpec, start = 1_700_000_000): Packet[] {
  const v6 = rng.chance(0.15);
  const ws = spec.transport === 'websocket';
  const wsPort = ws || spec.transport === 'websocket-raw';
  const linkType = rng.pick([LINK.ETHERNET, LINK.ETHERNET, LINK.ETHERNET, LINK.RAW, LINK.SLL, LINK.SLL2, LINK.NULL]);
  const conv = new Conversation(rng, {
    linkType, handshake: rng.chance(0.9), start, mss: rng.pick([1460, 536, 64, 1400, 9000]),
    client: randomPeer(rng, v6, rng.range(1024, 65535)),
    server: randomPeer(rng, v6, wsPort ? rng.pick([8080, 80, 9001, 443]) : rng.pick([1883, 1883, 1883, 8883, 11883])),
  });
  const framers = {
    c2s: { masked: true, deflate: ws && spec.deflate ? new Deflater() : null, controlChance: 0.05 },
    s2c: { masked: false, deflate: ws && spec.deflate ? new Deflater() : null, controlChance: 0.05 },
  };
  if (ws) {
    const key = wsKey(rng);
    conv.send('client', upgradeRequest(key, spec.deflate));
    conv.send('server', upgradeResponse(key, spec.deflate));
  }
  // Group consecutive messages of one direction so that packets get packed together and split apart.
  let i = 0;
  const msgs = spec.messages;
  while (i < msgs.length) {
    const dir = msgs[i]!.dir;
    const group: Uint8Array[] = [];
    while (i < msgs.length && msgs[i]!.dir === dir && (group.length === 0 || rng.chance(0.5))) group.push(msgs[i++]!.bytes);
    let bytes = concatArrays(group);
    const from = dir === 'c2s' ? 'client' : 'server';
    if (ws) {
      // Message boundaries need not match packet boundaries [MQTT-6.0.0-2].
      const frames: Uint8Array[] = [];
      let at = 0;
      while (at < bytes.length) {
        const end = rng.chance(0.7) ? bytes.length : Math.min(bytes.length, at + rng.range(1, bytes.length - at));
        frames.push(...frameMessage(rng, bytes.subarray(at, end), framers[dir]));
        at = end;
      }
      bytes = concatArrays(frames);
    }
    conv.send(from, bytes);
    if (rng.chance(0.05)) conv.wait(rng.range(1, 200));
  }
  switch (spec.end) {
    case 'fin-client': conv.fin('client').fin('server'); break;
    case 'fin-server': conv.fin('server').fin('client'); break;
    case 'rst-client': conv.rst('client'); break;
    case 'rst-server': conv.rst('server'); break;
    case 'open': break;
  }
  return conv.frames;
}

export function concatArrays(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
