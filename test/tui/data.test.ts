/**
 * The data side on real captures (samples/, recorded from a real mosquitto): the feed's rows, kept
 * bytes and frames, the detail re-decode, wire-byte mapping, credential hiding, the keep-alive strip,
 * and every memory bound (rows dropped in blocks, bytes evicted, anomaly packets pinned).
 */
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ByteCache } from '../../src/tui/byte-cache.js';
import { credentialRanges, decodeFields, detailRows, fieldText, payloadMarks, wireContiguous, wireFrameOf, wireMarks } from '../../src/tui/detail.js';
import { markOf, MARK_ANOMALY, MARK_FIELD } from '../../src/tui/hex.js';
import { DEFAULT_TUI_LIMITS } from '../../src/tui/limits.js';
import { PacketTable, type RowInput } from '../../src/tui/packet-table.js';
import { initialState, type UiState } from '../../src/tui/state.js';
import { timelineStrip } from '../../src/tui/timeline.js';
import { StoreView } from '../../src/tui/view.js';
import { SAMPLES } from '../support/cli.js';
import { loadStore } from './support.js';

const sample = (name: string): string => resolve(SAMPLES, name);

describe('ws-corrupt-first-byte: the masked corrupted byte', async () => {
  const store = await loadStore(sample('ws-corrupt-first-byte.pcap'));
  const entry = store.connections[0]!;
  const bad = entry.packets.row(5)!;
  const kept = store.bytes.get(bad.seq)!;

  test('one WebSocket connection, six packets, the verdict', () => {
    expect(store.connections).toHaveLength(1);
    expect(entry.conn.transport).toBe('websocket');
    expect(entry.packets.length).toBe(6);
    expect(entry.verdict?.cause).toBe('malformed_packet');
    expect(entry.verdict?.evidence[0]).toMatchObject({ frame: 14, offset: 72 });
  });

  test('the bad PUBLISH row: frame 14, first byte 0x36, its anomaly', () => {
    expect(bad).toMatchObject({ type: 'PUBLISH', frame: 14, firstFrame: 14, firstByte: 0x36, packetId: 26725, topic: 'autopsy/test',
      dir: 'c2s', size: 21, hasError: true });
    expect(bad.anomalies.map((a) => a.code)).toEqual(['mqtt.publish.qos3']);
    expect(bad.anomalies[0]!.websocket).toEqual({ payloadOffset: 54, byte: 0x36, wireByte: 0x01 });
  });

  test('its bytes and its wire frame are kept as copies', () => {
    expect(kept.bytes[0]).toBe(0x36);
    expect(kept.bytes.length).toBe(21);
    expect([...kept.frames.keys()]).toEqual([14]);
    expect(kept.frames.get(14)![72]).toBe(0x01);
    expect(Buffer.isBuffer(kept.bytes)).toBe(false); // a Buffer "copy" made with slice() would be a view
  });

  test('detail mode: the anomaly first, then the field tree with byte ranges', () => {
    const rows = detailRows(bad, kept);
    expect(rows[0]).toMatchObject({ kind: 'anomaly', at: { offset: 0, length: 1 } });
    const fields = rows.flatMap((r) => (r.kind === 'field' ? [fieldText(r.field, kept.bytes, false)] : []));
    expect(fields).toEqual(expect.arrayContaining(['hdrflags = 0x36', 'msgtype = 3 PUBLISH', 'qos = 3', 'topic = "autopsy/test"', 'msgid = 26725']));
    const marks = payloadMarks(rows, 0);
    expect(markOf(marks, 0)).toBe(MARK_ANOMALY | MARK_FIELD);
    expect(markOf(marks, 1)).toBe(0);
  });

  test('wire view: the packet sits in frame 14 under one masking key, so fields map onto the wire bytes', () => {
    const frame = kept.frames.get(14)!;
    expect(wireFrameOf(bad, kept)).toBe(14);
    expect(wireContiguous(bad, kept.bytes, frame, true)).toBe(true);
    expect(wireContiguous(bad, kept.bytes, frame, false)).toBe(false); // masked bytes differ from the payload
    const rows = detailRows(bad, kept);
    const topic = rows.findIndex((r) => r.kind === 'field' && r.field.name === 'mqtt.topic');
    const marks = wireMarks(rows, topic, 14, bad.frameOffset);
    expect(bad.frameOffset).toBe(72);
    expect(markOf(marks, 72)).toBe(MARK_ANOMALY);
    expect(markOf(marks, 76)).toBe(MARK_FIELD); // topic: after the 2 header bytes and the 2-byte length
  });

  test('the view: filtering, frame lookup', () => {
    const view = new StoreView(store);
    const s: UiState = { ...initialState({ cols: 80, rows: 24 }), filters: { connections: '', packets: 'type:PUBLISH' } };
    expect(view.count(s, 'packets')).toBe(2);
    expect(view.locateFrame(s, 14)).toEqual({ position: 1, exact: true });
    const all = initialState({ cols: 80, rows: 24 });
    expect(view.locateFrame(all, 15)).toEqual({ position: 5, exact: false }); // the FIN frame
    expect(view.count({ ...all, filters: { connections: 'cause:keepalive', packets: '' } }, 'connections')).toBe(0);
    expect(view.count({ ...all, filters: { connections: 'cause:malformed transport:ws', packets: '' } }, 'connections')).toBe(1);
  });
});

test('MQTT over TCP: the packet bytes are the wire bytes', async () => {
  const store = await loadStore(sample('corrupt-first-byte-tcp.pcap'));
  const entry = store.connections.find((e) => e.verdict?.cause === 'malformed_packet')!;
  let checked = 0;
  for (let i = entry.packets.first; i < entry.packets.length; i++) {
    const row = entry.packets.row(i)!;
    const kept = store.bytes.get(row.seq)!;
    const frame = kept.frames.get(row.frame);
    if (frame === undefined || row.firstFrame !== row.frame) continue;
    expect(wireContiguous(row, kept.bytes, frame, false)).toBe(true);
    checked++;
  }
  expect(checked).toBeGreaterThan(0);
});

test('credentials: the CONNECT password is withheld in the tree and hidden in the hex', async () => {
  const store = await loadStore(sample('connect-refused.pcap'));
  const withPassword = store.connections.flatMap((e) => [...Array(e.packets.length).keys()].map((i) => e.packets.row(i)!))
    .find((r) => r.type === 'CONNECT' && (r.firstByte >>> 4) === 1 && decodeFields(store.bytes.get(r.seq)!.bytes, r.level)
      .some((f) => f.name === 'mqtt.passwd'))!;
  const kept = store.bytes.get(withPassword.seq)!;
  const rows = detailRows(withPassword, kept);
  const pw = rows.find((r) => r.kind === 'field' && r.field.name === 'mqtt.passwd')!;
  if (pw.kind !== 'field') throw new Error('unreachable');
  expect(fieldText(pw.field, kept.bytes, false)).toMatch(/^passwd = <redacted> \(\d+ B\)$/);
  expect(credentialRanges(rows, false)).toEqual([{ offset: pw.field.offset, length: pw.field.length }]);
  expect(credentialRanges(rows, true)).toEqual([]);
});

test('keep-alive strip: the deadline (1.5 × 2 s after the CONNECT) comes before the broker close', async () => {
  const store = await loadStore(sample('keepalive-timeout.pcap'));
  const entry = store.connections[0]!;
  expect(entry.verdict?.cause).toBe('keepalive_timeout');
  const t = timelineStrip(entry.conn, entry.packets, 60);
  expect(t.strip).toHaveLength(60);
  expect(t.strip.indexOf('D')).toBeGreaterThan(t.strip.indexOf('c'));
  expect(t.strip.indexOf('X')).toBeGreaterThan(t.strip.indexOf('D'));
  expect(t.legend).toMatch(/1\.5×2s = \+3\.\ds/);
  expect(t.legend).toMatch(/X broker FIN/);
});

describe('memory bounds', () => {
  test('summary rows: the oldest block of the largest connection is dropped, and counted', async () => {
    const store = await loadStore(sample('clean-qos012.pcap'), { ...DEFAULT_TUI_LIMITS, blockRows: 4, maxRows: 12 });
    const kept = store.connections.reduce((n, e) => n + e.packets.kept, 0);
    expect(kept).toBeLessThanOrEqual(12);
    expect(store.stats.rowsDropped).toBeGreaterThan(0);
    expect(kept + store.stats.rowsDropped).toBe(store.stats.packets);
    const trimmed = store.connections.find((e) => e.packets.first > 0)!;
    expect(trimmed.packets.row(0)).toBeNull();
    expect(trimmed.packets.row(trimmed.packets.first)).not.toBeNull();
  });

  test('packet bytes: newest N kept, anomaly packets pinned', async () => {
    const store = await loadStore(sample('ws-corrupt-first-byte.pcap'), { ...DEFAULT_TUI_LIMITS, keptPackets: 2, pinnedPackets: 5 });
    const rows = [...Array(6).keys()].map((i) => store.connections[0]!.packets.row(i)!);
    const keptFlags = rows.map((r) => store.bytes.get(r.seq) !== undefined);
    // CONNECT (a note) and the bad PUBLISH are pinned; of the rest only the newest two remain.
    expect(keptFlags).toEqual([true, false, false, true, true, true]);
    expect(store.bytes.evicted).toBe(2);
  });

  test('the byte budget evicts too', () => {
    const cache = new ByteCache({ keptPackets: 100, keptBytes: 250, pinnedPackets: 0 });
    for (let seq = 1; seq <= 5; seq++) cache.put(seq, { bytes: new Uint8Array(100), frames: new Map() }, false);
    expect(cache.size).toBe(2);
    expect(cache.totalBytes).toBeLessThanOrEqual(250);
    expect(cache.get(1)).toBeUndefined();
    expect(cache.get(5)).toBeDefined();
  });

  test('a million packet rows: appended and read back fast, in tens of MB', () => {
    const table = new PacketTable(DEFAULT_TUI_LIMITS.blockRows, DEFAULT_TUI_LIMITS.anomalyRowsPerConnection);
    const base: RowInput = { frame: 0, firstFrame: 0, frameOffset: 66, ts: { sec: 1_800_000_000, nsec: 0, precision: 'us' }, dir: 'c2s',
      type: 'PUBLISH', firstByte: 0x32, level: 4, packetId: 1, reasonCode: null, topic: 'sensors/t', size: 20, streamOffset: 0, seq: 0, anomalies: [] };
    globalThis.gc?.();
    const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      table.append({ ...base, frame: i + 1, firstFrame: i + 1, seq: i + 1, packetId: i & 0xffff, ts: { sec: 1_800_000_000 + (i >> 10), nsec: i, precision: 'us' } });
    }
    const appendMs = performance.now() - t0;
    const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    expect(table.length).toBe(1_000_000);
    expect(table.row(999_999)).toMatchObject({ frame: 1_000_000, packetId: 999_999 & 0xffff, topic: 'sensors/t' });
    const t1 = performance.now();
    for (let i = 0; i < 10_000; i++) table.row((i * 7919) % 1_000_000);
    expect(performance.now() - t1).toBeLessThan(200);
    expect(table.indexOfFrame(777_777)).toEqual({ index: 777_776, exact: true });
    expect(appendMs).toBeLessThan(5000);
    expect(heap1 - heap0).toBeLessThan(150 * 1024 * 1024);
  });
});

describe('filter: the CLI expressions, else quick-search words', async () => {
  const store = await loadStore(sample('ws-corrupt-first-byte.pcap'));
  const view = new StoreView(store);
  const base = initialState({ cols: 80, rows: 24 });
  const packets = (text: string): number => view.count({ ...base, filters: { connections: '', packets: text } }, 'packets');
  const connections = (text: string): number => view.count({ ...base, filters: { connections: text, packets: '' } }, 'connections');

  test.each([
    ['type == PUBLISH', 2], ['type == PUBLISH and qos == 3', 1], ['severity >= error', 1], ['severity >= note', 2],
    ['topic ~ "autopsy/+"', 2], ['dir == s2c', 2], ['not type == PUBLISH', 4], ['frame == 11', 2], ['id == 26725', 1],
    ['clientid == autopsy-ws-corrupt and type == PINGREQ', 1],
  ])('expression %s → %i packets', (text, n) => {
    expect(view.query({ ...base, filters: { connections: '', packets: text } }, 'packets').grammar).toBe('expression');
    expect(packets(text)).toBe(n);
  });

  test.each([['ping', 2], ['type:PUBLISH', 2], ['!type:PUBLISH', 4], ['has:error', 1], ['autopsy/test', 2]])('words %s → %i packets', (text, n) => {
    expect(packets(text)).toBe(n);
  });

  test('an expression that does not parse yet leaves the list whole and says why', () => {
    const q = view.query({ ...base, filters: { connections: '', packets: 'type ==' } }, 'packets');
    expect(q.all).toBe(true);
    expect(q.error).toMatch(/expected a value/);
    expect(packets('type ==')).toBe(6);
  });

  test('connections: cause, transport, client id', () => {
    expect(connections('cause == malformed_packet')).toBe(1);
    expect(connections('cause == keepalive_timeout')).toBe(0);
    expect(connections('transport == websocket and clientid ~ "autopsy-*"')).toBe(1);
    expect(connections('cause:malformed')).toBe(1);
  });
});
