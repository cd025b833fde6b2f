/**
 * Where the panes go: a pure function of the terminal size, the focused pane and how much there is
 * to show. The focused pane gets the larger share, so 80×24 stays usable and a larger terminal shows
 * more of everything. Heights are content rows (each pane also has a one-line header).
 */
export type Pane = 'connections' | 'packets' | 'detail' | 'evidence';

export const PANES: readonly Pane[] = ['connections', 'packets', 'detail', 'evidence'];

export interface Size {
  readonly cols: number;
  readonly rows: number;
}

export interface Layout {
  readonly cols: number;
  /** Rows drawn: one less than the terminal, so ink never has to clear the whole screen to redraw. */
  readonly rows: number;
  readonly connections: number;
  readonly packets: number;
  readonly detail: number;
  /** Verdict summary lines and evidence lines. */
  readonly summary: number;
  readonly evidence: number;
  /** Field tree and hex dump side by side (wide terminals) or stacked. */
  readonly sideBySide: boolean;
  /** A full-width line atop the detail pane for the selected packet's anomaly (when it has one). */
  readonly anomalyLine: boolean;
  readonly fieldRows: number;
  readonly hexRows: number;
  readonly fieldsWidth: number;
  readonly hexWidth: number;
}

/** Status line, footer, four pane headers, the two timeline lines. */
const FIXED_ROWS = 8;
/** Width of a hex line: offset (4) + 16 × " xx" + closing mark + a space + 16 ASCII. */
export const HEX_WIDTH = 4 + 16 * 3 + 1 + 1 + 16;
const SIDE_BY_SIDE_MIN_COLS = HEX_WIDTH + 36;

/** Weights of connections, packets and detail by focused pane. */
const WEIGHTS: Record<Pane, readonly [number, number, number]> = {
  connections: [4, 4, 4],
  packets: [2, 6, 4],
  detail: [1, 3, 8],
  evidence: [2, 4, 6],
};

/** Splits `total` by `weights` (each part ≥ `min[i]`), capping part i at `max[i]` and giving the rest away. */
function split(total: number, weights: readonly number[], min: readonly number[], max: readonly number[]): number[] {
  const parts = min.slice();
  let left = total - parts.reduce((a, b) => a + b, 0);
  while (left > 0) {
    // Give one row to the part furthest below its weighted share that can still grow.
    let best = -1;
    let bestNeed = -Infinity;
    const sum = weights.reduce((a, b, i) => a + (parts[i]! < max[i]! ? b : 0), 0);
    if (sum === 0) break;
    for (let i = 0; i < parts.length; i++) {
      if (parts[i]! >= max[i]!) continue;
      const need = (weights[i]! / sum) * total - parts[i]!;
      if (need > bestNeed) { bestNeed = need; best = i; }
    }
    if (best < 0) break;
    parts[best]!++;
    left--;
  }
  return parts;
}

export interface LayoutCounts {
  readonly connections: number;
  /** Packets in the selected connection's list (a short list does not take rows it cannot fill). */
  readonly packets?: number;
  readonly evidence: number;
  /** The selected packet has anomalies (the detail pane then spends a line on the selected one). */
  readonly anomalyLine: boolean;
}

export function layout(size: Size, focus: Pane, counts: LayoutCounts): Layout {
  const cols = Math.max(20, size.cols);
  const rows = Math.max(12, size.rows - 1);
  const focusedEvidence = focus === 'evidence';
  const evidence = Math.max(1, Math.min(counts.evidence, focusedEvidence ? 6 : 2));
  const summary = focusedEvidence ? 3 : 1;
  const free = Math.max(3, rows - FIXED_ROWS - summary - evidence);
  const [connections, packets, detail] = split(free, WEIGHTS[focus], [1, 1, 1],
    [rowsFor(counts.connections), counts.packets === undefined ? Infinity : rowsFor(counts.packets), Infinity]) as [number, number, number];
  const sideBySide = cols >= SIDE_BY_SIDE_MIN_COLS;
  const anomalyLine = counts.anomalyLine && detail >= 3;
  const body = anomalyLine ? detail - 1 : detail;
  const fieldRows = sideBySide ? body : Math.max(1, Math.ceil(body * 0.45));
  const hexRows = sideBySide ? body : Math.max(1, body - fieldRows);
  return {
    cols, rows, connections, packets, detail, summary, evidence, sideBySide, anomalyLine, fieldRows, hexRows,
    fieldsWidth: sideBySide ? cols - HEX_WIDTH - 2 : cols, hexWidth: sideBySide ? HEX_WIDTH + 1 : cols,
  };
}

/** A list pane gets a column-title row once it has this many content rows. */
export const COLUMN_TITLES_MIN_ROWS = 4;

/** Content rows that show all of a list of `n` items (with its title row once there is room for one). */
function rowsFor(n: number): number {
  return n + 1 >= COLUMN_TITLES_MIN_ROWS ? n + 1 : Math.max(1, n);
}

/** Rows left for list items in a list pane of `rows` content rows. */
export function itemRows(rows: number): number {
  return rows >= COLUMN_TITLES_MIN_ROWS ? rows - 1 : rows;
}

/** Item rows of a pane's list (what the cursor scrolls over). */
export function paneRows(l: Layout, pane: Pane): number {
  switch (pane) {
    case 'connections': return itemRows(l.connections);
    case 'packets': return itemRows(l.packets);
    case 'detail': return l.fieldRows;
    case 'evidence': return l.evidence;
    default: return assertNever(pane);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected ${String(x)}`);
}
