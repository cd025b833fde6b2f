/**
 * Sits between the engine and the reports: keeps the cross-connection facts (the client-id index)
 * and adds a verdict to each connection as soon as it ends. Collects the run's result for the JSON
 * document while forwarding every event for streaming output.
 */
import type { Anomaly, Connection, EngineEvents, PacketEvent } from '../engine/model.js';
import type { PacketTypeName } from '../mqtt/types.js';
import type { Cause, Verdict } from './types.js';
import { verdictFor, type CrossConnection } from './verdict.js';
import { couldBeShutdown, shutdownVerdicts, SHUTDOWN_WINDOW_S, type Candidate } from './shutdown.js';
import { secondsBetween } from './time.js';
import type { Timestamp } from '../capture/types.js';
import { CrossConnectionFacts } from './cross.js';

export interface AnalysisEvents extends EngineEvents {
  verdict(conn: Connection, verdict: Verdict): void;
}

export interface ConnectionResult {
  readonly conn: Connection;
  readonly verdict: Verdict;
}

/** Everything a run found, for the JSON document and the table. */
export interface RunResult {
  readonly connections: readonly ConnectionResult[];
  /** Anomalies not tied to a connection (capture file, link and IP problems). */
  readonly captureAnomalies: readonly Anomaly[];
  readonly byType: Partial<Record<PacketTypeName | 'TRUNCATED', number>>;
  readonly mqttPackets: number;
  readonly anomalyCounts: { error: number; warn: number; note: number };
  readonly verdicts: Partial<Record<Cause, number>>;
}

const MAX_CAPTURE_ANOMALIES = 1000;

export class Analyzer implements EngineEvents, CrossConnection {
  private readonly clientIds = new Map<string, Connection[]>();
  private readonly results = new Map<Connection, Verdict | null>();
  private readonly captureAnomalies: Anomaly[] = [];
  private readonly byType: Partial<Record<PacketTypeName | 'TRUNCATED', number>> = {};
  private mqttPackets = 0;
  private readonly anomalyCounts = { error: 0, warn: 0, note: 0 };
  /** Broker closes with no cause yet, held back briefly in case they turn out to be a shutdown. */
  private pending: Candidate[] = [];
  private readonly cross = new CrossConnectionFacts();

  constructor(private readonly out: AnalysisEvents) {}

  byClientId(clientId: string): readonly Connection[] {
    return this.clientIds.get(clientId) ?? [];
  }

  connectionOpened(conn: Connection): void {
    this.results.set(conn, null);
    this.out.connectionOpened(conn);
  }

  packet(e: PacketEvent): void {
    this.flushPending(e.ts);
    this.mqttPackets++;
    this.byType[e.packet.type] = (this.byType[e.packet.type] ?? 0) + 1;
    if (e.packet.type === 'CONNECT' && e.dir === 'c2s' && e.conn.connect === e.ref) {
      const list = this.clientIds.get(e.packet.clientId);
      if (list) list.push(e.conn);
      else this.clientIds.set(e.packet.clientId, [e.conn]);
    }
    this.cross.onPublish(e);
    this.out.packet(e);
    if (e.packet.type === 'CONNECT' && e.dir === 'c2s') {
      const storm = this.cross.onConnect(e, e.packet.clientId);
      if (storm) {
        if (e.conn.anomalies.length < 1000) e.conn.anomalies.push(storm);
        this.anomaly(storm);
      }
    }
  }

  anomaly(a: Anomaly): void {
    this.anomalyCounts[a.severity]++;
    if (a.conn === null && this.captureAnomalies.length < MAX_CAPTURE_ANOMALIES) this.captureAnomalies.push(a);
    this.out.anomaly(a);
  }

  connectionClosed(conn: Connection): void {
    this.flushPending(conn.end);
    const verdict = verdictFor(conn, this);
    this.results.set(conn, verdict);
    this.cross.watchWill(conn);
    // The verdict is decided: the recent-packet window is no longer needed (memory stays per connection small).
    conn.recent.length = 0;
    this.out.connectionClosed(conn);
    if (couldBeShutdown(verdict, conn)) {
      this.pending.push({ conn, verdict });
      return;
    }
    this.out.verdict(conn, verdict);
  }

  /** Decides held-back verdicts once capture time has moved past their moment (or at the end: `now` null). */
  flushPending(now: Timestamp | null): void {
    if (this.pending.length === 0) return;
    const last = this.pending[this.pending.length - 1]!.conn.end;
    if (now !== null && secondsBetween(last, now) <= SHUTDOWN_WINDOW_S) return;
    const revised = shutdownVerdicts(this.pending, this.results.keys());
    for (const { conn, verdict } of this.pending) {
      const final = revised.get(conn) ?? verdict;
      this.results.set(conn, final);
      this.out.verdict(conn, final);
    }
    this.pending = [];
  }

  /** The run's result; call after the engine's finish(). */
  result(): RunResult {
    this.flushPending(null);
    const connections: ConnectionResult[] = [];
    const verdicts: Partial<Record<Cause, number>> = {};
    for (const [conn, verdict] of this.results) {
      let final = verdict ?? verdictFor(conn, this);
      const will = this.cross.willDelivered.get(conn);
      if (will) final = { ...final, evidence: [...final.evidence, will] };
      connections.push({ conn, verdict: final });
      verdicts[final.cause] = (verdicts[final.cause] ?? 0) + 1;
    }
    connections.sort((a, b) => Number(a.conn.id.slice(1)) - Number(b.conn.id.slice(1)));
    return {
      connections, captureAnomalies: this.captureAnomalies, byType: this.byType, mqttPackets: this.mqttPackets,
      anomalyCounts: { ...this.anomalyCounts }, verdicts,
    };
  }
}
