/**
 * Exact MQTT bytes for the raw clients: valid packets come from `mqtt-packet` (MQTT.js's codec), and
 * the corruptions are applied by hand on top so the test says exactly which byte is wrong.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';

/** MQTT protocol level: 3 = 3.1, 4 = 3.1.1, 5 = 5.0. */
export type ProtocolLevel = 3 | 4 | 5;

/** Any packet `mqtt-packet` can generate. */
export type MqttPacket = Packet;

/** Encodes one packet (for MQTT 5 pass `level: 5` so properties and reason codes are written). */
export function encode(packet: MqttPacket, level: ProtocolLevel = 4): Uint8Array {
  return new Uint8Array(mqttPacket.generate(packet, { protocolVersion: level }));
}

/** A Last Will for {@link connect}. */
export interface Will {
  topic: string;
  payload: string;
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

/** A CONNECT with clean session, for the given client id and keep-alive (and optionally a Last Will). */
export function connect(clientId: string, opts: { keepAlive?: number; level?: ProtocolLevel; username?: string; password?: string; will?: Will } = {}): Uint8Array {
  const level = opts.level ?? 4;
  return encode({
    cmd: 'connect',
    clientId,
    protocolVersion: level,
    protocolId: level === 3 ? 'MQIsdp' : 'MQTT',
    clean: true,
    keepalive: opts.keepAlive ?? 60,
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: Buffer.from(opts.password) } : {}),
    ...(opts.will !== undefined ? {
      will: { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), qos: opts.will.qos ?? 0, retain: opts.will.retain ?? false },
    } : {}),
  }, level);
}

/** SUBSCRIBE to one topic filter. */
export function subscribe(messageId: number, topic: string, qos: 0 | 1 | 2 = 0, level: ProtocolLevel = 4): Uint8Array {
  return encode({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] }, level);
}

/** PUBLISH (messageId only for QoS > 0). */
export function publish(topic: string, payload: string | Uint8Array, opts: { qos?: 0 | 1 | 2; messageId?: number; retain?: boolean; level?: ProtocolLevel } = {}): Uint8Array {
  const qos = opts.qos ?? 0;
  return encode({
    cmd: 'publish',
    topic,
    payload: typeof payload === 'string' ? payload : Buffer.from(payload),
    qos,
    dup: false,
    retain: opts.retain ?? false,
    ...(qos > 0 ? { messageId: opts.messageId ?? 1 } : {}),
  }, opts.level ?? 4);
}

/** PINGREQ `c0 00`. */
export const pingreq = (): Uint8Array => Uint8Array.of(0xc0, 0x00);

/** DISCONNECT: `e0 00`, or for MQTT 5 with a reason code. */
export function disconnect(level: ProtocolLevel = 4, reasonCode = 0): Uint8Array {
  return level === 5 && reasonCode !== 0 ? Uint8Array.of(0xe0, 0x01, reasonCode) : Uint8Array.of(0xe0, 0x00);
}

/** A copy of `packet` with its first byte (the fixed header's type and flags) replaced. */
export function withFirstByte(packet: Uint8Array, firstByte: number): Uint8Array {
  const out = Uint8Array.from(packet);
  out[0] = firstByte;
  return out;
}

/** Packet type names by the high nibble of the first byte. */
export const PACKET_TYPES = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP',
  'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'] as const;

export type PacketTypeName = (typeof PACKET_TYPES)[number];

/**
 * Splits the front of an MQTT byte stream into whole packets (fixed header + Remaining Length), leaving
 * an incomplete tail. Test-side framing only: no validation beyond the length encoding.
 */
export function takePackets(stream: Uint8Array): { packets: Uint8Array[]; rest: Uint8Array } {
  const packets: Uint8Array[] = [];
  let p = 0;
  for (;;) {
    if (stream.length - p < 2) break;
    let len = 0;
    let mult = 1;
    let i = p + 1;
    let complete = false;
    for (let n = 0; n < 4 && i < stream.length; n++, i++) {
      const b = stream[i]!;
      len += (b & 0x7f) * mult;
      mult *= 128;
      if ((b & 0x80) === 0) { complete = true; i++; break; }
    }
    if (!complete || stream.length - i < len) break;
    packets.push(stream.subarray(p, i + len));
    p = i + len;
  }
  return { packets, rest: stream.subarray(p) };
}

/** Lower-case hex of some bytes, e.g. `20020000`. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
