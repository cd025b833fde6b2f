import { describe, expect, test } from 'vitest';
import { hex } from '../bytes/hex.js';
import { frameAt } from './framing.js';
import { headerProblem } from './fixed-header.js';

describe('frameAt', () => {
  test.each([
    { name: 'PINGREQ', bytes: hex`c0 00`, pos: 0, want: { kind: 'frame', typeCode: 12, flags: 0, headerLength: 2, remainingLength: 0, minimal: true } },
    { name: 'SUBSCRIBE flags', bytes: hex`82 05`, pos: 0, want: { kind: 'frame', typeCode: 8, flags: 2, headerLength: 2, remainingLength: 5, minimal: true } },
    { name: 'at an offset', bytes: hex`ff 30 80 01`, pos: 1, want: { kind: 'frame', typeCode: 3, flags: 0, headerLength: 3, remainingLength: 128, minimal: true } },
    { name: 'non-minimal', bytes: hex`30 80 80 00`, pos: 0, want: { kind: 'frame', typeCode: 3, flags: 0, headerLength: 4, remainingLength: 0, minimal: false } },
    { name: 'largest', bytes: hex`30 ff ff ff 7f`, pos: 0, want: { kind: 'frame', typeCode: 3, flags: 0, headerLength: 5, remainingLength: 268_435_455, minimal: true } },
    { name: 'nothing', bytes: hex``, pos: 0, want: { kind: 'need' } },
    { name: 'first byte only', bytes: hex`30`, pos: 0, want: { kind: 'need' } },
    { name: 'length cut', bytes: hex`30 ff ff`, pos: 0, want: { kind: 'need' } },
    { name: '5th length byte', bytes: hex`30 ff ff ff ff`, pos: 0, want: { kind: 'bad-length', headerBytes: 5 } },
  ])('$name', ({ bytes, pos, want }) => {
    expect(frameAt(bytes, pos)).toEqual(want);
  });

  test('frameAt respects an end before the array end', () => {
    expect(frameAt(hex`30 80 01`, 0, 2)).toEqual({ kind: 'need' });
  });
});

describe('headerProblem (3.1.1 Table 2.2, 5.0 Table 2-2)', () => {
  const required = [0, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];
  test('every type accepts exactly its required flags at 3.1.1 and 5.0', () => {
    for (const level of [4, 5]) {
      for (let type = 1; type < 16; type++) {
        if (type === 3 || (type === 15 && level === 4)) continue;
        for (let flags = 0; flags < 16; flags++) {
          expect(headerProblem(type, flags, level), `type ${type} flags ${flags}`).toBe(flags === required[type] ? null : 'mqtt.header.reserved_flags');
        }
      }
    }
  });

  test('PUBLISH flags are DUP, QoS and RETAIN', () => {
    expect(headerProblem(3, 0b1011, 4)).toBeNull();
    expect(headerProblem(3, 0b0110, 4)).toBe('mqtt.publish.qos3');
    expect(headerProblem(3, 0b1001, 4)).toBe('mqtt.publish.dup_qos0');
  });

  test('MQTT 3.1 checks only the QoS 1 of PUBREL, SUBSCRIBE and UNSUBSCRIBE', () => {
    expect(headerProblem(8, 0b1010, 3)).toBeNull();
    expect(headerProblem(8, 0b0000, 3)).toBe('mqtt.header.reserved_flags');
    expect(headerProblem(1, 0b0011, 3)).toBeNull();
  });
});
