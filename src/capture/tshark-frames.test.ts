/**
 * Every capture in the shared corpus (found by magic, pcap and pcapng alike) reads without an
 * error-severity diagnostic and with exactly as many frames as tshark counts
 * (`tshark -r F -T fields -e frame.number`, one line per frame). Needs tshark, as CI has.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { diagSpec } from '../diag/registry.js';
import { openFileSource, readCapture } from './read.js';
import { sniffMagic } from './sniff.js';
import type { CaptureDiagnostic } from './types.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = resolve(REPO, '../shared/corpus');

function captures(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return captures(p);
    const magic = sniffMagic(readFileSync(p).subarray(0, 12), true);
    return magic !== null && magic !== 'need-more' ? [p] : [];
  });
}

function tsharkFrames(file: string): number {
  const out = execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

const files = captures(CORPUS).map((f) => ({ f, name: relative(CORPUS, f) }));

describe('frame counts equal tshark', () => {
  test('the corpus is there, pcapng included', () => {
    expect(files.length).toBeGreaterThanOrEqual(39);
    expect(files.filter(({ f }) => readFileSync(f)[0] === 0x0a).length).toBeGreaterThanOrEqual(3);
  });

  test.each(files)('$name', async ({ f }) => {
    const diagnostics: CaptureDiagnostic[] = [];
    const info = await readCapture(openFileSource(f), { record: () => {}, diagnostic: (d) => diagnostics.push(d) });
    expect(diagnostics.filter((d) => diagSpec(d.code).severity === 'error')).toEqual([]);
    expect(info.frames).toBe(tsharkFrames(f));
  });
});
