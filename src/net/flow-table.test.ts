import { describe, expect, test } from 'vitest';
import { FlowTable4 } from './flow-table.js';

/** A small deterministic PRNG (mulberry32) so that failures replay. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('FlowTable4', () => {
  test('a flow is found from either direction, and only by its own 4-tuple', () => {
    const t = new FlowTable4<string>();
    t.set(0x7f000001, 40000, 0x7f000001, 1883, 'f');
    expect(t.get(0x7f000001, 40000, 0x7f000001, 1883)).toBe('f');
    expect(t.get(0x7f000001, 1883, 0x7f000001, 40000)).toBe('f');
    expect(t.get(0x7f000001, 40001, 0x7f000001, 1883)).toBeUndefined();
    expect(t.get(0x7f000002, 40000, 0x7f000001, 1883)).toBeUndefined();
    expect(t.delete(0x7f000001, 1883, 0x7f000001, 40000)).toBe(true);
    expect(t.get(0x7f000001, 40000, 0x7f000001, 1883)).toBeUndefined();
    expect(t.size).toBe(0);
  });

  test('addresses above 2^31 and equal endpoints are keys like any other', () => {
    const t = new FlowTable4<number>();
    t.set(0xffffffff, 65535, 0x80000000, 0, 1);
    t.set(0x0a000001, 5000, 0x0a000001, 5000, 2);
    expect(t.get(0x80000000, 0, 0xffffffff, 65535)).toBe(1);
    expect(t.get(0x0a000001, 5000, 0x0a000001, 5000)).toBe(2);
  });

  test('random sets, gets and deletes agree with a Map (growth and backward-shift deletion)', () => {
    const rnd = prng(9);
    const t = new FlowTable4<number>();
    const ref = new Map<string, number>();
    const key = (a: number, p: number, b: number, q: number): string =>
      a < b || (a === b && p <= q) ? `${a}/${p}-${b}/${q}` : `${b}/${q}-${a}/${p}`;
    // Few distinct addresses and ports: many collisions in the probe runs.
    const pick = (): [number, number, number, number] =>
      [0x0a000000 + Math.floor(rnd() * 40), Math.floor(rnd() * 30), 0x0a000000 + Math.floor(rnd() * 3), 1883 + Math.floor(rnd() * 2)];
    for (let i = 0; i < 50_000; i++) {
      const [a, p, b, q] = pick();
      const swap = rnd() < 0.5;
      const r = rnd();
      if (r < 0.5) {
        t.set(a, p, b, q, i);
        ref.set(key(a, p, b, q), i);
      } else if (r < 0.8) {
        expect(swap ? t.get(b, q, a, p) : t.get(a, p, b, q)).toBe(ref.get(key(a, p, b, q)));
      } else {
        expect(swap ? t.delete(b, q, a, p) : t.delete(a, p, b, q)).toBe(ref.delete(key(a, p, b, q)));
      }
      expect(t.size).toBe(ref.size);
    }
    for (const [k, v] of ref) {
      const [x, y] = k.split('-') as [string, string];
      const [a, p] = x.split('/').map(Number) as [number, number];
      const [b, q] = y.split('/').map(Number) as [number, number];
      expect(t.get(a, p, b, q)).toBe(v);
    }
  });
});
