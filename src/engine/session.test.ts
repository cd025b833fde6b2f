import { describe, expect, test } from 'vitest';
import type { DiagCode } from '../diag/registry.js';
import type { Dir } from '../diag/types.js';
import type { MqttPacket, Property } from '../mqtt/types.js';
import { MAX_INFLIGHT, newSession, sessionStep, type Session } from './session.js';

const H = { typeCode: 0, flags: 0, remainingLength: 2, headerLength: 2, at: { offset: 0, length: 4 } };
const prop = (id: number, value: number): Property => ({ id, name: `p${id}`, value, at: { offset: 0, length: 1 } });
const P = {
  connect: (props: Property[] = []): MqttPacket => ({ ...H, type: 'CONNECT', protocolName: 'MQTT', protocolLevel: 5, bridge: false,
    cleanStart: true, keepAlive: 60, clientId: 'c', reservedFlag: false, properties: props }),
  connack: (props: Property[] = []): MqttPacket => ({ ...H, type: 'CONNACK', sessionPresent: false, reasonCode: 0, properties: props }),
  publish: (qos: number, packetId?: number, o: { dup?: boolean; retain?: boolean; topic?: string; props?: Property[] } = {}): MqttPacket =>
    ({ ...H, type: 'PUBLISH', dup: o.dup ?? false, qos, retain: o.retain ?? false, topic: o.topic ?? 't',
      ...(packetId !== undefined ? { packetId } : {}), properties: o.props ?? [], payload: { offset: 0, length: 0 } }),
  ack: (type: 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP', packetId: number): MqttPacket => ({ ...H, type, packetId, properties: [] }),
  subscribe: (packetId: number): MqttPacket => ({ ...H, type: 'SUBSCRIBE', packetId, subscriptions: [{ topicFilter: 'a/#', qos: 1 }], properties: [] }),
  suback: (packetId: number, codes: number[]): MqttPacket => ({ ...H, type: 'SUBACK', packetId, reasonCodes: codes, properties: [] }),
  ping: (type: 'PINGREQ' | 'PINGRESP'): MqttPacket => ({ ...H, type }),
};

function run(steps: [Dir, MqttPacket][], level = 5): { s: Session; codes: DiagCode[][] } {
  const s = newSession();
  const codes = steps.map(([dir, p], i) => sessionStep(s, p, { dir, ts: { sec: i, nsec: 0, precision: 'us' }, frame: i + 1, handshakeSeen: true, protocolLevel: level }));
  return { s, codes };
}

describe('session machine', () => {
  test('a clean QoS 1 and QoS 2 exchange pairs every packet and leaves nothing in flight', () => {
    const { s, codes } = run([
      ['c2s', P.connect()], ['s2c', P.connack()],
      ['c2s', P.publish(1, 1)], ['s2c', P.ack('PUBACK', 1)],
      ['c2s', P.publish(2, 2)], ['s2c', P.ack('PUBREC', 2)], ['c2s', P.ack('PUBREL', 2)], ['s2c', P.ack('PUBCOMP', 2)],
      ['s2c', P.publish(2, 7)], ['c2s', P.ack('PUBREC', 7)], ['s2c', P.ack('PUBREL', 7)], ['c2s', P.ack('PUBCOMP', 7)],
      ['c2s', P.subscribe(3)], ['s2c', P.suback(3, [1])], ['c2s', P.ping('PINGREQ')], ['s2c', P.ping('PINGRESP')],
    ]);
    expect(codes.flat()).toEqual([]);
    expect(s.facts.pairs.publishQos1.count).toBe(1);
    expect(s.facts.pairs.publishQos2.count).toBe(2);
    expect(s.facts.pairs.ping.count).toBe(1);
    expect(s.facts.subscriptions).toEqual(['a/#']);
    expect(s.facts.inflight).toEqual({ c2s: 0, s2c: 0 });
  });

  test.each<{ name: string; steps: [Dir, MqttPacket][]; code: DiagCode; at: number }>([
    { name: 'first packet not CONNECT', steps: [['c2s', P.publish(0)]], code: 'mqtt.sequence.first_not_connect', at: 0 },
    { name: 'second CONNECT', steps: [['c2s', P.connect()], ['s2c', P.connack()], ['c2s', P.connect()]], code: 'mqtt.sequence.second_connect', at: 2 },
    { name: 'broker packet before CONNACK', steps: [['c2s', P.connect()], ['s2c', P.publish(0)]], code: 'mqtt.sequence.before_connack', at: 1 },
    { name: 'client packet before CONNACK (a note)', steps: [['c2s', P.connect()], ['c2s', P.publish(0)]], code: 'mqtt.sequence.client_before_connack', at: 1 },
    { name: 'second CONNACK', steps: [['c2s', P.connect()], ['s2c', P.connack()], ['s2c', P.connack()]], code: 'mqtt.sequence.second_connack', at: 2 },
    { name: 'CONNACK from the client', steps: [['c2s', P.connect()], ['c2s', P.connack()]], code: 'mqtt.sequence.wrong_direction', at: 1 },
    { name: 'orphan PUBACK', steps: [['c2s', P.connect()], ['s2c', P.connack()], ['s2c', P.ack('PUBACK', 9)]], code: 'mqtt.sequence.orphan_ack', at: 2 },
    { name: 'PUBACK for a QoS 2 PUBLISH', steps: [['c2s', P.connect()], ['s2c', P.connack()], ['c2s', P.publish(2, 4)], ['s2c', P.ack('PUBACK', 4)]], code: 'mqtt.sequence.wrong_ack', at: 3 },
    { name: 'packet id reused while in flight', steps: [['c2s', P.connect()], ['s2c', P.connack()], ['c2s', P.publish(1, 4)], ['c2s', P.publish(1, 4)]], code: 'mqtt.sequence.packet_id_in_use', at: 3 },
    { name: 'Receive Maximum exceeded', steps: [['c2s', P.connect()], ['s2c', P.connack([prop(0x21, 1)])], ['c2s', P.publish(1, 1)], ['c2s', P.publish(1, 2)]], code: 'mqtt.sequence.receive_maximum_exceeded', at: 3 },
    { name: 'QoS above Maximum QoS', steps: [['c2s', P.connect()], ['s2c', P.connack([prop(0x24, 0)])], ['c2s', P.publish(1, 1)]], code: 'mqtt.sequence.qos_not_supported', at: 2 },
    { name: 'retain when not available', steps: [['c2s', P.connect()], ['s2c', P.connack([prop(0x25, 0)])], ['c2s', P.publish(0, undefined, { retain: true })]], code: 'mqtt.sequence.retain_not_supported', at: 2 },
    { name: 'packet above Maximum Packet Size', steps: [['c2s', P.connect()], ['s2c', P.connack([prop(0x27, 3)])], ['c2s', P.publish(0)]], code: 'mqtt.sequence.packet_too_large', at: 2 },
    { name: 'Subscription Identifier from the client', steps: [['c2s', P.connect()], ['s2c', P.connack()], ['c2s', P.publish(0, undefined, { props: [prop(0x0b, 3)] })]], code: 'mqtt.sequence.subscription_id_from_client', at: 2 },
    { name: 'topic alias above the maximum', steps: [['c2s', P.connect()], ['s2c', P.connack([prop(0x22, 2)])], ['c2s', P.publish(0, undefined, { props: [prop(0x23, 3)] })]], code: 'mqtt.sequence.topic_alias_invalid', at: 2 },
    { name: 'unknown topic alias with an empty topic', steps: [['c2s', P.connect()], ['s2c', P.connack([prop(0x22, 5)])], ['c2s', P.publish(0, undefined, { topic: '', props: [prop(0x23, 3)] })]], code: 'mqtt.sequence.topic_alias_invalid', at: 2 },
  ])('$name → $code', ({ steps, code, at }) => {
    const { codes } = run(steps);
    expect(codes[at]).toContain(code);
    codes.forEach((c, i) => { if (i !== at) expect(c).not.toContain(code); });
  });

  test('topic aliases are per direction: the broker setting alias 1 does not define it for the client', () => {
    const { codes } = run([
      ['c2s', P.connect([prop(0x22, 5)])], ['s2c', P.connack([prop(0x22, 5)])],
      ['s2c', P.publish(0, undefined, { topic: 'x', props: [prop(0x23, 1)] })],
      ['c2s', P.publish(0, undefined, { topic: '', props: [prop(0x23, 1)] })],
    ]);
    expect(codes[2]).toEqual([]);
    expect(codes[3]).toContain('mqtt.sequence.topic_alias_invalid');
  });

  test('a DUP resend is counted, not flagged', () => {
    const { s, codes } = run([['c2s', P.connect()], ['s2c', P.connack()], ['c2s', P.publish(1, 4)], ['c2s', P.publish(1, 4, { dup: true })]]);
    expect(codes.flat()).toEqual([]);
    expect(s.facts.dupRetransmissions).toBe(1);
  });

  test('65 535 ids in flight stay bounded', () => {
    const steps: [Dir, MqttPacket][] = [['c2s', P.connect()], ['s2c', P.connack()]];
    for (let id = 1; id <= 65535; id++) steps.push(['c2s', P.publish(1, id)]);
    const { s, codes } = run(steps, 4);
    expect(s.inflight.c2s.size).toBe(MAX_INFLIGHT);
    expect(codes.flat()).toContain('limit.mqtt.inflight');
  });
});
