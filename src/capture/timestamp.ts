/**
 * pcapng timestamps: a 64-bit count of ticks since the epoch, in units of the interface's
 * `if_tsresol`, plus its `if_tsoffset` seconds (draft-ietf-opsawg-pcapng §4.2 and §4.3). Turned into
 * `{sec, nsec}` integers, never float seconds.
 *
 * Performance: the common resolutions (10^-k with k ≤ 9: µs, ns, ms…) are divided exactly with
 * doubles by long division in base 2^16, so no BigInt on the hot path. Finer decimal and binary
 * (2^-n) resolutions take the exact BigInt path; they are rare.
 */
import type { Timestamp } from './types.js';

/** How an interface counts time, precomputed once per Interface Description Block. */
export interface Resolution {
  /** Ticks per second when it fits the fast path (10^k, k ≤ 9), else 0. */
  readonly divisor: number;
  /** Nanoseconds per tick on the fast path (10^(9-k)). */
  readonly nsecPerTick: number;
  /** Ticks per second, exact, for the slow path. */
  readonly ticksPerSec: bigint;
  readonly precision: Timestamp['precision'];
  /** if_tsoffset: seconds added to every timestamp (§4.2). */
  readonly offsetSec: number;
}

/**
 * The resolution an `if_tsresol` byte declares (§4.2): most significant bit 0 → 10^-value seconds,
 * 1 → 2^-(value & 0x7f) seconds. The default, with no option, is 6 (microseconds).
 */
export function resolution(tsresol: number, offsetSec = 0): Resolution {
  const binary = (tsresol & 0x80) !== 0;
  const exp = tsresol & 0x7f;
  const ticksPerSec = binary ? 1n << BigInt(exp) : 10n ** BigInt(exp);
  // Anything finer than a microsecond keeps nanosecond digits; coarser clocks print as microseconds.
  const precision = ticksPerSec > 1_000_000n ? 'ns' : 'us';
  if (!binary && exp <= 9) {
    return { divisor: 10 ** exp, nsecPerTick: 10 ** (9 - exp), ticksPerSec, precision, offsetSec };
  }
  return { divisor: 0, nsecPerTick: 0, ticksPerSec, precision, offsetSec };
}

/** The default resolution of an interface without `if_tsresol`: microseconds (§4.2). */
export const MICROSECONDS = resolution(6);

const TWO16 = 65536;

/** Converts the two 32-bit halves of a pcapng timestamp into seconds and nanoseconds. */
export function ticksToTimestamp(high: number, low: number, res: Resolution): Timestamp {
  const d = res.divisor;
  if (d !== 0) {
    // Long division of the 64-bit tick count by d, 16 bits at a time: every remainder is < d ≤ 1e9,
    // so r * 2^16 < 2^53 and each step is exact in a double.
    let r = high >>> 16;
    const q3 = Math.floor(r / d);
    r -= q3 * d;
    r = r * TWO16 + (high & 0xffff);
    const q2 = Math.floor(r / d);
    r -= q2 * d;
    r = r * TWO16 + (low >>> 16);
    const q1 = Math.floor(r / d);
    r -= q1 * d;
    r = r * TWO16 + (low & 0xffff);
    const q0 = Math.floor(r / d);
    r -= q0 * d;
    const sec = ((q3 * TWO16 + q2) * TWO16 + q1) * TWO16 + q0;
    return { sec: sec + res.offsetSec, nsec: r * res.nsecPerTick, precision: res.precision };
  }
  const ticks = (BigInt(high) << 32n) | BigInt(low);
  const sec = ticks / res.ticksPerSec;
  const nsec = ((ticks % res.ticksPerSec) * 1_000_000_000n) / res.ticksPerSec;
  return { sec: Number(sec) + res.offsetSec, nsec: Number(nsec), precision: res.precision };
}
