/** The TUI's pure helpers: virtual window, filter grammar, hex lines with marks, layout, row text. */
import { describe, expect, test } from 'vitest';
import { matches, PACKET_KEYS, CONNECTION_KEYS, parseFilter, topicMatches } from '../../src/tui/filter.js';
import { cell, connColumns, packetColumns } from '../../src/tui/format.js';
import { firstMarkedLine, hexLines, hexTop, lineText, markOf, MARK_ANOMALY, MARK_FIELD, type MarkRange } from '../../src/tui/hex.js';
import { HEX_WIDTH, layout, PANES } from '../../src/tui/layout.js';
import { fit, moveBy, visibleRange } from '../../src/tui/window.js';
import { formatSeconds } from '../../src/tui/timeline.js';
import { keyToAction } from '../../src/tui/keys.js';
import { initialState } from '../../src/tui/state.js';

describe('virtual window', () => {
  test.each([
    { name: 'empty list', c: { index: 5, top: 3 }, rows: 4, count: 0, want: { index: 0, top: 0 } },
    { name: 'cursor below the window scrolls down', c: { index: 9, top: 0 }, rows: 4, count: 20, want: { index: 9, top: 6 } },
    { name: 'cursor above the window scrolls up', c: { index: 2, top: 6 }, rows: 4, count: 20, want: { index: 2, top: 2 } },
    { name: 'list shrank', c: { index: 19, top: 16 }, rows: 4, count: 5, want: { index: 4, top: 1 } },
    { name: 'window taller than the list', c: { index: 1, top: 3 }, rows: 10, count: 3, want: { index: 1, top: 0 } },
  ])('$name', ({ c, rows, count, want }) => {
    expect(fit(c, rows, count)).toEqual(want);
  });

  test('only the visible rows are listed, whatever the length', () => {
    const c = moveBy({ index: 0, top: 0 }, 999_990, 7, 1_000_000);
    expect(visibleRange(c, 7, 1_000_000)).toEqual({ from: 999_984, to: 999_991 });
  });
});

describe('filter grammar', () => {
  const pkt = { type: ['PUBLISH'], topic: ['sensors/k1/temp'], dir: ['c2s'], id: ['7'], frame: ['14'], code: ['mqtt.publish.qos3'], has: ['anomaly', 'error'] };

  test.each([
    ['', true], ['publish', true], ['type:publish', true], ['type:connect', false], ['!type:connect', true],
    ['topic:sensors/+/temp', true], ['topic:sensors/#', true], ['topic:sensors/+', false], ['topic:k1', true],
    ['code:mqtt.publish', true], ['code:publish', false], ['has:error dir:c2s', true], ['has:error dir:s2c', false],
    ['frame:14 id:7', true],
  ])('%s → %s', (text, want) => {
    const f = parseFilter(text, PACKET_KEYS);
    expect(f.error).toBeNull();
    expect(matches(f, pkt)).toBe(want);
  });

  test('an unknown key is named and ignored, not silently matching nothing', () => {
    const f = parseFilter('colour:red type:PUBLISH', PACKET_KEYS);
    expect(f.error).toMatch(/unknown key 'colour'/);
    expect(matches(f, pkt)).toBe(true);
    expect(parseFilter('cause:keepalive', CONNECTION_KEYS).error).toBeNull();
  });

  test.each([
    ['a/b', 'a/b', true], ['a/+', 'a/b', true], ['a/+', 'a/b/c', false], ['a/#', 'a', true], ['#', 'x/y', true],
    ['+/+', '/x', true], ['a/b', 'a/c', false],
  ])('topic filter %s on %s → %s [MQTT-4.7]', (f, t, want) => {
    expect(topicMatches(f, t)).toBe(want);
  });
});

describe('hex lines', () => {
  const bytes = Uint8Array.from([0x36, 0x13, 0x00, 0x0c, 0x61, 0x75, 0x74, 0x6f, 0x70, 0x73, 0x79, 0x2f, 0x74, 0x65, 0x73, 0x74, 0x68, 0x65]);

  test('marked runs are bracketed: [..] field, <..> anomaly, {..} both', () => {
    const marks: MarkRange[] = [
      { offset: 0, length: 1, bit: MARK_ANOMALY }, { offset: 0, length: 1, bit: MARK_FIELD },
      { offset: 2, length: 2, bit: MARK_FIELD }, { offset: 16, length: 5, bit: MARK_ANOMALY }, // past the end: cut
    ];
    const lines = hexLines(bytes, marks).map(lineText);
    expect(lines).toEqual([
      '0000{36}13[00 0c]61 75 74 6f 70 73 79 2f 74 65 73 74  6...autopsy/test',
      '0010<68 65>                                           he',
    ]);
    expect(lines[0]!.length).toBe(HEX_WIDTH);
  });

  test('credential bytes are shown as ** and *', () => {
    const line = lineText(hexLines(bytes, [], [{ offset: 4, length: 2 }])[0]!);
    expect(line).toContain(' 0c ** ** 74');
    expect(line).toContain('6...**topsy');
  });

  test('only the lines asked for are built (a 16 MB packet costs its visible lines)', () => {
    const big = new Uint8Array(16 * 1024 * 1024);
    const marks: MarkRange[] = [{ offset: 10_000_000, length: 3, bit: MARK_ANOMALY }];
    const focus = firstMarkedLine(marks, MARK_ANOMALY, big.length)!;
    expect(focus).toBe(625_000);
    const t0 = performance.now();
    const lines = hexLines(big, marks, [], 0, focus - 2, focus + 3);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(lines).toHaveLength(5);
    expect(lineText(lines[2]!)).toMatch(/^0989680<00 00 00>00/);
    expect(markOf(marks, 10_000_002)).toBe(MARK_ANOMALY);
    expect(markOf(marks, 10_000_003)).toBe(0);
  });

  test('the window centres the marked line', () => {
    expect(hexTop(100, 5, 50)).toBe(48);
    expect(hexTop(100, 5, 1)).toBe(0);
    expect(hexTop(100, 5, 99)).toBe(95);
    expect(hexTop(3, 5, 2)).toBe(0);
  });
});

describe('layout', () => {
  test.each(PANES.map((p) => [p]))('80×24 with focus on %s fills the screen minus one row', (focus) => {
    const l = layout({ cols: 80, rows: 24 }, focus, { connections: 5, evidence: 3, anomalyLine: true });
    // status + footer + 3 pane headers + verdict header + 2 timeline lines
    expect(8 + l.connections + l.packets + l.detail + l.summary + l.evidence).toBe(23);
    expect(l.sideBySide).toBe(false);
    expect(l.fieldRows + l.hexRows + (l.anomalyLine ? 1 : 0)).toBe(l.detail);
  });

  test('the focused pane gets the larger share; wide terminals put fields and hex side by side', () => {
    const a = layout({ cols: 120, rows: 40 }, 'packets', { connections: 9, evidence: 2, anomalyLine: false });
    const b = layout({ cols: 120, rows: 40 }, 'detail', { connections: 9, evidence: 2, anomalyLine: false });
    expect(a.packets).toBeGreaterThan(b.packets);
    expect(b.detail).toBeGreaterThan(a.detail);
    expect(b.sideBySide).toBe(true);
    expect(b.fieldsWidth + 1 + b.hexWidth).toBe(120);
  });

  test('a single connection takes one row', () => {
    expect(layout({ cols: 80, rows: 24 }, 'connections', { connections: 1, evidence: 1, anomalyLine: false }).connections).toBe(1);
  });
});

describe('row text', () => {
  test('cells cut with … and pad by code points', () => {
    expect(cell('abcdef', 4)).toBe('abc…');
    expect(cell('ab', 4, true)).toBe('  ab');
    expect(cell('é', 2)).toBe('é ');
  });

  test('columns fit the width, the verdict column always shows', () => {
    for (const width of [78, 118, 200]) {
      const c = connColumns(width);
      const total = Object.values(c).filter((n) => n > 0).reduce((a, b) => a + b, 0) + Object.values(c).filter((n) => n > 0).length - 1;
      expect(total).toBeLessThanOrEqual(width);
      expect(c.verdict).toBeGreaterThanOrEqual('websocket_violation'.length);
      const p = packetColumns(width, 1_000_000);
      expect(p.index).toBe(7);
    }
  });

  test.each([[0.2234, '0.223s'], [5.74, '5.7s'], [90, '90s'], [3725, '1h02m']])('%s s → %s', (s, want) => {
    expect(formatSeconds(s)).toBe(want);
  });
});

describe('keys', () => {
  const s = initialState({ cols: 80, rows: 24 });
  test.each([
    ['j', {}, { type: 'move', delta: 1 }], ['k', {}, { type: 'move', delta: -1 }], ['', { downArrow: true }, { type: 'move', delta: 1 }],
    ['', { tab: true }, { type: 'cycleFocus', dir: 1 }], ['', { tab: true, shift: true }, { type: 'cycleFocus', dir: -1 }],
    ['', { return: true }, { type: 'enter' }], ['/', {}, { type: 'filterStart' }], ['?', {}, { type: 'help' }],
    ['q', {}, { type: 'quit' }], ['c', { ctrl: true }, { type: 'interrupt' }], ['', { pageDown: true }, { type: 'page', dir: 1 }],
    ['x', {}, null],
  ])('%j %j', (input, key, want) => {
    expect(keyToAction(input, key, s)).toEqual(want);
  });
});
