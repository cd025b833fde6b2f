/**
 * What `--filter` sees: a packet, an anomaly or a connection as a {@link FilterSubject}. Each field is
 * computed only when the expression reads it. Connection-wide facts the model does not keep (every
 * topic a connection used, its anomaly counts past the per-connection cap) come from
 * {@link ConnectionFacts}, fed with the run's events.
 */
import type { Severity } from '../diag/types.js';
import type { AnalysisEvents } from './analyzer.js';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import type { MqttPacket } from '../mqtt/types.js';
import { severityRank, timeValue, type FilterSubject, type RangeField, type TextField, type ValueRange } from './filter.js';
import type { Cause, Verdict } from './types.js';

/** Distinct topics kept per connection; past this the connection's topic list is incomplete. */
export const MAX_TOPICS_PER_CONNECTION = 1000;

export type SeverityCounts = { error: number; warn: number; note: number };

/** The topics a packet names: PUBLISH topic, SUBSCRIBE/UNSUBSCRIBE filters, the CONNECT Will topic. */
export function packetTopics(p: MqttPacket): string[] {
  switch (p.type) {
    case 'PUBLISH': return p.topic === '' ? [] : [p.topic];
    case 'SUBSCRIBE': return p.subscriptions.map((s) => s.topicFilter);
    case 'UNSUBSCRIBE': return [...p.topicFilters];
    case 'CONNECT': return p.will ? [p.will.topic] : [];
    default: return [];
  }
}

/** Per connection: the topics it used (bounded) and how many anomalies of each severity it had. */
export class ConnectionFacts implements AnalysisEvents {
  private readonly topicSets = new Map<string, Set<string>>();
  private readonly counts = new Map<string, SeverityCounts>();

  connectionOpened(): void {}
  connectionClosed(): void {}
  verdict(): void {}

  packet(e: PacketEvent): void {
    const topics = packetTopics(e.packet);
    if (topics.length === 0) return;
    let set = this.topicSets.get(e.conn.id);
    if (!set) this.topicSets.set(e.conn.id, set = new Set());
    for (const t of topics) if (set.size < MAX_TOPICS_PER_CONNECTION) set.add(t);
  }

  anomaly(a: Anomaly): void {
    if (a.conn === null) return;
    let c = this.counts.get(a.conn);
    if (!c) this.counts.set(a.conn, c = { error: 0, warn: 0, note: 0 });
    c[a.severity]++;
  }

  topics(conn: string): readonly string[] {
    return [...(this.topicSets.get(conn) ?? [])];
  }

  severities(conn: string): SeverityCounts {
    return this.counts.get(conn) ?? { error: 0, warn: 0, note: 0 };
  }
}

const point = (n: number | bigint): ValueRange => ({ lo: BigInt(n), hi: BigInt(n) });
const NONE: readonly never[] = [];

/** Fields every record of a connection shares. */
function connectionText(c: Connection | null, field: TextField): readonly string[] | undefined {
  if (c === null) return undefined;
  switch (field) {
    case 'conn': return [c.id];
    case 'clientid': return c.clientId === null ? NONE : [c.clientId];
    case 'username': return c.username === null ? NONE : [c.username];
    case 'addr': return c.client.addr === c.broker.addr ? [c.client.addr] : [c.client.addr, c.broker.addr];
    case 'transport': return [c.transport];
    default: return undefined;
  }
}

function severitiesOf(list: readonly { readonly severity: Severity }[]): ValueRange[] {
  return list.map((a) => point(severityRank(a.severity)));
}

function packetText(e: PacketEvent, field: TextField): readonly string[] | undefined {
  switch (field) {
    case 'type': return e.packet.type === 'TRUNCATED' ? ['TRUNCATED', e.packet.declaredType] : [e.packet.type];
    case 'topic': return packetTopics(e.packet);
    default: return undefined;
  }
}

function packetRange(e: PacketEvent, field: RangeField): readonly ValueRange[] | undefined {
  const p = e.packet;
  switch (field) {
    case 'qos': return p.type === 'PUBLISH' ? [point(p.qos)] : NONE;
    case 'id': return 'packetId' in p && p.packetId !== undefined ? [point(p.packetId)] : NONE;
    default: return undefined;
  }
}

function ports(c: Connection | null): readonly ValueRange[] {
  return c === null ? NONE : [point(c.client.port), point(c.broker.port)];
}

/** A packet line of `packets` / `--ndjson`; `cause` is its connection's verdict when known. */
export function packetSubject(e: PacketEvent, cause: Cause | null): FilterSubject {
  return {
    text(field) {
      const own = connectionText(e.conn, field) ?? packetText(e, field);
      if (own !== undefined) return own;
      switch (field) {
        case 'dir': return [e.dir];
        case 'code': return e.anomalies.map((a) => a.code);
        case 'cause': return cause === null ? NONE : [cause];
        default: return NONE;
      }
    },
    range(field) {
      const own = packetRange(e, field);
      if (own !== undefined) return own;
      switch (field) {
        case 'port': return ports(e.conn);
        case 'frame': return [{ lo: BigInt(e.frames[0] ?? e.frame), hi: BigInt(e.frames[e.frames.length - 1] ?? e.frame) }];
        case 'severity': return severitiesOf(e.anomalies);
        case 'time': return [point(timeValue(e.ts))];
        default: return NONE;
      }
    },
  };
}

/**
 * An anomaly; `on` is the packet it was found in (the anomaly then has that packet's type, topic, qos
 * and id too), `conn` its connection (null for capture-level anomalies).
 */
export function anomalySubject(a: Anomaly, conn: Connection | null, on: PacketEvent | null, cause: Cause | null): FilterSubject {
  return {
    text(field) {
      const shared = connectionText(conn, field);
      if (shared !== undefined) return shared;
      const fromPacket = on ? packetText(on, field) : undefined;
      if (fromPacket !== undefined) return fromPacket;
      switch (field) {
        case 'conn': return a.conn === null ? NONE : [a.conn];
        case 'dir': return a.dir === null ? NONE : [a.dir];
        case 'code': return [a.code];
        case 'cause': return cause === null ? NONE : [cause];
        default: return NONE;
      }
    },
    range(field) {
      const fromPacket = on ? packetRange(on, field) : undefined;
      if (fromPacket !== undefined) return fromPacket;
      switch (field) {
        case 'port': return ports(conn);
        case 'frame': return a.frame > 0 ? [point(a.frame)] : NONE;
        case 'severity': return [point(severityRank(a.severity))];
        case 'time': return a.ts ? [point(timeValue(a.ts))] : on ? [point(timeValue(on.ts))] : NONE;
        default: return NONE;
      }
    },
  };
}

/**
 * A whole connection (a row of `analyze`, a verdict line): its type values are every packet type it
 * carried, its topics every topic it used, its severities those of its anomalies, its frames and time
 * the range from its first to its last.
 */
export function connectionSubject(c: Connection, verdict: Verdict | null, facts: ConnectionFacts | null): FilterSubject {
  return {
    text(field) {
      const shared = connectionText(c, field);
      if (shared !== undefined) return shared;
      switch (field) {
        case 'type': return Object.keys(c.packets);
        case 'topic': return facts ? facts.topics(c.id) : NONE;
        case 'code': return c.anomalies.map((a) => a.code);
        case 'cause': return verdict === null ? NONE : [verdict.cause];
        default: return NONE;
      }
    },
    range(field) {
      switch (field) {
        case 'port': return ports(c);
        case 'frame': return [{ lo: BigInt(c.firstFrame), hi: BigInt(c.lastFrame) }];
        case 'time': return [{ lo: timeValue(c.start), hi: timeValue(c.end) }];
        case 'severity': {
          if (!facts) return severitiesOf(c.anomalies);
          const n = facts.severities(c.id);
          return (['note', 'warn', 'error'] as const).filter((s) => n[s] > 0).map((s) => point(severityRank(s)));
        }
        default: return NONE;
      }
    },
  };
}
