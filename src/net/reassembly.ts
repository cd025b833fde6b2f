/**
 * TCP reassembly for one half-connection: segments in, an in-order byte stream out (data / gap / end).
 * Wrap-aware (RFC 1982 style arithmetic), first copy wins on overlaps, out-of-order bytes held up to a
 * cap after which the hole is declared a gap. In-order data is delivered as a view of the frame (no
 * copy); only held-back segments are copied, since the frame's chunk is not ours to pin.
 */
import type { Timestamp } from '../capture/types.js';
import type { ChunkOrigin, StreamSink } from './stream.js';
import { TCP_FIN, TCP_RST, TCP_SYN, seqAdd, seqDiff } from './tcp.js';

export interface SegmentIn {
  readonly seq: number;
  readonly flags: number;
  /** Captured payload bytes (may be shorter than `length` when the capture was snaplen-truncated). */
  readonly payload: Uint8Array;
  /** Payload length the IP/TCP headers declare. */
  readonly length: number;
  readonly frame: number;
  /** Offset of payload[0] in its frame. */
  readonly frameOffset: number;
  readonly ts: Timestamp;
}

/** Located problems found while reassembling; reported against the frame that showed them. */
export interface ReassemblyNotice {
  readonly code: 'tcp.retransmission' | 'tcp.overlap.inconsistent' | 'limit.tcp.out_of_order' | 'tcp.data_after_close';
  readonly frame: number;
  readonly frameOffset: number;
  readonly length: number;
  readonly detail?: string;
}

interface Held {
  seq: number;
  bytes: Uint8Array;
  /** Declared length; bytes.length < length when snaplen cut it. */
  length: number;
  frame: number;
  frameOffset: number;
  ts: Timestamp;
}

export interface HalfStats {
  bytes: number;
  segments: number;
  retransmissions: number;
  gapBytes: number;
}

/**
 * A held segment's cost against maxOutOfOrderBytes: its bytes, but at least a fixed overhead, so that
 * segments whose payload the snaplen cut (0 bytes captured) cannot pile up for free.
 */
function heldCost(h: Held): number {
  return Math.max(h.bytes.length, 64);
}

export class TcpHalfReassembler {
  private started = false;
  /** Next expected sequence number. */
  private next = 0;
  /** Stream offset of `next`. */
  private offset = 0;
  /** Held segments sorted by sequence; entries before `heldHead` were delivered already. */
  private held: Held[] = [];
  private heldHead = 0;
  /** What the held segments cost against the limit (see heldCost). */
  private heldBytes = 0;
  private finSeq: number | null = null;
  private finOrigin: ChunkOrigin | null = null;
  private ended = false;
  readonly stats: HalfStats = { bytes: 0, segments: 0, retransmissions: 0, gapBytes: 0 };
  /** True when the first segment seen was not a SYN (the capture started mid-connection). */
  midstream = false;

  constructor(
    private readonly sink: StreamSink,
    private readonly notify: (n: ReassemblyNotice) => void,
    private readonly maxHeldBytes: number,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Feeds one segment of this direction. */
  segment(s: SegmentIn): void {
    this.stats.segments++;
    if (!this.started) {
      this.started = true;
      if (s.flags & TCP_SYN) {
        this.next = seqAdd(s.seq, 1); // the SYN occupies one sequence number
      } else {
        this.next = s.seq;
        this.midstream = true;
      }
    }
    const seq = s.flags & TCP_SYN ? seqAdd(s.seq, 1) : s.seq;
    if (this.ended) {
      if (s.length > 0 && seqDiff(this.next, seqAdd(seq, s.length)) > 0 && !(s.flags & TCP_RST)) {
        this.notify({ code: 'tcp.data_after_close', frame: s.frame, frameOffset: s.payload.length > 0 ? s.frameOffset : 0, length: s.payload.length });
      }
      return;
    }
    if (s.length > 0) this.accept(seq, s);
    if (s.flags & TCP_FIN) {
      this.finSeq = seqAdd(seq, s.length);
      this.finOrigin = { frame: s.frame, frameOffset: s.frameOffset, ts: s.ts };
    }
    if (s.flags & TCP_RST) {
      // RST ends the stream at once: whatever is still held is delivered behind gaps.
      this.flushHeld();
      this.ended = true;
      this.sink.end('rst', { frame: s.frame, frameOffset: s.frameOffset, ts: s.ts });
      return;
    }
    this.maybeFin();
  }

  /**
   * The other direction acknowledged up to `ack` (its ACK number): the receiver got every byte below
   * it. Held segments behind a hole that lies below `ack` can then never be completed by a
   * retransmission — the capture lost those bytes — so the hole is declared a gap and the held data
   * delivered now (Zeek's "ACK above hole"). Without this a single packet the capture missed stalled
   * its direction until the out-of-order limit or the end of the capture, holding copies of all that
   * followed (memory grew with the capture, and live output stopped for that direction).
   */
  acked(ack: number): void {
    if (this.ended || this.heldHead === this.held.length || seqDiff(this.next, ack) <= 0) return;
    while (this.heldHead < this.held.length && seqDiff(this.held[this.heldHead]!.seq, ack) >= 0) {
      this.gapTo(this.held[this.heldHead]!.seq, 'lost');
      this.drain();
    }
    this.maybeFin();
  }

  /** The capture ended: deliver what is held (behind gaps) and end the stream. */
  finish(): void {
    if (this.ended) return;
    this.flushHeld();
    if (this.finSeq !== null) {
      const missing = seqDiff(this.next, this.finSeq);
      if (missing > 0) this.gapTo(this.finSeq, 'lost');
      this.ended = true;
      this.sink.end('fin', this.finOrigin);
      return;
    }
    this.ended = true;
    this.sink.end('capture-end', null);
  }

  private maybeFin(): void {
    if (this.finSeq !== null && this.heldHead === this.held.length && seqDiff(this.next, this.finSeq) <= 0) {
      this.ended = true;
      this.sink.end('fin', this.finOrigin);
    }
  }

  private accept(seq: number, s: SegmentIn): void {
    const rel = seqDiff(this.next, seq);
    if (rel + s.length <= 0) {
      // Entirely before what we have: a retransmission (or a keep-alive probe of one old byte).
      if (s.length > 1 || rel + s.length < 0) {
        this.stats.retransmissions++;
        // With no captured payload (snaplen), the payload offset is past the frame: point at the frame.
        this.notify({ code: 'tcp.retransmission', frame: s.frame, frameOffset: s.payload.length > 0 ? s.frameOffset : 0, length: s.payload.length,
          detail: `${s.length} bytes already received` });
      }
      return;
    }
    if (rel > 0) {
      this.hold(seq, s);
      return;
    }
    // rel ≤ 0: starts at or before `next`; trim what we already have (first copy wins).
    const skip = -rel;
    if (skip > 0) this.stats.retransmissions++;
    this.deliver(s.payload, s.length, skip, s.frame, s.frameOffset, s.ts);
    this.drain();
  }

  /** Delivers [skip, length) of a segment whose first byte is at `next - skip`. */
  private deliver(bytes: Uint8Array, length: number, skip: number, frame: number, frameOffset: number, ts: Timestamp): void {
    const captured = bytes.length;
    if (skip < captured) {
      const view = skip === 0 ? bytes : bytes.subarray(skip);
      this.sink.data(view, this.offset, { frame, frameOffset: frameOffset + skip, ts });
      this.offset += view.length;
      this.stats.bytes += view.length;
    }
    const lost = length - Math.max(skip, captured);
    this.next = seqAdd(this.next, length - skip);
    if (lost > 0) {
      // Bytes on the wire that the capture's snaplen cut off: missing, not malformed.
      this.sink.gap(this.offset, lost, 'snaplen');
      this.offset += lost;
      this.stats.gapBytes += lost;
    }
  }

  private hold(seq: number, s: SegmentIn): void {
    const copy = new Uint8Array(s.payload); // the frame's chunk must not be pinned
    const entry: Held = { seq, bytes: copy, length: s.length, frame: s.frame, frameOffset: s.frameOffset, ts: s.ts };
    // Keep `held` sorted by sequence (relative to `next`, so wrap-around sorts right): binary search.
    const key = seqDiff(this.next, seq);
    let lo = this.heldHead;
    let hi = this.held.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqDiff(this.next, this.held[mid]!.seq) <= key) lo = mid + 1;
      else hi = mid;
    }
    const same = lo > this.heldHead ? this.held[lo - 1] : undefined;
    if (same && same.seq === seq) {
      this.compareOverlap(same, entry);
      return;
    }
    this.held.splice(lo, 0, entry);
    this.heldBytes += heldCost(entry);
    if (this.heldBytes > this.maxHeldBytes) {
      this.notify({ code: 'limit.tcp.out_of_order', frame: s.frame, frameOffset: s.payload.length > 0 ? s.frameOffset : 0, length: 0,
        detail: `more than ${this.maxHeldBytes} bytes held out of order` });
      this.flushHeld();
    }
  }

  private compareOverlap(first: Held, again: Held): void {
    const n = Math.min(first.bytes.length, again.bytes.length);
    for (let k = 0; k < n; k++) {
      if (first.bytes[k] !== again.bytes[k]) {
        this.notify({ code: 'tcp.overlap.inconsistent', frame: again.frame, frameOffset: again.frameOffset + k, length: 1,
          detail: `byte ${k} differs from frame ${first.frame}` });
        return;
      }
    }
    this.stats.retransmissions++;
  }

  /** Delivers held segments that have become contiguous. */
  private drain(): void {
    while (this.heldHead < this.held.length) {
      const h = this.held[this.heldHead]!;
      const rel = seqDiff(this.next, h.seq);
      if (rel > 0) break;
      this.heldHead++;
      this.heldBytes -= heldCost(h);
      if (rel + h.length <= 0) continue;
      this.deliver(h.bytes, h.length, -rel, h.frame, h.frameOffset, h.ts);
    }
    // Drop delivered entries in bulk rather than one shift() each (quadratic on long runs).
    if (this.heldHead === this.held.length) {
      this.held = [];
      this.heldHead = 0;
    } else if (this.heldHead > 1024 && this.heldHead * 2 > this.held.length) {
      this.held = this.held.slice(this.heldHead);
      this.heldHead = 0;
    }
  }

  /** Declares the holes before held segments as gaps and delivers everything held. */
  private flushHeld(): void {
    while (this.heldHead < this.held.length) {
      const h = this.held[this.heldHead]!;
      if (seqDiff(this.next, h.seq) > 0) this.gapTo(h.seq, 'lost');
      this.drain();
    }
  }

  private gapTo(seq: number, reason: 'lost' | 'limit'): void {
    const length = seqDiff(this.next, seq);
    if (length <= 0) return;
    this.sink.gap(this.offset, length, reason);
    this.offset += length;
    this.stats.gapBytes += length;
    this.next = seq;
  }
}
