/**
 * ByteCursor: reads the fields of ONE MQTT packet whose length is known ("complete" decoding, 3.1.1
 * §2.2.3 / 5.0 §2.1.4). Running out of bytes is not an exception: the cursor becomes `short`, every
 * later read returns 0 or an empty value, and the packet decoder reports `mqtt.body.short` once, at
 * the field that ran out. Wire input therefore never throws here, and there is no catch on the hot path.
 *
 * The cursor also carries what every field reader needs: the stream offset of the packet (so each
 * diagnostic and field gets a Span in STREAM coordinates), the packet's diagnostics (allocated only
 * when there is one), and the optional FieldSink for detail mode. Bulk decoding passes NO_FIELDS; the
 * `detail` flag makes every field report a single branch, with no Span object built.
 *
 * Data types read here are the spec's (5.0 §1.5): Byte, Two Byte Integer, Four Byte Integer,
 * Variable Byte Integer, UTF-8 Encoded String (§1.5.4 checks) and Binary Data.
 */
import type { DiagCode } from '../diag/registry.js';
import { diag, type Diagnostic } from '../diag/types.js';
import { NO_FIELDS, type FieldSink } from './types.js';
import { decodeUtf8, illFormedAt, utf8Scan, UTF8_ASCII, UTF8_ILL_FORMED, UTF8_NULL_CHAR } from './utf8.js';
import { readVarint, varintByteCount, varintSize, varintValue, VARINT_NEED_MORE } from './varint.js';

/** Shared empty diagnostics list for the (usual) packet with nothing wrong. */
export const NO_DIAGS: readonly Diagnostic[] = Object.freeze([]);

/**
 * Reports of one code kept per packet. A packet can repeat a fault once per byte (a 4 MB SUBACK of
 * invalid reason codes made 4 million diagnostics, 1.4 GB): the first ones are kept, the last kept one
 * says how many more there were, and the count of diagnostics a packet carries stays bounded
 * (codes × this).
 */
export const MAX_REPORTS_PER_CODE = 16;

export class ByteCursor {
  /** Index in `bytes` of the next byte to read. */
  pos: number;
  /** Index in `bytes` just past the last byte this cursor may read (the packet's, or a property block's, end). */
  end: number;
  /** A read ran past `end`; reads now return 0 / '' and `pos` stays at `end`. */
  short = false;
  /** Where the read that ran out started, and how many bytes it wanted. */
  shortAt = 0;
  shortWanted = 0;
  /** A more precise diagnostic (property length past end, varint too long) already explains the short. */
  shortExplained = false;
  /** Start index and length of the data of the last string or binary field read (not its length prefix). */
  lastStart = 0;
  lastLength = 0;
  private diagList: Diagnostic[] | null = null;
  /** Reports per code so far, and how many past MAX_REPORTS_PER_CODE were dropped (null until needed). */
  private perCode: Map<DiagCode, number> | null = null;
  private dropped: Map<DiagCode, number> | null = null;
  /** Detail mode: fields go to `fields`; false in bulk mode, where field reports cost one branch. */
  readonly detail: boolean;

  constructor(
    readonly bytes: Uint8Array,
    /** Stream offset of bytes[0]. */
    readonly base: number,
    pos: number,
    end: number,
    readonly fields: FieldSink = NO_FIELDS,
  ) {
    this.pos = pos;
    this.end = end;
    this.detail = fields !== NO_FIELDS;
  }

  /** The diagnostics reported so far (a shared empty list when there are none). */
  get diags(): readonly Diagnostic[] {
    const list = this.diagList;
    if (list === null) return NO_DIAGS;
    if (this.dropped === null) return list;
    // The last kept report of each capped code says how many more there were.
    const dropped = this.dropped;
    this.dropped = null;
    for (let i = list.length - 1; i >= 0; i--) {
      const d = list[i]!;
      const more = dropped.get(d.code);
      if (more === undefined) continue;
      dropped.delete(d.code);
      list[i] = diag(d.code, d.at.offset, d.at.length, `${d.detail !== undefined ? `${d.detail}; ` : ''}and ${more} more in this packet`);
    }
    return list;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /**
   * Reports `code` over bytes[index…index+length), clamped to the packet so that every Span lies
   * inside the bytes the decoder was given.
   */
  report(code: DiagCode, index: number, length: number, detail?: string): void {
    const seen = (this.perCode ??= new Map()).get(code) ?? 0;
    this.perCode.set(code, seen + 1);
    if (seen >= MAX_REPORTS_PER_CODE) {
      (this.dropped ??= new Map()).set(code, seen + 1 - MAX_REPORTS_PER_CODE);
      return;
    }
    const size = this.bytes.length;
    const i = index < 0 ? 0 : index > size ? size : index;
    const n = length < 0 ? 0 : length > size - i ? size - i : length;
    (this.diagList ??= []).push(diag(code, this.base + i, n, detail));
  }

  /** Detail mode: records a field over bytes[index…index+length). */
  field(name: string, index: number, length: number, value: string | number | boolean | null): void {
    if (this.detail) this.fields.field(name, { offset: this.base + index, length }, value);
  }

  /** Detail mode: opens a group (one property, one subscription); close it with {@link endGroup}. */
  beginGroup(name: string, index: number, length: number): void {
    if (this.detail) this.fields.begin(name, { offset: this.base + index, length });
  }

  endGroup(): void {
    if (this.detail) this.fields.end();
  }

  /** Marks the cursor short because `wanted` bytes were needed at `pos`; returns false for chaining. */
  private runOut(wanted: number): false {
    if (!this.short) {
      this.short = true;
      this.shortAt = this.pos;
      this.shortWanted = wanted;
    }
    this.pos = this.end;
    return false;
  }

  /** Stops decoding: the problem has its own diagnostic, so no `mqtt.body.short` follows. */
  abort(): void {
    if (!this.short) {
      this.short = true;
      this.shortAt = this.pos;
    }
    this.shortExplained = true;
    this.pos = this.end;
  }

  /** True when `n` more bytes can be read; otherwise the cursor becomes short. */
  need(n: number): boolean {
    return this.short ? false : this.pos + n <= this.end ? true : this.runOut(n);
  }

  /** Byte. */
  u8(name?: string): number {
    if (!this.need(1)) return 0;
    const v = this.bytes[this.pos]!;
    if (name !== undefined) this.field(name, this.pos, 1, v);
    this.pos += 1;
    return v;
  }

  /** Two Byte Integer, big-endian (5.0 §1.5.2). */
  u16(name?: string): number {
    if (!this.need(2)) return 0;
    const b = this.bytes;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    if (name !== undefined) this.field(name, this.pos, 2, v);
    this.pos += 2;
    return v;
  }

  /** Four Byte Integer, big-endian (5.0 §1.5.3). */
  u32(name?: string): number {
    if (!this.need(4)) return 0;
    const b = this.bytes;
    const p = this.pos;
    const v = (b[p]! * 0x100_0000) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    if (name !== undefined) this.field(name, p, 4, v);
    this.pos += 4;
    return v;
  }

  /**
   * Variable Byte Integer in a packet body (5.0 §1.5.5): more than 4 bytes is malformed and stops
   * decoding (`mqtt.varint.too_long`); a non-minimal encoding is reported and read [MQTT-1.5.5-1].
   */
  varint(name?: string): number {
    if (this.short) return 0;
    const start = this.pos;
    const packed = readVarint(this.bytes, start, this.end);
    if (packed === VARINT_NEED_MORE) {
      this.runOut(this.end - start + 1);
      return 0;
    }
    if (packed < 0) {
      this.report('mqtt.varint.too_long', start, this.end - start < 5 ? this.end - start : 5,
        'the 4th byte still has the continuation bit set');
      this.abort();
      return 0;
    }
    const value = varintValue(packed);
    const used = varintByteCount(packed);
    if (used !== varintSize(value)) {
      this.report('mqtt.varint.not_minimal', start, used, `${value} encoded in ${used} bytes, ${varintSize(value)} needed`);
    }
    if (name !== undefined) this.field(name, start, used, value);
    this.pos += used;
    return value;
  }

  /** The Two Byte Integer at bytes[index] without reading it (0 past the end); sizes detail-mode groups. */
  peekU16(index: number): number {
    return index + 1 < this.end ? (this.bytes[index]! << 8) | this.bytes[index + 1]! : 0;
  }

  /** Skips `n` bytes; returns the index they start at, or -1 when they are not all there (cursor short). */
  take(n: number): number {
    if (!this.need(n)) return -1;
    const start = this.pos;
    this.pos += n;
    return start;
  }

  /**
   * UTF-8 Encoded String (2-byte length + data). Checks well-formedness [MQTT-1.5.3-1]/[MQTT-1.5.4-1]
   * and U+0000 [MQTT-1.5.3-2]/[MQTT-1.5.4-2]; `what` names the field in diagnostics ("Topic Name").
   * The data's position is left in lastStart / lastLength. Returns '' when the bytes run out.
   */
  utf8(what: string, name?: string, lengthName?: string): string {
    const length = this.u16(lengthName);
    const start = this.take(length);
    if (start < 0) return '';
    this.lastStart = start;
    this.lastLength = length;
    const end = start + length;
    const scan = length === 0 ? UTF8_ASCII : utf8Scan(this.bytes, start, end);
    if (scan & UTF8_ILL_FORMED) {
      const bad = illFormedAt(this.bytes, start, end);
      const at = bad ?? { index: start, length };
      this.report('mqtt.string.invalid_utf8', at.index, at.length,
        `${what}: ill-formed UTF-8 at byte ${at.index - start} of ${length} (${hexBytes(this.bytes, at.index, at.length)})`);
    }
    if (scan & UTF8_NULL_CHAR) {
      const index = this.bytes.indexOf(0, start);
      this.report('mqtt.string.null_char', index, 1, `${what}: U+0000 at byte ${index - start} of ${length}`);
    }
    const value = decodeUtf8(this.bytes, start, end, (scan & UTF8_ASCII) !== 0);
    if (name !== undefined) this.field(name, start, length, value);
    return value;
  }

  /**
   * Binary Data (2-byte length + bytes, 5.0 §1.5.6). Returns the index the data starts at (or -1 when
   * short); the data is never decoded, so credentials never become strings here. Detail mode records
   * the field with a null value: the Span points at the bytes.
   */
  binary(name?: string, lengthName?: string): number {
    const length = this.u16(lengthName);
    const start = this.take(length);
    if (start < 0) return -1;
    this.lastStart = start;
    this.lastLength = length;
    if (name !== undefined) this.field(name, start, length, null);
    return start;
  }
}

/** "0xc3 0x28" — the bytes a diagnostic is about, at most four of them. */
export function hexBytes(bytes: Uint8Array, index: number, length: number): string {
  let out = '';
  const n = Math.min(length, 4, bytes.length - index);
  for (let i = 0; i < n; i++) out += `${i > 0 ? ' ' : ''}0x${bytes[index + i]!.toString(16).padStart(2, '0')}`;
  return length > n ? `${out} …` : out;
}
