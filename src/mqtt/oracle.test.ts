/**
 * Differential test against an independent encoder: mqtt-packet's `generate` builds packets from
 * fast-check-generated objects (3.1.1 and 5.0, plus 3.1 CONNECT); our decoder must read back the same
 * fields, with no error diagnostic (notes such as an unportable client id are allowed).
 */
import { fc, test } from '@fast-check/vitest';
import mqttPacket from 'mqtt-packet';
import { describe, expect } from 'vitest';
import { diagSpec } from '../diag/registry.js';
import { decodePacket } from './decode.js';
import { propertySpec } from './properties.js';
import {
  AUTH_REASON_CODES, CONNACK_REASON_CODES, DISCONNECT_REASON_CODES, PUBACK_REASON_CODES, PUBREL_REASON_CODES,
  SUBACK_REASON_CODES, UNSUBACK_REASON_CODES,
} from './reason-codes.js';
import type { Decoded, MqttPacket, Property, ProtocolLevel } from './types.js';

type Obj = Record<string, unknown>;

// ---- arbitraries -------------------------------------------------------------------------------

/** Text with multi-byte characters but no U+0000 (which MQTT forbids) and no wildcards. */
const text = (maxLength = 12) => fc.array(fc.constantFrom('a', 'Z', '0', ' ', '-', 'é', '€', '😀', '$', 'ß'), { maxLength })
  .map((a) => a.join(''));
const nonEmptyText = text().filter((t) => t.length > 0);
const topicLevel = nonEmptyText;
const topic = fc.array(topicLevel, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
const topicFilter = fc.tuple(fc.array(fc.oneof(topicLevel, fc.constant('+')), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([levels, hash]) => [...levels, ...(hash ? ['#'] : [])].join('/'));
const packetId = fc.integer({ min: 1, max: 0xffff });
const buffer = (maxLength = 32) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const codeOf = (table: ReadonlyMap<number, string>) => fc.constantFrom(...table.keys());

const userProperties = fc.dictionary(fc.constantFrom('k', 'key', 'é', 'x-y'),
  fc.oneof(text(), fc.array(text(), { minLength: 2, maxLength: 3 })), { minKeys: 1, maxKeys: 3 });

/** An optional-keys record of properties; `undefined` when empty so that 5.0 writes a zero Property Length. */
const props = (model: Record<string, fc.Arbitrary<unknown>>) => fc.record(model, { requiredKeys: [] });

const reasonProps = props({ reasonString: text(), userProperties });

// ---- mapping our properties to mqtt-packet's object shape --------------------------------------

const THEIR_NAME: Record<string, string> = { userProperty: 'userProperties', subscriptionIdentifierAvailable: 'subscriptionIdentifiersAvailable' };

/** Our ordered property list as mqtt-packet's properties object (flags as booleans, binary as Buffer). */
function asTheirProperties(list: readonly Property[]): Obj {
  const out: Obj = {};
  for (const p of list) {
    if (p.name === 'userProperty') {
      const [k, v] = p.value as readonly [string, string];
      const up = (out['userProperties'] ??= {}) as Record<string, string | string[]>;
      const had = up[k];
      up[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
      continue;
    }
    const name = THEIR_NAME[p.name] ?? p.name;
    let v: unknown = p.value;
    if (propertySpec(p.id)?.type === 'byte' && p.name !== 'maximumQoS') v = v === 1;
    if (v instanceof Uint8Array) v = Buffer.from(v);
    const had = out[name];
    out[name] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

// ---- the check ---------------------------------------------------------------------------------

function roundTrip(obj: Obj, version: ProtocolLevel): { d: Decoded; bytes: Buffer } {
  const bytes = mqttPacket.generate(obj as unknown as mqttPacket.Packet, { protocolVersion: version });
  const d = decodePacket(bytes, 0, { protocolLevel: version });
  const errors = d.diags.filter((x) => diagSpec(x.code).severity !== 'note');
  expect(errors, JSON.stringify(d.diags)).toEqual([]);
  expect(d.packet.at).toEqual({ offset: 0, length: bytes.length });
  return { d, bytes };
}

const at = (bytes: Buffer, span: { offset: number; length: number }) => Buffer.from(bytes.subarray(span.offset, span.offset + span.length));

function expectProperties(p: MqttPacket, expected: unknown): void {
  expect('properties' in p ? asTheirProperties(p.properties) : {}).toEqual(expected ?? {});
}

// ---- packets -----------------------------------------------------------------------------------

const will = (version: ProtocolLevel) => fc.record({
  topic, payload: buffer(), qos: fc.constantFrom(0, 1, 2), retain: fc.boolean(),
  ...(version === 5 ? { properties: props({ willDelayInterval: u32, payloadFormatIndicator: fc.boolean(), messageExpiryInterval: u32,
    contentType: text(), responseTopic: topic, correlationData: buffer(), userProperties }) } : {}),
}, { requiredKeys: ['topic', 'payload', 'qos', 'retain'] });

const connect = (version: ProtocolLevel) => fc.record({
  clientId: version === 3 ? fc.stringMatching(/^[a-zA-Z0-9]{1,23}$/) : text(30),
  clean: fc.boolean(), keepalive: u16,
  will: fc.option(will(version), { nil: undefined }),
  username: fc.option(text(), { nil: undefined }),
  password: fc.option(buffer(), { nil: undefined }),
  properties: version === 5 ? props({ sessionExpiryInterval: u32, receiveMaximum: fc.integer({ min: 1, max: 0xffff }),
    maximumPacketSize: fc.integer({ min: 1, max: 0xffff_ffff }), topicAliasMaximum: u16, requestResponseInformation: fc.boolean(),
    requestProblemInformation: fc.boolean(), userProperties, authenticationMethod: text(), authenticationData: buffer() })
    : fc.constant(undefined),
}).map((c) => ({
  cmd: 'connect', protocolVersion: version, protocolId: version === 3 ? 'MQIsdp' : 'MQTT', ...c,
  // mqtt-packet wants a user name for a password and Clean Start 1 for an empty client id at every
  // level, although only 3.1.1 requires them ([MQTT-3.1.2-22], [MQTT-3.1.3-7]); the fixtures cover 5.0.
  ...(c.username === undefined ? { password: undefined } : {}),
  ...(c.clientId === '' ? { clean: true } : {}),
}));

describe('mqtt-packet oracle', () => {
  describe.each([3, 4, 5] as const)('CONNECT at level %i', (version) => {
    test.prop([connect(version)])('decodes what mqtt-packet encodes', (obj) => {
      const { d, bytes } = roundTrip(obj, version);
      const p = d.packet;
      if (p.type !== 'CONNECT') throw new Error(p.type);
      expect(p).toMatchObject({ protocolName: obj.protocolId, protocolLevel: version, cleanStart: obj.clean,
        keepAlive: obj.keepalive, clientId: obj.clientId, bridge: false, reservedFlag: false });
      expect(p.username).toBe(obj.username);
      expect(p.password === undefined ? undefined : at(bytes, p.password)).toEqual(obj.password);
      if (obj.will === undefined) expect(p.will).toBeUndefined();
      else {
        expect(p.will).toMatchObject({ topic: obj.will.topic, qos: obj.will.qos, retain: obj.will.retain });
        expect(at(bytes, p.will!.payload)).toEqual(obj.will.payload);
        expect(asTheirProperties(p.will!.properties)).toEqual(obj.will.properties ?? {});
      }
      expectProperties(p, obj.properties);
    });
  });

  describe.each([4, 5] as const)('level %i', (version) => {
    const v5 = version === 5;
    const maybe = <T>(arb: fc.Arbitrary<T>) => (v5 ? arb : fc.constant(undefined));

    test.prop([fc.record({
      sessionPresent: fc.boolean(),
      code: v5 ? codeOf(CONNACK_REASON_CODES) : fc.integer({ min: 0, max: 5 }),
      properties: maybe(props({ sessionExpiryInterval: u32, receiveMaximum: fc.integer({ min: 1, max: 0xffff }),
        maximumQoS: fc.constantFrom(0, 1), retainAvailable: fc.boolean(), maximumPacketSize: fc.integer({ min: 1, max: 0xffff_ffff }),
        assignedClientIdentifier: text(), topicAliasMaximum: u16, reasonString: text(), userProperties,
        wildcardSubscriptionAvailable: fc.boolean(), subscriptionIdentifiersAvailable: fc.boolean(),
        sharedSubscriptionAvailable: fc.boolean(), serverKeepAlive: u16, responseInformation: text(), serverReference: text(),
        authenticationMethod: text(), authenticationData: buffer() })),
    })])('CONNACK', ({ sessionPresent, code, properties }) => {
      // A refusal carries Session Present 0 [MQTT-3.2.2-4].
      const sp = sessionPresent && (v5 ? code < 0x80 : code === 0);
      const { d } = roundTrip({ cmd: 'connack', sessionPresent: sp, ...(v5 ? { reasonCode: code } : { returnCode: code }), properties }, version);
      expect(d.packet).toMatchObject({ type: 'CONNACK', sessionPresent: sp, reasonCode: code });
      expectProperties(d.packet, properties);
    });

    test.prop([fc.record({
      topic, payload: buffer(64), qos: fc.constantFrom(0, 1, 2), dup: fc.boolean(), retain: fc.boolean(), messageId: packetId,
      properties: maybe(props({ payloadFormatIndicator: fc.boolean(), messageExpiryInterval: u32, topicAlias: fc.integer({ min: 1, max: 0xffff }),
        responseTopic: topic, correlationData: buffer(), userProperties, contentType: text(),
        subscriptionIdentifier: fc.oneof(fc.integer({ min: 1, max: 268_435_455 }),
          fc.array(fc.integer({ min: 1, max: 268_435_455 }), { minLength: 2, maxLength: 3 })) })),
    })])('PUBLISH', (obj) => {
      const dup = obj.dup && obj.qos > 0; // DUP on QoS 0 is a violation [MQTT-3.3.1-2]
      // A payload flagged as UTF-8 must be UTF-8 (5.0 §3.3.2.3.2).
      if (obj.properties?.payloadFormatIndicator === true) obj.payload = Buffer.from('text é€');
      const { d, bytes } = roundTrip({ cmd: 'publish', ...obj, dup }, version);
      const p = d.packet;
      if (p.type !== 'PUBLISH') throw new Error(p.type);
      expect(p).toMatchObject({ topic: obj.topic, qos: obj.qos, dup, retain: obj.retain });
      expect(p.packetId).toBe(obj.qos > 0 ? obj.messageId : undefined);
      expect(at(bytes, p.payload)).toEqual(obj.payload);
      expectProperties(p, obj.properties);
    });

    test.prop([fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp'), packetId, fc.nat(), maybe(fc.option(reasonProps, { nil: undefined }))])(
      'PUBACK, PUBREC, PUBREL, PUBCOMP', (cmd, messageId, pick, properties) => {
        const table = cmd === 'puback' || cmd === 'pubrec' ? PUBACK_REASON_CODES : PUBREL_REASON_CODES;
        const codes = [...table.keys()];
        const reasonCode = v5 ? codes[pick % codes.length]! : undefined;
        const { d } = roundTrip({ cmd, messageId, ...(reasonCode !== undefined ? { reasonCode } : {}), properties }, version);
        expect(d.packet).toMatchObject({ type: cmd.toUpperCase(), packetId: messageId });
        const p = d.packet as { reasonCode?: number };
        expect(p.reasonCode ?? 0).toBe(reasonCode ?? 0);
        if (!v5) expect(p.reasonCode).toBeUndefined();
        expectProperties(d.packet, properties);
      });

    test.prop([packetId, fc.array(fc.record({ topic: topicFilter, qos: fc.constantFrom(0, 1, 2), nl: fc.boolean(), rap: fc.boolean(),
      rh: fc.constantFrom(0, 1, 2) }), { minLength: 1, maxLength: 4 }),
    maybe(props({ subscriptionIdentifier: fc.integer({ min: 1, max: 268_435_455 }), userProperties }))])(
      'SUBSCRIBE', (messageId, subscriptions, properties) => {
        const subs = v5 ? subscriptions : subscriptions.map(({ topic: t, qos }) => ({ topic: t, qos }));
        const { d } = roundTrip({ cmd: 'subscribe', messageId, subscriptions: subs, properties }, version);
        expect(d.packet).toMatchObject({ type: 'SUBSCRIBE', packetId: messageId,
          subscriptions: subscriptions.map((s) => ({ topicFilter: s.topic, qos: s.qos,
            ...(v5 ? { noLocal: s.nl, retainAsPublished: s.rap, retainHandling: s.rh } : {}) })) });
        expectProperties(d.packet, properties);
      });

    test.prop([packetId, fc.array(v5 ? codeOf(SUBACK_REASON_CODES) : fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 5 }),
      maybe(reasonProps)])('SUBACK', (messageId, granted, properties) => {
      const { d } = roundTrip({ cmd: 'suback', messageId, granted, properties }, version);
      expect(d.packet).toMatchObject({ type: 'SUBACK', packetId: messageId, reasonCodes: granted });
      expectProperties(d.packet, properties);
    });

    test.prop([packetId, fc.array(topicFilter, { minLength: 1, maxLength: 4 }), maybe(props({ userProperties }))])(
      'UNSUBSCRIBE', (messageId, unsubscriptions, properties) => {
        const { d } = roundTrip({ cmd: 'unsubscribe', messageId, unsubscriptions, properties }, version);
        expect(d.packet).toMatchObject({ type: 'UNSUBSCRIBE', packetId: messageId, topicFilters: unsubscriptions });
        expectProperties(d.packet, properties);
      });

    test.prop([packetId, fc.array(codeOf(UNSUBACK_REASON_CODES), { minLength: 1, maxLength: 5 }), maybe(reasonProps)])(
      'UNSUBACK', (messageId, granted, properties) => {
        const { d } = roundTrip({ cmd: 'unsuback', messageId, ...(v5 ? { granted } : {}), properties }, version);
        expect(d.packet).toMatchObject({ type: 'UNSUBACK', packetId: messageId, reasonCodes: v5 ? granted : [] });
        expectProperties(d.packet, properties);
      });

    test.prop([fc.constantFrom('pingreq', 'pingresp')])('PINGREQ, PINGRESP', (cmd) => {
      expect(roundTrip({ cmd }, version).d.packet).toMatchObject({ type: cmd.toUpperCase(), remainingLength: 0 });
    });

    test.prop([codeOf(DISCONNECT_REASON_CODES), maybe(props({ sessionExpiryInterval: u32, reasonString: text(), serverReference: text(),
      userProperties }))])('DISCONNECT', (reasonCode, properties) => {
      const { d } = roundTrip({ cmd: 'disconnect', reasonCode, properties }, version);
      expect(d.packet).toMatchObject({ type: 'DISCONNECT', ...(v5 ? { reasonCode } : {}) });
      expectProperties(d.packet, properties);
    });
  });

  test.prop([codeOf(AUTH_REASON_CODES), props({ authenticationMethod: text(), authenticationData: buffer(), reasonString: text(), userProperties })])(
    'AUTH (5.0)', (reasonCode, properties) => {
      const { d } = roundTrip({ cmd: 'auth', reasonCode, properties }, 5);
      expect(d.packet).toMatchObject({ type: 'AUTH', reasonCode });
      expectProperties(d.packet, properties);
    });
});
