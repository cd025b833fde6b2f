/**
 * Hex dump lines with marked bytes, as segments a component colours. Wireshark's layout (offset, 16
 * bytes, ASCII); a run of marked bytes is also bracketed — `[..]` the selected field, `<..>` an
 * anomaly, `{..}` both — so the marks survive NO_COLOR and copy-paste. Pure.
 */
export const MARK_FIELD = 1;
export const MARK_ANOMALY = 2;

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

/** Sets `bit` on marks[offset … offset+length), clamped to the array. */
export function markRange(marks: Uint8Array, offset: number, length: number, bit: number): void {
  const from = Math.max(0, offset);
  const to = Math.min(marks.length, offset + Math.max(1, length));
  for (let i = from; i < to; i++) marks[i]! |= bit;
}

function push(out: HexSegment[], text: string, mark: number): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.mark === mark) out[out.length - 1] = { text: last.text + text, mark };
  else out.push({ text, mark });
}

/**
 * One line per 16 bytes. `marks[i]` marks byte i; `hidden[i]` non-zero shows byte i as `**` (a
 * credential); `base` is added to the printed offsets.
 */
export function hexLines(bytes: Uint8Array, marks: Uint8Array, hidden: Uint8Array | null = null, base = 0): HexLine[] {
  const lines: HexLine[] = [];
  const digits = Math.max(4, (base + bytes.length).toString(16).length);
  for (let start = 0; start < bytes.length; start += 16) {
    const out: HexSegment[] = [];
    push(out, (base + start).toString(16).padStart(digits, '0'), 0);
    const n = Math.min(16, bytes.length - start);
    for (let i = 0; i <= 16; i++) {
      const prev = i > 0 && i - 1 < n ? marks[start + i - 1]! : 0;
      const cur = i < n ? marks[start + i]! : 0;
      if (prev === cur) push(out, ' ', 0);
      else if (cur !== 0) push(out, OPEN[cur]!, cur);
      else push(out, CLOSE[prev]!, prev);
      if (i === 16) break;
      if (i < n) {
        const at = start + i;
        push(out, hidden?.[at] ? '**' : bytes[at]!.toString(16).padStart(2, '0'), cur);
      } else {
        push(out, '  ', 0);
      }
    }
    push(out, ' ', 0);
    for (let i = 0; i < n; i++) {
      const at = start + i;
      const b = bytes[at]!;
      push(out, hidden?.[at] ? '*' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.', marks[at]!);
    }
    lines.push({ offset: start, segments: out });
  }
  return lines;
}

/** First line to show so that line `focus` is visible in `rows` rows (centred when possible). */
export function hexTop(lineCount: number, rows: number, focus: number | null): number {
  if (focus === null || lineCount <= rows) return 0;
  const top = focus - Math.floor((rows - 1) / 2);
  return Math.min(Math.max(0, top), Math.max(0, lineCount - rows));
}

/** The plain text of a line (tests, README captures). */
export function lineText(l: HexLine): string {
  return l.segments.map((s) => s.text).join('');
}
