import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { hex } from '../bytes/hex.js';
import {
  encodeVarint, readVarint, varintByteCount, varintSize, varintValue, VARINT_MAX, VARINT_NEED_MORE, VARINT_TOO_LONG,
} from './varint.js';

describe('Variable Byte Integer', () => {
  // 5.0 §1.5.5 Table 1-1: the boundaries of each encoded size.
  test.each([
    { bytes: hex`00`, value: 0, count: 1 },
    { bytes: hex`7f`, value: 127, count: 1 },
    { bytes: hex`80 01`, value: 128, count: 2 },
    { bytes: hex`ff 7f`, value: 16_383, count: 2 },
    { bytes: hex`80 80 01`, value: 16_384, count: 3 },
    { bytes: hex`ff ff 7f`, value: 2_097_151, count: 3 },
    { bytes: hex`80 80 80 01`, value: 2_097_152, count: 4 },
    { bytes: hex`ff ff ff 7f`, value: VARINT_MAX, count: 4 },
    { bytes: hex`80 00`, value: 0, count: 2 }, // not minimal, but readable
  ])('$bytes → $value in $count bytes', ({ bytes, value, count }) => {
    const r = readVarint(bytes, 0, bytes.length);
    expect([varintValue(r), varintByteCount(r)]).toEqual([value, count]);
  });

  test('a 4th byte with the continuation bit is too long; a missing last byte needs more', () => {
    expect(readVarint(hex`ff ff ff 80 01`, 0, 5)).toBe(VARINT_TOO_LONG);
    expect(readVarint(hex`ff ff ff 80`, 0, 4)).toBe(VARINT_TOO_LONG);
    expect(readVarint(hex`ff ff`, 0, 2)).toBe(VARINT_NEED_MORE);
    expect(readVarint(hex`05`, 0, 0)).toBe(VARINT_NEED_MORE);
    expect(readVarint(hex`00 00 ff 01`, 2, 4)).toBe(255 * 8 + 2);
  });

  test.prop([fc.integer({ min: 0, max: VARINT_MAX })])('encode then read is the identity, minimally encoded', (n) => {
    const b = encodeVarint(n);
    expect(b.length).toBe(varintSize(n));
    const r = readVarint(b, 0, b.length);
    expect([varintValue(r), varintByteCount(r)]).toEqual([n, b.length]);
  });
});
