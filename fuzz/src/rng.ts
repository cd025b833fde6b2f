/**
 * Seeded pseudo-random numbers for the fuzzer: sfc32 (Chris Doty-Humphrey's Small Fast Counter), fed
 * by splitmix32 so that one (seed, index) pair gives one independent stream. Every input is generated
 * from its own stream, so input N of seed S can be regenerated alone (a worker that hung or ran out of
 * memory is replaced and its input rebuilt from the pair).
 */

function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for input `index` of run `seed`. */
  constructor(seed: number, index = 0) {
    const mix = splitmix32((Math.imul(seed >>> 0, 0x27d4eb2d) ^ Math.imul(index >>> 0, 0x165667b1) ^ Math.floor(index / 2 ** 32)) >>> 0);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** 32 random bits. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n) (n ≥ 1). */
  int(n: number): number {
    if (n <= 1) return 0;
    if (n <= 2 ** 32) return Math.floor((this.u32() / 2 ** 32) * n);
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A float in [0, 1). */
  float(): number {
    return (this.u32() * 2 ** 21 + (this.u32() >>> 11)) / 2 ** 53;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  byte(): number {
    return this.u32() & 0xff;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[this.int(xs.length)]!;
  }

  /** An index chosen by weight. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.byte();
    return out;
  }

  /** Small numbers mostly, large ones sometimes (lengths, counts). */
  small(max: number): number {
    const r = this.float();
    if (r < 0.6) return this.int(Math.min(max, 8) + 1);
    if (r < 0.9) return this.int(Math.min(max, 64) + 1);
    return this.int(max + 1);
  }
}
