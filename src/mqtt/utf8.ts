/**
 * UTF-8 checks for MQTT's "UTF-8 Encoded String" (3.1.1 §1.5.3, 5.0 §1.5.4): the bytes MUST be
 * well-formed UTF-8 as defined by RFC 3629 / Unicode, surrogates (U+D800…U+DFFF) included in the
 * "ill-formed" set [MQTT-1.5.3-1], and MUST NOT contain U+0000 [MQTT-1.5.3-2].
 *
 * The common case — short ASCII topics and client ids — is one pass over the bytes and one
 * `String.fromCharCode`; anything else is checked with node:buffer's native `isUtf8` before decoding.
 * Locating the exact bad sequence ({@link illFormedAt}) runs only on the error path.
 */
import { isUtf8 } from 'node:buffer';

/** Bit flags returned by {@link utf8Scan}. */
export const UTF8_ILL_FORMED = 1;
export const UTF8_NULL_CHAR = 2;
/** Every byte is below 0x80: the string is ASCII and decodes byte for char. */
export const UTF8_ASCII = 4;

// Non-fatal: the bytes were validated first; ill-formed strings decode with U+FFFD so a report can
// still show them (the diagnostic says they were ill-formed).
const decoder = new TextDecoder('utf-8');

/** ASCII strings up to this length are built with String.fromCharCode rather than a TextDecoder call. */
const ASCII_FAST_PATH = 256;

/**
 * One pass over `bytes[start…end)`: returns {@link UTF8_ASCII} when every byte is ASCII, plus
 * {@link UTF8_ILL_FORMED} / {@link UTF8_NULL_CHAR} for the problems found.
 */
export function utf8Scan(bytes: Uint8Array, start: number, end: number): number {
  let high = 0;
  let nul = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    // A 0x00 byte in well-formed UTF-8 can only be U+0000 itself (multi-byte sequences never contain it).
    if (b === 0) nul = true;
    high |= b;
  }
  let flags = nul ? UTF8_NULL_CHAR : 0;
  if (high < 0x80) flags |= UTF8_ASCII;
  else if (!isUtf8(bytes.subarray(start, end))) flags |= UTF8_ILL_FORMED;
  return flags;
}

/** Decodes `bytes[start…end)`; ill-formed sequences become U+FFFD. `ascii` is the {@link UTF8_ASCII} hint. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number, ascii: boolean): string {
  const n = end - start;
  if (n === 0) return '';
  // A typed array is array-like, which is all apply() needs.
  if (ascii && n <= ASCII_FAST_PATH) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  return decoder.decode(bytes.subarray(start, end));
}

/**
 * Length of the well-formed UTF-8 sequence at `bytes[i]`, or minus the length of the maximal
 * ill-formed subpart there (Unicode §3.9, Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
 */
function sequenceAt(bytes: Uint8Array, i: number, end: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  let trail: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 < 0xc2) return -1; // stray continuation byte, or an overlong 2-byte lead
  else if (b0 < 0xe0) trail = 1;
  else if (b0 < 0xf0) {
    trail = 2;
    if (b0 === 0xe0) lo = 0xa0; // overlong
    if (b0 === 0xed) hi = 0x9f; // U+D800…U+DFFF surrogates
  } else if (b0 < 0xf5) {
    trail = 3;
    if (b0 === 0xf0) lo = 0x90; // overlong
    if (b0 === 0xf4) hi = 0x8f; // above U+10FFFF
  } else return -1;
  for (let k = 1; k <= trail; k++) {
    if (i + k >= end) return -k;
    const c = bytes[i + k]!;
    if (c < lo || c > hi) return -k;
    lo = 0x80;
    hi = 0xbf;
  }
  return trail + 1;
}

/** Index and length of the first ill-formed sequence in `bytes[start…end)`, or null when there is none. */
export function illFormedAt(bytes: Uint8Array, start: number, end: number): { index: number; length: number } | null {
  let i = start;
  while (i < end) {
    const n = sequenceAt(bytes, i, end);
    if (n < 0) return { index: i, length: -n };
    i += n;
  }
  return null;
}
