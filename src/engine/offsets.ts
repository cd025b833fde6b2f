/**
 * Maps stream offsets of one half-connection back to capture frames (gopacket's
 * ScatterGather.CaptureInfo). Entries are appended as chunks are delivered and pruned once the MQTT
 * decoder has moved past them, so the index stays small.
 *
 * Performance: an entry is added for every delivered chunk and looked up a few times per MQTT packet,
 * so entries are columns of a deque (typed arrays plus two plain arrays for the timestamp and the
 * WebSocket mask), not objects: nothing is allocated per entry. {@link OffsetIndex.find} and the `…At`
 * readers answer without allocating; {@link OffsetIndex.locate} builds a FramePoint for cold paths.
 */
import type { Timestamp } from '../capture/types.js';

export interface WireMask {
  readonly key: Uint8Array;
  readonly keyIndex: number;
}

export interface FramePoint {
  readonly frame: number;
  readonly frameOffset: number;
  readonly ts: Timestamp;
  /** The key byte the wire byte was masked with (WebSocket client frames), if any. */
  readonly maskByte: number | null;
}

/** At most this many entries are kept; a huge packet spread over more frames loses its middle frames. */
const MAX_ENTRIES = 4096;
/** Columns start empty (an index that is never used costs no backing store) and grow from this size. */
const FIRST_CAPACITY = 16;
// The empty columns every unused or cleared index shares (never written: makeRoom replaces them first).
const NO_F64 = new Float64Array(0);
const NO_I32 = new Int32Array(0);
const NO_I8 = new Int8Array(0);

export class OffsetIndex {
  // Entry i (head ≤ i < tail) is column[i] of each array.
  private streamOffset = NO_F64;
  private length = NO_F64;
  private frame = NO_F64;
  private frameOffset = NO_I32;
  private ts: (Timestamp | undefined)[] = [];
  /** For unmasked WebSocket payload: the masking key and the key index of the entry's first byte. */
  private maskKey: (Uint8Array | null)[] = [];
  private maskIndex = NO_I8;
  private head = 0;
  private tail = 0;

  /**
   * Records that stream bytes [streamOffset, +length) came from `frame` at `frameOffset`. `pinned`: the
   * bytes have no byte-for-byte place in the frame (inflated from a compressed message), so every one
   * of them maps to `frameOffset` itself.
   */
  add(streamOffset: number, length: number, frame: number, frameOffset: number, ts: Timestamp, mask: WireMask | null = null, pinned = false): void {
    if (length === 0) return;
    if (this.tail - this.head >= MAX_ENTRIES) {
      // Keep the first and the newest entries: the start of a long packet still resolves. The second
      // oldest entry goes: the oldest moves into its slot.
      this.move(this.head, this.head + 1);
      this.ts[this.head] = undefined;
      this.maskKey[this.head] = null;
      this.head++;
    }
    if (this.tail === this.streamOffset.length) this.makeRoom();
    const i = this.tail++;
    this.streamOffset[i] = streamOffset;
    this.length[i] = length;
    this.frame[i] = frame;
    this.frameOffset[i] = frameOffset;
    this.ts[i] = ts;
    this.maskKey[i] = mask === null ? null : mask.key;
    this.maskIndex[i] = pinned ? -1 : mask === null ? 0 : mask.keyIndex;
  }

  /**
   * The entry holding stream byte `offset`, or the nearest earlier one if it was pruned or lost (the
   * oldest entry when every entry starts after it); -1 when the index is empty.
   */
  find(offset: number): number {
    const so = this.streamOffset;
    for (let i = this.tail - 1; i >= this.head; i--) {
      if (so[i]! <= offset) return i;
    }
    return this.tail > this.head ? this.head : -1;
  }

  /** The frame of entry `i` (from {@link find}). */
  frameAt(i: number): number {
    return this.frame[i]!;
  }

  /** The timestamp of entry `i`'s frame. */
  tsAt(i: number): Timestamp {
    return this.ts[i]!;
  }

  /** Where stream byte `offset` lies in entry `i`'s frame (clamped to the entry). */
  frameOffsetAt(i: number, offset: number): number {
    return this.maskIndex[i] === -1 ? this.frameOffset[i]! : this.frameOffset[i]! + this.inside(i, offset);
  }

  /** The key byte that masked stream byte `offset` on the wire, or null (entry `i` from {@link find}). */
  maskByteAt(i: number, offset: number): number | null {
    const key = this.maskKey[i];
    return key ? key[(this.maskIndex[i]! + this.inside(i, offset)) & 3]! : null;
  }

  /** The frame holding stream byte `offset`, or the nearest earlier one if it was pruned or lost. */
  locate(offset: number): FramePoint | null {
    const i = this.find(offset);
    if (i < 0) return null;
    return { frame: this.frame[i]!, frameOffset: this.frameOffsetAt(i, offset), ts: this.ts[i]!, maskByte: this.maskByteAt(i, offset) };
  }

  /** Frames that carried any of [offset, offset + length), ascending and unique. */
  framesOf(offset: number, length: number): number[] {
    const end = offset + Math.max(length, 1);
    const out: number[] = [];
    const so = this.streamOffset;
    for (let i = this.head; i < this.tail; i++) {
      const start = so[i]!;
      if (start >= end) break;
      if (start + this.length[i]! > offset && out[out.length - 1] !== this.frame[i]) out.push(this.frame[i]!);
    }
    // Segments may have arrived out of order: frame numbers ascending, each once.
    return out.length > 1 ? [...new Set(out)].sort((a, b) => a - b) : out;
  }

  /** Stream offset of the first byte of the newest entry (0 when empty). */
  lastOffset(): number {
    return this.tail > this.head ? this.streamOffset[this.tail - 1]! : 0;
  }

  /** Forgets entries that end at or before `offset`. */
  prune(offset: number): void {
    const so = this.streamOffset;
    const len = this.length;
    while (this.head < this.tail && so[this.head]! + len[this.head]! <= offset) {
      this.ts[this.head] = undefined;
      this.maskKey[this.head] = null;
      this.head++;
    }
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  private inside(i: number, offset: number): number {
    const d = offset - this.streamOffset[i]!;
    const last = this.length[i]! - 1;
    return d < 0 ? 0 : d > last ? last : d;
  }

  private move(from: number, to: number): void {
    this.streamOffset[to] = this.streamOffset[from]!;
    this.length[to] = this.length[from]!;
    this.frame[to] = this.frame[from]!;
    this.frameOffset[to] = this.frameOffset[from]!;
    this.ts[to] = this.ts[from];
    this.maskKey[to] = this.maskKey[from]!;
    this.maskIndex[to] = this.maskIndex[from]!;
  }

  /** Forgets every entry and gives the columns' memory back (the stream is over). */
  clear(): void {
    this.streamOffset = NO_F64;
    this.length = NO_F64;
    this.frame = NO_F64;
    this.frameOffset = NO_I32;
    this.ts = [];
    this.maskKey = [];
    this.maskIndex = NO_I8;
    this.head = 0;
    this.tail = 0;
  }

  /** The deque reached the end of its arrays: slide the live entries to the front, or grow. */
  private makeRoom(): void {
    const live = this.tail - this.head;
    const capacity = this.streamOffset.length;
    if (this.head > 0 && live * 2 <= capacity) {
      for (let i = 0; i < live; i++) this.move(this.head + i, i);
      for (let i = live; i < this.tail; i++) {
        this.ts[i] = undefined;
        this.maskKey[i] = null;
      }
    } else {
      const size = Math.max(FIRST_CAPACITY, capacity * 2);
      const grow64 = (a: Float64Array): Float64Array<ArrayBuffer> => { const b = new Float64Array(size); b.set(a.subarray(this.head, this.tail)); return b; };
      this.streamOffset = grow64(this.streamOffset);
      this.length = grow64(this.length);
      this.frame = grow64(this.frame);
      const fo = new Int32Array(size);
      fo.set(this.frameOffset.subarray(this.head, this.tail));
      this.frameOffset = fo;
      const mi = new Int8Array(size);
      mi.set(this.maskIndex.subarray(this.head, this.tail));
      this.maskIndex = mi;
      const ts = new Array<Timestamp | undefined>(size).fill(undefined);
      const mk = new Array<Uint8Array | null>(size).fill(null);
      for (let i = 0; i < live; i++) {
        ts[i] = this.ts[this.head + i];
        mk[i] = this.maskKey[this.head + i]!;
      }
      this.ts = ts;
      this.maskKey = mk;
    }
    this.head = 0;
    this.tail = live;
  }
}
