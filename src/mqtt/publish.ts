/**
 * PUBLISH (3.1.1 §3.3, 5.0 §3.3): Topic Name, Packet Identifier when QoS > 0, [5.0: Properties], then
 * the Application Message as the rest of the packet. The payload is returned as a Span, never copied.
 *
 * Rules checked here: no wildcards in the Topic Name [MQTT-3.3.2-2]; a Topic Name of at least one byte
 * [MQTT-4.7.3-1] unless (5.0) a Topic Alias stands for it (§3.3.2.3.4); a non-zero Packet Identifier
 * [MQTT-2.3.1-1]; a UTF-8 payload when the Payload Format Indicator says so (5.0 §3.3.2.3.2).
 */
import { isUtf8 } from 'node:buffer';
import type { ByteCursor } from './cursor.js';
import { publishQos } from './fixed-header.js';
import { PACKET_TYPE } from './framing.js';
import { checkPacketId } from './packet-id.js';
import { NO_PROPERTIES, PROPERTY_ID, readProperties } from './properties.js';
import { wildcardIndex } from './topic.js';
import type { MqttPacket, PacketHeader, Property, ProtocolLevel, PublishPacket, Writable } from './types.js';

const DUP = 0x08;
const RETAIN = 0x01;

export function decodePublish(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel): MqttPacket {
  const qos = publishQos(h.flags);
  const topic = cur.utf8('Topic Name', 'mqtt.topic', 'mqtt.topic_len');
  const topicRead = !cur.short;
  const topicStart = cur.lastStart;
  const topicLength = cur.lastLength;
  if (topicRead) {
    const w = wildcardIndex(cur.bytes, topicStart, topicStart + topicLength);
    if (w >= 0) cur.report('mqtt.publish.topic_wildcard', w, 1, `Topic Name contains '${String.fromCharCode(cur.bytes[w]!)}' at byte ${w - topicStart}`);
  }
  // QoS 3 (reported on the fixed header) is read like QoS 1 and 2: a Packet Identifier follows.
  let packetId: number | undefined;
  if (qos > 0) {
    const id = checkPacketId(cur);
    if (!cur.short) packetId = id;
  }
  const properties = level === 5 ? readProperties(cur, PACKET_TYPE.PUBLISH, 'mqtt.properties') : NO_PROPERTIES;
  if (topicRead && topicLength === 0 && (level < 5 || !hasProperty(properties, PROPERTY_ID.topicAlias))) {
    cur.report('mqtt.publish.topic_empty', topicStart - 2, 2,
      level < 5 ? 'zero-length Topic Name' : 'zero-length Topic Name without a Topic Alias');
  }
  const payloadStart = cur.pos;
  const payloadLength = cur.end - payloadStart;
  cur.field('mqtt.msg', payloadStart, payloadLength, null);
  cur.pos = cur.end;
  if (level === 5 && payloadLength > 0 && !cur.short && payloadFormatIsUtf8(properties)
    && !isUtf8(cur.bytes.subarray(payloadStart, payloadStart + payloadLength))) {
    cur.report('mqtt.publish.payload_not_utf8', payloadStart, payloadLength, `${payloadLength}-byte payload`);
  }
  // Built field by field (no object spread): this is the hottest record of the decoder.
  const p: Writable<PublishPacket> = {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type: 'PUBLISH', dup: (h.flags & DUP) !== 0, qos, retain: (h.flags & RETAIN) !== 0, topic,
    properties, payload: { offset: cur.base + payloadStart, length: payloadLength },
  };
  if (packetId !== undefined) p.packetId = packetId;
  return p;
}

function hasProperty(props: readonly Property[], id: number): boolean {
  for (let i = 0; i < props.length; i++) if (props[i]!.id === id) return true;
  return false;
}

function payloadFormatIsUtf8(props: readonly Property[]): boolean {
  for (let i = 0; i < props.length; i++) {
    const p = props[i]!;
    if (p.id === PROPERTY_ID.payloadFormatIndicator) return p.value === 1;
  }
  return false;
}
