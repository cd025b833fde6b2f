import { describe, expect, test } from 'vitest';
import { reasonCodeName, reasonCodeTable } from './reason-codes.js';

describe('reasonCodeName', () => {
  test.each([
    ['CONNACK', 4, 0x02, 'Connection Refused, identifier rejected'],
    ['CONNACK', 3, 0x05, 'Connection Refused, not authorized'],
    ['CONNACK', 4, 0x86, undefined],
    ['CONNACK', 5, 0x86, 'Bad User Name or Password'],
    ['CONNACK', 5, 0x02, undefined],
    ['SUBACK', 4, 0x80, 'Failure'],
    ['SUBACK', 5, 0xa2, 'Wildcard Subscriptions not supported'],
    ['PUBACK', 5, 0x10, 'No matching subscribers'],
    ['PUBREC', 5, 0x99, 'Payload format invalid'],
    ['PUBREL', 5, 0x92, 'Packet Identifier not found'],
    ['PUBCOMP', 5, 0x10, undefined],
    ['PUBACK', 4, 0x00, undefined],
    ['UNSUBACK', 5, 0x11, 'No subscription existed'],
    ['DISCONNECT', 5, 0x8e, 'Session taken over'],
    ['DISCONNECT', 5, 0x8d, 'Keep Alive timeout'],
    ['DISCONNECT', 4, 0x00, undefined],
    ['AUTH', 5, 0x18, 'Continue authentication'],
  ] as const)('%s at level %i, 0x%s', (type, level, code, name) => {
    expect(reasonCodeName(type, level, code)).toBe(name);
  });

  test('tables are per packet type: the sets differ', () => {
    expect(reasonCodeTable('CONNACK', 5)?.size).toBe(22);
    expect(reasonCodeTable('DISCONNECT', 5)?.size).toBe(29);
    expect(reasonCodeTable('SUBACK', 5)?.size).toBe(12);
    expect(reasonCodeTable('PINGREQ', 5)).toBeUndefined();
  });
});
