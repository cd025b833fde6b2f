import { isUtf8 } from 'node:buffer';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { hex } from '../bytes/hex.js';
import { decodeUtf8, illFormedAt, utf8Scan, UTF8_ASCII, UTF8_ILL_FORMED, UTF8_NULL_CHAR } from './utf8.js';

/** Bytes biased toward UTF-8 lead and continuation bytes, where the edge cases are. */
const utf8ish = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xbf }),
  fc.constantFrom(0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff)), { maxLength: 12 }).map((a) => Uint8Array.from(a));

describe('UTF-8 checks', () => {
  test.prop([utf8ish])('illFormedAt finds a problem exactly when node:buffer isUtf8 rejects', (b) => {
    expect(illFormedAt(b, 0, b.length) === null).toBe(isUtf8(b));
    expect((utf8Scan(b, 0, b.length) & UTF8_ILL_FORMED) !== 0).toBe(!isUtf8(b));
  });

  test.prop([fc.string({ unit: 'grapheme', maxLength: 20 })])('decodeUtf8 matches TextDecoder on well-formed text', (text) => {
    const b = new Uint8Array(Buffer.from(text, 'utf8'));
    const scan = utf8Scan(b, 0, b.length);
    expect(decodeUtf8(b, 0, b.length, (scan & UTF8_ASCII) !== 0)).toBe(text);
  });

  test.each([
    { bytes: hex`61 c3 28`, at: { index: 1, length: 1 } },      // lead byte without its continuation
    { bytes: hex`ed a0 80`, at: { index: 0, length: 1 } },      // surrogate U+D800
    { bytes: hex`e0 80 80`, at: { index: 0, length: 1 } },      // overlong
    { bytes: hex`f4 90 80 80`, at: { index: 0, length: 1 } },   // above U+10FFFF
    { bytes: hex`e2 82`, at: { index: 0, length: 2 } },         // cut at the end
    { bytes: hex`80`, at: { index: 0, length: 1 } },            // stray continuation
  ])('$bytes is ill-formed at $at.index', ({ bytes, at }) => {
    expect(illFormedAt(bytes, 0, bytes.length)).toEqual(at);
  });

  test('U+0000 is flagged on its own', () => {
    expect(utf8Scan(hex`61 00 62`, 0, 3)).toBe(UTF8_ASCII | UTF8_NULL_CHAR);
  });
});
