/**
 * Mutations. Three depths:
 * - bytes of the capture file (bit flips, inserts, deletes, splices, truncation, the file's record and
 *   block length fields);
 * - records (drop, repeat, reorder, re-time, cut at a layer boundary, corrupt one header field of
 *   link/IP/TCP, jump a sequence number far ahead), then written back as pcap or pcapng;
 * - MQTT packets of a conversation, re-synthesized with valid TCP (and WebSocket) framing.
 * Every mutation draws from the Rng it is given, so an input is a pure function of (seed, index).
 */
import { LINK, getU32, layoutOf, putU32, writePcap, writePcapng, type Packet } from './capture-io.js';
import { genPacket, PACKET_NAMES, varint, type Level, type MqttMessage } from './synth.js';
import type { Rng } from './rng.js';

const INTERESTING_U32 = [0, 1, 3, 4, 8, 11, 12, 13, 15, 16, 28, 31, 32, 64, 127, 128, 255, 256, 1500, 65535, 65536, 262143, 262144,
  262145, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x00ffffff, 64 * 1024 * 1024, 64 * 1024 * 1024 + 4];
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x30, 0x32, 0x34, 0x36, 0x3f, 0x62, 0x82, 0xc0, 0xe0, 0xf0, 0x1b];

// ── bytes of the file ────────────────────────────────────────────────────────────────────────────

export function flipBits(rng: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  if (out.length === 0) return out;
  const n = rng.chance(0.7) ? 1 : rng.range(2, 16);
  for (let i = 0; i < n; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
}

function setBytes(rng: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  if (out.length === 0) return out;
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) out[rng.int(out.length)] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.byte();
  return out;
}

function insertBytes(rng: Rng, b: Uint8Array): Uint8Array {
  const at = rng.int(b.length + 1);
  const ins = rng.chance(0.5) ? rng.bytes(rng.range(1, 16)) : new Uint8Array(rng.range(1, 64)).fill(rng.pick(INTERESTING_BYTES));
  const out = new Uint8Array(b.length + ins.length);
  out.set(b.subarray(0, at), 0);
  out.set(ins, at);
  out.set(b.subarray(at), at + ins.length);
  return out;
}

function deleteRange(rng: Rng, b: Uint8Array): Uint8Array {
  if (b.length < 2) return b.slice();
  const at = rng.int(b.length);
  const n = Math.min(b.length - at, rng.chance(0.7) ? rng.range(1, 8) : rng.range(1, 512));
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, at), 0);
  out.set(b.subarray(at + n), at);
  return out;
}

function duplicateRange(rng: Rng, b: Uint8Array): Uint8Array {
  if (b.length < 2) return b.slice();
  const from = rng.int(b.length);
  const n = Math.min(b.length - from, rng.range(1, 256));
  const to = rng.int(b.length + 1);
  const out = new Uint8Array(b.length + n);
  out.set(b.subarray(0, to), 0);
  out.set(b.subarray(from, from + n), to);
  out.set(b.subarray(to), to + n);
  return out;
}

/** Cut the file: anywhere, at a record boundary, or a few bytes around one (inside a record header). */
function truncate(rng: Rng, b: Uint8Array): Uint8Array {
  const lay = layoutOf(b);
  if (lay.records.length > 0 && rng.chance(0.6)) {
    const r = rng.pick(lay.records);
    return b.slice(0, Math.max(0, Math.min(b.length, r + rng.range(-4, 40))));
  }
  return b.slice(0, rng.int(b.length + 1));
}

/** A record or block length field set to an interesting (or off-by-a-little) value. */
function corruptLength(rng: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  const lay = layoutOf(out);
  if (lay.lengths.length === 0) return setBytes(rng, out);
  const f = rng.pick(lay.lengths);
  const cur = getU32(out, f.at, f.le);
  const v = rng.chance(0.5) ? rng.pick(INTERESTING_U32) : (cur + rng.pick([-8, -4, -1, 1, 2, 4, 8, 0x10000, 0x100000000 - 4])) >>> 0;
  putU32(out, f.at, v, f.le);
  return out;
}

/** The file header: magic, version, snaplen, link type. */
function corruptHeader(rng: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  if (out.length < 24) return out;
  const lay = layoutOf(out);
  if (lay.format === 'pcap') {
    switch (rng.int(4)) {
      case 0: putU32(out, 0, rng.pick([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34]), false); break;
      case 1: out[4] = rng.byte(); out[6] = rng.byte(); break;
      case 2: putU32(out, 16, rng.pick(INTERESTING_U32), lay.le); break;
      default: putU32(out, 20, rng.pick([0, 1, 101, 108, 113, 276, 12, 14, 228, 229, 105, 127, rng.u32()]), lay.le); break;
    }
  } else if (lay.format === 'pcapng') {
    // The byte-order magic, the version, or an IDB's link type.
    const idb = lay.records.find((r) => getU32(out, r, lay.le) === 1);
    switch (rng.int(3)) {
      case 0: putU32(out, 8, rng.pick([0x4d3c2b1a, 0x1a2b3c4d, 0, rng.u32()]), true); break;
      case 1: out[12] = rng.byte(); out[13] = rng.byte(); break;
      default:
        if (idb !== undefined) { out[idb + 8] = rng.pick([0, 1, 101, 108, 113, 0x14, rng.byte()]); out[idb + 9] = rng.chance(0.8) ? 0 : rng.byte(); }
        break;
    }
  } else {
    return setBytes(rng, out);
  }
  return out;
}

/** Records of `b` up to a random point, then records of `other` (a capture made of two). */
function splice(rng: Rng, b: Uint8Array, other: Uint8Array): Uint8Array {
  const la = layoutOf(b);
  const lb = layoutOf(other);
  const cutA = la.records.length > 0 ? rng.pick(la.records) : rng.int(b.length + 1);
  const cutB = lb.records.length > 1 ? rng.pick(lb.records.slice(1)) : rng.int(other.length + 1);
  const out = new Uint8Array(cutA + other.length - cutB);
  out.set(b.subarray(0, cutA), 0);
  out.set(other.subarray(cutB), cutA);
  return out;
}

/** A pcapng block of any type with any length, inserted at a block boundary. */
function insertBlock(rng: Rng, b: Uint8Array): Uint8Array {
  const lay = layoutOf(b);
  if (lay.format !== 'pcapng' || lay.records.length === 0) return insertBytes(rng, b);
  const at = rng.pick([...lay.records.slice(1), b.length]);
  const bodyLen = rng.pick([0, 4, 8, 16, 32, 100]);
  const blk = new Uint8Array(12 + bodyLen);
  const type = rng.pick([1, 2, 3, 4, 5, 6, 0x0a0d0d0a, 0xbad, 0x40000bad, 0x80000001, rng.u32()]);
  const total = rng.chance(0.7) ? 12 + bodyLen : rng.pick(INTERESTING_U32);
  putU32(blk, 0, type, lay.le);
  putU32(blk, 4, total, lay.le);
  blk.set(rng.bytes(bodyLen), 8);
  putU32(blk, 8 + bodyLen, rng.chance(0.8) ? total : rng.u32(), lay.le);
  const out = new Uint8Array(b.length + blk.length);
  out.set(b.subarray(0, at), 0);
  out.set(blk, at);
  out.set(b.subarray(at), at + blk.length);
  return out;
}

export const BYTE_MUTATIONS = ['flip', 'set', 'insert', 'delete', 'duplicate', 'truncate', 'length', 'header', 'splice', 'block'] as const;
export type ByteMutation = typeof BYTE_MUTATIONS[number];

export function mutateBytes(rng: Rng, b: Uint8Array, other: () => Uint8Array): { bytes: Uint8Array; ops: ByteMutation[] } {
  const ops: ByteMutation[] = [];
  let out = b;
  const n = rng.chance(0.6) ? 1 : rng.range(2, 5);
  for (let i = 0; i < n; i++) {
    const op = BYTE_MUTATIONS[rng.weighted([6, 2, 2, 2, 1, 3, 4, 2, 1, 1])]!;
    ops.push(op);
    switch (op) {
      case 'flip': out = flipBits(rng, out); break;
      case 'set': out = setBytes(rng, out); break;
      case 'insert': out = insertBytes(rng, out); break;
      case 'delete': out = deleteRange(rng, out); break;
      case 'duplicate': out = duplicateRange(rng, out); break;
      case 'truncate': out = truncate(rng, out); break;
      case 'length': out = corruptLength(rng, out); break;
      case 'header': out = corruptHeader(rng, out); break;
      case 'splice': out = splice(rng, out, other()); break;
      case 'block': out = insertBlock(rng, out); break;
    }
  }
  return { bytes: out, ops };
}

// ── records ──────────────────────────────────────────────────────────────────────────────────────

/** Offsets of the IP header and the TCP header in a frame, when it looks like TCP over IP. */
export function headersOf(p: Packet): { ip: number; tcp: number; payload: number } | null {
  const d = p.data;
  let ip: number;
  switch (p.linkType) {
    case LINK.ETHERNET: {
      ip = 14;
      let type = ((d[12] ?? 0) << 8) | (d[13] ?? 0);
      while ((type === 0x8100 || type === 0x88a8) && ip + 4 <= d.length) { type = ((d[ip + 2] ?? 0) << 8) | (d[ip + 3] ?? 0); ip += 4; }
      break;
    }
    case LINK.RAW: ip = 0; break;
    case LINK.NULL: case LINK.LOOP: ip = 4; break;
    case LINK.SLL: ip = 16; break;
    case LINK.SLL2: ip = 20; break;
    default: return null;
  }
  if (ip >= d.length) return null;
  const v = d[ip]! >>> 4;
  let tcp: number;
  if (v === 4) {
    if (d[ip + 9] !== 6) return null;
    tcp = ip + (d[ip]! & 0x0f) * 4;
  } else if (v === 6) {
    if (d[ip + 6] !== 6) return null;
    tcp = ip + 40;
  } else {
    return null;
  }
  if (tcp + 20 > d.length) return null;
  return { ip, tcp, payload: tcp + (d[tcp + 12]! >>> 4) * 4 };
}

function withData(p: Packet, data: Uint8Array, origLen?: number): Packet {
  return { sec: p.sec, nsec: p.nsec, linkType: p.linkType, data, ...(origLen !== undefined ? { origLen } : {}) };
}

function addSeq(d: Uint8Array, at: number, delta: number): void {
  const v = getU32(d, at, false);
  putU32(d, at, (v + delta) >>> 0, false);
}

export const RECORD_MUTATIONS = ['drop', 'repeat', 'swap', 'shuffle', 'retime', 'cut', 'tcp-field', 'ip-field', 'payload',
  'seq-jump', 'link'] as const;

export function mutateRecords(rng: Rng, input: readonly Packet[]): { packets: Packet[]; ops: string[] } {
  const ps = [...input];
  const ops: string[] = [];
  const n = rng.chance(0.5) ? 1 : rng.range(2, 6);
  for (let k = 0; k < n && ps.length > 0; k++) {
    const op = RECORD_MUTATIONS[rng.weighted([2, 2, 2, 1, 1, 2, 3, 2, 4, 2, 1])]!;
    ops.push(op);
    const i = rng.int(ps.length);
    const p = ps[i]!;
    const h = headersOf(p);
    switch (op) {
      case 'drop': ps.splice(i, rng.range(1, 3)); break;
      case 'repeat': ps.splice(i, 0, ...ps.slice(i, i + rng.range(1, 3))); break;
      case 'swap': if (i + 1 < ps.length) { ps[i] = ps[i + 1]!; ps[i + 1] = p; } break;
      case 'shuffle': {
        const w = ps.slice(i, i + rng.range(2, 8));
        for (let j = w.length - 1; j > 0; j--) { const r = rng.int(j + 1); [w[j], w[r]] = [w[r]!, w[j]!]; }
        ps.splice(i, w.length, ...w);
        break;
      }
      case 'retime': ps[i] = { ...p, sec: rng.pick([0, p.sec - 3600, p.sec + rng.range(1, 600), 0xffffffff, p.sec]), nsec: rng.pick([0, 999_999_000, p.nsec]) }; break;
      case 'cut': {
        // At a layer boundary (link, IP, TCP header, payload) or anywhere; the wire length stays (a snaplen cut) or not.
        const cuts = h ? [0, h.ip, h.ip + 1, h.tcp, h.tcp + 10, h.payload, h.payload + 1, h.payload + 2] : [0, 1, 14];
        const at = Math.min(p.data.length, rng.chance(0.7) ? rng.pick(cuts) : rng.int(p.data.length + 1));
        ps[i] = withData(p, p.data.slice(0, at), rng.chance(0.7) ? p.origLen ?? p.data.length : undefined);
        break;
      }
      case 'tcp-field': {
        if (!h) break;
        const d = p.data.slice();
        const field = rng.int(5);
        if (field === 0) d[h.tcp + 13] = rng.pick([0x02, 0x12, 0x11, 0x04, 0x14, 0x01, 0x18, 0x00, 0xff, 0x03, 0x06]); // flags
        else if (field === 1) d[h.tcp + 12] = (rng.int(16) << 4) | (d[h.tcp + 12]! & 0x0f); // data offset
        else if (field === 2) addSeq(d, h.tcp + 4, rng.pick([1, -1, 100, -100, 0x7fffffff, 0x80000000, rng.u32()])); // seq
        else if (field === 3) { d[h.tcp] = rng.byte(); d[h.tcp + 2] = rng.byte(); } // ports
        else { d[h.tcp + 20] = rng.pick([0, 1, 2, 3, 4, 8, 0xff]); } // first option byte (or payload)
        ps[i] = withData(p, d, p.origLen);
        break;
      }
      case 'ip-field': {
        if (!h) break;
        const d = p.data.slice();
        const v4 = d[h.ip]! >>> 4 === 4;
        const field = rng.int(4);
        if (field === 0) { d[h.ip + (v4 ? 2 : 4)] = rng.byte(); d[h.ip + (v4 ? 3 : 5)] = rng.byte(); } // length
        else if (field === 1) d[h.ip] = rng.pick([0x40, 0x44, 0x46, 0x4f, 0x60, 0x00, 0xf5, 0x55]); // version / IHL
        else if (field === 2 && v4) { d[h.ip + 6] = rng.pick([0x20, 0x00, 0x40, 0x3f, 0x1f]); d[h.ip + 7] = rng.byte(); } // fragment
        else d[h.ip + (v4 ? 9 : 6)] = rng.pick([6, 17, 44, 0, 0x3b]); // protocol / next header
        ps[i] = withData(p, d, p.origLen);
        break;
      }
      case 'payload': {
        if (!h || h.payload >= p.data.length) { ps[i] = withData(p, flipBits(rng, p.data), p.origLen); break; }
        const d = p.data.slice();
        const m = rng.range(1, 4);
        for (let j = 0; j < m; j++) {
          const at = h.payload + rng.int(d.length - h.payload);
          d[at] = rng.chance(0.5) ? d[at]! ^ (1 << rng.int(8)) : rng.pick(INTERESTING_BYTES);
        }
        ps[i] = withData(p, d, p.origLen);
        break;
      }
      case 'seq-jump': {
        // Every later segment of this direction far ahead: out-of-order data beyond any window.
        if (!h) break;
        const delta = rng.pick([65536, 1 << 20, 0x40000000, 0x7fffffff, 0x80000000]);
        const sport = (p.data[h.tcp]! << 8) | p.data[h.tcp + 1]!;
        for (let j = i; j < ps.length; j++) {
          const q = ps[j]!;
          const hq = headersOf(q);
          if (!hq || ((q.data[hq.tcp]! << 8) | q.data[hq.tcp + 1]!) !== sport) continue;
          const d = q.data.slice();
          addSeq(d, hq.tcp + 4, delta);
          ps[j] = withData(q, d, q.origLen);
        }
        break;
      }
      case 'link': ps[i] = { ...p, linkType: rng.pick([0, 1, 101, 108, 113, 276, 12, 147, 228, 229]) }; break;
    }
  }
  return { packets: ps, ops };
}

/** Writes records as pcap or pcapng in a random flavour (byte order, resolution, simple blocks). */
export function writeAny(rng: Rng, packets: readonly Packet[]): { bytes: Uint8Array; format: string } {
  const mixed = packets.some((p) => p.linkType !== packets[0]?.linkType);
  const le = rng.chance(0.8);
  if (!mixed && rng.chance(0.5)) {
    const ns = rng.chance(0.2);
    return { bytes: writePcap(packets, { le, ns, ...(rng.chance(0.1) ? { snaplen: rng.pick([64, 96, 1500]) } : {}) }), format: `pcap${ns ? '-ns' : ''}${le ? '' : '-be'}` };
  }
  const tsresol = rng.chance(0.2) ? 9 : 6;
  const simple = rng.chance(0.1);
  return { bytes: writePcapng(packets, { le, tsresol, simple }), format: `pcapng${le ? '' : '-be'}${tsresol === 9 ? '-ns' : ''}${simple ? '-spb' : ''}` };
}

// ── MQTT packets ─────────────────────────────────────────────────────────────────────────────────

/** Where the Remaining Length ends (the header length), or 0 when the bytes do not frame. */
function headerLength(b: Uint8Array): number {
  for (let i = 1; i < Math.min(b.length, 5); i++) if ((b[i]! & 0x80) === 0) return i + 1;
  return 0;
}

function withRemainingLength(b: Uint8Array, rl: number[]): Uint8Array {
  const hl = headerLength(b) || Math.min(b.length, 2);
  return Uint8Array.from([b[0] ?? 0x30, ...rl, ...b.subarray(hl)]);
}

export const MQTT_MUTATIONS = ['flip', 'first-byte', 'remaining-length', 'cut', 'extend', 'garbage-between', 'duplicate', 'drop',
  'swap', 'foreign', 'string-length', 'huge-claim'] as const;

/** Corrupts the MQTT packets of a conversation; TCP/WebSocket framing is re-synthesized around them. */
export function mutateMqtt(rng: Rng, input: readonly MqttMessage[], level: Level): { messages: MqttMessage[]; ops: string[] } {
  const ms = [...input];
  const ops: string[] = [];
  const n = rng.chance(0.5) ? 1 : rng.range(2, 5);
  for (let k = 0; k < n && ms.length > 0; k++) {
    const op = MQTT_MUTATIONS[rng.weighted([5, 3, 3, 2, 2, 2, 1, 1, 1, 2, 2, 1])]!;
    ops.push(op);
    const i = rng.int(ms.length);
    const m = ms[i]!;
    const b = m.bytes;
    const put = (bytes: Uint8Array): void => { ms[i] = { dir: m.dir, bytes }; };
    switch (op) {
      case 'flip': {
        const hl = headerLength(b) || 1;
        const d = b.slice();
        if (d.length > hl) for (let j = rng.range(1, 3); j > 0; j--) d[hl + rng.int(d.length - hl)]! ^= 1 << rng.int(8);
        put(d);
        break;
      }
      case 'first-byte': { const d = b.slice(); d[0] = rng.chance(0.5) ? rng.byte() : (d[0]! & 0xf0) | rng.int(16); put(d); break; }
      case 'remaining-length': {
        const hl = headerLength(b);
        const rl = hl ? b.length - hl : 0;
        put(withRemainingLength(b, rng.pick([
          varint(Math.max(0, rl + rng.range(-3, 3))), varint(rl + rng.range(4, 100)), [0x80 | (rl & 0x7f), rl >> 7], // non-minimal
          [0xff, 0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x80, 0x01], [0xff, 0xff, 0xff, 0xff], [0x80], [0x00],
        ])));
        break;
      }
      case 'cut': put(b.slice(0, rng.int(b.length))); break;
      case 'extend': put(Uint8Array.from([...b, ...rng.bytes(rng.range(1, 20))])); break;
      case 'garbage-between': ms.splice(i, 0, { dir: m.dir, bytes: rng.bytes(rng.range(1, 40)) }); break;
      case 'duplicate': ms.splice(i, 0, m); break;
      case 'drop': ms.splice(i, 1); break;
      case 'swap': if (i + 1 < ms.length) { ms[i] = ms[i + 1]!; ms[i + 1] = m; } break;
      case 'foreign': {
        // A packet of another type or of another protocol level, in either direction.
        const lv = rng.chance(0.7) ? level : rng.pick<Level>([3, 4, 5]);
        ms.splice(i, 0, { dir: rng.chance(0.5) ? 'c2s' : 's2c', bytes: genPacket(rng, rng.pick(PACKET_NAMES), { level: lv }) });
        break;
      }
      case 'string-length': {
        // A 2-byte length prefix somewhere in the body set to something that does not fit.
        const hl = headerLength(b) || 1;
        if (b.length < hl + 2) break;
        const d = b.slice();
        const at = hl + rng.int(d.length - hl - 1);
        const v = rng.pick([0xffff, 0x8000, d.length, d.length - at, 0]);
        d[at] = v >>> 8;
        d[at + 1] = v & 0xff;
        put(d);
        break;
      }
      case 'huge-claim': {
        // A header announcing a packet far larger than what follows (up to 256 MB).
        ms.splice(i, 0, { dir: m.dir, bytes: Uint8Array.from([rng.pick([0x30, 0x32, 0x10, 0x82, 0x00]), ...varint(rng.pick([268435455, 16 * 1024 * 1024, 16 * 1024 * 1024 - 5, 2_000_000, 70000]))]) });
        break;
      }
    }
  }
  return { messages: ms, ops };
}

// ── chunking ─────────────────────────────────────────────────────────────────────────────────────

/** Chunk sizes that add up to `length`: one chunk, random sizes, tiny pieces or single bytes. */
export function chunkPlan(rng: Rng, length: number): number[] {
  const r = rng.float();
  if (length === 0 || r < 0.4) return [length];
  const out: number[] = [];
  let left = length;
  // Tiny pieces only for small inputs: 16-byte chunks of a 200 KB file cost time and find nothing new.
  const max = r < 0.7 || length > 20_000 ? 4096 : r < 0.9 ? 16 : length < 4000 ? 1 : 8;
  while (left > 0) {
    const n = Math.min(left, rng.range(1, max));
    out.push(n);
    left -= n;
  }
  return out;
}

export function splitBy(b: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of sizes) { out.push(b.subarray(at, at + n)); at += n; }
  if (at < b.length) out.push(b.subarray(at));
  return out;
}
