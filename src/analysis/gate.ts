/**
 * The streaming side of `--filter`: sits between the analyzer and a streaming output (NDJSON lines,
 * the `packets` list) and lets through the records the filter selects, as soon as it can decide.
 *
 * - A packet, an anomaly and a verdict are each tested on their own ({@link packetSubject},
 *   {@link anomalySubject}, {@link connectionSubject} at the verdict).
 * - An anomaly found in an MQTT packet is reported by the engine just before that packet; the gate
 *   holds it until the packet arrives (or the engine finishes the record: {@link FilterGate.settle}),
 *   so that it carries its packet's fields and the output knows which packet it marks.
 * - A connection is announced (`connection`) just before its first selected record, so every
 *   selected line has its connection line before it; without a filter, as soon as it opens.
 * - When the expression reads `cause`, a connection's records are held until its verdict is known,
 *   then decided in order (memory grows with what a connection sends until it closes).
 */
import { copyBytes } from '../bytes/hex.js';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import type { AnalysisEvents, RunResult } from './analyzer.js';
import type { Filter } from './filter.js';
import { anomalySubject, connectionSubject, packetSubject, type ConnectionFacts } from './subjects.js';
import type { Cause, Verdict } from './types.js';

/** What a streaming output receives: only selected records, in order. */
export interface SelectedEvents {
  connection(c: Connection): void;
  packet(e: PacketEvent): void;
  /** `on` is the packet the anomaly was found in, if any (it follows right after). */
  anomaly(a: Anomaly, on: PacketEvent | null): void;
  verdict(c: Connection, v: Verdict): void;
}

type Held = { kind: 'packet'; e: PacketEvent } | { kind: 'anomaly'; a: Anomaly; on: PacketEvent | null };

interface ConnState {
  readonly conn: Connection;
  announced: boolean;
  verdict: Verdict | null;
  held: Held[];
}

export class FilterGate implements AnalysisEvents {
  private readonly conns = new Map<string, ConnState>();
  private pending: Anomaly[] = [];
  private readonly waitForCause: boolean;

  constructor(
    private readonly filter: Filter | null,
    private readonly out: SelectedEvents,
    private readonly facts: ConnectionFacts | null = null,
  ) {
    this.waitForCause = filter !== null && filter.fields.has('cause');
  }

  connectionOpened(conn: Connection): void {
    this.settle();
    const st: ConnState = { conn, announced: false, verdict: null, held: [] };
    this.conns.set(conn.id, st);
    if (this.filter === null) this.announce(st);
  }

  anomaly(a: Anomaly): void {
    this.pending.push(a);
  }

  packet(e: PacketEvent): void {
    const pending = this.pending;
    this.pending = [];
    for (const a of pending) this.offerAnomaly(a, e.anomalies.includes(a) ? e : null);
    this.offer(this.conns.get(e.conn.id) ?? null, { kind: 'packet', e });
  }

  connectionClosed(): void {
    this.settle();
  }

  verdict(conn: Connection, v: Verdict): void {
    this.settle();
    const st = this.conns.get(conn.id);
    if (!st || st.verdict !== null) return;
    st.verdict = v;
    const held = st.held;
    st.held = [];
    for (const h of held) this.decide(st, h);
    if (this.filter === null || this.filter.matches(connectionSubject(conn, v, this.facts))) {
      this.announce(st);
      this.out.verdict(conn, v);
    }
  }

  /** Decides the anomalies still waiting for a packet: call after each capture record is processed. */
  settle(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    for (const a of pending) this.offerAnomaly(a, null);
  }

  /** End of the run: decides everything still held, with the verdicts of the run's result. */
  finish(result: RunResult): void {
    this.settle();
    for (const { conn, verdict } of result.connections) this.verdict(conn, verdict);
  }

  private offerAnomaly(a: Anomaly, on: PacketEvent | null): void {
    this.offer(a.conn === null ? null : this.conns.get(a.conn) ?? null, { kind: 'anomaly', a, on });
  }

  private offer(st: ConnState | null, h: Held): void {
    if (st !== null && this.waitForCause && st.verdict === null) {
      // Held until the verdict: keep a copy of the packet's bytes (the event's are a view).
      st.held.push(h.kind === 'packet' ? { kind: 'packet', e: { ...h.e, bytes: copyBytes(h.e.bytes) } }
        : h.on ? { ...h, on: { ...h.on, bytes: copyBytes(h.on.bytes) } } : h);
      return;
    }
    this.decide(st, h);
  }

  private decide(st: ConnState | null, h: Held): void {
    const cause: Cause | null = st?.verdict?.cause ?? null;
    if (this.filter !== null) {
      const subject = h.kind === 'packet' ? packetSubject(h.e, cause) : anomalySubject(h.a, st?.conn ?? null, h.on, cause);
      if (!this.filter.matches(subject)) return;
    }
    if (st) this.announce(st);
    if (h.kind === 'packet') this.out.packet(h.e);
    else this.out.anomaly(h.a, h.on);
  }

  private announce(st: ConnState): void {
    if (st.announced) return;
    st.announced = true;
    this.out.connection(st.conn);
  }
}
