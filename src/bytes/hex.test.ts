import { expect, test } from 'vitest';
import { copyBytes, fromHex, hex, toHex } from './hex.js';

test('copyBytes copies even a Node Buffer (whose slice() would be a view)', () => {
  const chunk = Buffer.from([1, 2, 3, 4, 5]);
  const view = chunk.subarray(1, 4);
  const copy = copyBytes(view);
  copy.fill(0x2a);
  expect([...chunk]).toEqual([1, 2, 3, 4, 5]);
  expect(copy.buffer).not.toBe(chunk.buffer);
});

test('annotated hex round-trips', () => {
  const b = hex`10 0c  # CONNECT, remaining length 12
    00 04 4d 51 54 54  # "MQTT"`;
  expect(toHex(b, ' ')).toBe('10 0c 00 04 4d 51 54 54');
  expect(fromHex('ab CD')).toEqual(Uint8Array.of(0xab, 0xcd));
  expect(() => fromHex('abc')).toThrow();
});
