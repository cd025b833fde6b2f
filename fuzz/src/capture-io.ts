/**
 * Capture files for the fuzzer: a pcap and pcapng writer (either byte order, µs or ns), and the
 * layout of an existing file (where each record or block header and its length fields sit) so that
 * mutations can aim at the length fields. Self-contained (the test-only writers under test/support
 * are TypeScript that `npm run fuzz` cannot load from dist/).
 */

export interface Packet {
  readonly sec: number;
  readonly nsec: number;
  readonly linkType: number;
  readonly data: Uint8Array;
  /** Length on the wire (default data.length). */
  readonly origLen?: number;
}

export const LINK = { NULL: 0, ETHERNET: 1, RAW: 101, LOOP: 108, SLL: 113, SLL2: 276 } as const;

class Writer {
  private buf = new Uint8Array(1024);
  length = 0;

  constructor(private readonly le: boolean) {}

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u16(v: number): this {
    this.room(2);
    const b = this.buf;
    if (this.le) { b[this.length] = v & 0xff; b[this.length + 1] = (v >>> 8) & 0xff; }
    else { b[this.length] = (v >>> 8) & 0xff; b[this.length + 1] = v & 0xff; }
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    const b = this.buf;
    const x = v >>> 0;
    if (this.le) { b[this.length] = x & 0xff; b[this.length + 1] = (x >>> 8) & 0xff; b[this.length + 2] = (x >>> 16) & 0xff; b[this.length + 3] = x >>> 24; }
    else { b[this.length] = x >>> 24; b[this.length + 1] = (x >>> 16) & 0xff; b[this.length + 2] = (x >>> 8) & 0xff; b[this.length + 3] = x & 0xff; }
    this.length += 4;
    return this;
  }

  bytes(d: Uint8Array): this {
    this.room(d.length);
    this.buf.set(d, this.length);
    this.length += d.length;
    return this;
  }

  pad4(): this {
    while (this.length % 4 !== 0) { this.room(1); this.buf[this.length++] = 0; }
    return this;
  }

  /** Overwrites a u32 written earlier. */
  setU32(at: number, v: number): void {
    const save = this.length;
    this.length = at;
    this.u32(v);
    this.length = save;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export interface PcapOptions {
  readonly le?: boolean;
  readonly ns?: boolean;
  readonly snaplen?: number;
  readonly linkType?: number;
}

/** A classic pcap file (every packet takes the file's link type). */
export function writePcap(packets: readonly Packet[], o: PcapOptions = {}): Uint8Array {
  const le = o.le ?? true;
  const w = new Writer(le);
  w.u32(o.ns ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(o.snaplen ?? 262144)
    .u32(o.linkType ?? packets[0]?.linkType ?? LINK.ETHERNET);
  for (const p of packets) {
    w.u32(p.sec).u32(o.ns ? p.nsec : Math.floor(p.nsec / 1000)).u32(p.data.length).u32(p.origLen ?? p.data.length).bytes(p.data);
  }
  return w.finish();
}

export interface PcapngOptions {
  readonly le?: boolean;
  /** Timestamp resolution digits (6 = µs default, 9 = ns). */
  readonly tsresol?: number;
  /** Write some packets as Simple Packet Blocks (interface 0 only). */
  readonly simple?: boolean;
}

/** A one-section pcapng file: one IDB per link type, then one EPB per packet. */
export function writePcapng(packets: readonly Packet[], o: PcapngOptions = {}): Uint8Array {
  const le = o.le ?? true;
  const w = new Writer(le);
  const block = (type: number, body: (w: Writer) => void): void => {
    const start = w.length;
    w.u32(type).u32(0);
    body(w);
    w.pad4();
    const total = w.length - start + 4;
    w.u32(total);
    w.setU32(start + 4, total);
  };
  block(0x0a0d0d0a, (w) => { w.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff); });
  const ifaces: number[] = [];
  for (const p of packets) if (!ifaces.includes(p.linkType)) ifaces.push(p.linkType);
  if (ifaces.length === 0) ifaces.push(LINK.ETHERNET);
  const resol = o.tsresol ?? 6;
  for (const lt of ifaces) {
    block(1, (w) => {
      w.u16(lt).u16(0).u32(0);
      if (resol !== 6) { w.u16(9).u16(1).bytes(Uint8Array.of(resol, 0, 0, 0)); w.u16(0).u16(0); }
    });
  }
  const perSec = 10n ** BigInt(resol);
  for (const p of packets) {
    const iface = ifaces.indexOf(p.linkType);
    if (o.simple && iface === 0) {
      block(3, (w) => { w.u32(p.origLen ?? p.data.length).bytes(p.data); });
      continue;
    }
    const ticks = BigInt(p.sec) * perSec + (BigInt(p.nsec) * perSec) / 1_000_000_000n;
    block(6, (w) => {
      w.u32(iface).u32(Number((ticks >> 32n) & 0xffffffffn)).u32(Number(ticks & 0xffffffffn))
        .u32(p.data.length).u32(p.origLen ?? p.data.length).bytes(p.data);
    });
  }
  return w.finish();
}

/** Where a length field sits in a file, and how wide it is. */
export interface LengthField {
  readonly at: number;
  readonly width: 4;
  readonly le: boolean;
  readonly what: 'pcap.caplen' | 'pcap.origlen' | 'pcapng.total' | 'pcapng.trailer' | 'pcapng.epb.caplen' | 'pcap.snaplen';
}

export interface Layout {
  readonly format: 'pcap' | 'pcapng' | null;
  readonly le: boolean;
  /** Offsets of record (pcap) or block (pcapng) headers, in file order. */
  readonly records: readonly number[];
  readonly lengths: readonly LengthField[];
  /** Offsets where each record's packet data starts, with its captured length. */
  readonly data: readonly { readonly at: number; readonly length: number }[];
}

function u32At(b: Uint8Array, at: number, le: boolean): number {
  return le
    ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
    : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Walks a (well-formed) file's records or blocks; stops quietly at the first damage. */
export function layoutOf(b: Uint8Array): Layout {
  const records: number[] = [];
  const lengths: LengthField[] = [];
  const data: { at: number; length: number }[] = [];
  if (b.length < 24) return { format: null, le: true, records, lengths, data };
  const m = u32At(b, 0, false);
  if (m === 0xd4c3b2a1 || m === 0xa1b2c3d4 || m === 0x4d3cb2a1 || m === 0xa1b23c4d) {
    const le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
    lengths.push({ at: 16, width: 4, le, what: 'pcap.snaplen' });
    let p = 24;
    while (p + 16 <= b.length && records.length < 100_000) {
      const cap = u32At(b, p + 8, le);
      records.push(p);
      lengths.push({ at: p + 8, width: 4, le, what: 'pcap.caplen' }, { at: p + 12, width: 4, le, what: 'pcap.origlen' });
      if (p + 16 + cap > b.length) break;
      data.push({ at: p + 16, length: cap });
      p += 16 + cap;
    }
    return { format: 'pcap', le, records, lengths, data };
  }
  if (m === 0x0a0d0d0a) {
    let le = u32At(b, 8, true) === 0x1a2b3c4d;
    let p = 0;
    while (p + 12 <= b.length && records.length < 100_000) {
      const type = u32At(b, p, le);
      if (type === 0x0a0d0d0a && p + 12 <= b.length) le = u32At(b, p + 8, true) === 0x1a2b3c4d;
      const total = u32At(b, p + 4, le);
      records.push(p);
      lengths.push({ at: p + 4, width: 4, le, what: 'pcapng.total' });
      if (total < 12 || total % 4 !== 0 || p + total > b.length) break;
      lengths.push({ at: p + total - 4, width: 4, le, what: 'pcapng.trailer' });
      if (type === 6 && total >= 32) {
        lengths.push({ at: p + 20, width: 4, le, what: 'pcapng.epb.caplen' });
        data.push({ at: p + 28, length: Math.min(u32At(b, p + 20, le), total - 32) });
      } else if (type === 3 && total >= 16) {
        data.push({ at: p + 12, length: total - 16 });
      }
      p += total;
    }
    return { format: 'pcapng', le, records, lengths, data };
  }
  return { format: null, le: true, records, lengths, data };
}

/** Writes `v` as a u32 at `at` (in place). */
export function putU32(b: Uint8Array, at: number, v: number, le: boolean): void {
  if (at < 0 || at + 4 > b.length) return;
  const x = v >>> 0;
  if (le) { b[at] = x & 0xff; b[at + 1] = (x >>> 8) & 0xff; b[at + 2] = (x >>> 16) & 0xff; b[at + 3] = x >>> 24; }
  else { b[at] = x >>> 24; b[at + 1] = (x >>> 16) & 0xff; b[at + 2] = (x >>> 8) & 0xff; b[at + 3] = x & 0xff; }
}

export function getU32(b: Uint8Array, at: number, le: boolean): number {
  return u32At(b, at, le);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
