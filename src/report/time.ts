import type { Timestamp } from '../capture/types.js';

/** ISO-8601 UTC with the capture's precision: microseconds, or nanoseconds where the capture has them. */
export function isoTime(ts: Timestamp): string {
  const date = new Date(ts.sec * 1000);
  if (!Number.isFinite(date.getTime())) {
    // Outside the calendar JavaScript can represent (a damaged or hostile timestamp): seconds since the epoch.
    return `@${ts.sec}.${ts.precision === 'ns' ? String(ts.nsec).padStart(9, '0') : String(Math.floor(ts.nsec / 1000)).padStart(6, '0')}`;
  }
  const base = date.toISOString().slice(0, 19);
  const frac = ts.precision === 'ns'
    ? String(ts.nsec).padStart(9, '0')
    : String(Math.floor(ts.nsec / 1000)).padStart(6, '0');
  return `${base}.${frac}Z`;
}

/** Local or UTC wall-clock time of day with milliseconds, for compact tables. */
export function clockTime(ts: Timestamp): string {
  return isoTime(ts).slice(11, 23);
}

/** Minutes east of UTC of the local zone at `ts` (e.g. 60 for UTC+1). */
function localOffsetMinutes(ts: Timestamp): number {
  return -new Date(ts.sec * 1000).getTimezoneOffset();
}

function zoneSuffix(minutes: number): string {
  if (minutes === 0) return 'Z';
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** Like {@link isoTime}, in the local zone with its offset when `local` (`2026-11-22T05:03:36.910581+01:00`). */
export function isoTimeIn(ts: Timestamp, local: boolean): string {
  if (!local) return isoTime(ts);
  const offset = localOffsetMinutes(ts);
  return `${isoTime({ ...ts, sec: ts.sec + offset * 60 }).slice(0, -1)}${zoneSuffix(offset)}`;
}

/** Date, time of day with the capture's precision, and zone of `ts`, in UTC or the local zone. */
export function wallClock(ts: Timestamp, local: boolean): { date: string; time: string; zone: string } {
  const offset = local ? localOffsetMinutes(ts) : 0;
  const iso = isoTime({ ...ts, sec: ts.sec + offset * 60 });
  return { date: iso.slice(0, 10), time: iso.slice(11, -1), zone: local ? zoneSuffix(offset) : 'UTC' };
}

/** {@link clockTime} in UTC or the local zone. */
export function clockTimeIn(ts: Timestamp, local: boolean): string {
  return wallClock(ts, local).time.slice(0, 12);
}
