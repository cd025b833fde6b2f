/**
 * Maps stream offsets of one half-connection back to capture frames (gopacket's
 * ScatterGather.CaptureInfo). Entries are appended as chunks are delivered and pruned once the MQTT
 * decoder has moved past them, so the index stays small.
 */
import type { Timestamp } from '../capture/types.js';

interface Entry {
  readonly streamOffset: number;
  readonly length: number;
  readonly frame: number;
  readonly frameOffset: number;
  readonly ts: Timestamp;
  /** For unmasked WebSocket payload: the masking key and the key index of the entry's first byte. */
  readonly mask: WireMask | null;
}

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

export class OffsetIndex {
  private entries: Entry[] = [];
  private head = 0;

  add(streamOffset: number, length: number, frame: number, frameOffset: number, ts: Timestamp, mask: WireMask | null = null): void {
    if (length === 0) return;
    if (this.entries.length - this.head >= MAX_ENTRIES) {
      // Keep the first and the newest entries: the start of a long packet still resolves.
      this.entries.splice(this.head + 1, 1);
    }
    this.entries.push({ streamOffset, length, frame, frameOffset, ts, mask });
  }

  /** The frame holding stream byte `offset`, or the nearest earlier one if it was pruned or lost. */
  locate(offset: number): FramePoint | null {
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
