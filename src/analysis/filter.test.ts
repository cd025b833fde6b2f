/** `--filter`: the grammar, the field semantics and the errors, as tables. */
import { describe, expect, test } from 'vitest';
import { describeFilterError, FilterError, parseFilter, topicMatches, type FilterSubject, type RangeField, type TextField, type ValueRange } from './filter.js';

const NS = 1_000_000_000n;
const t = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;

/** A subject from plain values; numbers become one-point ranges, [lo, hi] pairs ranges. */
function subject(text: Partial<Record<TextField, string[]>>, range: Partial<Record<RangeField, (bigint | [bigint, bigint])[]>> = {}): FilterSubject {
  return {
    text: (f) => text[f] ?? [],
    range: (f) => (range[f] ?? []).map((v): ValueRange => (Array.isArray(v) ? { lo: v[0], hi: v[1] } : { lo: v, hi: v })),
  };
}

const publish = subject(
  { conn: ['C3'], clientid: ['dev-1'], type: ['PUBLISH'], topic: ['sensors/kitchen/temp'], dir: ['c2s'], code: ['mqtt.publish.qos3'],
    addr: ['127.0.0.1'], transport: ['websocket'], cause: ['malformed_packet'] },
  { severity: [2n], qos: [1n], id: [7n], port: [44836n, 8080n], frame: [[13n, 14n]], time: [t('2026-11-22T04:03:36.913Z')] },
);
const ping = subject({ conn: ['C12'], clientid: [], type: ['PINGREQ'], dir: ['c2s'] }, { time: [t('2026-11-22T04:10:00Z')], frame: [40n] });
const connection = subject(
  { conn: ['C1'], clientid: ['autopsy-keepalive'], type: ['CONNECT', 'CONNACK'], topic: ['a/b', '$SYS/broker/load'], cause: ['keepalive_timeout'] },
  { time: [[t('2026-11-22T04:00:00Z'), t('2026-11-22T04:00:05.7Z')]], severity: [0n, 1n], frame: [[1n, 8n]] },
);

describe('evaluation', () => {
  const rows: [string, FilterSubject, boolean][] = [
    ['conn == C3', publish, true],
    ['conn == c3', publish, true],
    ['conn == 3', publish, true],
    ['conn==C3', publish, true],
    ['conn = C3', publish, true],
    ['conn != C3', publish, false],
    ['conn ~ "C1*"', ping, true],
    ['clientid == "dev-1"', publish, true],
    ["clientid == 'dev-1'", publish, true],
    ['clientid == dev-1', publish, true],
    ['clientid == "DEV-1"', publish, false],
    ['clientid ~ "dev-*"', publish, true],
    ['clientid ~ "dev-?"', publish, true],
    ['clientid ~ "dev"', publish, false],
    ['clientid == "dev-1"', ping, false],
    ['clientid != "dev-1"', ping, true],
    ['topic ~ "sensors/+/temp"', publish, true],
    ['topic ~ sensors/#', publish, true],
    ['topic ~ "sensors/+"', publish, false],
    ['topic ~ "#"', publish, true],
    ['topic ~ "+/+/+"', publish, true],
    ['topic == "sensors/kitchen/temp"', publish, true],
    ['topic !~ "sensors/#"', publish, false],
    ['topic ~ "#"', ping, false],
    ['topic ~ "a/#"', connection, true],
    ['topic ~ "#"', subject({ topic: ['$SYS/x'] }), false],
    ['topic ~ "$SYS/#"', connection, true],
    ['type == PUBLISH', publish, true],
    ['type == publish', publish, true],
    ['type ~ "PUB*"', publish, true],
    ['type == CONNACK', connection, true],
    ['type != PUBLISH', connection, true],
    ['dir == c2s', publish, true],
    ['transport == ws', publish, true],
    ['qos >= 1', publish, true],
    ['qos == 0', publish, false],
    ['id == 7', publish, true],
    ['port == 8080', publish, true],
    ['port != 8080', publish, false],
    ['frame == 13', publish, true],
    ['frame == 14', publish, true],
    ['frame > 14', publish, false],
    ['frame <= 13', publish, true],
    ['frame >= 5 and frame <= 6', connection, true],
    ['severity >= warn', publish, true],
    ['severity >= warning', publish, true],
    ['severity == error', publish, true],
    ['severity < error', publish, false],
    ['severity >= warn', ping, false],
    ['severity >= warn', connection, true],
    ['severity >= error', connection, false],
    ['code == mqtt.publish.qos3', publish, true],
    ['code ~ "mqtt.publish.*"', publish, true],
    ['code ~ "tcp.*"', publish, false],
    ['cause == keepalive_timeout', connection, true],
    ['cause == KEEPALIVE_TIMEOUT', connection, true],
    ['cause == keepalive_timeout', ping, false],
    ['time >= 2026-11-22T04:00:00Z', publish, true],
    ['time >= 2026-11-22T04:05:00Z', publish, false],
    ['time < 2026-11-22T04:03:36.913001Z', publish, true],
    ['time < 2026-11-22T04:03:36.913Z', publish, false],
    ['time <= 2026-11-22T04:03:36.913000000Z', publish, true],
    ['time >= "2026-11-22 05:03:36+01:00"', publish, true],
    ['time >= 2026-11-22T04:03:37+00:00', publish, false],
    ['time >= 2026-11-22', publish, true],
    ['time >= 1795320000', publish, true],
    // A connection's time is its start…end: it matches a window it overlaps.
    ['time >= 2026-11-22T04:00:05Z and time <= 2026-11-22T04:00:06Z', connection, true],
    ['time >= 2026-11-22T04:00:06Z', connection, false],
    ['time == 2026-11-22T04:00:03Z', connection, true],
    ['conn == C3 and type == PUBLISH', publish, true],
    ['conn == C3 && type == CONNECT', publish, false],
    ['conn == C9 or type == PUBLISH', publish, true],
    ['conn == C9 || type == CONNECT', publish, false],
    ['not conn == C3', publish, false],
    ['!conn == C3', publish, false],
    ['not (conn == C9 or conn == C12)', publish, true],
    ['(conn == C3 or conn == C12) and severity >= warn', ping, false],
    ['(conn == C3 or conn == C12) and severity >= warn', publish, true],
    // "and" binds tighter than "or".
    ['conn == C9 and type == PUBLISH or clientid == "dev-1"', publish, true],
    ['conn == C3 or conn == C9 and type == CONNECT', publish, true],
    ['NOT conn == C3 AND type == PUBLISH', publish, false],
    ['client_id == "dev-1"', publish, true],
    ['msgid == 7', publish, true],
  ];
  test.each(rows)('%s', (expr, s, want) => {
    expect(parseFilter(expr).matches(s)).toBe(want);
  });

  test('the fields an expression reads', () => {
    expect([...parseFilter('cause == keepalive_timeout or (topic ~ a/# and not conn == C1)').fields].sort())
      .toEqual(['cause', 'conn', 'topic']);
  });

  test('times without a zone are UTC, or local with localTime', () => {
    const at = subject({}, { time: [t('2026-11-22T04:00:00Z')] });
    expect(parseFilter('time == 2026-11-22T04:00:00').matches(at)).toBe(true);
    const offsetMin = -new Date(Date.parse('2026-11-22T04:00:00Z')).getTimezoneOffset();
    const local = new Date(Date.parse('2026-11-22T04:00:00Z') + offsetMin * 60_000).toISOString().slice(0, 19);
    expect(parseFilter(`time == ${local}`, { localTime: true }).matches(at)).toBe(true);
  });

  test('nanosecond precision', () => {
    const at = subject({}, { time: [t('2026-11-22T04:00:00Z') + 123_456_789n] });
    expect(parseFilter('time == 2026-11-22T04:00:00.123456789Z').matches(at)).toBe(true);
    expect(parseFilter('time > 2026-11-22T04:00:00.123456788Z').matches(at)).toBe(true);
    expect(parseFilter('time > 2026-11-22T04:00:00.123456789Z').matches(at)).toBe(false);
    expect(NS).toBe(1_000_000_000n);
  });
});

describe('errors point at the bad token', () => {
  const rows: [string, RegExp, string][] = [
    ['topc == "a"', /unknown field "topc"; fields: conn, clientid/, '^^^^'],
    ['conn C3', /expected an operator .* after "conn"/, '     ^^'],
    ['conn ==', /expected a value after "conn =="/, '       ^'],
    ['conn == C3 and', /expected a field name/, '              ^'],
    ['conn == C3 type == PUBLISH', /unexpected "type": join conditions with "and" or "or"/, '           ^^^^'],
    ['(conn == C3', /expected "\)" to close the "\(" at column 1/, '           ^'],
    ['conn == C3)', /unexpected "\)"/, '          ^'],
    ['clientid == "dev-1', /unterminated string/, '            ^^^^^^'],
    ['type == PUBLSH', /type is one of RESERVED, CONNECT, .*; got "PUBLSH"/, '        ^^^^^^'],
    ['severity >= fatal', /severity is note, warn or error; got "fatal"/, '            ^^^^^'],
    ['cause == timeout', /cause is one of client_disconnect, .*; got "timeout"/, '         ^^^^^^^'],
    ['conn == X3', /connection ids look like C3/, '        ^^'],
    ['code == mqtt.nope', /unknown anomaly code "mqtt.nope"/, '        ^^^^^^^^^'],
    ['clientid > "a"', /">" compares numbers, times and severities; clientid takes ==, !=, ~ or !~/, '         ^'],
    ['qos ~ 1', /"~" matches text; qos takes ==, !=, <, <=, > or >=/, '    ^'],
    ['qos == one', /qos takes a whole number; got "one"/, '       ^^^'],
    ['port == 70000', /port is at most 65535/, '        ^^^^^'],
    ['time >= yesterday', /time takes 2026-11-22T04:00:00Z/, '        ^^^^^^^^^'],
    ['time >= 2026-02-30T00:00:00Z', /time takes/, '        ^^^^^^^^^^^^^^^^^^^^'],
    ['topic ~ "a/#/b"', /bad topic filter "a\/#\/b"/, '        ^^^^^^^'],
    ['topic ~ "a+/b"', /bad topic filter/, '        ^^^^^^'],
    ['conn == C3 & type == PUBLISH', /"&" alone is not an operator: use "&&" or "and"/, '           ^'],
    ['', /expected a field name/, '^'],
    ['== C3', /expected a field name, got "=="/, '^^'],
  ];
  test.each(rows)('%s', (expr, message, caret) => {
    let err: unknown;
    try {
      parseFilter(expr);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterError);
    const text = describeFilterError(err as FilterError, expr);
    const [first, shown, marks] = text.split('\n');
    expect(first).toMatch(message);
    expect(shown).toBe(`  ${expr}`);
    expect(marks).toBe(`  ${caret}`);
  });

  test('control characters in the expression are not echoed raw', () => {
    const src = 'clientid == "a\u001b[2Jb" and topc == x';
    let text = '';
    try { parseFilter(src); } catch (e) { text = describeFilterError(e as FilterError, src); }
    expect(text).not.toMatch(/\u001b/);
    expect(text).toMatch(/unknown field "topc"/);
  });
});

describe('MQTT topic matching (5.0 §4.7)', () => {
  const rows: [string, string, boolean][] = [
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['#', '$SYS/uptime', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/uptime', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/B', false],
  ];
  test.each(rows)('%s ~ %s', (filter, topic, want) => {
    expect(topicMatches(filter.split('/'), topic)).toBe(want);
  });
});
