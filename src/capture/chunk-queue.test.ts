/** ChunkQueue: peeks and takes across chunk boundaries, views vs copies, offsets. */
import { describe, expect, test } from 'vitest';
import { hex, toHex } from '../bytes/hex.js';
import { ChunkQueue } from './chunk-queue.js';

function queue(...chunks: Uint8Array[]): ChunkQueue {
  const q = new ChunkQueue();
  for (const c of chunks) q.push(c);
  return q;
}

describe('ChunkQueue', () => {
  const a = hex`01 02 03`;
  const b = hex`04 05`;
  const c = hex`06 07 08 09`;

  test('integers read the same inside a chunk and across chunks, in both byte orders', () => {
    const q = queue(a, b, c);
    expect(q.length).toBe(9);
    expect(q.u32(0, false)).toBe(0x01020304);
    expect(q.u32(0, true)).toBe(0x04030201);
    expect(q.u16(2, false)).toBe(0x0304);
    expect(q.u16(4, true)).toBe(0x0605);
    expect(q.u32(5, false)).toBe(0x06070809);
    expect(q.u8(8)).toBe(9);
    expect(queue(hex`ff ff ff ff`).u32(0, true)).toBe(0xffffffff);
  });

  test('take: a view inside one chunk, a copy across chunks; offset and length follow', () => {
    const q = queue(a, b, c);
    const v = q.take(2);
    expect(v.buffer).toBe(a.buffer);
    expect(toHex(v)).toBe('0102');
    expect([q.offset, q.length]).toEqual([2, 7]);
    const copy = q.take(4);
    expect(copy.buffer).not.toBe(a.buffer);
    expect(toHex(copy)).toBe('03040506');
    q.skip(2);
    expect([q.offset, q.length, q.u8(0)]).toEqual([8, 1, 9]);
    expect(toHex(q.take(1))).toBe('09');
    expect(q.length).toBe(0);
  });

  test('peekCopy does not consume; clear drops everything and advances the offset', () => {
    const q = queue(a, b);
    expect(toHex(q.peekCopy(4))).toBe('01020304');
    expect(q.length).toBe(5);
    q.clear();
    expect([q.offset, q.length]).toEqual([5, 0]);
    q.push(c);
    expect(q.u8(0)).toBe(6);
  });

  test('many small chunks: skip across them and keep reading', () => {
    const q = new ChunkQueue();
    for (let i = 0; i < 1000; i++) q.push(Uint8Array.of(i & 0xff));
    q.push(new Uint8Array(0));
    q.skip(500);
    expect(q.u16(0, false)).toBe(((500 & 0xff) << 8) | (501 & 0xff));
    expect(q.take(300).length).toBe(300);
    expect([q.offset, q.length]).toEqual([800, 200]);
  });
});
