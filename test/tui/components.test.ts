/**
 * The components, rendered without colour: renderToString snapshots of real screens at 80×24, and a
 * handful of interactions with ink-testing-library that wait for the frame to change (bounded), never
 * for a timer.
 */
import { resolve } from 'node:path';
import { renderToString } from 'ink';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, test } from 'vitest';
import { App } from '../../src/tui/App.js';
import { PacketsPane } from '../../src/tui/PacketsPane.js';
import { DEFAULT_TUI_LIMITS } from '../../src/tui/limits.js';
import { PacketTable } from '../../src/tui/packet-table.js';
import { CaptureStore, type ConnEntry } from '../../src/tui/store.js';
import { tint } from '../../src/tui/theme.js';
import { SAMPLES } from '../support/cli.js';
import { feedStore, loadStore, normalizeScreen, sampleExpectation } from './support.js';

const WS_CORRUPT = resolve(SAMPLES, 'ws-corrupt-first-byte.pcap');
const ESC = '\u001b';
/** The frame of the corrupted PUBLISH, from the manifest (frame 14 when recorded on loopback). */
const BAD_FRAME = sampleExpectation('ws-corrupt-first-byte.pcap').evidenceFrame;

function app(store: CaptureStore, cols: number, rows: number) {
  return createElement(App, { store, color: false, showCredentials: false, size: { cols, rows } });
}

/** Resolves with the frame once `ok` holds; fails after `ms` (never hangs). */
async function frameWhere(lastFrame: () => string | undefined, ok: (frame: string) => boolean, ms = 3000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const f = lastFrame() ?? '';
    if (ok(f)) return f;
    if (Date.now() > deadline) throw new Error(`no frame matched within ${ms} ms; last frame:\n${f}`);
    await new Promise<void>((r) => { setImmediate(r); });
  }
}

const mounted: { unmount(): void }[] = [];
afterEach(() => { for (const m of mounted.splice(0)) m.unmount(); });

function mount(store: CaptureStore, cols = 100, rows = 30): ReturnType<typeof render> {
  const r = render(app(store, cols, rows));
  mounted.push(r);
  return r;
}

describe('screens (renderToString, no colour)', async () => {
  const store = await loadStore(WS_CORRUPT, DEFAULT_TUI_LIMITS, 'samples/ws-corrupt-first-byte.pcap');

  test('80×24: every pane fits, nothing wraps, no escape codes', () => {
    const out = renderToString(app(store, 80, 24), { columns: 80 });
    const lines = out.split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(out).not.toContain(ESC);
    expect(out).toMatch(/1 CONNECTIONS {2}1/);
    expect(out).toMatch(/C1 +autopsy-ws-corrupt +ws +3\.1\.1 .* malformed_packet/);
    expect(out).toContain('2 PACKETS  C1 · 6');
    expect(out).toContain('4 VERDICT  C1 · malformed_packet (high) · closed by broker (tcp_fin)');
    expect(out).toContain(`frame ${BAD_FRAME} +72  mqtt.publish.qos3`);
  });

  test('the first screen of the sample (80×24)', () => {
    expect(normalizeScreen(renderToString(app(store, 80, 24), { columns: 80 }))).toMatchSnapshot();
  });

  test('a million packets render as fast as six: only the visible rows are read', () => {
    const table = new PacketTable(DEFAULT_TUI_LIMITS.blockRows, 10);
    const e = store.connections[0]!;
    for (let i = 0; i < 1_000_000; i++) {
      table.append({ frame: i + 1, firstFrame: i + 1, frameOffset: 66, ts: e.conn.start, dir: i % 2 ? 's2c' : 'c2s', type: 'PUBLISH',
        firstByte: 0x30, level: 4, packetId: null, reasonCode: null, topic: `t/${i}`, size: 12, streamOffset: i * 12, seq: 0, anomalies: [] });
    }
    const big: ConnEntry = { conn: e.conn, verdict: null, packets: table };
    const list = { count: table.kept, indexAt: (p: number) => p, positionOf: (i: number) => i };
    const t0 = performance.now();
    const out = renderToString(createElement(PacketsPane, { entry: big, list, store, cursor: { index: 999_999, top: 999_990 }, rows: 11,
      width: 100, focused: true, filter: '', follow: false }), { columns: 100 });
    expect(performance.now() - t0).toBeLessThan(500);
    expect(out.split('\n')).toHaveLength(12);
    expect(out).toContain('> 1000000 ');
    expect(out).toContain('t/999999');
    expect(out).not.toContain('t/999989');
  });

  test('colour only when asked for', () => {
    expect(tint({ color: false }, 'red')).toEqual({});
    expect(tint({ color: true }, 'red')).toEqual({ color: 'red' });
    expect(tint({ color: true }, undefined)).toEqual({});
  });
});

describe('interaction (ink-testing-library)', () => {
  test('open the connection, the last packet, its detail: verdict, field tree, marked byte; w shows the wire byte', async () => {
    const store = await loadStore(WS_CORRUPT);
    const { stdin, lastFrame } = mount(store, 100, 40);
    await frameWhere(lastFrame, (f) => f.includes('CONNECTIONS'));
    stdin.write('\r');
    await frameWhere(lastFrame, (f) => f.includes('▸ 2 PACKETS'));
    stdin.write('G');
    await frameWhere(lastFrame, (f) => /> +6 .*PUBLISH q3 +26725 autopsy\/test/.test(f));
    stdin.write('\r');
    const detail = await frameWhere(lastFrame, (f) => f.includes(`▸ 3 DETAIL  #6 PUBLISH · frame ${BAD_FRAME}`));
    expect(detail).toContain('malformed_packet');
    expect(detail).toMatch(new RegExp(`✗ mqtt\\.publish\\.qos3 \\(error\\) frame ${BAD_FRAME} \\+72 · payload byte \\d+ = 0x36, on the wire 0x01 \\(masked\\)`));
    expect(detail).toContain('qos = 3');
    expect(detail).toContain('topic = "autopsy/test"');
    expect(detail).toMatch(/0000\{36\}13 00 0c 61 75 74 6f/);
    stdin.write('w');
    const wire = await frameWhere(lastFrame, (f) => f.includes(`frame ${BAD_FRAME} as on the wire (masked)`));
    expect(wire).toMatch(/0040 .*<01>e9/);
    stdin.write('j'); // hdrflags: mapped onto the wire byte too
    await frameWhere(lastFrame, (f) => /0040 .*\{01\}e9/.test(f));
  });

  test('Enter on an evidence item jumps to its packet', async () => {
    const store = await loadStore(WS_CORRUPT);
    const { stdin, lastFrame } = mount(store);
    await frameWhere(lastFrame, (f) => f.includes('CONNECTIONS'));
    stdin.write('4');
    await frameWhere(lastFrame, (f) => f.includes('▸ 4 VERDICT'));
    stdin.write('\r');
    const f = await frameWhere(lastFrame, (x) => x.includes('▸ 3 DETAIL  #6 PUBLISH'));
    expect(f).toContain(`  frame ${BAD_FRAME}`);
  });

  test('/ filters the packets; ? shows the keys', async () => {
    const store = await loadStore(WS_CORRUPT);
    const { stdin, lastFrame } = mount(store);
    await frameWhere(lastFrame, (f) => f.includes('CONNECTIONS'));
    stdin.write('2');
    stdin.write('/');
    await frameWhere(lastFrame, (f) => f.includes('/ packets:'));
    stdin.write('type:ping');
    const filtered = await frameWhere(lastFrame, (f) => f.includes('2 of 6'));
    expect(filtered).toContain('PINGREQ');
    expect(filtered).not.toContain('CONNACK');
    stdin.write('\r');
    await frameWhere(lastFrame, (f) => f.includes('filter: type:ping') && !f.includes('/ packets:'));
    stdin.write('?');
    const help = await frameWhere(lastFrame, (f) => f.includes('mqtt-autopsy tui — keys'));
    expect(help).toContain('Enter');
    stdin.write('x');
    await frameWhere(lastFrame, (f) => f.includes('2 PACKETS'));
  });

  test('a lists the capture\'s anomalies; Enter opens the packet of one', async () => {
    const store = await loadStore(WS_CORRUPT);
    const { stdin, lastFrame } = mount(store, 100, 30);
    await frameWhere(lastFrame, (f) => f.includes('CONNECTIONS'));
    stdin.write('a');
    const list = await frameWhere(lastFrame, (f) => f.includes('0 ANOMALIES  2'));
    expect(list).toMatch(/frame \d+ \+72 +C1 +c2s error mqtt\.publish\.qos3/);
    stdin.write('G');
    await frameWhere(lastFrame, (f) => /> frame \d+ \+72/.test(f));
    stdin.write('\r');
    const f = await frameWhere(lastFrame, (x) => x.includes('▸ 3 DETAIL  #6 PUBLISH'));
    expect(f).toContain('> ✗ mqtt.publish.qos3 (error)');
  });

  test('credentials: the CONNECT password is <redacted> in the tree and ** in the hex', async () => {
    const store = await loadStore(resolve(SAMPLES, 'connect-refused.pcap'));
    const { stdin, lastFrame } = mount(store, 100, 40);
    await frameWhere(lastFrame, (f) => f.includes('CONNECTIONS'));
    // The connection whose CONNECT carries a password: the refused one.
    const target = store.connections.findIndex((e) => e.verdict?.cause === 'auth_rejected');
    stdin.write('j'.repeat(target));
    stdin.write('3'); // detail of its first packet, the CONNECT
    stdin.write('G'); // its last field: the password
    const f = await frameWhere(lastFrame, (x) => x.includes('> passwd = <redacted>'));
    expect(f).toMatch(/\[\*\*( \*\*)*\]/);
  });

  test('live: connections and packets appear as batches are committed', async () => {
    const store = new CaptureStore('stdin');
    const { lastFrame } = mount(store);
    await frameWhere(lastFrame, (f) => f.includes('no MQTT connection yet'));
    await feedStore(store, WS_CORRUPT);
    const f = await frameWhere(lastFrame, (x) => x.includes('autopsy-ws-corrupt'));
    expect(f).toContain('end of capture');
  });

  test('q quits', async () => {
    const store = await loadStore(WS_CORRUPT);
    let quit = false;
    const r = render(createElement(App, { store, color: false, showCredentials: false, size: { cols: 100, rows: 30 }, onQuit: () => { quit = true; } }));
    mounted.push(r);
    await frameWhere(r.lastFrame, (f) => f.includes('CONNECTIONS'));
    r.stdin.write('q');
    const deadline = Date.now() + 3000;
    while (!quit && Date.now() < deadline) await new Promise<void>((res) => { setImmediate(res); });
    expect(quit).toBe(true);
  });
});
