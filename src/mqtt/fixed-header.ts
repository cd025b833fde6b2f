/**
 * The rules byte 0 of a packet must follow, given the connection's protocol level: the reserved
 * type 0, AUTH before 5.0, the flag bits each type requires (3.1.1 Table 2.2, 5.0 Table 2-2) and the
 * PUBLISH flags (QoS 3 [MQTT-3.3.1-4], DUP on QoS 0 [MQTT-3.3.1-2]).
 *
 * One function decides ({@link headerProblem}) so that decoding and stream resynchronization agree
 * on what a valid first byte is.
 */
import type { DiagCode } from '../diag/registry.js';
import type { ByteCursor } from './cursor.js';
import { PACKET_TYPE } from './framing.js';
import { levelName } from './protocol-level.js';
import { PACKET_TYPE_NAMES } from './types.js';

/**
 * Required flag bits per type; -1 for PUBLISH, whose flags are DUP, QoS and RETAIN. PUBREL, SUBSCRIBE
 * and UNSUBSCRIBE require 0010 [MQTT-3.6.1-1], [MQTT-3.8.1-1], [MQTT-3.10.1-1]; every other type
 * 0000 [MQTT-2.2.2-1] (3.1.1), [MQTT-2.1.3-1] (5.0).
 */
export const REQUIRED_FLAGS: readonly number[] = [0, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** The QoS field of PUBLISH flags (bits 2-1). */
export function publishQos(flags: number): number {
  return (flags >>> 1) & 3;
}

/**
 * What is wrong with a first byte, or null. MQTT 3.1 (level 3) predates the flag table: its fixed
 * header has DUP/QoS/RETAIN on every type and says "not used" for most, so only the QoS 1 that 3.1
 * requires on PUBREL, SUBSCRIBE and UNSUBSCRIBE is checked there (DUP may be set on a resend).
 */
export function headerProblem(typeCode: number, flags: number, level: number): DiagCode | null {
  if (typeCode === PACKET_TYPE.RESERVED) return 'mqtt.header.reserved_type';
  if (typeCode === PACKET_TYPE.AUTH && level < 5) return 'mqtt.header.auth_before_v5';
  if (typeCode === PACKET_TYPE.PUBLISH) {
    const qos = publishQos(flags);
    if (qos === 3) return 'mqtt.publish.qos3';
    if (qos === 0 && (flags & 0x08) !== 0) return 'mqtt.publish.dup_qos0';
    return null;
  }
  const required = REQUIRED_FLAGS[typeCode]!;
  if (level === 3) return required === 2 && (flags & 0x06) !== 0x02 ? 'mqtt.header.reserved_flags' : null;
  return flags === required ? null : 'mqtt.header.reserved_flags';
}

const bits4 = (n: number): string => n.toString(2).padStart(4, '0');

/** Reports the problem of byte 0 (if any) at the packet's first byte, saying what was seen and expected. */
export function checkFixedHeader(cur: ByteCursor, typeCode: number, flags: number, level: number): void {
  const code = headerProblem(typeCode, flags, level);
  if (code === null) return;
  const byte0 = `first byte 0x${((typeCode << 4) | flags).toString(16).padStart(2, '0')}`;
  const name = PACKET_TYPE_NAMES[typeCode]!;
  let detail: string;
  switch (code) {
    case 'mqtt.header.reserved_type':
      detail = `${byte0}: control packet type 0 is reserved`;
      break;
    case 'mqtt.header.auth_before_v5':
      detail = `${byte0}: packet type 15 (AUTH) exists only in MQTT 5.0, the connection is ${levelName(level)}`;
      break;
    case 'mqtt.publish.qos3':
      detail = `${byte0}: PUBLISH QoS bits are 11 (QoS 3 does not exist)`;
      break;
    case 'mqtt.publish.dup_qos0':
      detail = `${byte0}: PUBLISH with DUP 1 and QoS 0`;
      break;
    default:
      detail = level === 3
        ? `${byte0}: ${name} requires QoS 1 in MQTT 3.1 (flags x01x), saw ${bits4(flags)}`
        : `${byte0}: ${name} requires flags ${bits4(REQUIRED_FLAGS[typeCode]!)}, saw ${bits4(flags)}`;
  }
  cur.report(code, 0, 1, detail);
}
