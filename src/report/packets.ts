/**
 * `packets`: one line per MQTT packet, as tshark and mqttshark users read them — frame, time,
 * connection, direction, type, packet id, flags, topic, payload preview, anomaly marks — plus, on
 * demand, the packet's field tree with byte ranges (the packet re-decoded in detail mode) and a hex
 * dump with the anomalous bytes marked. Pure functions; wire text always goes through safeText.
 */
import { copyBytes } from '../bytes/hex.js';
import { previewBytes, safeText } from '../bytes/text.js';
import type { Timestamp } from '../capture/types.js';
import { diagSpec } from '../diag/registry.js';
import type { Severity, Span } from '../diag/types.js';
import type { Verdict } from '../analysis/types.js';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import { decodePacket } from '../mqtt/decode.js';
import { reasonCodeName } from '../mqtt/reason-codes.js';
import { PACKET_TYPE_NAMES, type FieldSink, type MqttPacket, type PacketTypeName } from '../mqtt/types.js';
import { REDACTED, versionName } from './fields.js';
import { hexDump } from './hexdump.js';
import { wallClock } from './time.js';

export interface PacketsViewOptions {
  readonly color: boolean;
  /** Times in the local zone instead of UTC. */
  readonly localTime: boolean;
  /** Show CONNECT passwords and AUTH data in the field tree. */
  readonly showCredentials: boolean;
}

/** Width of the type column (UNSUBSCRIBE). */
const TYPE_WIDTH = 11;
const INDENT = ' '.repeat(10);

function painter(on: boolean): (code: string, s: string) => string {
  return (code, s) => (on && s !== '' ? `\u001b[${code}m${s}\u001b[0m` : s);
}

const TYPE_COLOR: Partial<Record<PacketTypeName | 'TRUNCATED', string>> = {
  CONNECT: '1;35', CONNACK: '1;35', DISCONNECT: '1;35', AUTH: '1;35',
  PUBLISH: '1;34', PUBACK: '34', PUBREC: '34', PUBREL: '34', PUBCOMP: '34',
  SUBSCRIBE: '1;36', SUBACK: '36', UNSUBSCRIBE: '1;36', UNSUBACK: '36',
  PINGREQ: '2', PINGRESP: '2', RESERVED: '1;31', TRUNCATED: '1;31',
};

const MARK: Record<Severity, { glyph: string; color: string }> = {
  error: { glyph: '✗', color: '1;31' },
  warn: { glyph: '!', color: '33' },
  note: { glyph: '·', color: '2' },
};

/** "── 2026-11-22 (UTC) ──": printed before the first line and whenever the date changes. */
export function dateLine(ts: Timestamp, o: PacketsViewOptions): string {
  const w = wallClock(ts, o.localTime);
  return `── ${w.date} (${w.zone}) ──`;
}

/** The date of `ts` as {@link dateLine} shows it (to know when it changes). */
export function dateOf(ts: Timestamp, o: PacketsViewOptions): string {
  return wallClock(ts, o.localTime).date;
}

function head(frame: number, ts: Timestamp | null, conn: string, o: PacketsViewOptions, timeWidth: number): string {
  const c = painter(o.color);
  const time = ts ? wallClock(ts, o.localTime).time : '';
  return `${String(frame).padStart(6)}  ${c('2', time.padEnd(timeWidth))}  ${c('36', conn.padEnd(4))}`;
}

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function reason(type: PacketTypeName, level: number, rc: number): string {
  const name = reasonCodeName(type, level, rc);
  return `${hex2(rc)}${name ? ` ${name}` : ''}`;
}

function quoted(s: string): string {
  return `"${safeText(s)}"`;
}

/** The payload as text (quoted) or as hex, at most 40 characters. */
function payloadPreview(p: Extract<MqttPacket, { type: 'PUBLISH' }>, bytes: Uint8Array): string {
  const start = p.payload.offset - p.at.offset;
  const slice = bytes.subarray(Math.max(0, start), Math.min(bytes.length, start + p.payload.length));
  if (p.payload.length === 0) return '(0 B)';
  return `${preview(slice)} (${p.payload.length} B)`;
}

/** Bytes as quoted text when they are printable UTF-8, else as hex (at most 40 characters). */
function preview(bytes: Uint8Array): string {
  const text = previewBytes(bytes, 40);
  return /^0x[0-9a-f]*…?$/.test(text) ? text : `"${text}"`;
}

/** The fields after the type: packet id, flags, topic, payload preview, reason codes. Wire text escaped. */
function details(p: MqttPacket, bytes: Uint8Array, level: number): string[] {
  switch (p.type) {
    case 'CONNECT': {
      const v = versionName(p.protocolLevel & 0x7f);
      return [v ? `v${v}` : `level ${p.protocolLevel}`, quoted(p.clientId), `ka=${p.keepAlive}`,
        ...(p.cleanStart ? ['clean'] : []), ...(p.bridge ? ['bridge'] : []),
        ...(p.username !== undefined ? [`user=${quoted(p.username)}`] : []),
        ...(p.will ? [`will=${quoted(p.will.topic)} q${p.will.qos}${p.will.retain ? ' r1' : ''}`] : [])];
    }
    case 'CONNACK':
      return [reason('CONNACK', level, p.reasonCode), ...(p.sessionPresent ? ['session-present'] : [])];
    case 'PUBLISH': {
      const alias = p.properties.find((x) => x.name === 'topicAlias');
      const topic = p.topic !== '' ? safeText(p.topic) : alias ? `(alias ${String(alias.value)})` : '""';
      return [...(p.packetId !== undefined ? [`id=${p.packetId}`] : []), `d${p.dup ? 1 : 0} q${p.qos} r${p.retain ? 1 : 0}`,
        topic, payloadPreview(p, bytes)];
    }
    case 'PUBACK': case 'PUBREC': case 'PUBREL': case 'PUBCOMP':
      return [`id=${p.packetId}`, ...(p.reasonCode !== undefined ? [reason(p.type, level, p.reasonCode)] : [])];
    case 'SUBSCRIBE':
      return [`id=${p.packetId}`, p.subscriptions.map((s) => `${safeText(s.topicFilter)} q${s.qos}`).join(', ')];
    case 'SUBACK': case 'UNSUBACK':
      return [`id=${p.packetId}`, `[${p.reasonCodes.map(hex2).join(', ')}]`];
    case 'UNSUBSCRIBE':
      return [`id=${p.packetId}`, p.topicFilters.map(safeText).join(', ')];
    case 'DISCONNECT': case 'AUTH':
      return p.reasonCode !== undefined ? [reason(p.type, level, p.reasonCode)] : [];
    case 'RESERVED':
      return [`flags=${p.flags.toString(2).padStart(4, '0')}`];
    case 'TRUNCATED':
      return [`(${p.headerLength + p.remainingLength} B, body skipped)`];
    default:
      return [];
  }
}

function marks(anomalies: readonly Anomaly[], color: boolean): string[] {
  const c = painter(color);
  return anomalies.map((a) => c(MARK[a.severity].color, `${MARK[a.severity].glyph} ${a.code}`));
}

/** Width of the time column for a capture of this precision. */
function timeWidth(ts: Timestamp): number {
  return ts.precision === 'ns' ? 18 : 15;
}

/** One packet: `frame  time  conn  →|←  TYPE  id  flags  topic  payload  marks`. */
export function packetLine(e: PacketEvent, o: PacketsViewOptions): string {
  const c = painter(o.color);
  const p = e.packet;
  const type = p.type === 'TRUNCATED' ? p.declaredType : p.type;
  const arrow = e.dir === 'c2s' ? c('32', '→') : c('33', '←');
  const rest = [...details(p, e.bytes, e.conn.mqttVersion ?? 4), ...marks(e.anomalies, o.color)];
  const typeCell = c(TYPE_COLOR[p.type] ?? '1', rest.length > 0 ? type.padEnd(TYPE_WIDTH) : type);
  return [head(e.frame, e.ts, e.conn.id, o, timeWidth(e.ts)), arrow, typeCell, ...rest].join(' ');
}

/** An anomaly not found inside an MQTT packet (a TCP gap, a WebSocket fault, a capture problem). */
export function anomalyLine(a: Anomaly, o: PacketsViewOptions): string {
  const c = painter(o.color);
  const m = MARK[a.severity];
  const text = `${m.glyph} ${a.code}${a.detail ? `: ${safeText(a.detail)}` : ''}`;
  return `${head(a.frame, a.ts, a.conn ?? '--', o, a.ts ? timeWidth(a.ts) : 15)} ${c(m.color, text)}`;
}

/** The end of a connection: who closed it and the verdict, after its last packet. */
export function verdictLine(conn: Connection, v: Verdict, o: PacketsViewOptions): string {
  const c = painter(o.color);
  const closed = v.closedBy ? `closed by ${v.closedBy}${v.closeMethod ? ` (${v.closeMethod})` : ''}` : 'not closed';
  return `${head(conn.lastFrame, conn.end, conn.id, o, timeWidth(conn.end))} ■ ${closed}: ${c('1', v.cause)} (${v.confidence})`;
}

/** A decoded field and the bytes it came from (offsets in the packet's stream). */
export interface FieldNode {
  readonly name: string;
  readonly at: Span;
  readonly value?: string | number | boolean | null;
  readonly children?: FieldNode[];
}

/** A FieldSink that keeps the field tree. */
export class FieldCollector implements FieldSink {
  readonly root: FieldNode[] = [];
  private readonly stack: FieldNode[][] = [this.root];

  field(name: string, at: Span, value: string | number | boolean | null): void {
    this.stack[this.stack.length - 1]!.push({ name, at, value });
  }

  begin(name: string, at: Span): void {
    const children: FieldNode[] = [];
    this.stack[this.stack.length - 1]!.push({ name, at, children });
    this.stack.push(children);
  }

  end(): void {
    if (this.stack.length > 1) this.stack.pop();
  }
}

/** The packet's fields, re-decoded from its bytes in detail mode; empty for a packet whose body was skipped. */
export function packetFields(e: PacketEvent): FieldNode[] {
  if (e.packet.type === 'TRUNCATED') return [];
  const sink = new FieldCollector();
  decodePacket(e.bytes, e.packet.at.offset, { protocolLevel: e.conn.mqttVersion ?? 4 }, sink);
  return sink.root;
}

const CREDENTIAL_FIELDS = new Set(['mqtt.passwd', 'mqtt.property.authenticationData']);

function fieldValue(n: FieldNode, bytes: Uint8Array, base: number, o: PacketsViewOptions): string {
  const v = n.value;
  if (typeof v === 'string') return quoted(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (/flags$/.test(n.name)) return hex2(v);
    if (n.name === 'mqtt.msgtype') return `${v} (${PACKET_TYPE_NAMES[v] ?? '?'})`;
    return String(v);
  }
  // Binary data: its length and a preview, credentials withheld.
  if (CREDENTIAL_FIELDS.has(n.name) && !o.showCredentials) return `${n.at.length} B ${REDACTED}`;
  const start = n.at.offset - base;
  const slice = bytes.subarray(Math.max(0, start), Math.min(bytes.length, start + n.at.length));
  return n.at.length === 0 ? '0 B' : `${n.at.length} B ${preview(slice)}`;
}

function range(at: Span, base: number): string {
  const a = at.offset - base;
  return at.length > 1 ? `${a}-${a + at.length - 1}` : String(a);
}

/**
 * `--detail`: the field tree (Wireshark's field names) with each field's bytes, as offsets from the
 * packet's first byte (the offsets of `--hex`), then the packet's anomalies with their rule.
 */
export function detailLines(e: PacketEvent, o: PacketsViewOptions): string[] {
  const base = e.packet.at.offset;
  const frames = e.frames.length > 1 ? `frames ${e.frames.join(', ')}` : `frame ${e.frame}`;
  const out = [`${INDENT}MQTT ${versionName(e.conn.mqttVersion) ?? '?'}, ${e.bytes.length} bytes in ${frames} (offsets from the packet's first byte)`];
  const walk = (nodes: readonly FieldNode[], depth: number): void => {
    for (const n of nodes) {
      const lead = `${INDENT}${range(n.at, base).padEnd(9)}${'  '.repeat(depth)}${n.name}`;
      if (n.children) {
        out.push(lead);
        walk(n.children, depth + 1);
      } else {
        out.push(`${lead} = ${fieldValue(n, e.bytes, base, o)}`);
      }
    }
  };
  const fields = packetFields(e);
  if (fields.length === 0) out.push(`${INDENT}(body not decoded)`);
  walk(fields, 0);
  const c = painter(o.color);
  for (const a of e.anomalies) {
    const m = MARK[a.severity];
    const at = a.streamOffset !== undefined && a.streamOffset >= base ? `byte ${a.streamOffset - base}, ` : '';
    const spec = diagSpec(a.code).spec;
    out.push(`${INDENT}${c(m.color, `${m.glyph} ${a.code}`)} (${at}frame ${a.frame} +${a.offset}): ${diagSpec(a.code).summary}`
      + `${a.detail ? `: ${safeText(a.detail)}` : ''}${spec ? ` [${spec}]` : ''}`);
  }
  return out;
}

/** `--hex`: the packet's bytes (unmasked, for WebSocket) with the anomalous bytes marked. */
export function hexLines(e: PacketEvent, o: PacketsViewOptions): string[] {
  const base = e.packet.at.offset;
  const mark = new Set<number>();
  for (const a of e.anomalies) {
    if (a.streamOffset === undefined) continue;
    const from = a.streamOffset - base;
    for (let i = from; i < from + Math.max(1, Math.min(a.length, 64)); i++) if (i >= 0 && i < e.bytes.length) mark.add(i);
  }
  return hexDump(o.showCredentials ? e.bytes : maskCredentials(e), { mark, color: o.color }).map((l) => `${INDENT}${l}`);
}

/** The packet's bytes with the CONNECT password and MQTT 5 Authentication Data (0x16) replaced by '*'. */
export function maskCredentials(e: PacketEvent): Uint8Array {
  const p = e.packet;
  const spans: { offset: number; length: number }[] = [];
  if (p.type === 'CONNECT' && p.password) spans.push(p.password);
  if ('properties' in p) for (const q of p.properties) if (q.id === 0x16) spans.push(q.at);
  if (spans.length === 0) return e.bytes;
  const out = copyBytes(e.bytes);
  for (const sp of spans) {
    const from = Math.max(0, sp.offset - p.at.offset);
    out.fill(0x2a, from, Math.min(out.length, from + sp.length));
  }
  return out;
}
