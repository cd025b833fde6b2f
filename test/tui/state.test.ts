/** The reducer as a plain function: moving, scrolling a virtual window, focus, filter, help, evidence jumps. */
import { describe, expect, test } from 'vitest';
import { layout, paneRows } from '../../src/tui/layout.js';
import { initialState, reduce, type Action, type UiState, type UiView } from '../../src/tui/state.js';
import { fakeView } from './fake-view.js';

const SIZE = { cols: 80, rows: 24 };

function run(view: UiView, actions: readonly Action[], s: UiState = initialState(SIZE)): UiState {
  return actions.reduce((acc, a) => reduce(acc, a, view), s);
}

const key = (input: string, k: Record<string, boolean> = {}): Action => ({ type: 'key', input, key: k });

describe('moving and scrolling', () => {
  const view = fakeView({ connections: 3, packets: [10, 1_000_000, 0], detail: 12, evidence: [5, 9] });

  test('the cursor stays inside the list', () => {
    let s = run(view, [{ type: 'move', delta: -5 }]);
    expect(s.cursors.connections).toEqual({ index: 0, top: 0 });
    s = run(view, [{ type: 'move', delta: 10 }], s);
    expect(s.cursors.connections.index).toBe(2);
  });

  test('changing connection starts its packets, detail and evidence over', () => {
    const s = run(view, [{ type: 'focus', pane: 'packets' }, { type: 'move', delta: 4 }, { type: 'focus', pane: 'detail' },
      { type: 'move', delta: 3 }, { type: 'focus', pane: 'connections' }, { type: 'move', delta: 1 }]);
    expect(s.cursors.connections.index).toBe(1);
    expect(s.cursors.packets).toEqual({ index: 0, top: 0 });
    expect(s.cursors.detail).toEqual({ index: 0, top: 0 });
  });

  test('a million packets: End, PgUp and Home move a window of visible rows only', () => {
    let s = run(view, [{ type: 'move', delta: 1 }, { type: 'enter' }]);
    expect(s.focus).toBe('packets');
    const rows = paneRows(layout(s.size, s.focus, { connections: 3, evidence: 2, anomalyLine: false }), 'packets');
    const t0 = performance.now();
    s = run(view, [{ type: 'end' }], s);
    expect(s.cursors.packets).toEqual({ index: 999_999, top: 1_000_000 - rows });
    s = run(view, [{ type: 'page', dir: -1 }], s);
    expect(s.cursors.packets.index).toBe(999_999 - (rows - 1));
    expect(s.cursors.packets.top).toBeLessThanOrEqual(s.cursors.packets.index);
    for (let i = 0; i < 1000; i++) s = reduce(s, { type: 'move', delta: -1 }, view);
    expect(s.cursors.packets.index).toBe(999_999 - (rows - 1) - 1000);
    expect(s.cursors.packets.index - s.cursors.packets.top).toBe(0);
    s = run(view, [{ type: 'home' }], s);
    expect(s.cursors.packets).toEqual({ index: 0, top: 0 });
    expect(performance.now() - t0).toBeLessThan(500);
  });

  test('a resize keeps the cursor visible', () => {
    let s = run(view, [{ type: 'move', delta: 1 }, { type: 'enter' }, { type: 'move', delta: 8 }]);
    s = run(view, [{ type: 'resize', size: { cols: 80, rows: 12 } }], s);
    const rows = paneRows(layout(s.size, s.focus, { connections: 3, evidence: 2, anomalyLine: false }), 'packets');
    expect(s.cursors.packets.index).toBe(8);
    expect(s.cursors.packets.index).toBeLessThan(s.cursors.packets.top + rows);
  });
});

describe('focus, Enter and keys', () => {
  const view = fakeView({ connections: 2, packets: [6, 3], detail: 14, evidence: [14, 15] });

  test('Tab and Shift-Tab cycle the panes', () => {
    const s = run(view, [key('', { tab: true }), key('', { tab: true }), key('', { tab: true })]);
    expect(s.focus).toBe('evidence');
    expect(run(view, [key('', { tab: true })], s).focus).toBe('connections');
    expect(run(view, [key('', { tab: true, shift: true })]).focus).toBe('evidence');
  });

  test('Enter opens: connection → packets → detail', () => {
    const s = run(view, [key('', { return: true }), key('j'), key('', { return: true })]);
    expect(s.focus).toBe('detail');
    expect(s.cursors.packets.index).toBe(1);
  });

  test('j/k and arrows move; text typed fast counts per character', () => {
    expect(run(view, [key('', { return: true }), key('jjj')]).cursors.packets.index).toBe(3);
    expect(run(view, [key('', { return: true }), key('', { downArrow: true }), key('', { downArrow: true }), key('k')])
      .cursors.packets.index).toBe(1);
  });

  test('G follows new packets; moving up stops following', () => {
    let s = run(view, [key('', { return: true }), key('G')]);
    expect(s.follow).toBe(true);
    expect(s.cursors.packets.index).toBe(5);
    s = run(view, [key('k')], s);
    expect(s.follow).toBe(false);
  });

  test('with follow on, new data moves the cursor to the newest packet', () => {
    const data = { connections: 1, packets: [3], detail: 0, evidence: [] };
    const live = fakeView(data);
    let s = run(live, [key('', { return: true }), key('f')]);
    expect(s.cursors.packets.index).toBe(2);
    data.packets[0] = 40;
    s = run(live, [{ type: 'data' }], s);
    expect(s.cursors.packets.index).toBe(39);
  });

  test('? opens help; any key closes it; q quits even from help', () => {
    let s = run(view, [key('?')]);
    expect(s.help).toBe(true);
    s = run(view, [key('j')], s);
    expect(s.help).toBe(false);
    expect(s.cursors.connections.index).toBe(0); // the key only closed the help
    expect(run(view, [key('?'), key('q')]).quit).toBe(true);
  });

  test('Ctrl-C counts interrupts (the app stops reading, then quits)', () => {
    expect(run(view, [key('c', { ctrl: true }), key('c', { ctrl: true })]).interrupts).toBe(2);
  });

  test('w switches the hex dump between the MQTT bytes and the wire frame', () => {
    expect(run(view, [key('w')]).hex).toBe('wire');
    expect(run(view, [key('w'), key('w')]).hex).toBe('payload');
  });
});

describe('filter line', () => {
  const view = fakeView({ connections: 3, packets: [10, 10, 10], detail: 3, evidence: [] });

  test('/ filters the focused list; typing applies at once; Enter keeps it', () => {
    let s = run(view, [key('', { return: true }), key('j'), key('j'), key('/')]);
    expect(s.editing).toEqual({ target: 'packets', before: '' });
    s = run(view, [key('type:PUB'), key('', { backspace: true }), key('B')], s);
    expect(s.filters.packets).toBe('type:PUB');
    expect(s.cursors.packets.index).toBe(0); // a new filter starts the list over
    s = run(view, [key('', { return: true })], s);
    expect(s.editing).toBeNull();
    expect(s.filters.packets).toBe('type:PUB');
    // j and q are text while editing, keys afterwards
    s = run(view, [key('/'), key('jq')], s);
    expect(s.filters.packets).toBe('type:PUBjq');
    expect(s.quit).toBe(false);
  });

  test('Esc restores the filter from before', () => {
    const s = run(view, [key('/'), key('C2'), key('', { escape: true })]);
    expect(s.filters.connections).toBe('');
    expect(s.editing).toBeNull();
  });

  test('control characters never reach the filter text', () => {
    const s = run(view, [key('/'), key('a\u001b[31mb\u0007')]);
    expect(s.filters.connections).toBe('a[31mb');
  });
});

describe('evidence', () => {
  test('Enter on an evidence item selects the packet of its frame and opens the detail', () => {
    const view = fakeView({ connections: 1, packets: [6], detail: 9, evidence: [4, 7], frameOf: (i) => [1, 2, 4, 4, 5, 6][i]! });
    const s = run(view, [{ type: 'focus', pane: 'evidence' }, key('', { return: true })]);
    expect(s.focus).toBe('detail');
    expect(s.cursors.packets.index).toBe(2);
    expect(s.notice).toBe('frame 4');
  });

  test('a frame with no MQTT packet (a FIN) selects the packet before it and says so', () => {
    const view = fakeView({ connections: 1, packets: [6], detail: 9, evidence: [4, 7], frameOf: (i) => [1, 2, 4, 4, 5, 6][i]! });
    const s = run(view, [{ type: 'focus', pane: 'evidence' }, key('j'), key('', { return: true })]);
    expect(s.cursors.packets.index).toBe(5);
    expect(s.notice).toMatch(/frame 7 carries no MQTT packet/);
  });

  test('a packet filter hiding the evidence packet is cleared', () => {
    const view = fakeView({ connections: 1, packets: [6], detail: 9, evidence: [2], frameOf: (i) => i + 1 });
    const s = run(view, [key('', { return: true }), key('/'), key('x'), key('', { return: true }),
      { type: 'focus', pane: 'evidence' }, key('', { return: true })]);
    expect(s.filters.packets).toBe('');
    expect(s.cursors.packets.index).toBe(1);
  });
});

describe('anomalies list', () => {
  const view = fakeView({ connections: 3, packets: [6, 6, 6], detail: 5, evidence: [],
    anomalies: [{ conn: 'C1', frame: 3 }, { conn: null, frame: 9 }, { conn: 'C3', frame: 5 }] });

  test('a opens it; moves go to its cursor; Enter goes to the connection, the packet and the anomaly row', () => {
    let s = run(view, [key('a')]);
    expect(s.anomalies).toBe(true);
    s = run(view, [key('j'), key('j'), key('j')], s);
    expect(s.anomalyCursor.index).toBe(2);
    expect(s.cursors.connections.index).toBe(0); // the panes did not move
    s = run(view, [key('', { return: true })], s);
    expect(s.anomalies).toBe(false);
    expect(s.cursors.connections.index).toBe(2);
    expect(s.cursors.packets.index).toBe(4);
    expect(s.cursors.detail.index).toBe(1);
    expect(s.focus).toBe('detail');
  });

  test('a capture-level anomaly says it has no connection; Esc closes', () => {
    let s = run(view, [key('a'), key('j'), key('', { return: true })]);
    expect(s.notice).toMatch(/capture-level/);
    s = run(view, [key('', { escape: true })], s);
    expect(s.anomalies).toBe(false);
  });

  test('a connection filter that hides the target is cleared', () => {
    const s = run(view, [key('/'), key('x'), key('', { return: true }), key('a'), key('G'), key('', { return: true })]);
    expect(s.filters.connections).toBe('');
    expect(s.cursors.connections.index).toBe(2);
  });
});
