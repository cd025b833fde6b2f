/**
 * Oracle: for every classic pcap in the shared corpus (found by magic: some `.pcap` files are pcapng),
 * our records equal, field for field and byte for byte, what the independent npm parser
 * `pcap-parser` 0.2.1 yields (it reads microsecond pcap in either byte order).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type PcapPacket } from 'pcap-parser';
import { describe, expect, test } from 'vitest';
import { toHex } from '../bytes/hex.js';
import { openFileSource, readCapture } from './read.js';
import type { CaptureDiagnostic, CaptureRecord } from './types.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = resolve(REPO, '../shared/corpus');

/** Microsecond classic pcap magics, as the first four bytes appear in the file. */
const CLASSIC_US = new Set(['a1b2c3d4', 'd4c3b2a1']);

function classicPcaps(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return classicPcaps(p);
    const head = readFileSync(p).subarray(0, 4);
    return head.length === 4 && CLASSIC_US.has(toHex(head)) ? [p] : [];
  });
}

function oracle(path: string): Promise<PcapPacket[]> {
  return new Promise((resolvePackets, reject) => {
    const packets: PcapPacket[] = [];
    const parser = parse(path);
    parser.on('packet', (p) => packets.push(p));
    parser.on('error', reject);
    parser.on('end', () => resolvePackets(packets));
  });
}

const files = classicPcaps(CORPUS).map((f) => ({ f, name: relative(CORPUS, f) }));

describe('classic pcap records equal pcap-parser 0.2.1', () => {
  test('the corpus has classic pcaps to compare', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  test.each(files)('$name', async ({ f }) => {
    const records: CaptureRecord[] = [];
    const diagnostics: CaptureDiagnostic[] = [];
    await readCapture(openFileSource(f), { record: (r) => records.push(r), diagnostic: (d) => diagnostics.push(d) });
    const theirs = await oracle(f);
    const ours = records.map((r) => ({ capLen: r.capLen, origLen: r.origLen, sec: r.ts.sec, usec: r.ts.nsec / 1000, data: toHex(r.data) }));
    const expected = theirs.map((p) => ({
      capLen: p.header.capturedLength, origLen: p.header.originalLength,
      sec: p.header.timestampSeconds, usec: p.header.timestampMicroseconds, data: toHex(p.data),
    }));
    expect(ours.length).toBe(expected.length);
    expect(ours).toEqual(expected);
    expect(diagnostics.filter((d) => d.code !== 'capture.snaplen_truncated')).toEqual([]);
  });
});
