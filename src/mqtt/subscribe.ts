/**
 * SUBSCRIBE and SUBACK (3.1.1 §3.8–3.9, 5.0 §3.8–3.9).
 *
 * SUBSCRIBE: Packet Identifier, [5.0: Properties], then one or more Topic Filter + options byte pairs
 * ([MQTT-3.8.3-3] 3.1.1, [MQTT-3.8.3-2] 5.0). The options byte is the Requested QoS with bits 7-2
 * reserved in 3.x [MQTT-3-8.3-4]; in 5.0 QoS, No Local, Retain As Published, Retain Handling (3 is a
 * Protocol Error) and bits 7-6 reserved [MQTT-3.8.3-5]. No Local on a Shared Subscription is a Protocol
 * Error [MQTT-3.8.3-4] (5.0).
 *
 * SUBACK: Packet Identifier, [5.0: Properties], one return/reason code per filter.
 */
import type { ByteCursor } from './cursor.js';
import { PACKET_TYPE } from './framing.js';
import { checkPacketId } from './packet-id.js';
import { NO_PROPERTIES, readProperties } from './properties.js';
import { checkReasonCode } from './reason-codes.js';
import { checkTopicFilter, isSharedSubscription } from './topic.js';
import type { MqttPacket, PacketHeader, ProtocolLevel, Subscription } from './types.js';

const QOS_MASK = 0x03;
const NO_LOCAL = 0x04;
const RETAIN_AS_PUBLISHED = 0x08;
const RETAIN_HANDLING_SHIFT = 4;
/** 3.x: everything but the QoS bits is reserved. */
const RESERVED_V3 = 0xfc;
/** 5.0: bits 7-6. */
const RESERVED_V5 = 0xc0;

export function decodeSubscribe(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel): MqttPacket {
  const packetId = checkPacketId(cur);
  const properties = level === 5 ? readProperties(cur, PACKET_TYPE.SUBSCRIBE, 'mqtt.properties') : NO_PROPERTIES;
  const subscriptions: Subscription[] = [];
  while (cur.pos < cur.end && !cur.short) {
    const groupStart = cur.pos;
    if (cur.detail) cur.beginGroup('mqtt.subscription', groupStart, Math.min(3 + cur.peekU16(groupStart), cur.end - groupStart));
    const topicFilter = cur.utf8('Topic Filter', 'mqtt.topic', 'mqtt.topic_len');
    if (!cur.short) checkTopicFilter(cur, level);
    const filterStart = cur.lastStart;
    const filterEnd = filterStart + cur.lastLength;
    const optionsIndex = cur.pos;
    const options = cur.u8(level === 5 ? 'mqtt.subscription_options' : 'mqtt.sub.qos');
    cur.endGroup();
    if (cur.short) break;
    const qos = options & QOS_MASK;
    if (level < 5) {
      checkOptions(cur, optionsIndex, options, qos, options & RESERVED_V3, 0);
      subscriptions.push({ topicFilter, qos });
      continue;
    }
    const noLocal = (options & NO_LOCAL) !== 0;
    const retainHandling = (options >>> RETAIN_HANDLING_SHIFT) & 3;
    checkOptions(cur, optionsIndex, options, qos, options & RESERVED_V5, retainHandling);
    if (noLocal && isSharedSubscription(cur.bytes, filterStart, filterEnd, level)) {
      cur.report('mqtt.subscribe.no_local_shared', optionsIndex, 1, 'No Local on a $share/ Topic Filter');
    }
    subscriptions.push({ topicFilter, qos, noLocal, retainAsPublished: (options & RETAIN_AS_PUBLISHED) !== 0, retainHandling });
  }
  if (subscriptions.length === 0 && !cur.short) {
    // No payload at all: the Span is the whole packet, whose Remaining Length shows the absence.
    cur.report('mqtt.subscribe.no_filters', 0, h.headerLength + h.remainingLength, 'SUBSCRIBE without a Topic Filter');
  }
  return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type: 'SUBSCRIBE', packetId, subscriptions, properties,
  };
}

function checkOptions(cur: ByteCursor, index: number, options: number, qos: number, reserved: number, retainHandling: number): void {
  if (qos !== 3 && reserved === 0 && retainHandling !== 3) return;
  const problems: string[] = [];
  if (qos === 3) problems.push('QoS 3');
  if (reserved !== 0) problems.push(`reserved bits 0x${reserved.toString(16).padStart(2, '0')}`);
  if (retainHandling === 3) problems.push('Retain Handling 3');
  cur.report('mqtt.subscribe.bad_options', index, 1, `options 0x${options.toString(16).padStart(2, '0')}: ${problems.join(', ')}`);
}

export function decodeSuback(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel): MqttPacket {
  const packetId = checkPacketId(cur);
  const properties = level === 5 ? readProperties(cur, PACKET_TYPE.SUBACK, 'mqtt.properties') : NO_PROPERTIES;
  const reasonCodes: number[] = [];
  const field = level === 5 ? 'mqtt.suback.reason_code' : 'mqtt.suback.qos';
  while (cur.pos < cur.end && !cur.short) {
    const index = cur.pos;
    const code = cur.u8(field);
    checkReasonCode(cur, 'SUBACK', level, code, index);
    reasonCodes.push(code);
  }
  return {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type: 'SUBACK', packetId, reasonCodes, properties,
  };
}
