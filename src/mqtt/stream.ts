/**
 * MqttStreamDecoder: ONE direction of one connection, bytes in (Zeek's DeliverStream / Undelivered /
 * EndOfData: `data`, `gap`, `end`), decoded packets out, synchronously.
 *
 * States:
 * - `frame`: at a packet boundary, or inside a packet that straddles chunks. A packet that lies inside
 *   one chunk is decoded from a subarray of it (no copy); only a straddling packet is gathered into a
 *   fresh array of its exact size, so the bytes handed to `packet()` are never written again.
 * - `skip`: the body of a packet not decoded is dropped as it arrives — larger than
 *   `limits.maxPacketSize` (a TRUNCATED record + `limit.mqtt.packet_size`), or cut by a gap (TRUNCATED
 *   + `mqtt.stream.packet_cut`). Memory stays bounded whatever the Remaining Length claims.
 * - `resync`: framing was lost (a gap at or across a packet boundary, or a Remaining Length with a 5th
 *   byte). Bytes are held and scanned for a plausible fixed header (see resync.ts); the skipped bytes
 *   are reported once as `mqtt.stream.resync`, and the packet found there carries `resynced: true`.
 *
 * Invariants: never throws on input; the output (packets, diagnostics, their order) does not depend on
 * how the stream is chunked; the protocol level is read from `ctx()` for each packet, so a CONNECT that
 * changes it inside the packet callback applies to the very next packet of the same chunk.
 */
import { diag, type Diagnostic } from '../diag/types.js';
import { decodeFrame, decodeTruncated, type Frame } from './decode.js';
import { frameAt, MAX_HEADER_LENGTH } from './framing.js';
import { candidateAt, CANDIDATE_NEED_MORE, CANDIDATE_YES } from './resync.js';
import { PACKET_TYPE_NAMES, type DecodeContext, type Decoded } from './types.js';

export interface MqttStreamEvents {
  /** A packet, with the exact bytes it was decoded from (a view of the input, or a fresh array). */
  packet(d: Decoded, bytes: Uint8Array): void;
  /** A problem of the stream rather than of one packet (resync, incomplete end). */
  diagnostic(d: Diagnostic): void;
}

export interface MqttStreamLimits {
  /** Packets (fixed header + body) larger than this are not decoded: TRUNCATED, body skipped. */
  readonly maxPacketSize: number;
}

type State = 'frame' | 'skip' | 'resync';

/** First allocation of the resync buffer; it doubles as needed. */
const RESYNC_INITIAL_BYTES = 4096;
/** First allocation for a packet that straddles chunks; it doubles as its bytes arrive. */
const PARTIAL_INITIAL_BYTES = 4096;

export class MqttStreamDecoder {
  private state: State = 'frame';
  /** Stream offset the next `data()` chunk should start at (-1 before the first). */
  private expected = -1;
  /** The next packet emitted was found by resynchronization. */
  private resyncedNext = false;

  // frame: the packet in progress when it straddles chunks.
  /** Stream offset of the packet in progress (frame: partial header/body; skip: the skipped packet). */
  private packetStart = 0;
  /** Fixed header bytes gathered so far while the header itself straddles chunks. */
  private readonly header = new Uint8Array(MAX_HEADER_LENGTH);
  private headerLength = 0;
  /**
   * The packet being gathered once its length is known. It grows with the bytes that arrive (never
   * to more than the declared size, which it reaches exactly when complete), so a header that claims
   * megabytes costs memory only for the bytes really sent.
   */
  private partial: Uint8Array | null = null;
  private partialLength = 0;
  /** The declared size of the packet being gathered (fixed header + Remaining Length). */
  private partialTotal = 0;
  private partialFrame: Frame | null = null;

  // skip: the packet whose body is being dropped.
  private skipFrame: Frame | null = null;
  private skipHeader: Uint8Array | null = null;
  private skipLeft = 0;
  private skipReason: 'limit' | 'cut' = 'limit';

  // resync: bytes held while looking for a plausible header.
  private resyncBytes: Uint8Array | null = null;
  /** Index of the first byte still held in `resyncBytes`, and the end of the held bytes. */
  private resyncFrom = 0;
  private resyncTo = 0;
  /** Stream offset of resyncBytes[0]. */
  private resyncBase = 0;
  /** Stream offset where the skipped run began, bytes dropped so far, and gap bytes inside the run. */
  private skippedFrom = 0;
  private skippedBytes = 0;
  private skippedGap = 0;

  constructor(
    private readonly ctx: () => DecodeContext,
    private readonly events: MqttStreamEvents,
    private readonly limits: MqttStreamLimits,
  ) {}

  /** In-order bytes; `offset` is the stream offset of bytes[0]. `bytes` is never modified. */
  data(bytes: Uint8Array, offset: number): void {
    if (bytes.length === 0) return;
    if (this.expected >= 0 && offset !== this.expected) {
      // The contract says chunks are contiguous unless a gap came between; be tolerant anyway.
      if (offset > this.expected) this.gap(this.expected, offset - this.expected);
      else {
        const seen = this.expected - offset;
        if (seen >= bytes.length) return;
        bytes = bytes.subarray(seen);
        offset = this.expected;
      }
    }
    this.expected = offset + bytes.length;
    this.feed(bytes, offset);
  }

  /** `length` bytes at `offset` are missing; the next data starts at offset + length. */
  gap(offset: number, length: number): void {
    if (length <= 0) return;
    const after = offset + length;
    this.expected = after;
    // Decide the held bytes first: the gap is a boundary nothing can straddle.
    while (this.state === 'resync' && this.flushResync('gap')) { /* each pass decodes what it found */ }
    switch (this.state) {
      case 'resync':
        // Nothing plausible before the gap (reported by the flush): a new run starts after it.
        this.startResync(after, after);
        return;
      case 'skip':
        if (length < this.skipLeft) {
          // The gap lies inside a body that is skipped anyway: framing is intact.
          this.skipLeft -= length;
          return;
        }
        length -= this.skipLeft;
        this.skipLeft = 0;
        this.finishSkip();
        // A gap ending exactly where the packet ends keeps framing; one that goes on loses it.
        if (length > 0) this.startResync(after, after);
        return;
      case 'frame':
        if (this.partial !== null && this.partialFrame !== null) {
          // The header was seen, so the packet's end is known: the packet is cut, framing survives.
          const f = this.partialFrame;
          const missing = this.partialTotal - this.partialLength;
          const header = this.partial.slice(0, f.headerLength);
          this.partial = null;
          this.partialFrame = null;
          this.startSkip(f, header, this.packetStart, missing, 'cut');
          this.gap(offset, length);
        } else if (this.headerLength > 0) {
          // A fixed header cut by the gap: the packet's length is unknown and its first bytes are lost.
          const dropped = this.headerLength;
          this.headerLength = 0;
          this.startResync(this.packetStart, after);
          this.skippedBytes = dropped;
          this.skippedGap = length;
        } else {
          this.startResync(after, after);
        }
        return;
      default:
        assertNever(this.state);
    }
  }

  /** The stream ended: flush what can be decided, report a packet left incomplete. */
  end(): void {
    while (this.state === 'resync' && this.flushResync('end')) { /* each pass decodes what it found */ }
    if (this.state === 'resync') {
      this.state = 'frame';
      this.resyncBytes = null;
    } else if (this.state === 'skip' && this.skipFrame !== null) {
      const f = this.skipFrame;
      const seen = f.remainingLength - this.skipLeft;
      const start = this.packetStart;
      this.skipLeft = 0;
      this.emitTruncated(seen);
      this.incomplete(start, f.headerLength + seen,
        `${PACKET_TYPE_NAMES[f.typeCode]!} declared ${f.headerLength + f.remainingLength} bytes, ${f.headerLength + seen} seen`);
    } else if (this.partial !== null && this.partialFrame !== null) {
      const f = this.partialFrame;
      this.incomplete(this.packetStart, this.partialLength,
        `${PACKET_TYPE_NAMES[f.typeCode]!} declared ${this.partialTotal} bytes, ${this.partialLength} seen`);
      this.partial = null;
      this.partialFrame = null;
    } else if (this.headerLength > 0) {
      this.incomplete(this.packetStart, this.headerLength, `fixed header cut after ${this.headerLength} bytes`);
      this.headerLength = 0;
    }
  }

  private incomplete(offset: number, length: number, detail: string): void {
    this.events.diagnostic(diag('mqtt.stream.incomplete', offset, length, detail));
  }

  /** Runs `bytes` (stream offset `offset`) through the state machine. */
  private feed(bytes: Uint8Array, offset: number): void {
    let pos = 0;
    while (pos < bytes.length) {
      switch (this.state) {
        case 'frame':
          pos = this.frameStep(bytes, offset, pos);
          break;
        case 'skip': {
          const n = Math.min(this.skipLeft, bytes.length - pos);
          this.skipLeft -= n;
          pos += n;
          if (this.skipLeft === 0) this.finishSkip();
          break;
        }
        case 'resync': {
          this.holdForResync(bytes, pos);
          pos = bytes.length;
          const found = this.scanResync(false);
          if (found !== null) {
            // Continue with the held bytes from the header found; the buffer is dropped, so views stay intact.
            bytes = found.bytes;
            offset = found.offset;
            pos = 0;
          }
          break;
        }
        default:
          assertNever(this.state);
      }
    }
  }

  /** One step in the `frame` state; returns the new position in `bytes`. */
  private frameStep(bytes: Uint8Array, offset: number, pos: number): number {
    if (this.partial !== null) {
      const n = Math.min(this.partialTotal - this.partialLength, bytes.length - pos);
      if (this.partialLength + n > this.partial.length) this.growPartial(this.partialLength + n);
      this.partial.set(bytes.subarray(pos, pos + n), this.partialLength);
      this.partialLength += n;
      if (this.partialLength === this.partialTotal) {
        const packet = this.partial;
        const f = this.partialFrame!;
        this.partial = null;
        this.partialFrame = null;
        this.emit(packet, this.packetStart, f);
      }
      return pos + n;
    }
    if (this.headerLength > 0) {
      // The fixed header straddles chunks: take bytes one at a time until it frames (at most 5).
      while (pos < bytes.length) {
        this.header[this.headerLength++] = bytes[pos++]!;
        const f = frameAt(this.header, 0, this.headerLength);
        if (f.kind === 'need') continue;
        const start = this.packetStart;
        const held = this.header.slice(0, this.headerLength);
        this.headerLength = 0;
        if (f.kind === 'bad-length') {
          this.badLength(start);
          this.holdForResync(held, 1);
          return pos;
        }
        this.startPacket(f, held, start);
        return pos;
      }
      return pos;
    }
    const f = frameAt(bytes, pos);
    if (f.kind === 'need') {
      this.packetStart = offset + pos;
      this.header.set(bytes.subarray(pos), 0);
      this.headerLength = bytes.length - pos;
      return bytes.length;
    }
    if (f.kind === 'bad-length') {
      this.badLength(offset + pos);
      return pos + 1;
    }
    const total = f.headerLength + f.remainingLength;
    if (total <= this.limits.maxPacketSize && pos + total <= bytes.length) {
      this.emit(bytes.subarray(pos, pos + total), offset + pos, f);
      return pos + total;
    }
    this.startPacket(f, bytes.subarray(pos, Math.min(bytes.length, pos + total)), offset + pos);
    return Math.min(bytes.length, pos + total);
  }

  /**
   * A packet whose header is known but whose bytes are not all here: `have` holds its first bytes
   * (the whole header at least). Too large → skip its body; otherwise gather it.
   */
  private startPacket(f: Frame, have: Uint8Array, start: number): void {
    const total = f.headerLength + f.remainingLength;
    this.packetStart = start;
    if (total > this.limits.maxPacketSize) {
      this.startSkip(f, have.slice(0, f.headerLength), start, f.remainingLength - (have.length - f.headerLength), 'limit');
      return;
    }
    if (have.length === total) {
      this.emit(new Uint8Array(have), start, f);
      return;
    }
    // Room for what is here and some more, not for what the header claims: see `partial`.
    const packet = new Uint8Array(Math.min(total, Math.max(PARTIAL_INITIAL_BYTES, 2 * have.length)));
    packet.set(have, 0);
    this.partial = packet;
    this.partialLength = have.length;
    this.partialTotal = total;
    this.partialFrame = f;
  }

  /** Makes room for `need` bytes of the packet being gathered: doubling, capped at its declared size. */
  private growPartial(need: number): void {
    const old = this.partial!;
    const grown = new Uint8Array(Math.min(this.partialTotal, Math.max(need, 2 * old.length)));
    grown.set(old.subarray(0, this.partialLength), 0);
    this.partial = grown;
  }

  private emit(bytes: Uint8Array, start: number, f: Frame): void {
    this.mark(decodeFrame(bytes, start, f, this.ctx().protocolLevel), bytes);
  }

  /** Hands a record to the listener, flagged when it is the first one found by resynchronization. */
  private mark(d: Decoded, bytes: Uint8Array): void {
    if (this.resyncedNext) {
      this.resyncedNext = false;
      d = { packet: { ...d.packet, resynced: true }, diags: d.diags };
    }
    this.events.packet(d, bytes);
  }

  private startSkip(f: Frame, header: Uint8Array, start: number, left: number, reason: 'limit' | 'cut'): void {
    this.state = 'skip';
    this.skipFrame = f;
    this.skipHeader = header;
    this.packetStart = start;
    this.skipLeft = left;
    this.skipReason = reason;
    if (left <= 0) this.finishSkip();
  }

  private finishSkip(): void {
    this.state = 'frame';
    this.emitTruncated(this.skipFrame!.remainingLength);
  }

  private emitTruncated(skipped: number): void {
    const f = this.skipFrame!;
    const header = this.skipHeader!;
    this.skipFrame = null;
    this.skipHeader = null;
    this.state = 'frame';
    const total = f.headerLength + f.remainingLength;
    const name = PACKET_TYPE_NAMES[f.typeCode]!;
    const reason = this.skipReason === 'limit'
      ? diag('limit.mqtt.packet_size', this.packetStart, f.headerLength,
        `${name} of ${total} bytes exceeds the ${this.limits.maxPacketSize}-byte limit; body skipped`)
      : diag('mqtt.stream.packet_cut', this.packetStart, total, `${name} of ${total} bytes: a gap fell inside it`);
    this.mark(decodeTruncated(header, this.packetStart, f, this.ctx().protocolLevel, skipped, reason), header);
  }

  /** A Remaining Length with a 5th byte at stream offset `start`: report it and look for a header from start + 1. */
  private badLength(start: number): void {
    this.events.diagnostic(diag('mqtt.header.remaining_length_too_long', start, MAX_HEADER_LENGTH,
      'the 4th Remaining Length byte has the continuation bit set'));
    this.startResync(start, start + 1);
    this.skippedBytes = 1;
  }

  /** Enters `resync`: the skipped run is reported from `skippedFrom`; held bytes start at stream offset `base`. */
  private startResync(skippedFrom: number, base: number): void {
    this.state = 'resync';
    this.skippedFrom = skippedFrom;
    this.skippedBytes = 0;
    this.skippedGap = 0;
    this.resyncBase = base;
    this.resyncFrom = 0;
    this.resyncTo = 0;
  }

  /** Appends bytes[from…] to the resync buffer (compacting or growing it; it is never exposed while held). */
  private holdForResync(bytes: Uint8Array, from: number): void {
    const n = bytes.length - from;
    if (n <= 0) return;
    let buf = this.resyncBytes;
    const held = this.resyncTo - this.resyncFrom;
    if (buf === null || this.resyncTo + n > buf.length) {
      if (buf !== null && held + n <= buf.length) {
        buf.copyWithin(0, this.resyncFrom, this.resyncTo);
      } else {
        let size = Math.max(RESYNC_INITIAL_BYTES, buf?.length ?? 0);
        while (size < held + n) size *= 2;
        const grown = new Uint8Array(size);
        if (buf !== null) grown.set(buf.subarray(this.resyncFrom, this.resyncTo), 0);
        buf = grown;
        this.resyncBytes = buf;
      }
      this.resyncBase += this.resyncFrom;
      this.resyncFrom = 0;
      this.resyncTo = held;
    }
    buf.set(bytes.subarray(from), this.resyncTo);
    this.resyncTo += n;
  }

  /**
   * Scans the held bytes for a plausible packet start. On success leaves `resync`, reports the skipped
   * run and returns the held bytes from that start (to be fed as if they had just arrived).
   */
  private scanResync(atBoundary: boolean): { bytes: Uint8Array; offset: number } | null {
    const buf = this.resyncBytes;
    if (buf === null) return null;
    const level = this.ctx().protocolLevel;
    const max = this.limits.maxPacketSize;
    for (let p = this.resyncFrom; p < this.resyncTo; p++) {
      const c = candidateAt(buf, p, this.resyncTo, level, max, atBoundary);
      if (c === CANDIDATE_NEED_MORE) {
        this.dropHeld(p);
        return null;
      }
      if (c === CANDIDATE_YES) {
        this.dropHeld(p);
        const found = { bytes: buf.subarray(p, this.resyncTo), offset: this.resyncBase + p };
        this.reportSkipped(found.offset);
        this.resyncBytes = null;
        this.state = 'frame';
        this.resyncedNext = true;
        return found;
      }
    }
    this.dropHeld(this.resyncTo);
    return null;
  }

  /** Counts the held bytes before index `p` as skipped and stops holding them. */
  private dropHeld(p: number): void {
    this.skippedBytes += p - this.resyncFrom;
    this.resyncFrom = p;
  }

  /** Reports the skipped run that ends at stream offset `to`, if any byte was skipped. */
  private reportSkipped(to: number): void {
    if (this.skippedBytes <= 0) return;
    const gap = this.skippedGap > 0 ? ` (around a ${this.skippedGap}-byte gap)` : '';
    this.events.diagnostic(diag('mqtt.stream.resync', this.skippedFrom, to - this.skippedFrom,
      `skipped ${this.skippedBytes} bytes to the next plausible fixed header${gap}`));
  }

  /**
   * At a boundary (a gap or the end), decides every held byte: feeds the bytes from a plausible header
   * on (returns true), or drops them all and reports the skipped run (returns false, still in `resync`).
   */
  private flushResync(boundary: 'gap' | 'end'): boolean {
    const found = this.scanResync(true);
    if (found !== null) {
      this.feed(found.bytes, found.offset);
      return true;
    }
    const end = this.resyncBase + this.resyncTo;
    if (this.skippedBytes > 0) {
      this.events.diagnostic(diag('mqtt.stream.resync', this.skippedFrom, end - this.skippedFrom,
        `skipped ${this.skippedBytes} bytes, no plausible fixed header before the ${boundary}`));
    }
    this.resyncBytes = null;
    this.startResync(end, end);
    return false;
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected state ${String(x)}`);
}
