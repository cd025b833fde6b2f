/**
 * StoreView: the questions the reducer and the components ask about the data, answered from the
 * CaptureStore for a given UI state — the filtered connection list, the selected connection's
 * filtered packet list (positions → rows, built incrementally as packets arrive), the selected packet
 * and its detail rows (decoded again once per packet, memoized).
 */
import type { Evidence } from '../analysis/types.js';
import { assertNever, type Pane } from './layout.js';
import { detailRows, type DetailRow } from './detail.js';
import type { PacketRow, PacketTable } from './packet-table.js';
import { compileQuery, type RowQuery } from './query.js';
import type { UiState, UiView } from './state.js';
import type { CaptureStore, ConnEntry } from './store.js';

/** A packet list: positions 0…count-1 mapped to the table's logical row indices. */
export interface PacketList {
  readonly count: number;
  /** Rows not looked at yet by the filter (the list is still growing). */
  readonly pending?: number;
  indexAt(position: number): number;
  /** Position of the first listed row with index ≥ `index`. */
  positionOf(index: number): number;
}

/**
 * Rows scanned per render when filtering: a million-row scan is spread over renders (the list grows
 * while the header says "filtering…") so typing a filter never freezes the UI.
 */
export const SCAN_BUDGET_ROWS = 100_000;

/** The rows of one table matching one filter, extended as rows arrive; rows dropped from the table fall off the front. */
class FilteredRows implements PacketList {
  private indices = new Uint32Array(1024);
  private n = 0;
  private head = 0;
  private scanned = 0;

  constructor(private readonly table: PacketTable, private readonly entry: ConnEntry, readonly query: RowQuery) {
    this.scanned = table.first;
  }

  /** Scans up to `budget` more rows. */
  update(budget: number): void {
    const t = this.table;
    if (this.scanned < t.first) this.scanned = t.first;
    const end = Math.min(t.length, this.scanned + budget);
    for (let i = this.scanned; i < end; i++) {
      if (!this.query.packet(t, i, this.entry)) continue;
      if (this.n === this.indices.length) {
        const grown = new Uint32Array(this.indices.length * 2);
        grown.set(this.indices);
        this.indices = grown;
      }
      this.indices[this.n++] = i;
    }
    this.scanned = end;
    while (this.head < this.n && this.indices[this.head]! < t.first) this.head++;
  }

  get count(): number {
    return this.n - this.head;
  }

  /** Rows of the table not scanned yet. */
  get pending(): number {
    return this.table.length - this.scanned;
  }

  indexAt(position: number): number {
    return this.indices[this.head + position]!;
  }

  positionOf(index: number): number {
    let lo = this.head;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.indices[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }
}

function allRows(table: PacketTable): PacketList {
  return {
    count: table.kept,
    indexAt: (p) => table.first + p,
    positionOf: (i) => Math.max(0, i - table.first),
  };
}

export class StoreView implements UiView {
  private connCache: { key: string; list: readonly ConnEntry[] } | null = null;
  private readonly filtered = new Map<PacketTable, FilteredRows>();
  private detailCache: { seq: number; kept: boolean; rows: readonly DetailRow[] } | null = null;

  constructor(readonly store: CaptureStore) {}

  private queries = new Map<string, RowQuery>();

  /** The compiled filter of a list (memoized per text: typing compiles each new text once). */
  query(s: UiState, list: 'connections' | 'packets'): RowQuery {
    const text = s.filters[list];
    const key = `${list}\u0000${text}`;
    let q = this.queries.get(key);
    if (q === undefined) {
      if (this.queries.size > 64) this.queries.clear();
      q = compileQuery(text, list);
      this.queries.set(key, q);
    }
    return q;
  }

  connections(s: UiState): readonly ConnEntry[] {
    const key = `${this.store.revision}\u0000${this.store.connections.length}\u0000${s.filters.connections}`;
    if (this.connCache?.key === key) return this.connCache.list;
    const q = this.query(s, 'connections');
    const list = q.all ? this.store.connections.slice() : this.store.connections.filter((e) => q.connection(e));
    this.connCache = { key, list };
    return list;
  }

  selectedEntry(s: UiState): ConnEntry | null {
    return this.connections(s)[s.cursors.connections.index] ?? null;
  }

  packets(s: UiState): PacketList {
    const e = this.selectedEntry(s);
    if (e === null) return { count: 0, indexAt: () => -1, positionOf: () => 0 };
    const q = this.query(s, 'packets');
    if (q.all) return allRows(e.packets);
    let rows = this.filtered.get(e.packets);
    if (rows === undefined || rows.query !== q) {
      // One filtered list is kept per table (the one for the current text): typing replaces it.
      rows = new FilteredRows(e.packets, e, q);
      this.filtered.set(e.packets, rows);
      rows.update(SCAN_BUDGET_ROWS);
    }
    return rows;
  }

  /**
   * Scans the next slice of the selected connection's filtered packets (new rows, or the rest of a
   * long scan). Called once per render, never by the reducer, so a keystroke costs one slice at most.
   */
  advance(s: UiState): void {
    const e = this.selectedEntry(s);
    if (e === null || this.query(s, 'packets').all) return;
    const rows = this.filtered.get(e.packets);
    if (rows === undefined) this.packets(s);
    else rows.update(SCAN_BUDGET_ROWS);
  }

  /** Rows of the selected connection the packet filter has not looked at yet (0 when done or unfiltered). */
  filtering(s: UiState): number {
    const e = this.selectedEntry(s);
    if (e === null || this.query(s, 'packets').all) return 0;
    const rows = this.filtered.get(e.packets);
    return rows === undefined ? 0 : rows.pending;
  }

  selectedRow(s: UiState): PacketRow | null {
    const e = this.selectedEntry(s);
    const list = this.packets(s);
    if (e === null || list.count === 0) return null;
    return e.packets.row(list.indexAt(Math.min(s.cursors.packets.index, list.count - 1)));
  }

  detail(s: UiState): readonly DetailRow[] {
    const row = this.selectedRow(s);
    if (row === null) return [];
    const kept = this.store.bytes.get(row.seq);
    if (this.detailCache?.seq === row.seq && this.detailCache.kept === (kept !== undefined)) return this.detailCache.rows;
    const rows = detailRows(row, kept);
    this.detailCache = { seq: row.seq, kept: kept !== undefined, rows };
    return rows;
  }

  evidence(s: UiState): readonly Evidence[] {
    return this.selectedEntry(s)?.verdict?.evidence ?? [];
  }

  count(s: UiState, pane: Pane): number {
    switch (pane) {
      case 'connections': return this.connections(s).length;
      case 'packets': return this.packets(s).count;
      case 'detail': return this.detail(s).length;
      case 'evidence': return this.evidence(s).length;
      default: return assertNever(pane);
    }
  }

  hasAnomalies(s: UiState): boolean {
    return (this.selectedRow(s)?.anomalies.length ?? 0) > 0;
  }

  anomalyCount(): number {
    return this.store.anomalies.length;
  }

  anomalyTarget(i: number): { conn: string | null; frame: number } | null {
    const a = this.store.anomalies[i];
    return a === undefined ? null : { conn: a.conn, frame: a.frame };
  }

  connectionPosition(s: UiState, id: string): number | null {
    const i = this.connections(s).findIndex((e) => e.conn.id === id);
    return i < 0 ? null : i;
  }

  detailRowOfAnomaly(s: UiState, i: number): number {
    const a = this.store.anomalies[i];
    if (a === undefined) return 0;
    const at = this.detail(s).findIndex((r) => r.kind === 'anomaly' && r.anomaly === a);
    return at < 0 ? 0 : at;
  }

  evidenceFrame(s: UiState, i: number): number | null {
    return this.evidence(s)[i]?.frame ?? null;
  }

  locateFrame(s: UiState, frame: number): { position: number; exact: boolean } | null {
    const e = this.selectedEntry(s);
    if (e === null) return null;
    const at = e.packets.indexOfFrame(frame);
    if (at === null) return null;
    const list = this.packets(s);
    if (list.count === 0) return null;
    const position = Math.min(list.positionOf(at.index), list.count - 1);
    return { position, exact: at.exact && list.indexAt(position) === at.index };
  }
}
