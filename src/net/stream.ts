/** The contract between stream layers (Zeek's DeliverStream / Undelivered / EndOfData). */
import type { Timestamp } from '../capture/types.js';

/** Where a delivered chunk came from: the capture frame and the offset of its first byte in that frame. */
export interface ChunkOrigin {
  readonly frame: number;
  readonly frameOffset: number;
  readonly ts: Timestamp;
}

export type GapReason = 'lost' | 'snaplen' | 'limit';
export type EndReason = 'fin' | 'rst' | 'capture-end';

export interface StreamSink {
  /** In-order bytes; `offset` is the stream offset of bytes[0]. `bytes` is immutable: copy what you keep. */
  data(bytes: Uint8Array, offset: number, origin: ChunkOrigin): void;
  /** `length` bytes are missing at `offset`; the next data starts at offset + length. */
  gap(offset: number, length: number, reason: GapReason): void;
  end(reason: EndReason, origin: ChunkOrigin | null): void;
}
