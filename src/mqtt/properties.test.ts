import { describe, expect, test } from 'vitest';
import { PROPERTY_SPECS, propertySpec } from './properties.js';

describe('the MQTT 5.0 property table (Table 2-4)', () => {
  test('has the 27 properties, each id once', () => {
    expect(PROPERTY_SPECS).toHaveLength(27);
    expect(new Set(PROPERTY_SPECS.map((s) => s.id)).size).toBe(27);
    for (const s of PROPERTY_SPECS) expect(propertySpec(s.id)).toBe(s);
    expect(propertySpec(0x00)).toBeUndefined();
    expect(propertySpec(0x2b)).toBeUndefined();
    expect(propertySpec(0xff)).toBeUndefined();
  });

  test.each([
    [0x01, 'payloadFormatIndicator', 'byte', ['PUBLISH', 'WILL']],
    [0x02, 'messageExpiryInterval', 'fourByteInteger', ['PUBLISH', 'WILL']],
    [0x0b, 'subscriptionIdentifier', 'variableByteInteger', ['PUBLISH', 'SUBSCRIBE']],
    [0x11, 'sessionExpiryInterval', 'fourByteInteger', ['CONNECT', 'CONNACK', 'DISCONNECT']],
    [0x13, 'serverKeepAlive', 'twoByteInteger', ['CONNACK']],
    [0x16, 'authenticationData', 'binaryData', ['CONNECT', 'CONNACK', 'AUTH']],
    [0x18, 'willDelayInterval', 'fourByteInteger', ['WILL']],
    [0x1f, 'reasonString', 'utf8String', ['CONNACK', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBACK', 'UNSUBACK', 'DISCONNECT', 'AUTH']],
    [0x23, 'topicAlias', 'twoByteInteger', ['PUBLISH']],
    [0x24, 'maximumQoS', 'byte', ['CONNACK']],
    [0x26, 'userProperty', 'utf8StringPair', ['CONNECT', 'CONNACK', 'PUBLISH', 'WILL', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
      'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'DISCONNECT', 'AUTH']],
    [0x29, 'subscriptionIdentifierAvailable', 'byte', ['CONNACK']],
    [0x2a, 'sharedSubscriptionAvailable', 'byte', ['CONNACK']],
  ])('0x%s %s', (id, name, type, allowed) => {
    expect(propertySpec(id)).toMatchObject({ name, type, allowed, field: `mqtt.property.${name}` });
  });
});
