/**
 * CaptureStore: what the TUI knows about the capture, fed by TuiFeed (engine and analysis events) and
 * read by the views. Append-only and mutated in place — a million packets cannot be copied on every
 * event — with a `revision` that rises on each commit: the UI re-renders on commits, in batches,
 * never per packet. UI state (selection, focus, filters) lives apart, in the pure reducer (state.ts).
 */
import type { Verdict } from '../analysis/types.js';
import type { Anomaly, Connection } from '../engine/model.js';
import { ByteCache } from './byte-cache.js';
import { DEFAULT_TUI_LIMITS, type TuiLimits } from './limits.js';
import { PacketTable } from './packet-table.js';

/** One connection as the TUI holds it: the engine's live object, its verdict once known, its packets. */
export interface ConnEntry {
  readonly conn: Connection;
  verdict: Verdict | null;
  readonly packets: PacketTable;
}

export type ReadState = 'reading' | 'eof' | 'stopped' | 'error';

export interface StoreStats {
  frames: number;
  /** Bytes read from the input (as stored: compressed size for gzip). */
  bytesRead: number;
  packets: number;
  anomalies: number;
  /** Packet summary rows dropped to stay under `maxRows`. */
  rowsDropped: number;
  /** Anomalies not kept in the capture-wide list. */
  anomaliesDropped: number;
}

/** Rate window: packets/s is measured over about this many milliseconds of wall time. */
const RATE_WINDOW_MS = 2000;

export class CaptureStore {
  readonly connections: ConnEntry[] = [];
  private readonly byConn = new Map<Connection, ConnEntry>();
  /** Capture-wide anomalies (bounded), in arrival order. */
  readonly anomalies: Anomaly[] = [];
  readonly bytes: ByteCache;
  readonly stats: StoreStats = { frames: 0, bytesRead: 0, packets: 0, anomalies: 0, rowsDropped: 0, anomaliesDropped: 0 };
  readState: ReadState = 'reading';
  error: string | null = null;
  revision = 0;
  private keptRows = 0;
  private readonly listeners = new Set<() => void>();
  private readonly samples: { t: number; packets: number }[] = [];
  private readonly topics = new Map<string, string>();

  constructor(
    readonly source: string,
    readonly limits: TuiLimits = DEFAULT_TUI_LIMITS,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.bytes = new ByteCache(limits);
  }

  entryOf(conn: Connection): ConnEntry | undefined {
    return this.byConn.get(conn);
  }

  addConnection(conn: Connection): ConnEntry {
    const existing = this.byConn.get(conn);
    if (existing) return existing;
    const entry: ConnEntry = { conn, verdict: null, packets: new PacketTable(this.limits.blockRows, this.limits.anomalyRowsPerConnection) };
    this.connections.push(entry);
    this.byConn.set(conn, entry);
    return entry;
  }

  /** Called after a row was appended: keeps the total under `maxRows` by dropping the oldest block of the largest table. */
  rowAdded(): void {
    this.stats.packets++;
    this.keptRows++;
    if (this.keptRows <= this.limits.maxRows) return;
    let largest: ConnEntry | null = null;
    for (const e of this.connections) {
      if (e.packets.blockCount > 1 && (largest === null || e.packets.kept > largest.packets.kept)) largest = e;
    }
    if (largest === null) return;
    const n = largest.packets.dropFirstBlock();
    this.keptRows -= n;
    this.stats.rowsDropped += n;
  }

  addAnomaly(a: Anomaly): void {
    this.stats.anomalies++;
    if (this.anomalies.length < this.limits.anomalies) this.anomalies.push(a);
    else this.stats.anomaliesDropped++;
  }

  /** One shared string per distinct topic (bounded pool; past it each row keeps its own string). */
  topic(t: string): string {
    const shared = this.topics.get(t);
    if (shared !== undefined) return shared;
    if (this.topics.size < this.limits.topicPool) this.topics.set(t, t);
    return t;
  }

  /** Ends a batch: bumps the revision, samples the packet rate and tells the views. */
  commit(): void {
    this.revision++;
    const t = this.now();
    this.samples.push({ t, packets: this.stats.packets });
    while (this.samples.length > 2 && t - this.samples[1]!.t > RATE_WINDOW_MS) this.samples.shift();
    for (const l of this.listeners) l();
  }

  /** Packets per second over the last couple of seconds of wall time (0 once reading has ended). */
  rate(): number {
    if (this.readState !== 'reading' || this.samples.length < 2) return 0;
    const a = this.samples[0]!;
    const b = this.samples[this.samples.length - 1]!;
    return b.t > a.t ? ((b.packets - a.packets) * 1000) / (b.t - a.t) : 0;
  }

  finish(state: Exclude<ReadState, 'reading'>, error: string | null = null): void {
    this.readState = state;
    this.error = error;
    this.commit();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}
