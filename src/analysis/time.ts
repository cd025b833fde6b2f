import type { Timestamp } from '../capture/types.js';

/** Seconds from `a` to `b` (negative when b is earlier). */
export function secondsBetween(a: Timestamp, b: Timestamp): number {
  return b.sec - a.sec + (b.nsec - a.nsec) / 1e9;
}

/** "7.6 s", "120 ms": a duration as a person reads it. */
export function formatDuration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 0.0001) return `${Math.round(seconds * 1e6)} µs`;
  if (s < 0.01) return `${(seconds * 1000).toFixed(1)} ms`;
  if (s < 1) return `${Math.round(seconds * 1000)} ms`;
  if (s < 100) return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
  return `${Math.round(seconds)} s`;
}
