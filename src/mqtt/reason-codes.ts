/**
 * Reason code names, one table per packet type because the valid set differs by type (Wireshark's
 * `mqtt_reason_code_*_vals`): 5.0 §2.4 Table 2-6 and each packet's §3.x.2.1; 3.1.1 CONNACK return
 * codes (§3.2.2.3 Table 3.1) and SUBACK return codes (§3.9.3). Names are the specs' own words.
 *
 * Keys come off the wire, so the tables are Maps (no prototype lookups on hostile numbers).
 */
import type { ByteCursor } from './cursor.js';
import { levelName } from './protocol-level.js';
import type { PacketTypeName } from './types.js';

type Table = ReadonlyMap<number, string>;

const table = (entries: readonly (readonly [number, string])[]): Table => new Map(entries);

/** 3.1.1 Table 3.1 (3.1 has the same six codes). */
export const CONNACK_RETURN_CODES_V3 = table([
  [0x00, 'Connection Accepted'],
  [0x01, 'Connection Refused, unacceptable protocol version'],
  [0x02, 'Connection Refused, identifier rejected'],
  [0x03, 'Connection Refused, Server unavailable'],
  [0x04, 'Connection Refused, bad user name or password'],
  [0x05, 'Connection Refused, not authorized'],
]);

/** 3.1.1 §3.9.3: granted QoS or failure (0x80 is new in 3.1.1; 3.1 knows only 0–2). */
export const SUBACK_RETURN_CODES_V3 = table([
  [0x00, 'Success - Maximum QoS 0'],
  [0x01, 'Success - Maximum QoS 1'],
  [0x02, 'Success - Maximum QoS 2'],
  [0x80, 'Failure'],
]);

export const CONNACK_REASON_CODES = table([
  [0x00, 'Success'],
  [0x80, 'Unspecified error'],
  [0x81, 'Malformed Packet'],
  [0x82, 'Protocol Error'],
  [0x83, 'Implementation specific error'],
  [0x84, 'Unsupported Protocol Version'],
  [0x85, 'Client Identifier not valid'],
  [0x86, 'Bad User Name or Password'],
  [0x87, 'Not authorized'],
  [0x88, 'Server unavailable'],
  [0x89, 'Server busy'],
  [0x8a, 'Banned'],
  [0x8c, 'Bad authentication method'],
  [0x90, 'Topic Name invalid'],
  [0x95, 'Packet too large'],
  [0x97, 'Quota exceeded'],
  [0x99, 'Payload format invalid'],
  [0x9a, 'Retain not supported'],
  [0x9b, 'QoS not supported'],
  [0x9c, 'Use another server'],
  [0x9d, 'Server moved'],
  [0x9f, 'Connection rate exceeded'],
]);

/** PUBACK (5.0 §3.4.2.1) and PUBREC (§3.5.2.1) share one set. */
export const PUBACK_REASON_CODES = table([
  [0x00, 'Success'],
  [0x10, 'No matching subscribers'],
  [0x80, 'Unspecified error'],
  [0x83, 'Implementation specific error'],
  [0x87, 'Not authorized'],
  [0x90, 'Topic Name invalid'],
  [0x91, 'Packet identifier in use'],
  [0x97, 'Quota exceeded'],
  [0x99, 'Payload format invalid'],
]);

/** PUBREL (5.0 §3.6.2.1) and PUBCOMP (§3.7.2.1) share one set. */
export const PUBREL_REASON_CODES = table([
  [0x00, 'Success'],
  [0x92, 'Packet Identifier not found'],
]);

export const SUBACK_REASON_CODES = table([
  [0x00, 'Granted QoS 0'],
  [0x01, 'Granted QoS 1'],
  [0x02, 'Granted QoS 2'],
  [0x80, 'Unspecified error'],
  [0x83, 'Implementation specific error'],
  [0x87, 'Not authorized'],
  [0x8f, 'Topic Filter invalid'],
  [0x91, 'Packet Identifier in use'],
  [0x97, 'Quota exceeded'],
  [0x9e, 'Shared Subscriptions not supported'],
  [0xa1, 'Subscription Identifiers not supported'],
  [0xa2, 'Wildcard Subscriptions not supported'],
]);

export const UNSUBACK_REASON_CODES = table([
  [0x00, 'Success'],
  [0x11, 'No subscription existed'],
  [0x80, 'Unspecified error'],
  [0x83, 'Implementation specific error'],
  [0x87, 'Not authorized'],
  [0x8f, 'Topic Filter invalid'],
  [0x91, 'Packet Identifier in use'],
]);

export const DISCONNECT_REASON_CODES = table([
  [0x00, 'Normal disconnection'],
  [0x04, 'Disconnect with Will Message'],
  [0x80, 'Unspecified error'],
  [0x81, 'Malformed Packet'],
  [0x82, 'Protocol Error'],
  [0x83, 'Implementation specific error'],
  [0x87, 'Not authorized'],
  [0x89, 'Server busy'],
  [0x8b, 'Server shutting down'],
  [0x8d, 'Keep Alive timeout'],
  [0x8e, 'Session taken over'],
  [0x8f, 'Topic Filter invalid'],
  [0x90, 'Topic Name invalid'],
  [0x93, 'Receive Maximum exceeded'],
  [0x94, 'Topic Alias invalid'],
  [0x95, 'Packet too large'],
  [0x96, 'Message rate too high'],
  [0x97, 'Quota exceeded'],
  [0x98, 'Administrative action'],
  [0x99, 'Payload format invalid'],
  [0x9a, 'Retain not supported'],
  [0x9b, 'QoS not supported'],
  [0x9c, 'Use another server'],
  [0x9d, 'Server moved'],
  [0x9e, 'Shared Subscriptions not supported'],
  [0x9f, 'Connection rate exceeded'],
  [0xa0, 'Maximum connect time'],
  [0xa1, 'Subscription Identifiers not supported'],
  [0xa2, 'Wildcard Subscriptions not supported'],
]);

export const AUTH_REASON_CODES = table([
  [0x00, 'Success'],
  [0x18, 'Continue authentication'],
  [0x19, 'Re-authenticate'],
]);

/**
 * The code table of a packet type at a protocol level, or undefined when that packet carries no
 * reason code at that level (PUBACK in 3.1.1, DISCONNECT before 5.0, …).
 */
export function reasonCodeTable(packetType: PacketTypeName, level: number): Table | undefined {
  if (level < 5) {
    if (packetType === 'CONNACK') return CONNACK_RETURN_CODES_V3;
    if (packetType === 'SUBACK') return SUBACK_RETURN_CODES_V3;
    return undefined;
  }
  switch (packetType) {
    case 'CONNACK': return CONNACK_REASON_CODES;
    case 'PUBACK': case 'PUBREC': return PUBACK_REASON_CODES;
    case 'PUBREL': case 'PUBCOMP': return PUBREL_REASON_CODES;
    case 'SUBACK': return SUBACK_REASON_CODES;
    case 'UNSUBACK': return UNSUBACK_REASON_CODES;
    case 'DISCONNECT': return DISCONNECT_REASON_CODES;
    case 'AUTH': return AUTH_REASON_CODES;
    default: return undefined;
  }
}

/** The spec's name for `code` in a `packetType` at protocol `level`, or undefined if it is not in that set. */
export function reasonCodeName(packetType: PacketTypeName, level: number, code: number): string | undefined {
  return reasonCodeTable(packetType, level)?.get(code);
}

/**
 * Reports `mqtt.reason_code.unknown` when `code` (at bytes[index]) is not in the set of its packet
 * type at `level` (5.0 §2.4: the receiver treats it as a Malformed Packet or Protocol Error).
 */
export function checkReasonCode(cur: ByteCursor, packetType: PacketTypeName, level: number, code: number, index: number): void {
  const names = reasonCodeTable(packetType, level);
  if (names === undefined || names.has(code)) return;
  cur.report('mqtt.reason_code.unknown', index, 1,
    `0x${code.toString(16).padStart(2, '0')} is not a ${packetType} ${level < 5 ? 'return' : 'reason'} code in MQTT ${levelName(level)}`);
}
