/**
 * The mqtt layer's public API: fixed-header framing, whole-packet decoding for MQTT 3.1, 3.1.1 and
 * 5.0, the per-direction stream decoder, protocol-level inference, and the property and reason-code
 * tables. Everything here is pure or a synchronous stream machine; nothing throws on wire input.
 */
export type {
  DecodeContext, Decoded, FieldSink, MqttBody, MqttPacket, PacketHeader, PacketTypeName, Property, ProtocolLevel,
  QoS, Subscription, Will,
} from './types.js';
export { NO_FIELDS, PACKET_TYPE_NAMES } from './types.js';
export { decodeFrame, decodePacket, decodeTruncated, type Frame } from './decode.js';
export { frameAt, MAX_HEADER_LENGTH, PACKET_TYPE, type Framing } from './framing.js';
export { headerProblem, publishQos, REQUIRED_FLAGS } from './fixed-header.js';
export { MqttStreamDecoder, type MqttStreamEvents, type MqttStreamLimits } from './stream.js';
export { inferProtocolLevel, type VersionGuess } from './infer-version.js';
export {
  NO_PROPERTIES, PROPERTY_ID, PROPERTY_SPECS, propertyContextCode, propertySpec, WILL_CONTEXT,
  type PropertyContext, type PropertySpec, type PropertyType,
} from './properties.js';
export { reasonCodeName, reasonCodeTable } from './reason-codes.js';
export { isProtocolLevel, levelName, protocolNameFor, BRIDGE_BIT, PROTOCOL_NAME, PROTOCOL_NAME_V31 } from './protocol-level.js';
export { encodeVarint, readVarint, varintByteCount, varintSize, varintValue, VARINT_MAX, VARINT_NEED_MORE, VARINT_TOO_LONG } from './varint.js';
export { topicFilterProblem, wildcardIndex, type TopicFilterProblem } from './topic.js';
