import mqttPacket from 'mqtt-packet';
import { describe, expect, test } from 'vitest';
import { inferProtocolLevel } from './infer-version.js';

const gen = (obj: object, protocolVersion: 4 | 5) => new Uint8Array(mqttPacket.generate(obj as mqttPacket.Packet, { protocolVersion }));

function sample(version: 4 | 5): Uint8Array[] {
  return [
    gen({ cmd: 'publish', topic: 'sensors/t1', payload: Buffer.from('21.5'), qos: 1, messageId: 4 }, version),
    gen({ cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: 'cmd/#', qos: 1 }] }, version),
    gen({ cmd: 'puback', messageId: 4 }, version),
    gen({ cmd: 'pingreq' }, version),
  ];
}

describe('inferProtocolLevel', () => {
  test('3.1.1 traffic is inferred as 3.1.1', () => {
    expect(inferProtocolLevel(sample(4))).toMatchObject({ level: 4, errors: { v311: 0 } });
  });

  test('5.0 traffic is inferred as 5.0', () => {
    const guess = inferProtocolLevel(sample(5));
    expect(guess.level).toBe(5);
    expect(guess.errors.v5).toBe(0);
    expect(guess.errors.v311).toBeGreaterThan(0);
  });

  test('a tie (nothing version-specific) goes to 3.1.1', () => {
    expect(inferProtocolLevel([Uint8Array.of(0xc0, 0x00), Uint8Array.of(0xd0, 0x00)])).toEqual({ level: 4, errors: { v311: 0, v5: 0 } });
    expect(inferProtocolLevel([])).toEqual({ level: 4, errors: { v311: 0, v5: 0 } });
  });
});
