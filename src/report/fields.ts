/**
 * Plain JSON views of model objects, shared by the JSON document and the NDJSON lines so that the two
 * formats say the same thing in the same words.
 */
import type { RunResult } from '../analysis/analyzer.js';
import type { Verdict } from '../analysis/types.js';
import { toHex } from '../bytes/hex.js';
import { diagSpec } from '../diag/registry.js';
import type { Anomaly, Connection, Endpoint, PacketEvent } from '../engine/model.js';
import type { SessionFacts } from '../engine/session.js';
import type { MqttPacket, Property } from '../mqtt/types.js';
import { isoTime } from './time.js';

export interface ReportOptions {
  /** Show CONNECT passwords and AUTH data instead of "<redacted>". */
  readonly showCredentials: boolean;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export const REDACTED = '<redacted>';

/** Authentication Data (0x16) is a credential like the CONNECT password. */
const CREDENTIAL_PROPERTIES = new Set([0x16]);

export function endpoint(e: Endpoint): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

export function versionName(level: number | null): string | null {
  return level === 3 ? '3.1' : level === 4 ? '3.1.1' : level === 5 ? '5.0' : null;
}

export function anomalyJson(a: Anomaly): { [key: string]: Json } {
  const spec = diagSpec(a.code);
  const out: { [key: string]: Json } = {
    code: a.code, severity: a.severity, frame: a.frame, offset: a.offset,
    message: a.detail ? `${spec.summary}: ${a.detail}` : spec.summary,
  };
  if (spec.spec !== undefined) out['spec'] = spec.spec;
  if (a.websocket) out['websocket'] = { ...wireJson(a.websocket) };
  return out;
}

function hexByte(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

function wireJson(w: NonNullable<Anomaly['websocket']>): { [key: string]: Json } {
  return { payloadOffset: w.payloadOffset, byte: hexByte(w.byte), wireByte: hexByte(w.wireByte) };
}

export function verdictJson(v: Verdict): { [key: string]: Json } {
  return {
    cause: v.cause, confidence: v.confidence, summary: v.summary,
    evidence: v.evidence.map((e) => {
      const ev: { [key: string]: Json } = { frame: e.frame, offset: e.offset };
      if (e.code !== undefined) ev['code'] = e.code;
      ev['note'] = e.note;
      if (e.websocket) ev['websocket'] = wireJson(e.websocket);
      return ev;
    }),
  };
}

function pairJson(p: SessionFacts['pairs']['ping']): { [key: string]: Json } {
  const ms = (x: number): number => Math.round(x * 1e6) / 1e3;
  return { count: p.count, ...(p.count > 0 ? { meanMs: ms(p.totalSeconds / p.count), maxMs: ms(p.maxSeconds) } : {}) };
}

function sessionJson(s: SessionFacts): { [key: string]: Json } {
  return {
    pairs: {
      publishQos1: pairJson(s.pairs.publishQos1), publishQos2: pairJson(s.pairs.publishQos2),
      subscribe: pairJson(s.pairs.subscribe), unsubscribe: pairJson(s.pairs.unsubscribe), ping: pairJson(s.pairs.ping),
    },
    inflightAtEnd: { c2s: s.inflight.c2s, s2c: s.inflight.s2c },
    dupRetransmissions: s.dupRetransmissions,
    subscriptions: [...s.subscriptions],
    retainedPublishes: s.retainedPublishes,
    will: s.will ? { topic: s.will.topic, qos: s.will.qos, retain: s.will.retain } : null,
  };
}

export function connectionJson(c: Connection, v: Verdict): { [key: string]: Json } {
  return {
    id: c.id, client: endpoint(c.client), broker: endpoint(c.broker), transport: c.transport,
    mqttVersion: versionName(c.mqttVersion), versionSource: c.versionSource,
    clientId: c.clientId, username: c.username, keepAlive: c.keepAlive,
    start: isoTime(c.start), end: isoTime(c.end),
    firstFrame: c.firstFrame, lastFrame: c.lastFrame,
    packets: { ...c.packets } as { [key: string]: number },
    closedBy: v.closedBy, closeMethod: v.closeMethod,
    verdict: verdictJson(v),
    ...(c.session ? { session: sessionJson(c.session) } : {}),
    ...(c.tls ? { tls: { sni: c.tls.sni, alpn: [...c.tls.alpn], offered: [...c.tls.offered], selected: c.tls.selected,
      alerts: c.tls.alerts.map((a) => ({ level: a.level, description: a.description, code: a.code })) } } : {}),
    ...(c.ws ? { websocket: {
      status: c.ws.status, subprotocol: c.ws.subprotocol, deflate: c.ws.deflate, path: c.ws.path,
      frames: { c2s: c.ws.frames.c2s, s2c: c.ws.frames.s2c },
      closes: c.ws.closes.map((x) => ({ by: x.dir === 'c2s' ? 'client' : 'broker', code: x.code, reason: x.reason, frame: x.frame, offset: x.offset })),
    } } : {}),
    anomalies: c.anomalies.map(anomalyJson),
    ...(c.anomaliesDropped > 0 ? { anomaliesDropped: c.anomaliesDropped } : {}),
  };
}

function propertyValue(p: Property, opts: ReportOptions): Json {
  if (CREDENTIAL_PROPERTIES.has(p.id) && !opts.showCredentials) return REDACTED;
  const value = p.value;
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return [value[0], value[1]];
  return value as string | number;
}

export function propertiesJson(props: readonly Property[], opts: ReportOptions): Json[] {
  return props.map((p) => ({ id: p.id, name: p.name, value: propertyValue(p, opts) }));
}

/** The `mqtt` object of a packet line: the fixed header facts plus the fields users filter on. */
export function mqttJson(p: MqttPacket, bytes: Uint8Array, opts: ReportOptions): { [key: string]: Json } {
  const out: { [key: string]: Json } = { packetType: p.type };
  if (p.type === 'TRUNCATED') out['declaredType'] = p.declaredType;
  out['flags'] = p.flags;
  if (p.resynced) out['resynced'] = true;
  out['remainingLength'] = p.remainingLength;
  switch (p.type) {
    case 'CONNECT':
      out['protocolName'] = p.protocolName;
      out['protocolLevel'] = p.protocolLevel;
      out['cleanStart'] = p.cleanStart;
      out['keepAlive'] = p.keepAlive;
      out['clientId'] = p.clientId;
      if (p.username !== undefined) out['username'] = p.username;
      if (p.password !== undefined) {
        out['password'] = opts.showCredentials ? passwordText(bytes, p.password.offset - p.at.offset, p.password.length) : REDACTED;
      }
      if (p.will) {
        out['will'] = { topic: p.will.topic, qos: p.will.qos, retain: p.will.retain, payloadLength: p.will.payload.length,
          ...(p.will.properties.length > 0 ? { properties: propertiesJson(p.will.properties, opts) } : {}) };
      }
      break;
    case 'CONNACK':
      out['sessionPresent'] = p.sessionPresent;
      out['reasonCode'] = p.reasonCode;
      break;
    case 'PUBLISH':
      out['qos'] = p.qos;
      out['dup'] = p.dup;
      out['retain'] = p.retain;
      out['topic'] = p.topic;
      if (p.packetId !== undefined) out['packetId'] = p.packetId;
      out['payloadLength'] = p.payload.length;
      break;
    case 'PUBACK': case 'PUBREC': case 'PUBREL': case 'PUBCOMP':
      out['packetId'] = p.packetId;
      if (p.reasonCode !== undefined) out['reasonCode'] = p.reasonCode;
      break;
    case 'SUBSCRIBE':
      out['packetId'] = p.packetId;
      out['subscriptions'] = p.subscriptions.map((s) => ({ topicFilter: s.topicFilter, qos: s.qos }));
      break;
    case 'SUBACK': case 'UNSUBACK':
      out['packetId'] = p.packetId;
      out['reasonCodes'] = [...p.reasonCodes];
      break;
    case 'UNSUBSCRIBE':
      out['packetId'] = p.packetId;
      out['topicFilters'] = [...p.topicFilters];
      break;
    case 'DISCONNECT': case 'AUTH':
      if (p.reasonCode !== undefined) out['reasonCode'] = p.reasonCode;
      break;
    default:
      break;
  }
  if ('properties' in p && p.properties.length > 0) out['properties'] = propertiesJson(p.properties, opts);
  return out;
}

function passwordText(bytes: Uint8Array, at: number, length: number): string {
  if (at < 0 || at + length > bytes.length) return '';
  const b = bytes.subarray(at, at + length);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return toHex(b);
  }
}

export function packetJson(e: PacketEvent, opts: ReportOptions): { [key: string]: Json } {
  return {
    type: 'packet', conn: e.conn.id, dir: e.dir, frame: e.frame, frames: [...e.frames], ts: isoTime(e.ts),
    mqtt: mqttJson(e.packet, e.bytes, opts),
    ...(e.anomalies.length > 0 ? { anomalies: e.anomalies.map((a) => a.code) } : {}),
  };
}

export function summaryJson(r: RunResult): { [key: string]: Json } {
  return {
    connections: r.connections.length,
    mqttPackets: r.mqttPackets,
    byType: { ...r.byType } as { [key: string]: number },
    anomalies: { ...r.anomalyCounts },
    verdicts: { ...r.verdicts } as { [key: string]: number },
  };
}
