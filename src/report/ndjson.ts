/**
 * `--ndjson`: the same facts as the JSON document, one line each as soon as they are known, each with
 * `type` first. This is the live mode's format: a line is written when its fact is complete.
 */
import type { AnalysisEvents, RunResult } from '../analysis/analyzer.js';
import type { Verdict } from '../analysis/types.js';
import { terminalSafeJson } from '../bytes/text.js';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import { anomalyJson, endpoint, packetJson, summaryJson, verdictJson, versionName, type Json, type ReportOptions } from './fields.js';
import { isoTime } from './time.js';

export function line(obj: Json): string {
  return `${terminalSafeJson(JSON.stringify(obj))}\n`;
}

/** Writes NDJSON lines to `write` as the analysis reports events. */
export class NdjsonWriter implements AnalysisEvents {
  constructor(
    private readonly write: (text: string) => void,
    private readonly opts: ReportOptions,
  ) {}

  connectionOpened(c: Connection): void {
    this.write(line({
      type: 'connection', conn: c.id, client: endpoint(c.client), broker: endpoint(c.broker), transport: c.transport,
      start: isoTime(c.start), frame: c.firstFrame,
    }));
  }

  packet(e: PacketEvent): void {
    this.write(line(packetJson(e, this.opts)));
  }

  anomaly(a: Anomaly): void {
    this.write(line({ type: 'anomaly', conn: a.conn, dir: a.dir, ...anomalyJson(a) }));
  }

  connectionClosed(): void {
    // The verdict line that follows carries the close.
  }

  verdict(c: Connection, v: Verdict): void {
    this.write(line({
      type: 'verdict', conn: c.id, mqttVersion: versionName(c.mqttVersion), versionSource: c.versionSource,
      clientId: c.clientId, closedBy: v.closedBy, closeMethod: v.closeMethod, end: isoTime(c.end), ...verdictJson(v),
    }));
  }

  summary(r: RunResult): void {
    this.write(line({ type: 'summary', ...summaryJson(r) }));
  }
}
