/**
 * UNSUBSCRIBE and UNSUBACK (3.1.1 §3.10–3.11, 5.0 §3.10–3.11).
 *
 * UNSUBSCRIBE: Packet Identifier, [5.0: Properties], one or more Topic Filters [MQTT-3.10.3-2].
 * UNSUBACK: Packet Identifier; in 5.0 also Properties and one reason code per filter. A 3.x UNSUBACK
 * has nothing after the Packet Identifier.
 */
import type { ByteCursor } from './cursor.js';
import { PACKET_TYPE } from './framing.js';
import { checkPacketId } from './packet-id.js';
import { NO_PROPERTIES, readProperties } from './properties.js';
import { checkReasonCode } from './reason-codes.js';
import { checkTopicFilter } from './topic.js';
import type { MqttPacket, PacketHeader, ProtocolLevel } from './types.js';

export function decodeUnsubscribe(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel): MqttPacket {
  const packetId = checkPacketId(cur);
  const properties = level === 5 ? readProperties(cur, PACKET_TYPE.UNSUBSCRIBE, 'mqtt.properties') : NO_PROPERTIES;
  const topicFilters: string[] = [];
  while (cur.pos < cur.end && !cur.short) {
    const topicFilter = cur.utf8('Topic Filter', 'mqtt.topic', 'mqtt.topic_len');
    if (cur.short) break;
    checkTopicFilter(cur, level);
    topicFilters.push(topicFilter);
  }
  if (topicFilters.length === 0 && !cur.short) {
    cur.report('mqtt.unsubscribe.no_filters', 0, h.headerLength + h.remainingLength, 'UNSUBSCRIBE without a Topic Filter');
  }
  return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type: 'UNSUBSCRIBE', packetId, topicFilters, properties,
  };
}

export function decodeUnsuback(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel): MqttPacket {
  const packetId = checkPacketId(cur);
  if (level < 5) return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type: 'UNSUBACK', packetId, reasonCodes: [], properties: NO_PROPERTIES,
  };
  const properties = readProperties(cur, PACKET_TYPE.UNSUBACK, 'mqtt.properties');
  const reasonCodes: number[] = [];
  while (cur.pos < cur.end && !cur.short) {
    const index = cur.pos;
    const code = cur.u8('mqtt.unsuback.reason_code');
    checkReasonCode(cur, 'UNSUBACK', level, code, index);
    reasonCodes.push(code);
  }
  return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type: 'UNSUBACK', packetId, reasonCodes, properties,
  };
}
