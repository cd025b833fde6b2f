/**
 * Hex dump lines with marked bytes, as segments a component colours. Wireshark's layout (offset, 16
 * bytes, ASCII); a run of marked bytes is also bracketed — `[..]` the selected field, `<..>` an
 * anomaly, `{..}` both — so the marks survive NO_COLOR and copy-paste. Pure, and windowed: only the
 * lines asked for are built, so a 16 MB PUBLISH costs what its visible lines cost.
 */
export const MARK_FIELD = 1;
export const MARK_ANOMALY = 2;

/** Bytes [offset, offset + length) carry `bit` (MARK_FIELD or MARK_ANOMALY). */
export interface MarkRange {
  readonly offset: number;
  readonly length: number;
  readonly bit: number;
}

/** Bytes [offset, offset + length) shown as `**` (a credential). */
export interface HiddenRange {
  readonly offset: number;
  readonly length: number;
}

export interface HexSegment {
  readonly text: string;
  /** Bit set of MARK_FIELD / MARK_ANOMALY (0: plain). */
  readonly mark: number;
}

export interface HexLine {
  /** Offset of the line's first byte (relative to the dumped bytes). */
  readonly offset: number;
  readonly segments: readonly HexSegment[];
}

const OPEN = ['', '[', '<', '{'];
const CLOSE = ['', ']', '>', '}'];
const BYTES_PER_LINE = 16;

/** The marks of byte `i` (a zero-length range marks its one byte, so an empty field still shows where it is). */
export function markOf(ranges: readonly MarkRange[], i: number): number {
  let m = 0;
  for (const r of ranges) if (i >= r.offset && i < r.offset + Math.max(1, r.length)) m |= r.bit;
  return m;
}

function hiddenAt(hidden: readonly HiddenRange[], i: number): boolean {
  for (const h of hidden) if (i >= h.offset && i < h.offset + h.length) return true;
  return false;
}

function push(out: HexSegment[], text: string, mark: number): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.mark === mark) out[out.length - 1] = { text: last.text + text, mark };
  else out.push({ text, mark });
}

export function lineCount(bytes: Uint8Array): number {
  return Math.ceil(bytes.length / BYTES_PER_LINE);
}

/** Lines [from, to) of the dump; `base` is added to the printed offsets. */
export function hexLines(bytes: Uint8Array, marks: readonly MarkRange[], hidden: readonly HiddenRange[] = [], base = 0,
  from = 0, to = lineCount(bytes)): HexLine[] {
  const lines: HexLine[] = [];
  const digits = Math.max(4, (base + bytes.length).toString(16).length);
  for (let line = Math.max(0, from); line < Math.min(to, lineCount(bytes)); line++) {
    const start = line * BYTES_PER_LINE;
    const n = Math.min(BYTES_PER_LINE, bytes.length - start);
    const m: number[] = [];
    for (let i = 0; i < n; i++) m.push(markOf(marks, start + i));
    const out: HexSegment[] = [];
    push(out, (base + start).toString(16).padStart(digits, '0'), 0);
    for (let i = 0; i <= BYTES_PER_LINE; i++) {
      const prev = i > 0 && i - 1 < n ? m[i - 1]! : 0;
      const cur = i < n ? m[i]! : 0;
      if (prev === cur) push(out, ' ', 0);
      else if (cur !== 0) push(out, OPEN[cur]!, cur);
      else push(out, CLOSE[prev]!, prev);
      if (i === BYTES_PER_LINE) break;
      if (i < n) push(out, hiddenAt(hidden, start + i) ? '**' : bytes[start + i]!.toString(16).padStart(2, '0'), cur);
      else push(out, '  ', 0);
    }
    push(out, ' ', 0);
    for (let i = 0; i < n; i++) {
      const b = bytes[start + i]!;
      push(out, hiddenAt(hidden, start + i) ? '*' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.', m[i]!);
    }
    lines.push({ offset: start, segments: out });
  }
  return lines;
}

/** The line holding the first byte marked with `bit`, or null. */
export function firstMarkedLine(marks: readonly MarkRange[], bit: number, size: number): number | null {
  let first: number | null = null;
  for (const r of marks) {
    if ((r.bit & bit) === 0 || r.offset >= size) continue;
    const at = Math.max(0, r.offset);
    if (first === null || at < first) first = at;
  }
  return first === null ? null : Math.floor(first / BYTES_PER_LINE);
}

/** First line to show so that line `focus` is visible in `rows` rows (centred when possible). */
export function hexTop(count: number, rows: number, focus: number | null): number {
  if (focus === null || count <= rows) return 0;
  const top = focus - Math.floor((rows - 1) / 2);
  return Math.min(Math.max(0, top), Math.max(0, count - rows));
}

/** The plain text of a line (tests, README captures). */
export function lineText(l: HexLine): string {
  return l.segments.map((s) => s.text).join('');
}
