/**
 * Virtualized lists: a cursor (selected index) and the first visible row. Only `rows` rows are ever
 * rendered, whatever the list's length, so a million packets scroll as fast as ten.
 */
export interface Cursor {
  /** Selected position in the (filtered) list. */
  readonly index: number;
  /** First visible position. */
  readonly top: number;
}

export const START: Cursor = { index: 0, top: 0 };

/** The cursor clamped to the list and the window moved (as little as possible) so the cursor shows. */
export function fit(c: Cursor, rows: number, count: number): Cursor {
  if (count <= 0) return START;
  const n = Math.max(1, rows);
  const index = Math.min(Math.max(0, c.index), count - 1);
  let top = Math.min(Math.max(0, c.top), Math.max(0, count - n));
  if (index < top) top = index;
  if (index >= top + n) top = index - n + 1;
  return index === c.index && top === c.top ? c : { index, top };
}

export function moveBy(c: Cursor, delta: number, rows: number, count: number): Cursor {
  return fit({ index: c.index + delta, top: c.top }, rows, count);
}

export function moveTo(c: Cursor, index: number, rows: number, count: number): Cursor {
  return fit({ index, top: c.top }, rows, count);
}

/** Positions [top, top + rows) that exist: the rows to render. */
export function visibleRange(c: Cursor, rows: number, count: number): { from: number; to: number } {
  const f = fit(c, rows, count);
  return { from: f.top, to: Math.min(count, f.top + Math.max(1, rows)) };
}
