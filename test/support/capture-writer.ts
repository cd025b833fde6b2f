/**
 * Test-only capture writer: classic pcap (draft-ietf-opsawg-pcap) in either byte order and
 * precision, and pcapng (draft-ietf-opsawg-pcapng) from a list of packets or block by block, with
 * several sections, SPB/OPB, custom and unknown blocks, and deliberate damage (wrong lengths).
 *
 * Typical use:
 *   writePcap([{ ts: { sec: 1, nsec: 0 }, data: frameBytes }])                  // LE, µs, Ethernet
 *   writePcapng([{ ts, linkType: LINKTYPE.RAW, data }], { tsresol: { pow10: 9 } })
 *   writePcapngSections([{ byteOrder: 'be', blocks: [{ type: 'idb', linkType: 1 }, { type: 'epb', … }] }])
 *
 * `parseCapture` runs the real CaptureParser over bytes (optionally chunked) and collects everything,
 * for tests that check what the capture layer makes of a synthesized file.
 */
import { CaptureParser } from '../../src/capture/parser.js';
import type { CaptureDiagnostic, CaptureFormat, CaptureRecord } from '../../src/capture/types.js';

/** LINKTYPE_* values the tests use (tcpdump.org link-layer header types). */
export const LINKTYPE = { NULL: 0, ETHERNET: 1, RAW: 101, LOOP: 108, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;

/** A point in time as the capture layer reports it. */
export interface WriteTime {
  readonly sec: number;
  readonly nsec: number;
}

/** One packet to write. */
export interface WritePacket {
  readonly ts: WriteTime;
  /** LINKTYPE_* of the packet's interface; default Ethernet (1). */
  readonly linkType?: number;
  /** The captured bytes. */
  readonly data: Uint8Array;
  /** Length on the wire; default `data.length` (set it larger to mimic a snaplen cut). */
  readonly origLen?: number;
}

/** Byte order of a file (classic pcap) or of a section (pcapng). */
export type ByteOrder = 'le' | 'be';

/** Options of a classic pcap file. */
export interface PcapOptions {
  /** Default 'le' (what x86 tcpdump writes). */
  readonly byteOrder?: ByteOrder;
  /** 'us' (magic a1b2c3d4, default) or 'ns' (magic a1b23c4d). */
  readonly precision?: 'us' | 'ns';
  /** Default 262144. */
  readonly snaplen?: number;
  /** The file's link type; default the first packet's, else Ethernet. */
  readonly linkType?: number;
}

/** Builds a classic pcap file. Every packet takes the file's link type (classic pcap has one). */
export function writePcap(packets: readonly WritePacket[], opts: PcapOptions = {}): Uint8Array {
  const le = (opts.byteOrder ?? 'le') === 'le';
  const ns = opts.precision === 'ns';
  const w = new ByteWriter(le);
  w.u32(ns ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0)
    .u32(opts.snaplen ?? 262144).u32(opts.linkType ?? packets[0]?.linkType ?? LINKTYPE.ETHERNET);
  for (const p of packets) {
    w.u32(p.ts.sec).u32(ns ? p.ts.nsec : Math.floor(p.ts.nsec / 1000))
      .u32(p.data.length).u32(p.origLen ?? p.data.length).bytes(p.data);
  }
  return w.finish();
}

/** `if_tsresol` (pcapng §4.2): 10^-pow10 or 2^-pow2 seconds per tick. */
export type TsResol = { readonly pow10: number } | { readonly pow2: number };

/** Options of a one-section pcapng file built from packets. */
export interface PcapngOptions {
  readonly byteOrder?: ByteOrder;
  /** Resolution of every interface; default microseconds (no option written). */
  readonly tsresol?: TsResol;
  /** SnapLen of every interface; default 0 (no limit). */
  readonly snaplen?: number;
}

/** Builds a one-section pcapng: one IDB per distinct link type (first-seen order), one EPB per packet. */
export function writePcapng(packets: readonly WritePacket[], opts: PcapngOptions = {}): Uint8Array {
  const ifaces: number[] = [];
  const blocks: PcapngBlock[] = [];
  for (const p of packets) {
    const lt = p.linkType ?? LINKTYPE.ETHERNET;
    if (!ifaces.includes(lt)) {
      ifaces.push(lt);
      blocks.push({ type: 'idb', linkType: lt, ...(opts.snaplen !== undefined ? { snaplen: opts.snaplen } : {}),
        ...(opts.tsresol ? { tsresol: opts.tsresol } : {}) });
    }
  }
  for (const p of packets) {
    blocks.push({ type: 'epb', iface: ifaces.indexOf(p.linkType ?? LINKTYPE.ETHERNET), ts: p.ts, data: p.data,
      ...(p.origLen !== undefined ? { origLen: p.origLen } : {}) });
  }
  return writePcapngSections([{ ...(opts.byteOrder ? { byteOrder: opts.byteOrder } : {}), blocks }]);
}

/** One pcapng block, for block-level control. */
export type PcapngBlock =
  /** Interface Description Block (§4.2); interfaces are numbered from 0 in each section. */
  | { readonly type: 'idb'; readonly linkType: number; readonly snaplen?: number; readonly tsresol?: TsResol;
      /** if_tsoffset in seconds (§4.2). */ readonly tsoffset?: number }
  /** Enhanced Packet Block (§4.3); `ts` is converted with the interface's resolution and offset. */
  | { readonly type: 'epb'; readonly iface: number; readonly ts: WriteTime; readonly data: Uint8Array;
      readonly origLen?: number; /** Raw options bytes appended after the data (already padded). */ readonly options?: Uint8Array }
  /** Obsolete Packet Block (type 2): 16-bit interface id and a drops count. */
  | { readonly type: 'opb'; readonly iface: number; readonly ts: WriteTime; readonly data: Uint8Array; readonly origLen?: number }
  /** Simple Packet Block (§4.4): interface 0, no timestamp; `data` is written whole, padded. */
  | { readonly type: 'spb'; readonly data: Uint8Array; readonly origLen?: number }
  /** Custom Block: type 0x00000BAD (copyable, default) or 0x40000BAD, a Private Enterprise Number, then data. */
  | { readonly type: 'custom'; readonly pen: number; readonly data: Uint8Array; readonly copyable?: boolean }
  /**
   * Any block type with a raw body (padded to 4). `totalLength` / `trailingLength` override the two
   * length fields to build damaged files.
   */
  | { readonly type: 'raw'; readonly blockType: number; readonly body: Uint8Array; readonly totalLength?: number;
      readonly trailingLength?: number };

/** One pcapng section: a Section Header Block in its byte order, then its blocks. */
export interface PcapngSection {
  readonly byteOrder?: ByteOrder;
  /** Major and minor version written in the SHB; default 1.0. */
  readonly version?: readonly [number, number];
  readonly blocks: readonly PcapngBlock[];
}

/** Builds a pcapng file section by section, block by block. */
export function writePcapngSections(sections: readonly PcapngSection[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const s of sections) {
    const le = (s.byteOrder ?? 'le') === 'le';
    const [major, minor] = s.version ?? [1, 0];
    // Section length -1: "not specified" (§4.1).
    parts.push(block(le, 0x0a0d0d0a, new ByteWriter(le).u32(0x1a2b3c4d).u16(major).u16(minor)
      .u32(0xffffffff).u32(0xffffffff).finish()));
    const ifaces: { tsresol: TsResol; tsoffset: number }[] = [];
    for (const b of s.blocks) parts.push(writeBlock(le, b, ifaces));
  }
  return concatBytes(...parts);
}

function writeBlock(le: boolean, b: PcapngBlock, ifaces: { tsresol: TsResol; tsoffset: number }[]): Uint8Array {
  switch (b.type) {
    case 'idb': {
      const tsresol = b.tsresol ?? { pow10: 6 };
      ifaces.push({ tsresol, tsoffset: b.tsoffset ?? 0 });
      const w = new ByteWriter(le).u16(b.linkType).u16(0).u32(b.snaplen ?? 0);
      if (b.tsresol) {
        const v = 'pow10' in b.tsresol ? b.tsresol.pow10 : 0x80 | b.tsresol.pow2;
        w.u16(9).u16(1).bytes(Uint8Array.of(v, 0, 0, 0));
      }
      if (b.tsoffset !== undefined) w.u16(14).u16(8).i64(BigInt(b.tsoffset));
      if (b.tsresol || b.tsoffset !== undefined) w.u16(0).u16(0);
      return block(le, 1, w.finish());
    }
    case 'epb':
    case 'opb': {
      const iface = ifaces[b.iface] ?? { tsresol: { pow10: 6 }, tsoffset: 0 };
      const ticks = toTicks(b.ts, iface.tsresol, iface.tsoffset);
      const w = new ByteWriter(le);
      if (b.type === 'epb') w.u32(b.iface);
      else w.u16(b.iface).u16(0);
      w.u32(Number(ticks >> 32n)).u32(Number(ticks & 0xffffffffn)).u32(b.data.length)
        .u32(b.origLen ?? b.data.length).bytes(b.data).pad();
      if (b.type === 'epb' && b.options) w.bytes(b.options);
      return block(le, b.type === 'epb' ? 6 : 2, w.finish());
    }
    case 'spb':
      return block(le, 3, new ByteWriter(le).u32(b.origLen ?? b.data.length).bytes(b.data).pad().finish());
    case 'custom':
      return block(le, b.copyable === false ? 0x40000bad : 0x00000bad,
        new ByteWriter(le).u32(b.pen).bytes(b.data).pad().finish());
    case 'raw': {
      const body = new ByteWriter(le).bytes(b.body).pad().finish();
      return block(le, b.blockType, body, b.totalLength, b.trailingLength);
    }
    default: {
      const never: never = b;
      return never;
    }
  }
}

/** General block structure (§3.1): type, total length, body, total length again. */
function block(le: boolean, type: number, body: Uint8Array, totalLength?: number, trailingLength?: number): Uint8Array {
  const len = 12 + body.length;
  return new ByteWriter(le).u32(type).u32(totalLength ?? len).bytes(body).u32(trailingLength ?? totalLength ?? len).finish();
}

function toTicks(ts: WriteTime, res: TsResol, offsetSec: number): bigint {
  const perSec = 'pow10' in res ? 10n ** BigInt(res.pow10) : 1n << BigInt(res.pow2);
  return BigInt(ts.sec - offsetSec) * perSec + (BigInt(ts.nsec) * perSec) / 1_000_000_000n;
}

/** Joins byte arrays into one fresh array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits `bytes` into chunks at the given offsets (any order, repeats and out-of-range ones ignored). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** `n` deterministic bytes (a counter starting at `seed`), handy as packet data. */
export function fillBytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + i) & 0xff;
  return out;
}

/** Little helper that appends integers in one byte order. */
class ByteWriter {
  private parts: number[] = [];
  private chunks: Uint8Array[] = [];
  private length = 0;

  constructor(private readonly le: boolean) {}

  u16(v: number): this {
    return this.raw(this.le ? [v & 0xff, (v >>> 8) & 0xff] : [(v >>> 8) & 0xff, v & 0xff]);
  }

  u32(v: number): this {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    return this.raw(this.le ? b.reverse() : b);
  }

  i64(v: bigint): this {
    const u = BigInt.asUintN(64, v);
    const hi = Number(u >> 32n);
    const lo = Number(u & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }

  bytes(b: Uint8Array): this {
    this.flush();
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }

  /** Zero bytes up to the next multiple of 4. */
  pad(): this {
    const total = this.length + this.parts.length;
    return this.raw(new Array<number>((4 - (total % 4)) % 4).fill(0));
  }

  finish(): Uint8Array {
    this.flush();
    return concatBytes(...this.chunks);
  }

  private raw(b: number[]): this {
    this.parts.push(...b);
    return this;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    this.chunks.push(Uint8Array.from(this.parts));
    this.length += this.parts.length;
    this.parts = [];
  }
}

/** What the capture layer made of some bytes. */
export interface Parsed {
  readonly records: CaptureRecord[];
  readonly diagnostics: CaptureDiagnostic[];
  readonly format: CaptureFormat | null;
  readonly linkTypes: readonly number[];
  /** The error thrown (a CaptureInputError for a non-capture), if any. */
  readonly error: unknown;
}

/** Parses `input` (one array, or chunks) with CaptureParser and collects records, diagnostics and the error. */
export function parseCapture(input: Uint8Array | readonly Uint8Array[]): Parsed {
  const records: CaptureRecord[] = [];
  const diagnostics: CaptureDiagnostic[] = [];
  const parser = new CaptureParser({ record: (r) => records.push(r), diagnostic: (d) => diagnostics.push(d) });
  let error: unknown;
  try {
    for (const chunk of input instanceof Uint8Array ? [input] : input) parser.push(chunk);
    parser.end();
  } catch (e) {
    error = e;
  }
  return { records, diagnostics, format: parser.format, linkTypes: [...parser.linkTypes], error };
}
