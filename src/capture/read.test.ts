/**
 * readCapture and openFileSource: files, async sources, gzip found by magic (whole, cut short,
 * damaged, not a capture inside), unreadable paths and the interrupt.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { toHex } from '../bytes/hex.js';
import { fillBytes, writePcap, writePcapng, type WritePacket } from '../../test/support/capture-writer.js';
import { openFileSource, readCapture } from './read.js';
import { CaptureInputError, type CaptureDiagnostic, type CaptureRecord } from './types.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = resolve(REPO, '../shared/corpus');
const JPEG = join(CORPUS, 'suricata-verify/mqtt-pub-rules/mqtt5_pub_jpeg.pcap');
const PCAPNG = join(CORPUS, 'ipfixprobe/mqtt.pcap');

const tmp = mkdtempSync(join(tmpdir(), 'capture-read-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An async source yielding `bytes` in chunks of `size` (fresh copies, like a real reader). */
async function* source(bytes: Uint8Array, size = 1 << 20): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function read(src: AsyncIterable<Uint8Array>, opts: Parameters<typeof readCapture>[2] = {}) {
  const records: CaptureRecord[] = [];
  const diagnostics: CaptureDiagnostic[] = [];
  const info = await readCapture(src, { record: (r) => records.push(r), diagnostic: (d) => diagnostics.push(d) }, opts);
  return { info, records, diagnostics, summary: records.map((r) => `${r.frame} ${r.ts.sec}.${r.ts.nsec} ${r.capLen}/${r.origLen} ${toHex(r.data)}`) };
}

const packets: WritePacket[] = Array.from({ length: 50 }, (_, i) => ({ ts: { sec: 1000 + i, nsec: i * 1000 }, data: fillBytes(100 + i * 7, i) }));

describe('readCapture', () => {
  test('a file through openFileSource: records, and the facts about it', async () => {
    const r = await read(openFileSource(PCAPNG));
    expect(r.info).toEqual({ format: 'pcapng', gzip: false, linkTypes: [113], frames: 24, bytes: readFileSync(PCAPNG).length });
    expect(r.diagnostics).toEqual([]);
    expect(r.records.map((x) => x.frame)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  test('any chunk size gives the same records', async () => {
    const bytes = writePcapng(packets);
    const whole = await read(source(bytes));
    for (const size of [1, 3, 64, 1000]) expect((await read(source(bytes, size))).summary).toEqual(whole.summary);
  });

  test('empty chunks are harmless', async () => {
    const bytes = writePcap(packets);
    async function* withEmpties(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(0);
      yield bytes.subarray(0, 1);
      yield new Uint8Array(0);
      yield bytes.subarray(1);
    }
    expect((await read(withEmpties())).records.length).toBe(50);
  });

  test('a missing file is an input.unreadable error naming the path', async () => {
    const missing = join(tmp, 'nope.pcap');
    await expect(read(openFileSource(missing))).rejects.toThrow(new CaptureInputError('input.unreadable',
      `cannot read ${missing}: no such file or directory`));
  });

  test('a directory is an input.unreadable error', async () => {
    await expect(read(openFileSource(tmp))).rejects.toMatchObject({ code: 'input.unreadable',
      message: `cannot read ${tmp}: is a directory` });
  });

  test('a failing source (a broken pipe) is an input.unreadable error', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield writePcap(packets).subarray(0, 300);
      throw new Error('read EPIPE');
    }
    const records: CaptureRecord[] = [];
    await expect(readCapture(broken(), { record: (r) => records.push(r), diagnostic: () => {} }, { name: '-' }))
      .rejects.toMatchObject({ code: 'input.unreadable', message: 'cannot read stdin: read EPIPE' });
    expect(records.length).toBeGreaterThan(0);
  });

  test('an exception from a handler is not disguised as an input error', async () => {
    const bug = new Error('engine bug');
    await expect(readCapture(source(writePcap(packets)), { record: () => { throw bug; }, diagnostic: () => {} }))
      .rejects.toBe(bug);
  });

  test('a non-capture names the input; stdin reads as "stdin"', async () => {
    const text = new TextEncoder().encode('just some text\n');
    await expect(read(source(text), { name: 'notes.txt' })).rejects.toMatchObject({ code: 'input.not_capture',
      message: 'notes.txt: not a pcap or pcapng capture: looks like text: "just some text\\n"' });
    await expect(read(source(new Uint8Array(0)), { name: '-' })).rejects.toMatchObject({ code: 'input.empty',
      message: 'stdin: empty input: no bytes to read' });
  });

  test('stop: reading ends where it is, without a truncation diagnostic', async () => {
    const bytes = writePcap(packets);
    let release!: () => void;
    const stop = new Promise<void>((r) => { release = r; });
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 500);
      release();
      await new Promise(() => {}); // like a live pipe that never sends more
    }
    const r = await read(slow(), { stop });
    expect(r.diagnostics).toEqual([]);
    expect(r.info.frames).toBe(r.records.length);
    expect(r.records.length).toBeGreaterThan(0);
    expect(r.records.length).toBeLessThan(50);
  });
});

describe('gzip', () => {
  test('a gzip-compressed corpus file gives the same records (found by magic, not by name)', async () => {
    const plain = readFileSync(JPEG);
    const gz = gzipSync(plain);
    const path = join(tmp, 'capture.bin');
    writeFileSync(path, gz);
    const a = await read(openFileSource(JPEG));
    const b = await read(openFileSource(path));
    expect(b.summary).toEqual(a.summary);
    expect(b.diagnostics).toEqual(a.diagnostics);
    expect(b.info).toEqual({ ...a.info, gzip: true, bytes: gz.length });
  });

  test('the gzip magic split across the first two chunks', async () => {
    const gz = gzipSync(writePcapng(packets));
    const r = await read(source(gz, 1));
    expect(r.info.gzip).toBe(true);
    expect(r.records.length).toBe(50);
  });

  test('a truncated gzip: what was decompressed is delivered, then capture.gzip.corrupt, no throw', async () => {
    const plain = writePcap(packets);
    const gz = gzipSync(plain);
    const whole = await read(source(plain));
    const r = await read(source(gz.subarray(0, Math.floor(gz.length * 0.6)), 512));
    expect(r.records.length).toBeGreaterThan(0);
    expect(r.records.length).toBeLessThan(50);
    expect(r.summary).toEqual(whole.summary.slice(0, r.records.length));
    expect(r.diagnostics[0]).toMatchObject({ code: 'capture.gzip.corrupt' });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['capture.gzip.corrupt', 'capture.truncated_record']);
  });

  test('a damaged gzip stream gives a diagnostic, never a throw, once the capture header was read', async () => {
    const gz = gzipSync(writePcap(packets));
    for (const at of [Math.floor(gz.length / 3), Math.floor(gz.length / 2), gz.length - 6]) {
      const bad = Uint8Array.from(gz);
      bad[at] = bad[at]! ^ 0x55;
      const r = await read(source(bad, 256));
      // A flipped bit either breaks the deflate stream (capture.gzip.corrupt) or decodes into damaged
      // capture bytes the parser reports itself; the CRC is only checked at the very end.
      expect(r.diagnostics.length, `${at}: ${JSON.stringify(r.diagnostics)}`).toBeGreaterThan(0);
    }
  });

  test('a gzip damaged before the capture header is a usage error', async () => {
    const gz = gzipSync(writePcap(packets));
    const bad = Uint8Array.from(gz);
    bad[10] = 0xff; // first byte of the deflate stream: an invalid block type
    bad[11] = 0xff;
    await expect(read(source(bad), { name: 'x.gz' })).rejects.toMatchObject({ code: 'input.not_capture',
      message: expect.stringMatching(/^x\.gz: gzip-compressed, but damaged before any capture data \(.+\)$/) as unknown });
  });

  test('a gzip whose content is not a capture', async () => {
    const gz = gzipSync(new TextEncoder().encode('<html><body>Not Found</body></html>'));
    await expect(read(source(gz), { name: 'dump.pcap.gz' })).rejects.toMatchObject({ code: 'input.not_capture',
      message: 'dump.pcap.gz: gzip-compressed, but not a pcap or pcapng capture inside: looks like an HTML page' });
    await expect(read(source(gzipSync(new Uint8Array(0))))).rejects.toMatchObject({ code: 'input.empty',
      message: 'gzip-compressed, but empty inside' });
  });
});
