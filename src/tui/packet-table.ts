/**
 * PacketTable: the MQTT packet summaries of one connection, columnar (typed arrays) in fixed-size
 * blocks, so a million rows cost tens of MB and any row is read in O(1) for the visible window.
 *
 * Rows have a logical index (0 = the connection's first packet) that never changes. Memory is bounded
 * by dropping whole blocks from the front (`dropFirstBlock`); `first` tells where the kept rows start,
 * and the UI says so. Appending never copies earlier rows (no doubling).
 */
import type { Timestamp } from '../capture/types.js';
import type { Dir } from '../diag/types.js';
import type { Anomaly } from '../engine/model.js';
import { PACKET_TYPE_NAMES, type PacketTypeName, type ProtocolLevel } from '../mqtt/types.js';

export type RowType = PacketTypeName | 'TRUNCATED';

/** Type column code: 0-15 the fixed header's type, 16 a TRUNCATED record. */
const TRUNCATED_CODE = 16;
const DIR_S2C = 0x80;
/** flags column bits. */
const HAS_ANOMALY = 1;
const HAS_ERROR = 2;

/** What the feed appends for one packet. */
export interface RowInput {
  /** Frame carrying the packet's last byte (where Wireshark shows it). */
  readonly frame: number;
  readonly firstFrame: number;
  /** Offset of the packet's first byte in `firstFrame`. */
  readonly frameOffset: number;
  readonly ts: Timestamp;
  readonly dir: Dir;
  readonly type: RowType;
  /** The fixed header's first byte (type and flags: QoS, DUP, RETAIN; the declared type of a TRUNCATED record). */
  readonly firstByte: number;
  /** Protocol level the packet was decoded with (needed to decode it again in detail mode). */
  readonly level: ProtocolLevel;
  readonly packetId: number | null;
  /** PUBLISH topic, or the topic filters of (UN)SUBSCRIBE; raw wire text (escape before showing). */
  readonly topic: string | null;
  /** CONNACK/DISCONNECT/PUBACK… reason code, when the packet has one. */
  readonly reasonCode: number | null;
  /** Whole packet size in bytes (fixed header + Remaining Length). */
  readonly size: number;
  /** Offset of the packet's first byte in its stream (TCP or WebSocket payload) — anomaly spans are in it. */
  readonly streamOffset: number;
  /** Capture-wide packet number (1-based), the key of the packet's kept bytes. */
  readonly seq: number;
  readonly anomalies: readonly Anomaly[];
}

/** One row read back, for the visible window and the detail pane. */
export interface PacketRow extends RowInput {
  readonly index: number;
  readonly hasError: boolean;
  /** The row had anomalies but their details were not kept (over the per-connection bound). */
  readonly anomaliesDropped: boolean;
}

interface Block {
  readonly frame: Uint32Array;
  readonly firstFrame: Uint32Array;
  readonly frameOffset: Uint32Array;
  readonly sec: Float64Array;
  readonly nsec: Uint32Array;
  /** Bit 7: direction (set = s2c); bits 0-4: type code. */
  readonly kind: Uint8Array;
  readonly firstByte: Uint8Array;
  readonly level: Uint8Array;
  readonly flags: Uint8Array;
  /** -1 when the packet has no packet identifier. */
  readonly packetId: Int32Array;
  /** -1 when the packet has no reason code. */
  readonly reasonCode: Int16Array;
  readonly size: Float64Array;
  readonly streamOffset: Float64Array;
  readonly seq: Float64Array;
  readonly topic: (string | undefined)[];
}

/** Rows of a connection's first block: most connections are short, so blocks start small and double up to blockRows. */
const FIRST_BLOCK_ROWS = 64;

/** A copy of `b` with room for `n` rows (the kept rows copied over). */
function grown(b: Block, n: number): Block {
  const g = newBlock(n);
  g.frame.set(b.frame); g.firstFrame.set(b.firstFrame); g.frameOffset.set(b.frameOffset); g.sec.set(b.sec); g.nsec.set(b.nsec);
  g.kind.set(b.kind); g.firstByte.set(b.firstByte); g.level.set(b.level); g.flags.set(b.flags); g.packetId.set(b.packetId);
  g.reasonCode.set(b.reasonCode); g.size.set(b.size); g.streamOffset.set(b.streamOffset); g.seq.set(b.seq);
  for (let i = 0; i < b.topic.length; i++) g.topic[i] = b.topic[i];
  return g;
}

function newBlock(n: number): Block {
  return {
    frame: new Uint32Array(n), firstFrame: new Uint32Array(n), frameOffset: new Uint32Array(n),
    sec: new Float64Array(n), nsec: new Uint32Array(n), kind: new Uint8Array(n), firstByte: new Uint8Array(n),
    level: new Uint8Array(n), flags: new Uint8Array(n), packetId: new Int32Array(n), reasonCode: new Int16Array(n), size: new Float64Array(n),
    streamOffset: new Float64Array(n), seq: new Float64Array(n), topic: [],
  };
}

export class PacketTable {
  private readonly blocks: Block[] = [];
  /** Logical index of blocks[0]'s first row. */
  private base = 0;
  private count = 0;
  private precision: Timestamp['precision'] = 'us';
  private readonly anomalies = new Map<number, readonly Anomaly[]>();

  constructor(private readonly blockRows: number, private readonly maxAnomalyRows: number) {}

  /** Rows ever appended: the logical end. */
  get length(): number {
    return this.count;
  }

  /** Logical index of the first row still kept. */
  get first(): number {
    return this.base;
  }

  get kept(): number {
    return this.count - this.base;
  }

  get blockCount(): number {
    return this.blocks.length;
  }

  append(r: RowInput): number {
    const i = this.count;
    const slot = i - this.base;
    const bi = Math.floor(slot / this.blockRows);
    let b = this.blocks[bi];
    if (b === undefined) {
      b = newBlock(bi === 0 ? Math.min(FIRST_BLOCK_ROWS, this.blockRows) : this.blockRows);
      this.blocks.push(b);
    }
    const k = slot - bi * this.blockRows;
    if (k >= b.frame.length) {
      // Only a first block is ever smaller than blockRows: double it (amortized O(1) per row).
      b = grown(b, Math.min(this.blockRows, b.frame.length * 2));
      this.blocks[bi] = b;
    }
    if (i === 0) this.precision = r.ts.precision;
    b.frame[k] = r.frame;
    b.firstFrame[k] = r.firstFrame;
    b.frameOffset[k] = r.frameOffset;
    b.sec[k] = r.ts.sec;
    b.nsec[k] = r.ts.nsec;
    b.kind[k] = (r.dir === 's2c' ? DIR_S2C : 0) | (r.type === 'TRUNCATED' ? TRUNCATED_CODE : r.firstByte >>> 4);
    b.firstByte[k] = r.firstByte;
    b.level[k] = r.level;
    b.packetId[k] = r.packetId ?? -1;
    b.reasonCode[k] = r.reasonCode ?? -1;
    b.size[k] = r.size;
    b.streamOffset[k] = r.streamOffset;
    b.seq[k] = r.seq;
    b.topic[k] = r.topic ?? undefined;
    let flags = 0;
    if (r.anomalies.length > 0) {
      flags |= HAS_ANOMALY;
      if (r.anomalies.some((a) => a.severity === 'error')) flags |= HAS_ERROR;
      if (this.anomalies.size < this.maxAnomalyRows) this.anomalies.set(i, r.anomalies);
    }
    b.flags[k] = flags;
    this.count++;
    return i;
  }

  /** Drops the oldest block (never the last one); returns the rows dropped. */
  dropFirstBlock(): number {
    if (this.blocks.length <= 1) return 0;
    this.blocks.shift();
    const from = this.base;
    this.base += this.blockRows;
    for (const key of this.anomalies.keys()) if (key >= from && key < this.base) this.anomalies.delete(key);
    return this.blockRows;
  }

  private at(i: number): { b: Block; k: number } | null {
    if (i < this.base || i >= this.count) return null;
    const slot = i - this.base;
    const bi = Math.floor(slot / this.blockRows);
    const b = this.blocks[bi];
    return b === undefined ? null : { b, k: slot - bi * this.blockRows };
  }

  /** The whole row, or null when `i` was dropped or is past the end. */
  row(i: number): PacketRow | null {
    const at = this.at(i);
    if (at === null) return null;
    const { b, k } = at;
    const kind = b.kind[k]!;
    const code = kind & 0x1f;
    const flags = b.flags[k]!;
    const anomalies = this.anomalies.get(i) ?? [];
    const id = b.packetId[k]!;
    const rc = b.reasonCode[k]!;
    return {
      index: i, frame: b.frame[k]!, firstFrame: b.firstFrame[k]!, frameOffset: b.frameOffset[k]!,
      ts: { sec: b.sec[k]!, nsec: b.nsec[k]!, precision: this.precision },
      dir: kind & DIR_S2C ? 's2c' : 'c2s',
      type: code === TRUNCATED_CODE ? 'TRUNCATED' : PACKET_TYPE_NAMES[code]!,
      firstByte: b.firstByte[k]!, level: b.level[k]! as ProtocolLevel,
      packetId: id < 0 ? null : id, reasonCode: rc < 0 ? null : rc, topic: b.topic[k] ?? null, size: b.size[k]!, streamOffset: b.streamOffset[k]!,
      seq: b.seq[k]!, anomalies, hasError: (flags & HAS_ERROR) !== 0,
      anomaliesDropped: (flags & HAS_ANOMALY) !== 0 && anomalies.length === 0,
    };
  }

  /** Seconds since the epoch (float: fine for placing a packet on a timeline, not for output). */
  seconds(i: number): number {
    const at = this.at(i);
    return at === null ? Number.NaN : at.b.sec[at.k]! + at.b.nsec[at.k]! / 1e9;
  }

  dirOf(i: number): Dir | null {
    const at = this.at(i);
    return at === null ? null : at.b.kind[at.k]! & DIR_S2C ? 's2c' : 'c2s';
  }

  typeOf(i: number): RowType | null {
    const at = this.at(i);
    if (at === null) return null;
    const code = at.b.kind[at.k]! & 0x1f;
    return code === TRUNCATED_CODE ? 'TRUNCATED' : PACKET_TYPE_NAMES[code]!;
  }

  topicOf(i: number): string | null {
    const at = this.at(i);
    return at === null ? null : at.b.topic[at.k] ?? null;
  }

  packetIdOf(i: number): number | null {
    const at = this.at(i);
    const id = at === null ? -1 : at.b.packetId[at.k]!;
    return id < 0 ? null : id;
  }

  /** The row's anomalies (empty when it has none, or when they were not kept: see `hasAnomaly`). */
  anomaliesOf(i: number): readonly Anomaly[] {
    return this.anomalies.get(i) ?? [];
  }

  hasAnomaly(i: number): boolean {
    const at = this.at(i);
    return at !== null && (at.b.flags[at.k]! & HAS_ANOMALY) !== 0;
  }

  hasError(i: number): boolean {
    const at = this.at(i);
    return at !== null && (at.b.flags[at.k]! & HAS_ERROR) !== 0;
  }

  frameOf(i: number): number {
    const at = this.at(i);
    return at === null ? -1 : at.b.frame[at.k]!;
  }

  firstFrameOf(i: number): number {
    const at = this.at(i);
    return at === null ? -1 : at.b.firstFrame[at.k]!;
  }

  /**
   * The kept row that shows `frame`: the packet whose last byte is in it, else the first packet with a
   * byte in it, else the last packet before it (a frame with no MQTT packet, such as a FIN). Frames
   * rise with the index, so this is a binary search.
   */
  indexOfFrame(frame: number): { index: number; exact: boolean } | null {
    if (this.kept === 0) return null;
    let lo = this.base;
    let hi = this.count; // first row whose frame ≥ `frame`
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frameOf(mid) < frame) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.count && this.firstFrameOf(lo) <= frame) return { index: lo, exact: true };
    return lo > this.base ? { index: lo - 1, exact: false } : { index: this.base, exact: false };
  }
}
