/**
 * DISCONNECT and AUTH, which share one layout in 5.0 (§3.14, §3.15): an optional Reason Code and
 * optional Properties. Remaining Length 0 means Reason Code 0x00 and no properties; 1 means a Reason
 * Code and no properties (§3.14.2.1, §3.14.2.2.1, §3.15.2.1). A 3.x DISCONNECT has no body at all.
 */
import type { ByteCursor } from './cursor.js';
import { NO_PROPERTIES, readProperties } from './properties.js';
import { checkReasonCode } from './reason-codes.js';
import type { MqttPacket, PacketHeader, ProtocolLevel } from './types.js';

const REASON_CODE_FIELD = { DISCONNECT: 'mqtt.disconnect.reason_code', AUTH: 'mqtt.auth.reason_code' } as const;

export function decodeDisconnectOrAuth(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel, type: 'DISCONNECT' | 'AUTH'): MqttPacket {
  if (level < 5) {
    // AUTH before 5.0 is a reserved type (reported on the fixed header): its bytes mean nothing to decode.
    if (type === 'AUTH') cur.pos = cur.end;
    return {
      typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
      type, properties: NO_PROPERTIES,
    };
  }
  if (cur.remaining <= 0) return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type, reasonCode: 0, properties: NO_PROPERTIES,
  };
  const codeIndex = cur.pos;
  const reasonCode = cur.u8(REASON_CODE_FIELD[type]);
  checkReasonCode(cur, type, level, reasonCode, codeIndex);
  const properties = cur.remaining > 0 ? readProperties(cur, h.typeCode, 'mqtt.properties') : NO_PROPERTIES;
  return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type, reasonCode, properties,
  };
}
