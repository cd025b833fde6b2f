/**
 * The session machine of one connection: what a single packet cannot show. Order (CONNECT first
 * [MQTT-3.1.0-1], no second CONNECT [MQTT-3.1.0-2], CONNACK first from the server [MQTT-3.2.0-1]),
 * direction of flow (3.1.1 §2.2.1, 5.0 §2.1.2), request/response pairing by Packet Identifier per
 * direction with latencies, the MQTT 5 limits each side announced (Receive Maximum, Maximum QoS,
 * Retain Available, Maximum Packet Size, Topic Alias Maximum) and topic aliases per direction.
 * State lives on the connection (both directions share this object); in-flight tables are bounded.
 */
import type { Timestamp } from '../capture/types.js';
import type { DiagCode } from '../diag/registry.js';
import type { Dir } from '../diag/types.js';
import type { MqttPacket, Property } from '../mqtt/types.js';

const CLIENT_ONLY = new Set(['CONNECT', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PINGREQ']);
const SERVER_ONLY = new Set(['CONNACK', 'SUBACK', 'UNSUBACK', 'PINGRESP']);

/** In-flight identifiers kept per direction (65 535 are possible; a hostile peer must not grow memory). */
export const MAX_INFLIGHT = 4096;

interface Pending {
  readonly kind: 'PUBLISH1' | 'PUBLISH2' | 'PUBREL' | 'SUBSCRIBE' | 'UNSUBSCRIBE';
  readonly ts: Timestamp;
  readonly frame: number;
}

/** Completed request/response pairs and their latency, for the report. */
export interface PairStats {
  count: number;
  totalSeconds: number;
  maxSeconds: number;
}

export interface SessionFacts {
  /** Pairs completed, by exchange. */
  pairs: Record<'publishQos1' | 'publishQos2' | 'subscribe' | 'unsubscribe' | 'ping', PairStats>;
  /** Requests still waiting for their answer when the connection ended, per sender. */
  inflight: Record<Dir, number>;
  dupRetransmissions: number;
  /** Topic filters the broker granted (SUBACK code < 0x80), in order, bounded. */
  subscriptions: string[];
  retainedPublishes: number;
  will: { topic: string; qos: number; retain: boolean } | null;
}

export interface Session {
  sawConnect: boolean;
  sawClientPacket: boolean;
  sawConnack: boolean;
  readonly inflight: Record<Dir, Map<number, Pending>>;
  /** Requested subscriptions by packet id, until their SUBACK. */
  readonly subscribeFilters: Map<number, string[]>;
  pingSent: Timestamp | null;
  /** Limits the receiver of each direction announced (c2s = what the broker accepts). */
  readonly receiveMaximum: Record<Dir, number>;
  readonly maximumPacketSize: Record<Dir, number>;
  readonly topicAliasMaximum: Record<Dir, number>;
  readonly topicAliases: Record<Dir, Map<number, string>>;
  maximumQos: number;
  retainAvailable: boolean;
  readonly facts: SessionFacts;
}

function stats(): PairStats {
  return { count: 0, totalSeconds: 0, maxSeconds: 0 };
}

export function newSession(): Session {
  return {
    sawConnect: false, sawClientPacket: false, sawConnack: false,
    inflight: { c2s: new Map(), s2c: new Map() }, subscribeFilters: new Map(), pingSent: null,
    receiveMaximum: { c2s: 65535, s2c: 65535 },
    maximumPacketSize: { c2s: Infinity, s2c: Infinity },
    topicAliasMaximum: { c2s: 0, s2c: 0 },
    topicAliases: { c2s: new Map(), s2c: new Map() },
    maximumQos: 2, retainAvailable: true,
    facts: {
      pairs: { publishQos1: stats(), publishQos2: stats(), subscribe: stats(), unsubscribe: stats(), ping: stats() },
      inflight: { c2s: 0, s2c: 0 }, dupRetransmissions: 0, subscriptions: [], retainedPublishes: 0, will: null,
    },
  };
}

const other = (d: Dir): Dir => (d === 'c2s' ? 's2c' : 'c2s');

function seconds(a: Timestamp, b: Timestamp): number {
  return b.sec - a.sec + (b.nsec - a.nsec) / 1e9;
}

function numberProp(props: readonly Property[], id: number): number | undefined {
  const p = props.find((x) => x.id === id);
  return p && typeof p.value === 'number' ? p.value : undefined;
}

function record(s: PairStats, from: Timestamp, to: Timestamp): void {
  const d = Math.max(0, seconds(from, to));
  s.count++;
  s.totalSeconds += d;
  if (d > s.maxSeconds) s.maxSeconds = d;
}

export interface PacketContext {
  readonly dir: Dir;
  readonly ts: Timestamp;
  readonly frame: number;
  /** The capture saw the connection from its TCP handshake (so "first packet" is meaningful). */
  readonly handshakeSeen: boolean;
  readonly protocolLevel: number;
}

/**
 * Feeds one packet through the session machine; returns the codes it breaks (each reported at the
 * packet's first byte).
 */
export function sessionStep(s: Session, p: MqttPacket, x: PacketContext): DiagCode[] {
  const out: DiagCode[] = [];
  const type = p.type === 'TRUNCATED' ? p.declaredType : p.type;
  const dir = x.dir;
  // ── order and direction ──────────────────────────────────────────────────────────────────
  if (dir === 'c2s') {
    if (type === 'CONNECT') {
      if (s.sawConnect) out.push('mqtt.sequence.second_connect');
      s.sawConnect = true;
    } else if (!s.sawClientPacket && x.handshakeSeen) {
      out.push('mqtt.sequence.first_not_connect');
    } else if (s.sawConnect && !s.sawConnack && x.handshakeSeen && type !== 'AUTH' && type !== 'DISCONNECT') {
      // Allowed (3.1.1 §3.1.4, 5.0 §3.1.4), but the broker may still refuse the session: worth a note.
      out.push('mqtt.sequence.client_before_connack');
    }
    s.sawClientPacket = true;
    if (SERVER_ONLY.has(type)) out.push('mqtt.sequence.wrong_direction');
  } else {
    if (CLIENT_ONLY.has(type) || (type === 'DISCONNECT' && x.protocolLevel < 5)) out.push('mqtt.sequence.wrong_direction');
    if (type === 'CONNACK') {
      if (s.sawConnack) out.push('mqtt.sequence.second_connack');
      s.sawConnack = true;
    } else if (!s.sawConnack && s.sawConnect && x.handshakeSeen && type !== 'AUTH') {
      out.push('mqtt.sequence.before_connack');
    }
  }
  if (p.type === 'TRUNCATED') return out;
  // ── negotiated limits (MQTT 5 CONNECT / CONNACK properties) ────────────────────────────────
  const size = p.headerLength + p.remainingLength;
  if (size > s.maximumPacketSize[dir]) out.push('mqtt.sequence.packet_too_large');
  switch (p.type) {
    case 'CONNECT': {
      // What the client can receive bounds the server → client direction.
      s.receiveMaximum.s2c = numberProp(p.properties, 0x21) ?? 65535;
      s.maximumPacketSize.s2c = numberProp(p.properties, 0x27) ?? Infinity;
      s.topicAliasMaximum.s2c = numberProp(p.properties, 0x22) ?? 0;
      if (p.will) s.facts.will = { topic: p.will.topic, qos: p.will.qos, retain: p.will.retain };
      break;
    }
    case 'CONNACK': {
      s.receiveMaximum.c2s = numberProp(p.properties, 0x21) ?? 65535;
      s.maximumPacketSize.c2s = numberProp(p.properties, 0x27) ?? Infinity;
      s.topicAliasMaximum.c2s = numberProp(p.properties, 0x22) ?? 0;
      s.maximumQos = numberProp(p.properties, 0x24) ?? 2;
      s.retainAvailable = (numberProp(p.properties, 0x25) ?? 1) !== 0;
      break;
    }
    case 'PUBLISH':
      publish(s, p, x, out);
      break;
    case 'PUBACK': case 'PUBREC': case 'PUBREL': case 'PUBCOMP':
      pubAck(s, p.type, p.packetId, x, out);
      break;
    case 'SUBSCRIBE':
      request(s, 'SUBSCRIBE', p.packetId, x, out);
      if (s.subscribeFilters.size < MAX_INFLIGHT) s.subscribeFilters.set(p.packetId, p.subscriptions.map((f) => f.topicFilter));
      break;
    case 'UNSUBSCRIBE':
      request(s, 'UNSUBSCRIBE', p.packetId, x, out);
      break;
    case 'SUBACK': case 'UNSUBACK': {
      const want = p.type === 'SUBACK' ? 'SUBSCRIBE' : 'UNSUBSCRIBE';
      const pending = s.inflight[other(dir)].get(p.packetId);
      if (!pending || pending.kind !== want) {
        out.push('mqtt.sequence.orphan_ack');
      } else {
        s.inflight[other(dir)].delete(p.packetId);
        record(p.type === 'SUBACK' ? s.facts.pairs.subscribe : s.facts.pairs.unsubscribe, pending.ts, x.ts);
        if (p.type === 'SUBACK') {
          const filters = s.subscribeFilters.get(p.packetId) ?? [];
          filters.forEach((f, i) => {
            if ((p.reasonCodes[i] ?? 0x80) < 0x80 && s.facts.subscriptions.length < 256) s.facts.subscriptions.push(f);
          });
        }
      }
      s.subscribeFilters.delete(p.packetId);
      break;
    }
    case 'PINGREQ':
      s.pingSent = x.ts;
      break;
    case 'PINGRESP':
      if (s.pingSent) record(s.facts.pairs.ping, s.pingSent, x.ts);
      s.pingSent = null;
      break;
    default:
      break;
  }
  s.facts.inflight.c2s = s.inflight.c2s.size;
  s.facts.inflight.s2c = s.inflight.s2c.size;
  return out;
}

function remember(s: Session, dir: Dir, id: number, pending: Pending, out: DiagCode[]): void {
  const table = s.inflight[dir];
  if (table.size >= MAX_INFLIGHT && !table.has(id)) {
    const oldest = table.keys().next();
    if (!oldest.done) table.delete(oldest.value);
    if (!out.includes('limit.mqtt.inflight')) out.push('limit.mqtt.inflight');
  }
  table.set(id, pending);
}

function request(s: Session, kind: 'SUBSCRIBE' | 'UNSUBSCRIBE', id: number, x: PacketContext, out: DiagCode[]): void {
  if (s.inflight[x.dir].has(id)) out.push('mqtt.sequence.packet_id_in_use');
  remember(s, x.dir, id, { kind, ts: x.ts, frame: x.frame }, out);
}

function publish(s: Session, p: Extract<MqttPacket, { type: 'PUBLISH' }>, x: PacketContext, out: DiagCode[]): void {
  const dir = x.dir;
  if (p.retain) s.facts.retainedPublishes++;
  if (dir === 'c2s' && x.protocolLevel === 5) {
    // [MQTT-3.3.4-6]: a Subscription Identifier travels only from the server to the client.
    if (p.properties.some((q) => q.id === 0x0b)) out.push('mqtt.sequence.subscription_id_from_client');
    if (p.qos > s.maximumQos && p.qos <= 2) out.push('mqtt.sequence.qos_not_supported');
    if (p.retain && !s.retainAvailable) out.push('mqtt.sequence.retain_not_supported');
  }
  if (x.protocolLevel === 5) {
    // Topic aliases are per direction: each receiver keeps its own map [MQTT-3.3.2-10..12].
    const alias = numberProp(p.properties, 0x23);
    if (alias !== undefined) {
      if (alias === 0 || alias > s.topicAliasMaximum[dir]) out.push('mqtt.sequence.topic_alias_invalid');
      else if (p.topic !== '') {
        if (s.topicAliases[dir].size < 65535) s.topicAliases[dir].set(alias, p.topic);
      } else if (!s.topicAliases[dir].has(alias)) out.push('mqtt.sequence.topic_alias_invalid');
    }
  }
  if (p.qos !== 1 && p.qos !== 2) return;
  const id = p.packetId ?? 0;
  const table = s.inflight[dir];
  const pending = table.get(id);
  if (pending && (pending.kind === 'PUBLISH1' || pending.kind === 'PUBLISH2')) {
    // The same id again: a DUP resend is legal [MQTT-3.3.1-1]; without DUP it is reuse.
    if (p.dup) s.facts.dupRetransmissions++;
    else out.push('mqtt.sequence.packet_id_in_use');
    return;
  }
  if (p.dup) s.facts.dupRetransmissions++;
  remember(s, dir, id, { kind: p.qos === 1 ? 'PUBLISH1' : 'PUBLISH2', ts: x.ts, frame: x.frame }, out);
  if (x.protocolLevel === 5) {
    let publishes = 0;
    for (const v of table.values()) if (v.kind !== 'SUBSCRIBE' && v.kind !== 'UNSUBSCRIBE') publishes++;
    if (publishes > s.receiveMaximum[dir]) out.push('mqtt.sequence.receive_maximum_exceeded');
  }
}

/**
 * PUBACK answers a QoS 1 PUBLISH; PUBREC a QoS 2 PUBLISH, then PUBREL (from the publisher) is answered
 * by PUBCOMP. The acknowledgement travels the other way from what it acknowledges.
 */
function pubAck(s: Session, type: 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP', id: number, x: PacketContext, out: DiagCode[]): void {
  const dir = x.dir;
  if (type === 'PUBREL') {
    // Sent by the publisher after our PUBREC; our direction's table gets the PUBREL in flight.
    const rec = s.inflight[dir].get(id);
    if (rec && rec.kind === 'PUBLISH2') {
      s.inflight[dir].set(id, { kind: 'PUBREL', ts: rec.ts, frame: x.frame });
    } else if (!rec) {
      remember(s, dir, id, { kind: 'PUBREL', ts: x.ts, frame: x.frame }, out);
    }
    return;
  }
  const table = s.inflight[other(dir)];
  const pending = table.get(id);
  if (!pending) {
    out.push('mqtt.sequence.orphan_ack');
    return;
  }
  if (type === 'PUBACK') {
    if (pending.kind !== 'PUBLISH1') { out.push('mqtt.sequence.wrong_ack'); return; }
    table.delete(id);
    record(s.facts.pairs.publishQos1, pending.ts, x.ts);
  } else if (type === 'PUBREC') {
    if (pending.kind !== 'PUBLISH2') { out.push('mqtt.sequence.wrong_ack'); return; }
    // The PUBLISH stays in flight (as itself) until PUBREL moves it on.
  } else {
    if (pending.kind !== 'PUBREL') { out.push('mqtt.sequence.wrong_ack'); return; }
    table.delete(id);
    record(s.facts.pairs.publishQos2, pending.ts, x.ts);
  }
}
