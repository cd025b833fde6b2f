/**
 * CONNECT (3.1 §3.1, 3.1.1 §3.1, 5.0 §3.1): Protocol Name, Protocol Level, Connect Flags, Keep Alive,
 * [5.0: Properties], Client Identifier, [Will Properties, Will Topic, Will Payload], [User Name],
 * [Password]. CONNECT is decoded by the level it declares itself, not by the connection's level: it
 * is the packet that sets that level.
 *
 * The password is Binary Data (3.1.1 §3.1.3.5) and is returned as a Span only: it never becomes a
 * string in the decoder, so it cannot leak into logs by accident.
 */
import { safeText } from '../bytes/text.js';
import type { ByteCursor } from './cursor.js';
import { PACKET_TYPE } from './framing.js';
import { NO_PROPERTIES, readProperties, WILL_CONTEXT } from './properties.js';
import { BRIDGE_BIT, levelName, PROTOCOL_NAME, PROTOCOL_NAME_V31 } from './protocol-level.js';
import { wildcardIndex } from './topic.js';
import type { ConnectPacket, MqttPacket, PacketHeader, Property, QoS, Will, Writable } from './types.js';
import type { Span } from '../diag/types.js';

/** Connect Flags bits (3.1.1 §3.1.2.3, 5.0 §3.1.2.3). */
const USER_NAME = 0x80;
const PASSWORD = 0x40;
const WILL_RETAIN = 0x20;
const WILL_QOS_MASK = 0x18;
const WILL_QOS_SHIFT = 3;
const WILL_FLAG = 0x04;
/** "Clean Session" in 3.1 and 3.1.1, "Clean Start" in 5.0. */
const CLEAN_START = 0x02;
const RESERVED = 0x01;

/** [MQTT-3.1.3-5]: every server accepts 1–23 bytes of 0-9a-zA-Z; 3.1 allowed no more than 23 characters. */
const PORTABLE_CLIENT_ID_BYTES = 23;

export function decodeConnect(cur: ByteCursor, h: PacketHeader): MqttPacket {
  const nameStart = cur.pos;
  const protocolName = cur.utf8('Protocol Name', 'mqtt.protoname', 'mqtt.proto_len');
  const levelIndex = cur.pos;
  const levelByte = cur.u8('mqtt.ver');
  const protocolLevel = levelByte & ~BRIDGE_BIT;
  const bridge = (levelByte & BRIDGE_BIT) !== 0;
  if (!cur.short) checkProtocol(cur, protocolName, nameStart, protocolLevel, levelIndex);
  // The grammar the rest is read with: an unknown level is read as its nearest neighbour.
  const grammar = protocolLevel === 3 ? 3 : protocolLevel >= 5 ? 5 : 4;

  const flagsIndex = cur.pos;
  const flags = cur.u8('mqtt.conflags');
  if (cur.detail && !cur.short) connectFlagFields(cur, flagsIndex, flags);
  const reservedFlag = (flags & RESERVED) !== 0;
  const cleanStart = (flags & CLEAN_START) !== 0;
  const willFlag = (flags & WILL_FLAG) !== 0;
  const willQos = (flags & WILL_QOS_MASK) >>> WILL_QOS_SHIFT;
  const willRetain = (flags & WILL_RETAIN) !== 0;
  const hasUsername = (flags & USER_NAME) !== 0;
  const hasPassword = (flags & PASSWORD) !== 0;
  if (!cur.short) {
    // 3.1 calls bit 0 "unused"; 3.1.1 and 5.0 require it to be 0 [MQTT-3.1.2-3].
    if (reservedFlag && grammar >= 4) cur.report('mqtt.connect.reserved_flag', flagsIndex, 1, `Connect Flags 0x${hex2(flags)}`);
    if (willQos === 3) {
      cur.report('mqtt.connect.will_flags', flagsIndex, 1, `Connect Flags 0x${hex2(flags)}: Will QoS 3`);
    } else if (!willFlag && (willQos !== 0 || willRetain)) {
      cur.report('mqtt.connect.will_flags', flagsIndex, 1,
        `Connect Flags 0x${hex2(flags)}: Will ${willQos !== 0 ? `QoS ${willQos}` : 'Retain'} without the Will Flag`);
    }
    // [MQTT-3.1.2-22] is 3.1.1 only: MQTT 5.0 allows a password without a user name.
    if (grammar === 4 && hasPassword && !hasUsername) {
      cur.report('mqtt.connect.password_without_username', flagsIndex, 1, `Connect Flags 0x${hex2(flags)}`);
    }
  }
  const keepAlive = cur.u16('mqtt.kalive');
  const properties = grammar === 5 ? readProperties(cur, PACKET_TYPE.CONNECT, 'mqtt.properties') : NO_PROPERTIES;

  const clientId = cur.utf8('Client Identifier', 'mqtt.clientid', 'mqtt.clientid_len');
  if (!cur.short) checkClientId(cur, clientId, grammar, cleanStart);

  let will: Will | undefined;
  if (willFlag && !cur.short) {
    const willProperties: readonly Property[] = grammar === 5
      ? readProperties(cur, WILL_CONTEXT, 'mqtt.will_properties') : NO_PROPERTIES;
    const topic = cur.utf8('Will Topic', 'mqtt.willtopic', 'mqtt.willtopic_len');
    if (!cur.short) checkWillTopic(cur);
    const payloadStart = cur.binary('mqtt.willmsg', 'mqtt.willmsg_len');
    if (payloadStart >= 0) {
      // willQos is 3 only with `mqtt.connect.will_flags` reported above.
      will = { qos: willQos as QoS, retain: willRetain, topic, payload: span(cur, payloadStart, cur.lastLength),
        properties: willProperties };
    }
  }
  let username: string | undefined;
  if (hasUsername && !cur.short) {
    const name = cur.utf8('User Name', 'mqtt.username', 'mqtt.username_len');
    if (!cur.short) username = name;
  }
  let password: Span | undefined;
  if (hasPassword && !cur.short) {
    const start = cur.binary('mqtt.passwd', 'mqtt.passwd_len');
    if (start >= 0) password = span(cur, start, cur.lastLength);
  }
  const p: Writable<ConnectPacket> = {
    typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
    type: 'CONNECT', protocolName, protocolLevel, bridge, cleanStart, keepAlive, clientId, reservedFlag, properties,
  };
  if (will !== undefined) p.will = will;
  if (username !== undefined) p.username = username;
  if (password !== undefined) p.password = password;
  return p;
}

/**
 * Protocol name and level must agree: "MQIsdp" goes with 3, "MQTT" with 4 and 5 [MQTT-3.1.2-1],
 * [MQTT-3.1.2-2]; a broker answers anything else with CONNACK 0x01 (3.x) or 0x84 (5.0).
 */
function checkProtocol(cur: ByteCursor, name: string, nameStart: number, level: number, levelIndex: number): void {
  const known = name === PROTOCOL_NAME || name === PROTOCOL_NAME_V31;
  if (!known) {
    cur.report('mqtt.connect.protocol_name', nameStart, levelIndex - nameStart, `protocol name "${safeText(name)}"`);
  }
  if (level !== 3 && level !== 4 && level !== 5) {
    cur.report('mqtt.connect.protocol_level', levelIndex, 1, `unknown protocol level ${level}`);
  } else if (known && (name === PROTOCOL_NAME_V31) !== (level === 3)) {
    cur.report('mqtt.connect.protocol_level', levelIndex, 1,
      `protocol name "${name}" with level ${level} (MQTT ${levelName(level)} uses "${level === 3 ? PROTOCOL_NAME_V31 : PROTOCOL_NAME}")`);
  }
}

/** The Client Identifier rules a single CONNECT can break; `cur.lastStart/lastLength` locate its data. */
function checkClientId(cur: ByteCursor, clientId: string, grammar: number, cleanStart: boolean): void {
  const start = cur.lastStart;
  const length = cur.lastLength;
  if (grammar === 3) {
    // MQTT 3.1 §3.1: "between 1 and 23 characters long", else CONNACK 2 (identifier rejected).
    if (length === 0) cur.report('mqtt.connect.client_id_empty', start - 2, 2, 'MQTT 3.1 requires 1–23 characters');
    else if (clientId.length > PORTABLE_CLIENT_ID_BYTES) {
      cur.report('mqtt.connect.client_id_too_long', start, length, `${clientId.length} characters`);
    }
    return;
  }
  if (length === 0) {
    // [MQTT-3.1.3-7]: a zero-byte ClientId requires CleanSession 1 (3.1.1; 5.0 lifts this rule).
    if (grammar === 4 && !cleanStart) {
      cur.report('mqtt.connect.client_id_empty', start - 2, 2, 'zero-length Client Identifier with Clean Session 0');
    }
    return;
  }
  if (length > PORTABLE_CLIENT_ID_BYTES) {
    cur.report('mqtt.connect.client_id_unportable', start, length, `${length} bytes`);
    return;
  }
  for (let i = start; i < start + length; i++) {
    const b = cur.bytes[i]!;
    const alnum = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
    if (!alnum) {
      cur.report('mqtt.connect.client_id_unportable', i, 1, `byte ${i - start} is not 0-9a-zA-Z`);
      return;
    }
  }
}

/** The Will Topic is a Topic Name: at least one byte [MQTT-4.7.3-1] and no wildcards [MQTT-4.7.1-1]. */
function checkWillTopic(cur: ByteCursor): void {
  if (cur.lastLength === 0) {
    cur.report('mqtt.connect.will_topic', cur.lastStart - 2, 2, 'empty Will Topic');
    return;
  }
  const w = wildcardIndex(cur.bytes, cur.lastStart, cur.lastStart + cur.lastLength);
  if (w >= 0) cur.report('mqtt.connect.will_topic', w, 1, `Will Topic contains '${String.fromCharCode(cur.bytes[w]!)}'`);
}

function connectFlagFields(cur: ByteCursor, i: number, flags: number): void {
  cur.field('mqtt.conflag.uname', i, 1, (flags & USER_NAME) !== 0);
  cur.field('mqtt.conflag.passwd', i, 1, (flags & PASSWORD) !== 0);
  cur.field('mqtt.conflag.retain', i, 1, (flags & WILL_RETAIN) !== 0);
  cur.field('mqtt.conflag.qos', i, 1, (flags & WILL_QOS_MASK) >>> WILL_QOS_SHIFT);
  cur.field('mqtt.conflag.willflag', i, 1, (flags & WILL_FLAG) !== 0);
  cur.field('mqtt.conflag.cleansess', i, 1, (flags & CLEAN_START) !== 0);
  cur.field('mqtt.conflag.reserved', i, 1, (flags & RESERVED) !== 0);
}

function span(cur: ByteCursor, index: number, length: number): Span {
  return { offset: cur.base + index, length };
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
