/**
 * Annotated fixtures: every packet type in MQTT 3.1, 3.1.1 and 5.0 decodes with no diagnostic and the
 * expected fields; then one fixture per validation rule, asserting exactly its diagnostic codes and
 * Spans (in stream coordinates: every fixture is decoded at stream offset BASE).
 */
import { describe, expect, test } from 'vitest';
import { hex } from '../bytes/hex.js';
import { decodePacket } from './decode.js';
import type { Decoded, ProtocolLevel } from './types.js';

const BASE = 1000;
/** ASCII text as hex, for use inside hex`` fixtures. */
const s = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

function decode(bytes: Uint8Array, level: ProtocolLevel): Decoded {
  return decodePacket(bytes, BASE, { protocolLevel: level });
}

/** [code, offset within the packet, length] of each diagnostic. */
function spans(d: Decoded): [string, number, number][] {
  return d.diags.map((x) => [x.code, x.at.offset - BASE, x.at.length]);
}

describe('MQTT 3.1 (MQIsdp, level 3)', () => {
  test.each([
    {
      name: 'CONNECT with will, user name and password',
      bytes: hex`
        10 22                       # CONNECT, remaining length 34
        00 06 ${s('MQIsdp')}        # protocol name
        03                          # level 3
        ce                          # flags: user name, password, will QoS 1, will, clean session
        00 3c                       # keep alive 60
        00 06 ${s('client')}        # client id
        00 01 ${s('w')}             # will topic
        00 03 ${s('bye')}           # will message
        00 01 ${s('u')}             # user name
        00 01 ${s('p')}             # password
      `,
      expect: {
        type: 'CONNECT', protocolName: 'MQIsdp', protocolLevel: 3, bridge: false, cleanStart: true, keepAlive: 60,
        clientId: 'client', username: 'u', password: { offset: BASE + 35, length: 1 }, reservedFlag: false,
        will: { qos: 1, retain: false, topic: 'w', payload: { offset: BASE + 27, length: 3 }, properties: [] },
      },
    },
    { name: 'CONNACK accepted', bytes: hex`20 02  00  00`, expect: { type: 'CONNACK', sessionPresent: false, reasonCode: 0 } },
    {
      name: 'PUBLISH QoS 1',
      bytes: hex`32 09  00 03 ${s('a/b')}  00 01  ${s('hi')}`,
      expect: { type: 'PUBLISH', qos: 1, dup: false, retain: false, topic: 'a/b', packetId: 1, payload: { offset: BASE + 9, length: 2 } },
    },
    { name: 'PUBACK', bytes: hex`40 02 00 01`, expect: { type: 'PUBACK', packetId: 1 } },
    { name: 'PUBREC', bytes: hex`50 02 00 01`, expect: { type: 'PUBREC', packetId: 1 } },
    { name: 'PUBREL (QoS 1 in the header)', bytes: hex`62 02 00 01`, expect: { type: 'PUBREL', packetId: 1 } },
    { name: 'PUBREL resent with DUP', bytes: hex`6a 02 00 01`, expect: { type: 'PUBREL', packetId: 1 } },
    { name: 'PUBCOMP', bytes: hex`70 02 00 01`, expect: { type: 'PUBCOMP', packetId: 1 } },
    {
      name: 'SUBSCRIBE',
      bytes: hex`82 08  00 02  00 03 ${s('a/#')} 01`,
      expect: { type: 'SUBSCRIBE', packetId: 2, subscriptions: [{ topicFilter: 'a/#', qos: 1 }] },
    },
    { name: 'SUBACK', bytes: hex`90 03  00 02  01`, expect: { type: 'SUBACK', packetId: 2, reasonCodes: [1] } },
    { name: 'UNSUBSCRIBE', bytes: hex`a2 07  00 03  00 03 ${s('a/#')}`, expect: { type: 'UNSUBSCRIBE', packetId: 3, topicFilters: ['a/#'] } },
    { name: 'UNSUBACK', bytes: hex`b0 02 00 03`, expect: { type: 'UNSUBACK', packetId: 3, reasonCodes: [] } },
    { name: 'PINGREQ', bytes: hex`c0 00`, expect: { type: 'PINGREQ' } },
    { name: 'PINGRESP', bytes: hex`d0 00`, expect: { type: 'PINGRESP' } },
    { name: 'DISCONNECT', bytes: hex`e0 00`, expect: { type: 'DISCONNECT', properties: [] } },
  ])('$name', ({ bytes, expect: fields }) => {
    const d = decode(bytes, 3);
    expect(spans(d)).toEqual([]);
    expect(d.packet).toMatchObject({ ...fields, at: { offset: BASE, length: bytes.length } });
  });
});

describe('MQTT 3.1.1 (level 4)', () => {
  test.each([
    {
      name: 'CONNECT',
      bytes: hex`
        10 14                       # CONNECT, remaining length 20
        00 04 ${s('MQTT')}          # protocol name
        04                          # level 4
        02                          # flags: clean session
        00 3c                       # keep alive 60
        00 08 ${s('client01')}      # client id
      `,
      expect: { type: 'CONNECT', protocolName: 'MQTT', protocolLevel: 4, cleanStart: true, keepAlive: 60, clientId: 'client01', properties: [] },
    },
    {
      name: 'CONNECT from a bridge (level 0x84)',
      bytes: hex`10 10  00 04 ${s('MQTT')}  84  00  00 00  00 04 ${s('brdg')}`,
      expect: { type: 'CONNECT', protocolLevel: 4, bridge: true, cleanStart: false, keepAlive: 0, clientId: 'brdg' },
    },
    {
      name: 'CONNECT with user name and empty password',
      bytes: hex`10 13  00 04 ${s('MQTT')}  04  c2  00 0a  00 01 ${s('c')}  00 02 ${s('me')}  00 00`,
      expect: { type: 'CONNECT', username: 'me', password: { offset: BASE + 21, length: 0 } },
    },
    { name: 'CONNACK session present', bytes: hex`20 02 01 00`, expect: { type: 'CONNACK', sessionPresent: true, reasonCode: 0 } },
    { name: 'CONNACK refused: not authorized', bytes: hex`20 02 00 05`, expect: { type: 'CONNACK', sessionPresent: false, reasonCode: 5 } },
    {
      name: 'PUBLISH QoS 0 retained, empty payload',
      bytes: hex`31 05  00 03 ${s('a/b')}`,
      expect: { type: 'PUBLISH', qos: 0, retain: true, topic: 'a/b', payload: { offset: BASE + 7, length: 0 } },
    },
    {
      name: 'PUBLISH QoS 2 DUP, non-ASCII topic',
      bytes: hex`3c 0b  00 05 ${s('é/ü')}  12 34  ${s('xy')}`,
      expect: { type: 'PUBLISH', qos: 2, dup: true, topic: 'é/ü', packetId: 0x1234, payload: { offset: BASE + 11, length: 2 } },
    },
    { name: 'PUBACK', bytes: hex`40 02 ff ff`, expect: { type: 'PUBACK', packetId: 65535 } },
    { name: 'PUBREC', bytes: hex`50 02 00 01`, expect: { type: 'PUBREC', packetId: 1 } },
    { name: 'PUBREL', bytes: hex`62 02 00 01`, expect: { type: 'PUBREL', packetId: 1 } },
    { name: 'PUBCOMP', bytes: hex`70 02 00 01`, expect: { type: 'PUBCOMP', packetId: 1 } },
    {
      name: 'SUBSCRIBE two filters',
      bytes: hex`82 0e  00 0a  00 03 ${s('a/+')} 00  00 03 ${s('$SY')} 02`,
      expect: { type: 'SUBSCRIBE', packetId: 10, subscriptions: [{ topicFilter: 'a/+', qos: 0 }, { topicFilter: '$SY', qos: 2 }] },
    },
    { name: 'SUBACK with a failure', bytes: hex`90 04  00 0a  00 80`, expect: { type: 'SUBACK', packetId: 10, reasonCodes: [0, 0x80] } },
    { name: 'UNSUBSCRIBE', bytes: hex`a2 05  00 0b  00 01 ${s('#')}`, expect: { type: 'UNSUBSCRIBE', packetId: 11, topicFilters: ['#'] } },
    { name: 'UNSUBACK', bytes: hex`b0 02 00 0b`, expect: { type: 'UNSUBACK', packetId: 11 } },
    { name: 'PINGREQ', bytes: hex`c0 00`, expect: { type: 'PINGREQ' } },
    { name: 'PINGRESP', bytes: hex`d0 00`, expect: { type: 'PINGRESP' } },
    { name: 'DISCONNECT', bytes: hex`e0 00`, expect: { type: 'DISCONNECT' } },
  ])('$name', ({ bytes, expect: fields }) => {
    const d = decode(bytes, 4);
    expect(spans(d)).toEqual([]);
    expect(d.packet).toMatchObject({ ...fields, at: { offset: BASE, length: bytes.length } });
    if ('reasonCode' in d.packet && d.packet.type !== 'CONNACK') expect(d.packet.reasonCode).toBeUndefined();
  });
});

describe('MQTT 5.0 (level 5)', () => {
  test.each([
    {
      name: 'CONNECT with properties, will properties, user name and password',
      bytes: hex`
        10 28                       # CONNECT, remaining length 40
        00 04 ${s('MQTT')}          # protocol name
        05                          # level 5
        c6                          # flags: user name, password, will QoS 0, will, clean start
        00 1e                       # keep alive 30
        05  11 00 00 00 3c          # properties: sessionExpiryInterval 60
        00 02 ${s('c1')}            # client id
        02  01 01                   # will properties: payloadFormatIndicator 1
        00 03 ${s('w/t')}           # will topic
        00 03 ${s('bye')}           # will payload
        00 01 ${s('u')}             # user name
        00 02 ${s('pw')}            # password
      `,
      expect: {
        type: 'CONNECT', protocolLevel: 5, cleanStart: true, keepAlive: 30, clientId: 'c1', username: 'u',
        password: { offset: BASE + 40, length: 2 },
        properties: [{ id: 0x11, name: 'sessionExpiryInterval', value: 60, at: { offset: BASE + 13, length: 5 } }],
        will: { qos: 0, retain: false, topic: 'w/t', payload: { offset: BASE + 32, length: 3 },
          properties: [{ id: 0x01, name: 'payloadFormatIndicator', value: 1 }] },
      },
    },
    {
      name: 'CONNECT with a password and no user name (allowed in 5.0) and an empty client id',
      bytes: hex`10 11  00 04 ${s('MQTT')}  05  42  00 00  00  00 00  00 02 ${s('pw')}`,
      expect: { type: 'CONNECT', clientId: '', password: { offset: BASE + 17, length: 2 } },
    },
    {
      name: 'CONNACK with serverKeepAlive and receiveMaximum',
      bytes: hex`20 09  00  00  06  13 00 3c  21 00 0a`,
      expect: { type: 'CONNACK', sessionPresent: false, reasonCode: 0, properties: [
        { id: 0x13, name: 'serverKeepAlive', value: 60 }, { id: 0x21, name: 'receiveMaximum', value: 10 }] },
    },
    { name: 'CONNACK refused 0x87', bytes: hex`20 03 00 87 00`, expect: { type: 'CONNACK', reasonCode: 0x87, properties: [] } },
    {
      name: 'PUBLISH QoS 2 with a topic alias',
      bytes: hex`34 0d  00 03 ${s('a/b')}  00 07  03  23 00 01  ${s('hi')}`,
      expect: { type: 'PUBLISH', qos: 2, topic: 'a/b', packetId: 7, properties: [{ id: 0x23, name: 'topicAlias', value: 1 }],
        payload: { offset: BASE + 13, length: 2 } },
    },
    {
      name: 'PUBLISH with an empty topic and a topic alias',
      bytes: hex`30 08  00 00  03  23 00 01  ${s('hi')}`,
      expect: { type: 'PUBLISH', topic: '', properties: [{ name: 'topicAlias', value: 1 }] },
    },
    {
      name: 'PUBLISH with user properties, correlation data and two subscription identifiers',
      bytes: hex`
        30 1c  00 01 ${s('t')}
        17                                 # property length 23
        26 00 01 ${s('k')} 00 01 ${s('v')} # userProperty k=v
        26 00 01 ${s('k')} 00 01 ${s('w')} # userProperty k=w (may repeat)
        09 00 02 01 02                     # correlationData 01 02
        0b 01  0b 02                       # subscriptionIdentifier 1, 2 (may repeat in PUBLISH)
        ${s('x')}
      `,
      expect: { type: 'PUBLISH', properties: [
        { name: 'userProperty', value: ['k', 'v'] }, { name: 'userProperty', value: ['k', 'w'] },
        { name: 'correlationData', value: Uint8Array.of(1, 2) },
        { name: 'subscriptionIdentifier', value: 1 }, { name: 'subscriptionIdentifier', value: 2 }] },
    },
    { name: 'PUBACK short form (remaining length 2)', bytes: hex`40 02 00 07`, expect: { type: 'PUBACK', packetId: 7, properties: [] } },
    { name: 'PUBACK with a reason code only', bytes: hex`40 03 00 07 10`, expect: { type: 'PUBACK', packetId: 7, reasonCode: 0x10 } },
    {
      name: 'PUBREC with a reason string',
      bytes: hex`50 09  00 07  80  05  1f 00 02 ${s('no')}`,
      expect: { type: 'PUBREC', packetId: 7, reasonCode: 0x80, properties: [{ name: 'reasonString', value: 'no' }] },
    },
    { name: 'PUBREL packet id not found', bytes: hex`62 03 00 07 92`, expect: { type: 'PUBREL', reasonCode: 0x92 } },
    { name: 'PUBCOMP with empty properties', bytes: hex`70 04 00 07 00 00`, expect: { type: 'PUBCOMP', reasonCode: 0, properties: [] } },
    {
      name: 'SUBSCRIBE with a subscription identifier and all options',
      bytes: hex`82 0b  00 01  02  0b 05  00 03 ${s('a/+')}  2d`,
      expect: { type: 'SUBSCRIBE', packetId: 1, properties: [{ name: 'subscriptionIdentifier', value: 5 }],
        subscriptions: [{ topicFilter: 'a/+', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 }] },
    },
    {
      name: 'SUBSCRIBE to a shared subscription',
      bytes: hex`82 12  00 01  00  00 0c ${s('$share/g/a/#')}  01`,
      expect: { type: 'SUBSCRIBE', subscriptions: [{ topicFilter: '$share/g/a/#', qos: 1 }] },
    },
    { name: 'SUBACK', bytes: hex`90 05  00 01  00  01 a2`, expect: { type: 'SUBACK', packetId: 1, reasonCodes: [1, 0xa2] } },
    { name: 'UNSUBSCRIBE', bytes: hex`a2 08  00 02  00  00 03 ${s('a/+')}`, expect: { type: 'UNSUBSCRIBE', packetId: 2, topicFilters: ['a/+'] } },
    { name: 'UNSUBACK', bytes: hex`b0 05  00 02  00  11 00`, expect: { type: 'UNSUBACK', packetId: 2, reasonCodes: [0x11, 0] } },
    { name: 'PINGREQ', bytes: hex`c0 00`, expect: { type: 'PINGREQ' } },
    { name: 'PINGRESP', bytes: hex`d0 00`, expect: { type: 'PINGRESP' } },
    { name: 'DISCONNECT short form (remaining length 0)', bytes: hex`e0 00`, expect: { type: 'DISCONNECT', reasonCode: 0, properties: [] } },
    { name: 'DISCONNECT reason code only', bytes: hex`e0 01 04`, expect: { type: 'DISCONNECT', reasonCode: 4, properties: [] } },
    {
      name: 'DISCONNECT session taken over, with server reference',
      bytes: hex`e0 07  8e  05  1c 00 02 ${s('h2')}`,
      expect: { type: 'DISCONNECT', reasonCode: 0x8e, properties: [{ name: 'serverReference', value: 'h2' }] },
    },
    { name: 'AUTH short form', bytes: hex`f0 00`, expect: { type: 'AUTH', reasonCode: 0, properties: [] } },
    {
      name: 'AUTH continue, with method and data',
      bytes: hex`f0 0b  18  09  15 00 01 ${s('X')}  16 00 02 ab cd`,
      expect: { type: 'AUTH', reasonCode: 0x18, properties: [{ name: 'authenticationMethod', value: 'X' },
        { name: 'authenticationData', value: Uint8Array.of(0xab, 0xcd) }] },
    },
  ])('$name', ({ bytes, expect: fields }) => {
    const d = decode(bytes, 5);
    expect(spans(d)).toEqual([]);
    expect(d.packet).toMatchObject({ ...fields, at: { offset: BASE, length: bytes.length } });
  });

  test('the PUBACK short form carries no reason code (Success is implied)', () => {
    expect('reasonCode' in decode(hex`40 02 00 07`, 5).packet).toBe(false);
  });

  test('binary property values are copies, not views of the input', () => {
    const bytes = hex`f0 07  18  05  16 00 02 ab cd`;
    const d = decodePacket(bytes, 0, { protocolLevel: 5 });
    if (d.packet.type !== 'AUTH') throw new Error(d.packet.type);
    const v = d.packet.properties[0]!.value as Uint8Array;
    expect(v.buffer).not.toBe(bytes.buffer);
    expect([...v]).toEqual([0xab, 0xcd]);
  });
});

/** One fixture per rule: exactly these diagnostics, at these packet-relative Spans. */
describe('validation rules', () => {
  const connect = (level: number, flags: string, rest: string, name = 'MQTT') => {
    const body = hex`00 ${(name.length).toString(16).padStart(2, '0')} ${s(name)} ${level.toString(16).padStart(2, '0')} ${flags} 00 3c ${rest}`;
    return Uint8Array.of(0x10, body.length, ...body);
  };
  test.each<{ name: string; level: ProtocolLevel; bytes: Uint8Array; diags: [string, number, number][] }>([
    // B1 — fixed header
    { name: 'reserved type 0', level: 4, bytes: hex`00 00`, diags: [['mqtt.header.reserved_type', 0, 1]] },
    { name: 'SUBSCRIBE with flags 0000 (corrupted first byte)', level: 4, bytes: hex`80 08  00 02  00 03 ${s('a/#')} 01`,
      diags: [['mqtt.header.reserved_flags', 0, 1]] },
    { name: 'UNSUBSCRIBE 0xa0 instead of 0xa2', level: 5, bytes: hex`a0 08  00 02  00  00 03 ${s('a/b')}`,
      diags: [['mqtt.header.reserved_flags', 0, 1]] },
    { name: 'PUBREL with flags 0000', level: 4, bytes: hex`60 02 00 01`, diags: [['mqtt.header.reserved_flags', 0, 1]] },
    { name: 'PUBREL with QoS 0 in 3.1', level: 3, bytes: hex`60 02 00 01`, diags: [['mqtt.header.reserved_flags', 0, 1]] },
    { name: 'CONNACK flags in 3.1 are not checked', level: 3, bytes: hex`28 02 00 00`, diags: [] },
    { name: 'SUBACK with flags 0010', level: 4, bytes: hex`92 03  00 02  01`, diags: [['mqtt.header.reserved_flags', 0, 1]] },
    { name: 'DISCONNECT with flags 0001', level: 5, bytes: hex`e1 00`, diags: [['mqtt.header.reserved_flags', 0, 1]] },
    { name: 'AUTH under 3.1.1', level: 4, bytes: hex`f0 02 18 00`, diags: [['mqtt.header.auth_before_v5', 0, 1]] },
    { name: 'PUBLISH QoS 3', level: 4, bytes: hex`36 07  00 01 ${s('a')}  00 01  ${s('hi')}`, diags: [['mqtt.publish.qos3', 0, 1]] },
    { name: 'PUBLISH DUP on QoS 0', level: 4, bytes: hex`38 05  00 01 ${s('a')}  ${s('hi')}`, diags: [['mqtt.publish.dup_qos0', 0, 1]] },
    { name: 'Remaining Length not minimal', level: 4, bytes: hex`c0 80 00`, diags: [['mqtt.header.remaining_length_not_minimal', 1, 2]] },
    { name: 'Remaining Length with a 5th byte', level: 4, bytes: hex`30 ff ff ff ff 01`,
      diags: [['mqtt.header.remaining_length_too_long', 0, 5]] },
    { name: 'fewer bytes than the Remaining Length declares', level: 4, bytes: hex`30 0a  00 01 ${s('a')}`,
      diags: [['mqtt.header.remaining_length_mismatch', 0, 5]] },
    { name: 'more bytes than the Remaining Length declares', level: 4, bytes: hex`c0 00 c0 00`,
      diags: [['mqtt.header.remaining_length_mismatch', 2, 2]] },
    { name: 'body short: topic length past the end', level: 4, bytes: hex`30 05  00 09 ${s('abc')}`, diags: [['mqtt.body.short', 4, 3]] },
    { name: 'body short: PUBACK with a 1-byte packet id', level: 4, bytes: hex`40 01 00`, diags: [['mqtt.body.short', 2, 1]] },
    { name: 'trailing bytes after PINGREQ', level: 4, bytes: hex`c0 01 00`, diags: [['mqtt.body.trailing_bytes', 2, 1]] },
    { name: 'trailing bytes after a 3.1.1 PUBACK', level: 4, bytes: hex`40 03 00 01 00`, diags: [['mqtt.body.trailing_bytes', 4, 1]] },
    { name: 'trailing bytes after a 3.1.1 DISCONNECT', level: 4, bytes: hex`e0 01 00`, diags: [['mqtt.body.trailing_bytes', 2, 1]] },
    // Strings
    { name: 'ill-formed UTF-8 in a topic', level: 4, bytes: hex`30 06  00 02 c3 28  ${s('hi')}`, diags: [['mqtt.string.invalid_utf8', 4, 1]] },
    { name: 'UTF-16 surrogate in a topic', level: 4, bytes: hex`30 07  00 03 ed a0 80  ${s('hi')}`,
      diags: [['mqtt.string.invalid_utf8', 4, 1]] },
    { name: 'truncated sequence at the end of a topic', level: 4, bytes: hex`30 05  00 03 ${s('ab')} e2`,
      diags: [['mqtt.string.invalid_utf8', 6, 1]] },
    { name: 'overlong encoding in a client id', level: 4, bytes: connect(4, '02', `00 02 c0 af`),
      diags: [['mqtt.string.invalid_utf8', 14, 1], ['mqtt.connect.client_id_unportable', 14, 1]] },
    { name: 'U+0000 in a topic', level: 4, bytes: hex`30 05  00 03 ${s('a')} 00 ${s('b')}`, diags: [['mqtt.string.null_char', 5, 1]] },
    // B4 — PUBLISH
    { name: 'wildcard in a PUBLISH topic', level: 4, bytes: hex`30 05  00 03 ${s('a/#')}`, diags: [['mqtt.publish.topic_wildcard', 6, 1]] },
    { name: '+ in a PUBLISH topic (5.0)', level: 5, bytes: hex`30 06  00 03 ${s('+/a')}  00`, diags: [['mqtt.publish.topic_wildcard', 4, 1]] },
    { name: 'empty topic (3.1.1)', level: 4, bytes: hex`30 04  00 00  ${s('hi')}`, diags: [['mqtt.publish.topic_empty', 2, 2]] },
    { name: 'empty topic without a topic alias (5.0)', level: 5, bytes: hex`30 05  00 00  00  ${s('hi')}`,
      diags: [['mqtt.publish.topic_empty', 2, 2]] },
    { name: 'packet id 0 on a QoS 1 PUBLISH', level: 4, bytes: hex`32 05  00 01 ${s('a')}  00 00`, diags: [['mqtt.packet_id.zero', 5, 2]] },
    { name: 'packet id 0 on PUBACK', level: 4, bytes: hex`40 02 00 00`, diags: [['mqtt.packet_id.zero', 2, 2]] },
    { name: 'packet id 0 on SUBSCRIBE', level: 4, bytes: hex`82 06  00 00  00 01 ${s('a')} 00`, diags: [['mqtt.packet_id.zero', 2, 2]] },
    { name: 'payload not UTF-8 with payloadFormatIndicator 1', level: 5, bytes: hex`30 08  00 01 ${s('a')}  02 01 01  ff fe`,
      diags: [['mqtt.publish.payload_not_utf8', 8, 2]] },
    // B5 — SUBSCRIBE / UNSUBSCRIBE
    { name: 'SUBSCRIBE without filters', level: 4, bytes: hex`82 02 00 01`, diags: [['mqtt.subscribe.no_filters', 0, 4]] },
    { name: 'SUBSCRIBE without filters (5.0)', level: 5, bytes: hex`82 03 00 01 00`, diags: [['mqtt.subscribe.no_filters', 0, 5]] },
    { name: 'UNSUBSCRIBE without filters', level: 4, bytes: hex`a2 02 00 01`, diags: [['mqtt.unsubscribe.no_filters', 0, 4]] },
    { name: 'subscription options: reserved bit 2 in 3.1.1', level: 4, bytes: hex`82 08  00 01  00 03 ${s('a/b')}  05`,
      diags: [['mqtt.subscribe.bad_options', 9, 1]] },
    { name: 'subscription options: QoS 3', level: 4, bytes: hex`82 08  00 01  00 03 ${s('a/b')}  03`,
      diags: [['mqtt.subscribe.bad_options', 9, 1]] },
    { name: 'subscription options: reserved bits 7-6 in 5.0', level: 5, bytes: hex`82 09  00 01  00  00 03 ${s('a/b')}  41`,
      diags: [['mqtt.subscribe.bad_options', 10, 1]] },
    { name: 'subscription options: Retain Handling 3', level: 5, bytes: hex`82 09  00 01  00  00 03 ${s('a/b')}  30`,
      diags: [['mqtt.subscribe.bad_options', 10, 1]] },
    { name: 'No Local on a shared subscription', level: 5, bytes: hex`82 10  00 01  00  00 0a ${s('$share/g/a')}  04`,
      diags: [['mqtt.subscribe.no_local_shared', 17, 1]] },
    { name: "filter 'a#'", level: 4, bytes: hex`82 07  00 01  00 02 ${s('a#')}  00`, diags: [['mqtt.topic_filter.wildcard_placement', 7, 1]] },
    { name: "filter 'a/b+'", level: 4, bytes: hex`82 09  00 01  00 04 ${s('a/b+')}  00`,
      diags: [['mqtt.topic_filter.wildcard_placement', 9, 1]] },
    { name: "filter '#/a' ('#' not last)", level: 4, bytes: hex`82 08  00 01  00 03 ${s('#/a')}  00`,
      diags: [['mqtt.topic_filter.wildcard_placement', 6, 1]] },
    { name: "UNSUBSCRIBE filter 'a/+b'", level: 4, bytes: hex`a2 08  00 01  00 04 ${s('a/+b')}`,
      diags: [['mqtt.topic_filter.wildcard_placement', 8, 1]] },
    { name: 'empty filter', level: 4, bytes: hex`82 05  00 01  00 00  00`, diags: [['mqtt.topic_filter.empty', 4, 2]] },
    { name: 'shared subscription with an empty ShareName', level: 5, bytes: hex`82 0f  00 01  00  00 09 ${s('$share//a')}  00`,
      diags: [['mqtt.topic_filter.shared_subscription', 7, 9]] },
    { name: 'shared subscription without a filter', level: 5, bytes: hex`82 0e  00 01  00  00 08 ${s('$share/g')}  00`,
      diags: [['mqtt.topic_filter.shared_subscription', 7, 8]] },
    { name: 'ShareName with +', level: 5, bytes: hex`82 10  00 01  00  00 0a ${s('$share/+/a')}  00`,
      diags: [['mqtt.topic_filter.shared_subscription', 14, 1]] },
    { name: '$share is an ordinary level before 5.0', level: 4, bytes: hex`82 0f  00 01  00 0a ${s('$share/+/a')}  00`, diags: [] },
    // B2 — CONNECT
    { name: 'CONNECT reserved flag', level: 4, bytes: connect(4, '03', `00 01 ${s('c')}`), diags: [['mqtt.connect.reserved_flag', 9, 1]] },
    { name: 'CONNECT will QoS 3', level: 4, bytes: connect(4, '1e', `00 01 ${s('c')} 00 01 ${s('w')} 00 00`),
      diags: [['mqtt.connect.will_flags', 9, 1]] },
    { name: 'CONNECT will QoS without the will flag', level: 4, bytes: connect(4, '0a', `00 01 ${s('c')}`),
      diags: [['mqtt.connect.will_flags', 9, 1]] },
    { name: 'CONNECT will retain without the will flag', level: 5, bytes: connect(5, '22', `00 00 01 ${s('c')}`),
      diags: [['mqtt.connect.will_flags', 9, 1]] },
    { name: 'password without user name (3.1.1)', level: 4, bytes: connect(4, '42', `00 01 ${s('c')} 00 01 ${s('p')}`),
      diags: [['mqtt.connect.password_without_username', 9, 1]] },
    { name: '"MQTT" with level 3', level: 4, bytes: connect(3, '02', `00 01 ${s('c')}`), diags: [['mqtt.connect.protocol_level', 8, 1]] },
    { name: '"MQIsdp" with level 4', level: 4, bytes: connect(4, '02', `00 01 ${s('c')}`, 'MQIsdp'),
      diags: [['mqtt.connect.protocol_level', 10, 1]] },
    { name: 'unknown protocol level 6', level: 4, bytes: connect(6, '02', `00 00 01 ${s('c')}`), diags: [['mqtt.connect.protocol_level', 8, 1]] },
    { name: 'unknown protocol name', level: 4, bytes: connect(4, '02', `00 01 ${s('c')}`, 'MQTX'), diags: [['mqtt.connect.protocol_name', 2, 6]] },
    { name: 'empty client id with clean session 0 (3.1.1)', level: 4, bytes: connect(4, '00', '00 00'),
      diags: [['mqtt.connect.client_id_empty', 12, 2]] },
    { name: 'empty client id with clean start 0 (5.0: allowed)', level: 5, bytes: connect(5, '00', '00 00 00'), diags: [] },
    { name: 'empty client id (3.1)', level: 3, bytes: connect(3, '02', '00 00', 'MQIsdp'), diags: [['mqtt.connect.client_id_empty', 14, 2]] },
    { name: 'client id of 24 characters (3.1)', level: 3, bytes: connect(3, '02', `00 18 ${s('x'.repeat(24))}`, 'MQIsdp'),
      diags: [['mqtt.connect.client_id_too_long', 16, 24]] },
    { name: 'client id of 24 bytes (3.1.1, a note)', level: 4, bytes: connect(4, '02', `00 18 ${s('x'.repeat(24))}`),
      diags: [['mqtt.connect.client_id_unportable', 14, 24]] },
    { name: 'client id with a dash (3.1.1, a note)', level: 4, bytes: connect(4, '02', `00 03 ${s('a-b')}`),
      diags: [['mqtt.connect.client_id_unportable', 15, 1]] },
    { name: 'will topic with a wildcard', level: 4, bytes: connect(4, '06', `00 01 ${s('c')} 00 03 ${s('a/#')} 00 00`),
      diags: [['mqtt.connect.will_topic', 19, 1]] },
    { name: 'empty will topic', level: 4, bytes: connect(4, '06', `00 01 ${s('c')} 00 00 00 00`), diags: [['mqtt.connect.will_topic', 15, 2]] },
    // CONNACK and reason codes
    { name: 'CONNACK reserved flag bits', level: 4, bytes: hex`20 02 02 00`, diags: [['mqtt.connack.reserved_flags', 2, 1]] },
    { name: 'CONNACK session present on a refusal', level: 4, bytes: hex`20 02 01 05`,
      diags: [['mqtt.connack.session_present_on_refusal', 2, 2]] },
    { name: 'CONNACK return code 6 (3.1.1)', level: 4, bytes: hex`20 02 00 06`, diags: [['mqtt.reason_code.unknown', 3, 1]] },
    { name: 'CONNACK reason code 0x01 (5.0)', level: 5, bytes: hex`20 03 00 01 00`, diags: [['mqtt.reason_code.unknown', 3, 1]] },
    { name: 'SUBACK return code 3 (3.1.1)', level: 4, bytes: hex`90 03 00 01 03`, diags: [['mqtt.reason_code.unknown', 4, 1]] },
    { name: 'SUBACK reason code 0x11 (5.0)', level: 5, bytes: hex`90 04 00 01 00 11`, diags: [['mqtt.reason_code.unknown', 5, 1]] },
    { name: 'UNSUBACK reason code 0x10 (5.0)', level: 5, bytes: hex`b0 04 00 01 00 10`, diags: [['mqtt.reason_code.unknown', 5, 1]] },
    { name: 'PUBACK reason code 0x92 (5.0)', level: 5, bytes: hex`40 03 00 01 92`, diags: [['mqtt.reason_code.unknown', 4, 1]] },
    { name: 'PUBREL reason code 0x10 (5.0)', level: 5, bytes: hex`62 03 00 01 10`, diags: [['mqtt.reason_code.unknown', 4, 1]] },
    { name: 'DISCONNECT reason code 0x84 (5.0)', level: 5, bytes: hex`e0 01 84`, diags: [['mqtt.reason_code.unknown', 2, 1]] },
    { name: 'AUTH reason code 0x01', level: 5, bytes: hex`f0 02 01 00`, diags: [['mqtt.reason_code.unknown', 2, 1]] },
    // B6 — properties
    { name: 'property length past the end', level: 5, bytes: hex`30 05  00 01 ${s('a')}  09 00`, diags: [['mqtt.property.length_past_end', 5, 1]] },
    { name: 'unknown property id', level: 5, bytes: hex`30 08  00 01 ${s('a')}  02 7f 00  ${s('hi')}`, diags: [['mqtt.property.unknown', 6, 2]] },
    { name: 'property not allowed in PUBLISH', level: 5, bytes: hex`30 07  00 01 ${s('a')}  03 13 00 3c`,
      diags: [['mqtt.property.not_allowed', 6, 3]] },
    { name: 'willDelayInterval outside the will properties', level: 5, bytes: connect(5, '02', `05 18 00 00 00 01 00 01 ${s('c')}`),
      diags: [['mqtt.property.not_allowed', 13, 5]] },
    { name: 'duplicate messageExpiryInterval', level: 5, bytes: hex`30 0e  00 01 ${s('a')}  0a 02 00 00 00 01 02 00 00 00 02`,
      diags: [['mqtt.property.duplicate', 11, 5]] },
    { name: 'subscription identifier twice in SUBSCRIBE', level: 5, bytes: hex`82 0b  00 01  04 0b 01 0b 02  00 01 ${s('a')} 00`,
      diags: [['mqtt.property.duplicate', 7, 2]] },
    { name: 'receiveMaximum 0 in CONNECT', level: 5, bytes: connect(5, '02', `03 21 00 00 00 01 ${s('c')}`),
      diags: [['mqtt.property.zero_value', 14, 2]] },
    { name: 'maximumPacketSize 0 in CONNACK', level: 5, bytes: hex`20 08  00 00  05 27 00 00 00 00`, diags: [['mqtt.property.zero_value', 6, 4]] },
    { name: 'topicAlias 0', level: 5, bytes: hex`30 07  00 01 ${s('a')}  03 23 00 00`, diags: [['mqtt.property.zero_value', 7, 2]] },
    { name: 'subscriptionIdentifier 0', level: 5, bytes: hex`82 09  00 01  02 0b 00  00 01 ${s('a')} 00`,
      diags: [['mqtt.property.zero_value', 6, 1]] },
    { name: 'payloadFormatIndicator 2', level: 5, bytes: hex`30 06  00 01 ${s('a')}  02 01 02`, diags: [['mqtt.property.bad_value', 7, 1]] },
    { name: 'responseTopic with a wildcard', level: 5, bytes: hex`30 0a  00 01 ${s('a')}  06 08 00 03 ${s('r/#')}`,
      diags: [['mqtt.property.bad_value', 11, 1]] },
    { name: 'a property value past its block', level: 5, bytes: hex`30 0b  00 01 ${s('a')}  03 03 00 05 ${s('abcd')}`,
      diags: [['mqtt.property.overrun', 6, 3]] },
    { name: 'a 5-byte subscription identifier', level: 5, bytes: hex`30 0a  00 01 ${s('a')}  06 0b ff ff ff ff 01`,
      diags: [['mqtt.varint.too_long', 7, 5]] },
    { name: 'a non-minimal subscription identifier', level: 5, bytes: hex`30 07  00 01 ${s('a')}  03 0b 81 00`,
      diags: [['mqtt.varint.not_minimal', 7, 2]] },
  ])('$name', ({ level, bytes, diags }) => {
    const d = decode(bytes, level);
    expect(spans(d)).toEqual(diags);
    for (const x of d.diags) {
      expect(x.at.offset).toBeGreaterThanOrEqual(BASE);
      expect(x.at.offset + x.at.length).toBeLessThanOrEqual(BASE + bytes.length);
    }
  });

  test('the corrupted-first-byte diagnostic names the byte seen and what was expected', () => {
    const d = decode(hex`80 08  00 02  00 03 ${s('a/#')} 01`, 4);
    expect(d.diags[0]).toEqual({ code: 'mqtt.header.reserved_flags', at: { offset: BASE, length: 1 },
      detail: 'first byte 0x80: SUBSCRIBE requires flags 0010, saw 0000' });
    expect(decode(hex`92 03 00 02 01`, 4).diags[0]?.detail).toBe('first byte 0x92: SUBACK requires flags 0000, saw 0010');
  });

  test('a packet with a corrupted first byte is still decoded', () => {
    expect(decode(hex`a0 07  00 03  00 03 ${s('a/#')}`, 4).packet).toMatchObject({ type: 'UNSUBSCRIBE', packetId: 3, topicFilters: ['a/#'] });
  });

  test('the password never becomes a string', () => {
    const d = decode(connect(4, 'c2', `00 01 ${s('c')} 00 01 ${s('u')} 00 06 ${s('secret')}`), 4);
    expect(JSON.stringify(d)).not.toContain('secret');
    expect(d.packet).toMatchObject({ type: 'CONNECT', password: { offset: BASE + 20, length: 6 } });
  });

  test('empty input and a cut fixed header are records, not throws', () => {
    expect(spans(decode(new Uint8Array(0), 4))).toEqual([['mqtt.body.short', 0, 0]]);
    expect(decode(hex`30 ff`, 4).packet).toMatchObject({ type: 'TRUNCATED', declaredType: 'PUBLISH' });
  });
});
