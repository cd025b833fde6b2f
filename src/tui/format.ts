/**
 * Text of the list rows, pure: connection rows, packet rows, sizes and times. Wire text (client ids,
 * topics) is escaped with safeText before it reaches a terminal; columns are padded by code points.
 */
import { secondsBetween } from '../analysis/time.js';
import type { Cause } from '../analysis/types.js';
import { safeText } from '../bytes/text.js';
import type { Timestamp } from '../capture/types.js';
import type { Endpoint } from '../engine/model.js';
import type { PacketRow } from './packet-table.js';
import type { ConnEntry } from './store.js';
import { formatSeconds } from './timeline.js';

export function versionName(level: number | null): string {
  return level === 3 ? '3.1' : level === 4 ? '3.1.1' : level === 5 ? '5.0' : '?';
}

export function endpointText(e: Endpoint): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

/** `s` cut or padded to exactly `n` characters (code points), with … when cut. */
export function cell(s: string, n: number, right = false): string {
  const chars = [...s];
  if (chars.length > n) return n <= 1 ? chars.slice(0, n).join('') : `${chars.slice(0, n - 1).join('')}…`;
  const pad = ' '.repeat(n - chars.length);
  return right ? pad + s : s + pad;
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** Time of day, UTC, with microseconds (the capture's clock, as in the JSON output). */
export function clock(ts: Timestamp): string {
  const d = new Date(ts.sec * 1000).toISOString().slice(11, 19);
  return `${d}.${String(Math.floor(ts.nsec / 1000)).padStart(6, '0')}`;
}

/** Colour of a verdict cause (the table's palette): clean ends green, open cyan, client closes yellow, faults red. */
export function causeColor(cause: Cause | null): string | undefined {
  switch (cause) {
    case null: return undefined;
    case 'client_disconnect': return 'green';
    case 'still_open': return 'cyan';
    case 'client_close': return 'yellow';
    case 'unknown': return 'gray';
    default: return 'red';
  }
}

/** Column widths of the connections list for a pane `width` wide: client id and client share what is left. */
export interface ConnColumns {
  readonly id: number; readonly clientId: number; readonly client: number; readonly transport: number; readonly version: number;
  readonly duration: number; readonly packets: number; readonly verdict: number; readonly anomalies: number;
}

export function connColumns(width: number): ConnColumns {
  const fixed = { id: 4, transport: 3, version: 6, duration: 7, packets: 7, verdict: 19, anomalies: 4 };
  const used = Object.values(fixed).reduce((a, b) => a + b, 0) + 8;
  const flex = Math.max(8, width - used);
  if (flex >= 37) return { ...fixed, client: 21, clientId: Math.min(40, flex - 22) };
  if (flex >= 26) return { ...fixed, client: 15, clientId: flex - 16 };
  return { ...fixed, client: 0, clientId: flex - 1 };
}

function joinCells(cells: readonly (readonly [string, number, boolean?])[]): string {
  return cells.filter(([, n]) => n > 0).map(([t, n, right]) => cell(t, n, right === true)).join(' ');
}

export function connectionHeader(width: number): string {
  const w = connColumns(width);
  return `${joinCells([['conn', w.id], ['client id', w.clientId], ['client', w.client], ['tr', w.transport], ['mqtt', w.version],
    ['dur', w.duration, true], ['pkts', w.packets, true]])} ${joinCells([['verdict', w.verdict], ['anom', w.anomalies, true]])}`;
}

/** The connection row in three parts: the verdict is coloured by cause. */
export function connectionCells(e: ConnEntry, width: number): { before: string; verdict: string; after: string } {
  const c = e.conn;
  const w = connColumns(width);
  const transport = c.transport === 'websocket' ? 'ws' : c.transport;
  const version = c.transport === 'tls' ? 'TLS' : `${versionName(c.mqttVersion)}${c.versionSource !== null && c.versionSource !== 'connect' ? '*' : ''}`;
  const clientId = c.clientId === null ? '—' : c.clientId === '' ? '""' : safeText(c.clientId);
  const before = `${joinCells([[c.id, w.id], [clientId, w.clientId], [endpointText(c.client), w.client], [transport, w.transport],
    [version, w.version], [formatSeconds(secondsBetween(c.start, c.end)), w.duration, true], [String(c.mqttPackets), w.packets, true]])} `;
  const verdict = cell(e.verdict ? e.verdict.cause : c.closed ? '…' : 'open', w.verdict);
  const anomalies = c.anomalies.length + c.anomaliesDropped;
  return { before, verdict, after: ` ${cell(anomalies === 0 ? '·' : String(anomalies), w.anomalies, true)}` };
}

/** Column widths of the packets list for a pane `width` wide holding `count` rows; the topic takes what is left. */
export interface PacketColumns {
  readonly index: number; readonly time: number; readonly dir: number; readonly type: number; readonly id: number;
  readonly topic: number; readonly size: number; readonly mark: number;
}

/** Wide panes show capture times to the microsecond, narrow ones to the millisecond. */
const MICROSECONDS_MIN_WIDTH = 100;

export function packetColumns(width: number, count: number): PacketColumns {
  const fixed = { index: Math.max(3, String(count).length), time: width >= MICROSECONDS_MIN_WIDTH ? 15 : 12, dir: 1, type: 12, id: 5, size: 6, mark: 1 };
  const used = Object.values(fixed).reduce((a, b) => a + b, 0) + 7;
  return { ...fixed, topic: Math.max(6, width - used) };
}

export function packetHeader(w: PacketColumns): string {
  return `${cell('#', w.index, true)} ${cell('time (UTC)', w.time)} ${cell('', w.dir)} ${cell('type', w.type)} ${cell('id', w.id, true)} `
    + `${cell('topic / info', w.topic)} ${cell('size', w.size, true)} ${cell('!', w.mark)}`;
}

function typeText(r: PacketRow): string {
  if (r.type === 'PUBLISH') {
    const qos = (r.firstByte >>> 1) & 3;
    return `PUBLISH q${qos}${r.firstByte & 0x08 ? 'd' : ''}${r.firstByte & 0x01 ? 'r' : ''}`;
  }
  if (r.type === 'TRUNCATED') return `${['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
    'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'][r.firstByte >>> 4] ?? '?'}…`;
  return r.type;
}

function infoText(r: PacketRow, e: ConnEntry): string {
  if (r.topic !== null) return r.type === 'PUBLISH' && r.topic === '' ? '(topic alias)' : safeText(r.topic);
  if (r.type === 'CONNECT' && e.conn.clientId !== null) return `client id "${safeText(e.conn.clientId)}"`;
  if (r.reasonCode !== null) return `reason 0x${r.reasonCode.toString(16).padStart(2, '0')}`;
  if (r.type === 'TRUNCATED') return 'body not decoded';
  return '';
}

/** One packet row. */
export function packetCells(r: PacketRow, e: ConnEntry, w: PacketColumns): string {
  const mark = r.hasError ? '✗' : r.anomalies.length > 0 || r.anomaliesDropped ? '!' : '';
  return `${cell(String(r.index + 1), w.index, true)} ${cell(clock(r.ts).slice(0, w.time), w.time)} ${cell(r.dir === 'c2s' ? '→' : '←', w.dir)} `
    + `${cell(typeText(r), w.type)} ${cell(r.packetId === null ? '' : String(r.packetId), w.id, true)} `
    + `${cell(infoText(r, e), w.topic)} ${cell(String(r.size), w.size, true)} ${cell(mark, w.mark)}`;
}
