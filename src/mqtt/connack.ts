/**
 * CONNACK (3.1.1 §3.2, 5.0 §3.2): Connect Acknowledge Flags, then the return code (3.x) or reason
 * code (5.0), then [5.0: Properties]. MQTT 3.1 has no Session Present: its first byte is unused.
 */
import type { ByteCursor } from './cursor.js';
import { PACKET_TYPE } from './framing.js';
import { NO_PROPERTIES, readProperties } from './properties.js';
import { checkReasonCode } from './reason-codes.js';
import type { MqttPacket, PacketHeader, ProtocolLevel } from './types.js';

const SESSION_PRESENT = 0x01;

export function decodeConnack(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel): MqttPacket {
  const flagsIndex = cur.pos;
  const ackFlags = cur.u8('mqtt.conack.flags');
  const sessionPresent = level >= 4 && (ackFlags & SESSION_PRESENT) !== 0;
  if (cur.detail && level >= 4 && !cur.short) cur.field('mqtt.conack.flags.sp', flagsIndex, 1, sessionPresent);
  // Bits 7-1 are reserved and MUST be 0 (3.1.1 §3.2.2.1, 5.0 §3.2.2.1).
  if (level >= 4 && (ackFlags & ~SESSION_PRESENT) !== 0 && !cur.short) {
    cur.report('mqtt.connack.reserved_flags', flagsIndex, 1, `Connect Acknowledge Flags 0x${ackFlags.toString(16).padStart(2, '0')}`);
  }
  const codeIndex = cur.pos;
  const reasonCode = cur.u8(level === 5 ? 'mqtt.connack.reason_code' : 'mqtt.conack.val');
  if (!cur.short) {
    checkReasonCode(cur, 'CONNACK', level, reasonCode, codeIndex);
    const refused = level === 5 ? reasonCode >= 0x80 : reasonCode !== 0;
    // [MQTT-3.2.2-4] (3.1.1) / [MQTT-3.2.2-6] (5.0): a refusal carries Session Present 0.
    if (refused && sessionPresent) {
      cur.report('mqtt.connack.session_present_on_refusal', flagsIndex, 2,
        `Session Present 1 with ${level === 5 ? 'reason' : 'return'} code 0x${reasonCode.toString(16).padStart(2, '0')}`);
    }
  }
  const properties = level === 5 ? readProperties(cur, PACKET_TYPE.CONNACK, 'mqtt.properties') : NO_PROPERTIES;
  return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type: 'CONNACK', sessionPresent, reasonCode, properties,
  };
}
