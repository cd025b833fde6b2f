/**
 * Detail mode: every decoder reports its fields, under Wireshark's names, with their Spans in stream
 * coordinates; groups (properties, subscriptions) open and close in order.
 */
import { describe, expect, test } from 'vitest';
import { hex } from '../bytes/hex.js';
import type { Span } from '../diag/types.js';
import { decodePacket } from './decode.js';
import type { FieldSink } from './types.js';

const s = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

function fields(bytes: Uint8Array, level: 3 | 4 | 5, base = 0): string[] {
  const out: string[] = [];
  let depth = 0;
  const sink: FieldSink = {
    field(name: string, at: Span, value: string | number | boolean | null) {
      out.push(`${'  '.repeat(depth)}${name} @${at.offset - base}+${at.length} = ${JSON.stringify(value)}`);
    },
    begin(name: string, at: Span) {
      out.push(`${'  '.repeat(depth)}${name} @${at.offset - base}+${at.length} {`);
      depth++;
    },
    end() {
      depth--;
      out.push(`${'  '.repeat(depth)}}`);
    },
  };
  decodePacket(bytes, base, { protocolLevel: level }, sink);
  expect(depth).toBe(0);
  return out;
}

describe('detail mode fields', () => {
  test('CONNECT 3.1.1: header, flags, keep alive, client id, credentials (password value withheld)', () => {
    expect(fields(hex`10 17  00 04 ${s('MQTT')}  04  c2  00 3c  00 01 ${s('c')}  00 01 ${s('u')}  00 02 ${s('pw')}`, 4, 500)).toEqual([
      'mqtt.hdrflags @0+1 = 16', 'mqtt.msgtype @0+1 = 1', 'mqtt.hdr_reserved @0+1 = 0', 'mqtt.len @1+1 = 23',
      'mqtt.proto_len @2+2 = 4', 'mqtt.protoname @4+4 = "MQTT"', 'mqtt.ver @8+1 = 4', 'mqtt.conflags @9+1 = 194',
      'mqtt.conflag.uname @9+1 = true', 'mqtt.conflag.passwd @9+1 = true', 'mqtt.conflag.retain @9+1 = false',
      'mqtt.conflag.qos @9+1 = 0', 'mqtt.conflag.willflag @9+1 = false', 'mqtt.conflag.cleansess @9+1 = true',
      'mqtt.conflag.reserved @9+1 = false', 'mqtt.kalive @10+2 = 60', 'mqtt.clientid_len @12+2 = 1', 'mqtt.clientid @14+1 = "c"',
      'mqtt.username_len @15+2 = 1', 'mqtt.username @17+1 = "u"', 'mqtt.passwd_len @18+2 = 2', 'mqtt.passwd @20+2 = null',
    ]);
  });

  test('PUBLISH 5.0 with properties', () => {
    expect(fields(hex`32 11  00 01 ${s('t')}  00 05  09  23 00 02  26 00 01 ${s('k')} 00 00  ${s('hi')}`, 5)).toEqual([
      'mqtt.hdrflags @0+1 = 50', 'mqtt.msgtype @0+1 = 3', 'mqtt.dupflag @0+1 = false', 'mqtt.qos @0+1 = 1', 'mqtt.retain @0+1 = false',
      'mqtt.len @1+1 = 17', 'mqtt.topic_len @2+2 = 1', 'mqtt.topic @4+1 = "t"', 'mqtt.msgid @5+2 = 5',
      'mqtt.properties @7+10 {',
      '  mqtt.property_len @7+1 = 9',
      '  mqtt.property @8+3 {', '    mqtt.property_id @8+1 = 35', '    mqtt.property.topicAlias @9+2 = 2', '  }',
      '  mqtt.property @11+6 {', '    mqtt.property_id @11+1 = 38', '    mqtt.property.userProperty.key @14+1 = "k"',
      '    mqtt.property.userProperty.value @17+0 = ""', '  }',
      '}',
      'mqtt.msg @17+2 = null',
    ]);
  });

  test('SUBSCRIBE 5.0 groups each subscription', () => {
    expect(fields(hex`82 09  00 01  00  00 03 ${s('a/+')}  01`, 5).slice(4)).toEqual([
      'mqtt.msgid @2+2 = 1', 'mqtt.properties @4+1 {', '  mqtt.property_len @4+1 = 0', '}',
      'mqtt.subscription @5+6 {', '  mqtt.topic_len @5+2 = 3', '  mqtt.topic @7+3 = "a/+"', '  mqtt.subscription_options @10+1 = 1', '}',
    ]);
  });
});
