/** The progress bar: only for files over 20 MB, only when stderr is a terminal, erased before the output. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { PROGRESS_MIN_BYTES, progressLine, ProgressBar } from '../../src/cli/progress.js';
import { writePcap, type WritePacket } from '../support/capture-writer.js';
import { SAMPLES } from '../support/cli.js';
import { run } from './run.js';

const MB = 1024 * 1024;

describe('progressLine', () => {
  test.each([
    [0, 100 * MB, 0, '[                        ]    0.0/100.0 MB     0.0 MB/s  ETA -:--'],
    [50 * MB, 100 * MB, 2000, '[===========>            ]   50.0/100.0 MB    25.0 MB/s  ETA 0:02'],
    [100 * MB, 100 * MB, 4000, '[========================]  100.0/100.0 MB    25.0 MB/s  ETA 0:00'],
    [30 * MB, 1000 * MB, 1000, '[                        ]   30.0/1000.0 MB    30.0 MB/s  ETA 0:32'],
  ])('%i of %i after %i ms', (done, total, ms, want) => {
    expect(progressLine(done, total, ms)).toBe(want);
  });

  test('redraws at most every 100 ms, always at the end, and erases itself', () => {
    let now = 0;
    let err = '';
    const bar = new ProgressBar(10, { write: (s: string) => { err += s; }, isTTY: true }, () => now);
    bar.add(1);
    now = 50;
    bar.add(1);
    expect(err.split('\r').length - 1).toBe(1);
    now = 200;
    bar.add(1);
    now = 210;
    bar.add(7);
    expect(err.split('\r').length - 1).toBe(3);
    expect(err).toMatch(/\[=+\] +0\.0\/0\.0 MB/);
    bar.clear();
    expect(err.endsWith('\r\u001b[K')).toBe(true);
  });
});

describe('on a real run', () => {
  let big = '';
  beforeAll(() => {
    // Just over the threshold: frames no layer decodes (an unused EtherType), so the run is quick.
    const frame = new Uint8Array(1500);
    frame.set([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x88, 0xb5]);
    const n = Math.ceil(PROGRESS_MIN_BYTES / 1516) + 100;
    const packets: WritePacket[] = Array.from({ length: n }, (_, i) => ({ ts: { sec: 1_700_000_000 + i, nsec: 0 }, data: frame }));
    big = join(mkdtempSync(join(tmpdir(), 'autopsy-progress-')), 'big.pcap');
    writeFileSync(big, writePcap(packets));
  });

  test('a bar on a terminal stderr for a file over 20 MB, erased before the table', async () => {
    const r = await run(['analyze', big], { stderrTTY: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\r\[[=> ]+\] +[\d.]+\/20\.\d MB +[\d.]+ MB\/s {2}ETA \d+:\d\d\u001b\[K/);
    expect(r.stderr).toMatch(/\r\[=+\] +20\.\d\/20\.\d MB/);
    expect(r.stderr.endsWith('\r\u001b[K')).toBe(true);
    expect(r.stdout).toMatch(/No MQTT connections found/);
  });

  test('nothing on stderr when it is not a terminal, with --quiet, or for a small file', async () => {
    expect((await run(['analyze', big])).stderr).toBe('');
    expect((await run(['analyze', big, '--quiet'], { stderrTTY: true })).stderr).toBe('');
    expect((await run(['analyze', join(SAMPLES, 'clean-qos012.pcap')], { stderrTTY: true })).stderr).toBe('');
  });

  test('no bar while lines stream to the same terminal; a bar when they go to a pipe or a file', async () => {
    expect((await run(['packets', big], { stderrTTY: true, stdoutTTY: true })).stderr).toBe('');
    expect((await run(['analyze', big, '--ndjson'], { stderrTTY: true, stdoutTTY: true })).stderr).toBe('');
    expect((await run(['packets', big], { stderrTTY: true })).stderr).toMatch(/MB\/s/);
  });
});
