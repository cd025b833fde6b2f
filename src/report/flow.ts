/**
 * `flow`: a client ↔ broker ladder diagram in the terminal — time on the left, an arrow per packet with
 * its type, id and topic, anomalies marked on their arrow, the close at the bottom, then the verdict.
 */
import { storyItems, type Story, type StoryItem } from '../analysis/story.js';
import { secondsBetween } from '../analysis/time.js';
import type { Verdict } from '../analysis/types.js';
import { safeText } from '../bytes/text.js';
import type { Connection } from '../engine/model.js';
import { endpoint } from './fields.js';
import { packetLabel } from './label.js';

export interface FlowOptions {
  readonly color: boolean;
  /** Total width of the diagram (terminal columns). */
  readonly width: number;
}

/** Cuts `s` to `n` columns with an ellipsis. */
function fit(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

/** "──── LABEL ─────▶" or "◀──── LABEL ────" filling `w` columns. */
function arrowLine(label: string, w: number, dir: 'c2s' | 's2c', dashed = false): string {
  const dash = dashed ? '┄' : '─';
  const text = ` ${fit(label, w - 8)} `;
  const room = w - 1 - text.length;
  const left = dir === 'c2s' ? 2 : Math.max(2, room - 2);
  const right = room - left;
  return dir === 'c2s'
    ? `${dash.repeat(left)}${text}${dash.repeat(Math.max(0, right))}▶`
    : `◀${dash.repeat(left)}${text}${dash.repeat(Math.max(0, right))}`;
}

export function renderFlow(c: Connection, v: Verdict, s: Story, o: FlowOptions): string {
  const lane = Math.max(30, o.width - 12 - 2 - 2 - 12);
  const out: string[] = [];
  const client = fit(`client ${endpoint(c.client)}`, lane / 2);
  const broker = fit(`broker ${endpoint(c.broker)}`, lane / 2);
  out.push(`${' '.repeat(12)}  ${client}${' '.repeat(Math.max(1, lane + 2 - client.length - broker.length))}${broker}`);
  const red = (t: string): string => (o.color ? `\u001b[31m${t}\u001b[0m` : t);
  const line = (t: string, body: string, frame: string): void => {
    out.push(`${t.padStart(12)}  │${body}│ ${frame}`);
  };
  const items = storyItems(s);
  const render = (it: StoryItem): void => {
    const t = it.ts ? `+${secondsBetween(c.start, it.ts).toFixed(3)}` : '';
    const frame = `#${it.frame}`;
    if (it.kind === 'packet') {
      const bad = it.anomalies.filter((a) => a.severity !== 'note');
      const label = packetLabel(it.packet, c.mqttVersion ?? 4) + (bad.length ? ` ✗ ${bad.map((a) => a.code).join(', ')}` : '');
      const body = arrowLine(label, lane, it.dir);
      line(t, bad.length ? red(body) : body, frame);
    } else if (it.kind === 'close') {
      const what = it.what === 'fin' ? 'TCP FIN' : it.what === 'rst' ? 'TCP RST' : `WS Close ${safeText(it.detail ?? '')}`;
      line(t, arrowLine(what, lane, it.dir, true), frame);
    } else {
      line(t, ` ! ${fit(`${it.anomaly.code}${it.anomaly.detail ? ` ${safeText(it.anomaly.detail)}` : ''}`, lane - 4)}`.padEnd(lane), frame);
    }
  };
  // The keep-alive deadline [MQTT-3.1.2-24]: drawn where it falls, when the connection outlived it.
  const ka = c.serverKeepAlive ?? c.keepAlive;
  const last = s.keepalive.lastClient;
  let deadline = ka && last ? { frame: last.frame, at: secondsBetween(c.start, last.ts) + 1.5 * ka } : null;
  const renderWithDeadline = (it: StoryItem): void => {
    if (deadline && it.frame > deadline.frame && it.ts && secondsBetween(c.start, it.ts) >= deadline.at) {
      const mark = ` 1.5 × keep-alive (${ka} s) after the client's last packet (#${deadline.frame}) `;
      out.push(`${`+${deadline.at.toFixed(3)}`.padStart(12)}  │${fit(`┈┈${mark}`, lane).padEnd(lane, '┈')}│`);
      deadline = null;
    }
    render(it);
  };
  items.slice(0, s.head.length).forEach(renderWithDeadline);
  if (s.omitted > 0) out.push(`${''.padStart(12)}  │${` … ${s.omitted} more events …`.padEnd(lane)}│`);
  items.slice(s.head.length).forEach(renderWithDeadline);
  out.push('');
  out.push(`verdict: ${v.cause} (${v.confidence}): ${safeText(v.summary)}`);
  return `${out.join('\n')}\n`;
}
