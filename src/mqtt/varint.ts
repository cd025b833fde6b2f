/**
 * MQTT Variable Byte Integer (3.1.1 §2.2.3 "Remaining Length", 5.0 §1.5.5): 7 value bits per byte,
 * least significant group first, bit 7 = "more bytes follow"; at most 4 bytes (max 268,435,455).
 *
 * Pure, never throws, allocates nothing: the result is packed into one number so the hot path (one
 * Remaining Length per packet) needs no result object.
 */

/** Largest value four bytes can carry: 2^28 − 1. */
export const VARINT_MAX = 268_435_455;

/** At most four bytes; a fifth byte (the fourth still has bit 7 set) is malformed. */
export const VARINT_MAX_BYTES = 4;

/** Returned when the bytes end before the last varint byte (bit 7 clear) arrives. */
export const VARINT_NEED_MORE = -1;

/** Returned when the fourth byte still has the continuation bit set. */
export const VARINT_TOO_LONG = -2;

/**
 * Reads a Variable Byte Integer at `bytes[pos]`, looking no further than `end`.
 *
 * Returns {@link VARINT_NEED_MORE}, {@link VARINT_TOO_LONG}, or a packed result `value * 8 + byteCount`
 * (value < 2^28, so the packed number stays below 2^31 and fits in a small integer); unpack it with
 * {@link varintValue} and {@link varintByteCount}.
 */
export function readVarint(bytes: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < VARINT_MAX_BYTES; i++) {
    if (pos + i >= end) return VARINT_NEED_MORE;
    const b = bytes[pos + i]!;
    value += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) return value * 8 + (i + 1);
    multiplier *= 128;
  }
  return VARINT_TOO_LONG;
}

/** The value of a packed {@link readVarint} result (which must be ≥ 0). */
export function varintValue(packed: number): number {
  return packed >>> 3;
}

/** How many bytes the varint of a packed {@link readVarint} result occupied (1–4). */
export function varintByteCount(packed: number): number {
  return packed & 7;
}

/** The minimum number of bytes that encode `value` [MQTT-1.5.5-1]. */
export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : 4;
}

/** The minimal encoding of `value` (0…{@link VARINT_MAX}); used by tests and fixture builders. */
export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintSize(value));
  let v = value;
  for (let i = 0; i < out.length; i++) {
    const b = v % 128;
    v = Math.floor(v / 128);
    out[i] = v > 0 ? b | 0x80 : b;
  }
  return out;
}
