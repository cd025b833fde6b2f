import type { Timestamp } from '../capture/types.js';

/** ISO-8601 UTC with the capture's precision: microseconds, or nanoseconds where the capture has them. */
export function isoTime(ts: Timestamp): string {
  const base = new Date(ts.sec * 1000).toISOString().slice(0, 19);
  const frac = ts.precision === 'ns'
    ? String(ts.nsec).padStart(9, '0')
    : String(Math.floor(ts.nsec / 1000)).padStart(6, '0');
  return `${base}.${frac}Z`;
}

/** Local or UTC wall-clock time of day with milliseconds, for compact tables. */
export function clockTime(ts: Timestamp): string {
  return isoTime(ts).slice(11, 23);
}
