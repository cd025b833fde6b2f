/**
 * The values quick-search words (filter.ts) look at: a connection's, and a packet row's read from
 * the table's columns on demand.
 */
import type { FieldGetter, FilterFields } from './filter.js';
import { versionName } from './format.js';
import type { PacketTable } from './packet-table.js';
import type { ConnEntry } from './store.js';

export function connectionFields(e: ConnEntry): FilterFields {
  const c = e.conn;
  const has = [c.anomalies.length + c.anomaliesDropped > 0 ? 'anomaly' : '',
    c.anomalies.some((a) => a.severity === 'error') ? 'error' : '', e.verdict ? 'verdict' : ''].filter((x) => x !== '');
  return {
    conn: [c.id], client: [`${c.client.addr}:${c.client.port}`], broker: [`${c.broker.addr}:${c.broker.port}`],
    clientid: c.clientId === null ? [] : [c.clientId], cause: e.verdict ? [e.verdict.cause] : [],
    transport: c.transport === 'websocket' ? ['websocket', 'ws'] : [c.transport], version: [versionName(c.mqttVersion)], has,
  };
}

const NONE: readonly string[] = [];

/** Row `i`'s filter values, read from the table's columns only when a term asks for them. */
export function packetFieldGetter(t: PacketTable, i: number): FieldGetter {
  return (key) => {
    switch (key) {
      case 'type': return [t.typeOf(i) ?? ''];
      case 'topic': { const topic = t.topicOf(i); return topic === null ? NONE : [topic]; }
      case 'dir': return [t.dirOf(i) ?? ''];
      case 'id': { const id = t.packetIdOf(i); return id === null ? NONE : [String(id)]; }
      case 'frame': return [String(t.frameOf(i))];
      case 'code': return t.hasAnomaly(i) ? t.anomaliesOf(i).map((a) => a.code) : NONE;
      case 'has': return t.hasAnomaly(i) ? (t.hasError(i) ? ['anomaly', 'error'] : ['anomaly']) : NONE;
      default: return NONE;
    }
  };
}
