/**
 * A hex dump in Wireshark's layout (offset, 16 bytes, ASCII) where chosen bytes are marked: in
 * brackets always (so the mark survives copy-paste and NO_COLOR), and in red when colour is on.
 */
export interface HexDumpOptions {
  /** Offsets (relative to `bytes`) to mark. */
  readonly mark: ReadonlySet<number>;
  /** Added to the printed offsets (e.g. where `bytes` starts in its frame). */
  readonly base?: number;
  readonly color: boolean;
  /** Print only the lines around the marked bytes (± this many lines); all lines when absent. */
  readonly context?: number;
}

export function hexDump(bytes: Uint8Array, o: HexDumpOptions): string[] {
  const base = o.base ?? 0;
  const lines: string[] = [];
  const rows = Math.ceil(bytes.length / 16);
  const markedRows = new Set([...o.mark].map((m) => Math.floor(m / 16)));
  for (let r = 0; r < rows; r++) {
    if (o.context !== undefined && o.mark.size > 0 && ![...markedRows].some((m) => Math.abs(m - r) <= o.context!)) continue;
    let hexPart = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      const at = r * 16 + i;
      if (at >= bytes.length) { hexPart += '    '; continue; }
      const b = bytes[at]!;
      const h = b.toString(16).padStart(2, '0');
      const marked = o.mark.has(at);
      const cell = marked ? `[${h}]` : ` ${h} `;
      hexPart += marked && o.color ? `\u001b[1;31m${cell}\u001b[0m` : cell;
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    lines.push(`${(base + r * 16).toString(16).padStart(4, '0')} ${hexPart}  ${ascii}`);
  }
  return lines;
}
