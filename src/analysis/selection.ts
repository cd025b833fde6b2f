/**
 * The end-of-run side of `--filter` (the `analyze` table and JSON document): the connections the
 * filter selects, tested as whole connections, with the summary recounted over them so that the
 * numbers describe what is shown.
 */
import type { Anomaly } from '../engine/model.js';
import type { ConnectionResult, RunResult } from './analyzer.js';
import type { Filter } from './filter.js';
import { anomalySubject, connectionSubject, type ConnectionFacts, type SeverityCounts } from './subjects.js';
import type { Cause } from './types.js';

export interface Selection {
  readonly result: RunResult;
  /** Connections before the filter. */
  readonly total: number;
}

/** `result` restricted to what `filter` selects (unchanged without a filter). */
export function selectResult(result: RunResult, filter: Filter | null, facts: ConnectionFacts): Selection {
  const total = result.connections.length;
  if (filter === null) return { result, total };
  const connections: ConnectionResult[] = result.connections.filter((c) => filter.matches(connectionSubject(c.conn, c.verdict, facts)));
  const captureAnomalies: Anomaly[] = result.captureAnomalies.filter((a) => filter.matches(anomalySubject(a, null, null, null)));
  const byType: Partial<Record<string, number>> = {};
  const verdicts: Partial<Record<Cause, number>> = {};
  const anomalyCounts: SeverityCounts = { error: 0, warn: 0, note: 0 };
  let mqttPackets = 0;
  for (const { conn, verdict } of connections) {
    mqttPackets += conn.mqttPackets;
    for (const [t, n] of Object.entries(conn.packets)) byType[t] = (byType[t] ?? 0) + (n ?? 0);
    verdicts[verdict.cause] = (verdicts[verdict.cause] ?? 0) + 1;
    const s = facts.severities(conn.id);
    anomalyCounts.error += s.error;
    anomalyCounts.warn += s.warn;
    anomalyCounts.note += s.note;
  }
  for (const a of captureAnomalies) anomalyCounts[a.severity]++;
  return {
    result: { connections, captureAnomalies, byType: byType as RunResult['byType'], mqttPackets, anomalyCounts, verdicts },
    total,
  };
}
