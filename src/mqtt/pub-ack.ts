/**
 * PUBACK, PUBREC, PUBREL, PUBCOMP (3.1.1 §3.4–3.7, 5.0 §3.4–3.7): Packet Identifier, then in 5.0 an
 * optional Reason Code and optional Properties. 5.0 short forms: Remaining Length 2 means Reason Code
 * 0x00 and no properties (the packet has no `reasonCode`), 3 means a Reason Code and no properties
 * (§3.4.2.1, §3.4.2.2.1). In 3.x anything after the Packet Identifier is trailing bytes.
 */
import type { ByteCursor } from './cursor.js';
import { checkPacketId } from './packet-id.js';
import { NO_PROPERTIES, readProperties } from './properties.js';
import { checkReasonCode } from './reason-codes.js';
import type { MqttPacket, PacketHeader, ProtocolLevel } from './types.js';

export type PubAckType = 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP';

const REASON_CODE_FIELD: Readonly<Record<PubAckType, string>> = {
  PUBACK: 'mqtt.puback.reason_code', PUBREC: 'mqtt.pubrec.reason_code',
  PUBREL: 'mqtt.pubrel.reason_code', PUBCOMP: 'mqtt.pubcomp.reason_code',
};

export function decodePubAck(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel, type: PubAckType): MqttPacket {
  const packetId = checkPacketId(cur);
  if (level < 5 || cur.remaining <= 0) return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type, packetId, properties: NO_PROPERTIES,
  };
  const codeIndex = cur.pos;
  const reasonCode = cur.u8(REASON_CODE_FIELD[type]);
  checkReasonCode(cur, type, level, reasonCode, codeIndex);
  const properties = cur.remaining > 0 ? readProperties(cur, h.typeCode, 'mqtt.properties') : NO_PROPERTIES;
  return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type, packetId, reasonCode, properties,
  };
}
