/**
 * OffsetIndex against the straightforward object-per-entry index it replaced (kept here as the
 * reference): the same answers for random adds, prunes and lookups, including the entry cap.
 */
import { describe, expect, test } from 'vitest';
import type { Timestamp } from '../capture/types.js';
import { OffsetIndex } from './offsets.js';

interface Entry {
  readonly streamOffset: number;
  readonly length: number;
  readonly frame: number;
  readonly frameOffset: number;
  readonly ts: Timestamp;
  /** For unmasked WebSocket payload: the masking key and the key index of the entry's first byte. */
  readonly mask: RefMask | null;
}

interface RefMask {
  readonly key: Uint8Array;
  readonly keyIndex: number;
}

interface RefPoint {
  readonly frame: number;
  readonly frameOffset: number;
  readonly ts: Timestamp;
  /** The key byte the wire byte was masked with (WebSocket client frames), if any. */
  readonly maskByte: number | null;
}

/** At most this many entries are kept; a huge packet spread over more frames loses its middle frames. */
const MAX_ENTRIES = 4096;

class ReferenceIndex {
  private entries: Entry[] = [];
  private head = 0;

  add(streamOffset: number, length: number, frame: number, frameOffset: number, ts: Timestamp, mask: RefMask | null = null): void {
    if (length === 0) return;
    if (this.entries.length - this.head >= MAX_ENTRIES) {
      // Keep the first and the newest entries: the start of a long packet still resolves.
      this.entries.splice(this.head + 1, 1);
    }
    this.entries.push({ streamOffset, length, frame, frameOffset, ts, mask });
  }

  /** The frame holding stream byte `offset`, or the nearest earlier one if it was pruned or lost. */
  locate(offset: number): RefPoint | null {
    let best: Entry | undefined;
    for (let i = this.entries.length - 1; i >= this.head; i--) {
      const e = this.entries[i]!;
      if (e.streamOffset <= offset) {
        best = e;
        break;
      }
    }
    if (!best) best = this.entries[this.head];
    if (!best) return null;
    const inside = Math.min(Math.max(offset - best.streamOffset, 0), best.length - 1);
    const maskByte = best.mask ? best.mask.key[(best.mask.keyIndex + inside) & 3]! : null;
    return { frame: best.frame, frameOffset: best.frameOffset + inside, ts: best.ts, maskByte };
  }

  /** Frames that carried any of [offset, offset + length), ascending and unique. */
  framesOf(offset: number, length: number): number[] {
    const end = offset + Math.max(length, 1);
    const out: number[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.streamOffset >= end) break;
      if (e.streamOffset + e.length > offset && out[out.length - 1] !== e.frame) out.push(e.frame);
    }
    return out;
  }

  /** Stream offset of the first byte of the newest entry (0 when empty). */
  lastOffset(): number {
    const e = this.entries[this.entries.length - 1];
    return e ? e.streamOffset : 0;
  }

  /** Forgets entries that end at or before `offset`. */
  prune(offset: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.streamOffset + this.entries[this.head]!.length <= offset) {
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}


function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('OffsetIndex', () => {
  test.each([1, 2, 3])('matches the reference index (seed %i)', (seed) => {
    const rnd = prng(seed);
    const a = new OffsetIndex();
    const b = new ReferenceIndex();
    const key = Uint8Array.of(1, 2, 3, 4);
    let offset = 0;
    let frame = 1;
    let decoded = 0;
    for (let step = 0; step < 30_000; step++) {
      const r = rnd();
      if (r < 0.45) {
        const length = Math.floor(rnd() * 300);
        const ts: Timestamp = { sec: frame, nsec: 0, precision: 'us' };
        const mask = rnd() < 0.3 ? { key, keyIndex: Math.floor(rnd() * 4) } : null;
        if (rnd() < 0.05) offset += Math.floor(rnd() * 100); // a gap
        const frameOffset = 54 + Math.floor(rnd() * 10);
        a.add(offset, length, frame, frameOffset, ts, mask);
        b.add(offset, length, frame, frameOffset, ts, mask);
        offset += length;
        if (rnd() < 0.7) frame++;
      } else if (r < 0.6) {
        // Seed 3 prunes rarely: long runs without pruning exercise the entry cap.
        if (rnd() < (seed === 3 ? 0.002 : 0.9)) {
          decoded = Math.min(offset, decoded + Math.floor(rnd() * 2000));
          a.prune(decoded);
          b.prune(decoded);
        }
      } else {
        const at = Math.floor(rnd() * (offset + 50)) - 25;
        const len = Math.floor(rnd() * 3000);
        expect(a.locate(at)).toEqual(b.locate(at));
        expect(a.framesOf(at, len)).toEqual(b.framesOf(at, len));
        expect(a.lastOffset() === b.lastOffset() || a.locate(0) === null).toBe(true);
      }
    }
  });
});

describe('OffsetIndex.clear', () => {
  test('forgets every entry and keeps working afterwards', () => {
    const a = new OffsetIndex();
    const ts: Timestamp = { sec: 1, nsec: 0, precision: 'us' };
    expect(a.locate(0)).toBeNull();
    for (let i = 0; i < 100; i++) a.add(i * 10, 10, i + 1, 54, ts);
    expect(a.locate(55)?.frame).toBe(6);
    a.clear();
    expect(a.locate(55)).toBeNull();
    expect(a.framesOf(0, 1000)).toEqual([]);
    a.add(1000, 5, 200, 60, ts, { key: Uint8Array.of(1, 2, 3, 4), keyIndex: 1 });
    expect(a.locate(1002)).toEqual({ frame: 200, frameOffset: 62, ts, maskByte: 4 });
  });
});
