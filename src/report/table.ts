/** The human table of `analyze`: one row per connection with its verdict, then the verdicts explained. */
import Table from 'cli-table3';
import type { RunResult } from '../analysis/analyzer.js';
import { safeText } from '../bytes/text.js';
import { endpoint, versionName } from './fields.js';
import { clockTimeIn } from './time.js';

export interface TableOptions {
  readonly color: boolean;
  /** Start times in the local zone instead of UTC. */
  readonly localTime?: boolean;
}

const CAUSE_COLOR: Record<string, string> = {
  client_disconnect: '32', still_open: '36', client_close: '33',
};

function paint(text: string, code: string | undefined, on: boolean): string {
  return on && code ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function causeColor(cause: string): string {
  return CAUSE_COLOR[cause] ?? '31';
}

function packetsCell(p: Partial<Record<string, number>>, total: number): string {
  const top = Object.entries(p).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0)).slice(0, 3)
    .map(([k, n]) => `${k} ${n}`).join(', ');
  return `${total}${top ? ` (${top}${Object.keys(p).length > 3 ? ', …' : ''})` : ''}`;
}

export function renderTable(r: RunResult, opts: TableOptions): string {
  const table = new Table({
    head: ['Conn', 'Client', 'Broker', 'MQTT', 'Client ID', 'KA', 'Start', 'Packets', 'Closed by', 'Verdict'],
    style: { head: opts.color ? ['bold'] : [], border: [] },
    wordWrap: true,
  });
  for (const { conn: c, verdict: v } of r.connections) {
    const closed = v.closedBy ? `${v.closedBy}${v.closeMethod ? ` (${v.closeMethod})` : ''}` : '—';
    table.push([
      c.id, endpoint(c.client), endpoint(c.broker),
      c.transport === 'tls' ? 'TLS' : `${versionName(c.mqttVersion) ?? '?'}${c.versionSource && c.versionSource !== 'connect' ? '*' : ''}`,
      c.clientId === null ? '—' : safeText(c.clientId).slice(0, 24) || '""',
      c.keepAlive === null ? '—' : `${c.keepAlive}s`,
      clockTimeIn(c.start, opts.localTime === true),
      packetsCell(c.packets, c.mqttPackets),
      closed,
      paint(v.cause, causeColor(v.cause), opts.color),
    ]);
  }
  const lines: string[] = [];
  lines.push(r.connections.length > 0 ? table.toString() : 'No MQTT connections found.');
  for (const { conn: c, verdict: v } of r.connections) {
    const ev = v.evidence.map((e) => `frame ${e.frame}${e.offset ? ` +${e.offset}` : ''}`).join(', ');
    lines.push(`${c.id} ${paint(v.cause, causeColor(v.cause), opts.color)} (${v.confidence}): ${safeText(v.summary)}${ev ? ` [${ev}]` : ''}`);
  }
  const causes = Object.entries(r.verdicts).map(([k, n]) => `${k} ${n}`).join(', ');
  const a = r.anomalyCounts;
  lines.push(`${r.connections.length} connection${r.connections.length === 1 ? '' : 's'}, ${r.mqttPackets} MQTT packets; `
    + `anomalies: ${a.error} error, ${a.warn} warn, ${a.note} note${causes ? `; verdicts: ${causes}` : ''}`);
  return `${lines.join('\n')}\n`;
}
