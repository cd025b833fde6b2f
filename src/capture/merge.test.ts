/**
 * readCaptures: several inputs merged in timestamp order (ties to the earlier input), frames numbered
 * in merged order with `input`/`fileFrame` kept, bounded lookahead per input, errors before records.
 */
import { fc, test } from '@fast-check/vitest';
import { gzipSync } from 'node:zlib';
import { describe, expect } from 'vitest';
import { fillBytes, writePcap, writePcapng, type WritePacket } from '../../test/support/capture-writer.js';
import { readCaptures, type NamedSource } from './merge.js';
import { readCapture } from './read.js';
import { CaptureInputError, type CaptureDiagnostic, type CaptureRecord } from './types.js';

/** An async source of `bytes` in `size`-byte chunks; `pulled` counts the bytes handed out so far. */
function chunked(bytes: Uint8Array, size = 1 << 20): AsyncIterable<Uint8Array> & { pulled: number } {
  const src = {
    pulled: 0,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += size) {
        const c = bytes.slice(i, i + size);
        src.pulled += c.length;
        yield c;
      }
    },
  };
  return src;
}

const at = (sec: number, data = fillBytes(20, sec), origLen?: number): WritePacket =>
  (origLen === undefined ? { ts: { sec, nsec: 0 }, data } : { ts: { sec, nsec: 0 }, data, origLen });

async function merged(sources: NamedSource[]) {
  const records: CaptureRecord[] = [];
  const diagnostics: CaptureDiagnostic[] = [];
  const infos = await readCaptures(sources, { record: (r) => records.push(r), diagnostic: (d) => diagnostics.push(d) });
  return { infos, records, diagnostics };
}

describe('readCaptures', () => {
  test('records of two files interleave by time; frames count in merged order', async () => {
    const a = writePcap([at(1), at(3), at(5)]);
    const b = writePcapng([at(2), at(4), at(6)]);
    const r = await merged([{ name: 'a.pcap', source: chunked(a) }, { name: 'b.pcapng', source: chunked(b) }]);
    expect(r.records.map((x) => [x.frame, x.ts.sec, x.input, x.fileFrame])).toEqual([
      [1, 1, 0, 1], [2, 2, 1, 1], [3, 3, 0, 2], [4, 4, 1, 2], [5, 5, 0, 3], [6, 6, 1, 3],
    ]);
    expect(r.infos).toEqual([
      { format: 'pcap', gzip: false, linkTypes: [1], frames: 3, bytes: a.length },
      { format: 'pcapng', gzip: false, linkTypes: [1], frames: 3, bytes: b.length },
    ]);
  });

  test('rotated files (tcpdump -G): the later file comes after, whatever the argument order', async () => {
    const first = writePcap([at(10), at(11)]);
    const second = writePcap([at(20), at(21)]);
    const r = await merged([{ name: 'second', source: chunked(second) }, { name: 'first', source: chunked(first) }]);
    expect(r.records.map((x) => [x.frame, x.ts.sec, x.input])).toEqual([[1, 10, 1], [2, 11, 1], [3, 20, 0], [4, 21, 0]]);
  });

  test('equal times go to the earlier input; a file keeps its own order even when its times go back', async () => {
    const a = writePcap([at(1), at(1), at(7), at(2)]);
    const b = writePcap([at(1), at(2)]);
    const r = await merged([{ name: 'a', source: chunked(a) }, { name: 'b', source: chunked(b) }]);
    expect(r.records.map((x) => `${x.input}:${x.fileFrame}@${x.ts.sec}`)).toEqual(
      ['0:1@1', '0:2@1', '1:1@1', '1:2@2', '0:3@7', '0:4@2']);
  });

  test('one input is passed through as readCapture delivers it', async () => {
    const file = writePcap([at(1), at(2, fillBytes(10), 99)]);
    const single = await merged([{ name: 'x', source: chunked(file) }]);
    const records: CaptureRecord[] = [];
    const diagnostics: CaptureDiagnostic[] = [];
    await readCapture(chunked(file), { record: (x) => records.push(x), diagnostic: (d) => diagnostics.push(d) });
    expect(single.records).toEqual(records);
    expect(single.diagnostics).toEqual(diagnostics);
    expect(single.records[0]).not.toHaveProperty('input');
  });

  test('diagnostics carry their input; a frame they name is renumbered', async () => {
    const a = writePcap([at(1), at(3)]);
    const b = writePcap([at(2), at(4, fillBytes(10), 1514)]);
    const cut = writePcap([at(5)]);
    const r = await merged([
      { name: 'a', source: chunked(a) }, { name: 'b', source: chunked(b) },
      { name: 'c', source: chunked(cut.subarray(0, cut.length - 3)) },
    ]);
    expect(r.records.map((x) => x.frame)).toEqual([1, 2, 3, 4]);
    expect(r.diagnostics).toEqual([
      { code: 'capture.truncated_record', fileOffset: 24, detail: expect.any(String) as unknown, input: 2 },
      { code: 'capture.snaplen_truncated', fileOffset: 24 + 36, frame: 4, fileFrame: 2, input: 1,
        detail: '1 record captured shorter than on the wire (first: frame 2, 10 of 1514 bytes)' },
    ]);
  });

  test('an input that is not a capture fails the read before any record', async () => {
    const records: CaptureRecord[] = [];
    const text = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example\r\n\r\n');
    const run = readCaptures([
      { name: 'good.pcap', source: chunked(writePcap([at(1), at(2)])) },
      { name: 'notes.txt', source: chunked(text) },
    ], { record: (x) => records.push(x), diagnostic: () => {} });
    await expect(run).rejects.toBeInstanceOf(CaptureInputError);
    await expect(run).rejects.toMatchObject({ code: 'input.not_capture', message: expect.stringMatching(/^notes\.txt: /) as unknown });
    expect(records).toEqual([]);
  });

  test('a gzip input among plain ones', async () => {
    const r = await merged([
      { name: 'a.pcap.gz', source: chunked(gzipSync(writePcap([at(1), at(3)]))) },
      { name: 'b.pcap', source: chunked(writePcap([at(2)])) },
    ]);
    expect(r.records.map((x) => [x.ts.sec, x.input])).toEqual([[1, 0], [2, 1], [3, 0]]);
    expect(r.infos.map((i) => i.gzip)).toEqual([true, false]);
  });

  test('lookahead is bounded: an input is read only one chunk ahead of what was delivered', async () => {
    const many = writePcap(Array.from({ length: 2000 }, (_, i) => at(i + 1, fillBytes(100))));
    const late = writePcap([at(5000)]);
    const chunk = 4096;
    const a = chunked(many, chunk);
    let worst = 0;
    const run = readCaptures([{ name: 'late', source: chunked(late) }, { name: 'many', source: a }], {
      record: (x) => {
        if (x.input === 1) worst = Math.max(worst, a.pulled - (x.fileOffset + 16 + x.capLen));
      },
      diagnostic: () => {},
    });
    await run;
    expect(worst).toBeLessThanOrEqual(chunk);
  });

  test('stop ends the merge where it is', async () => {
    let release!: () => void;
    const stop = new Promise<void>((r) => { release = r; });
    async function* live(): AsyncGenerator<Uint8Array> {
      yield writePcap([at(1), at(2)]);
      release();
      await new Promise(() => {});
    }
    const records: CaptureRecord[] = [];
    const infos = await readCaptures([
      { name: 'live', source: live() },
      { name: 'file', source: chunked(writePcap([at(1), at(3)])) },
    ], { record: (x) => records.push(x), diagnostic: () => {} }, { stop });
    expect(infos.length).toBe(2);
    expect(records.length).toBeLessThanOrEqual(4);
  });

  const fileArb = fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 20 }).map((secs) => [...secs].sort((x, y) => x - y));
  test.prop([fc.array(fileArb, { minLength: 2, maxLength: 5 }), fc.integer({ min: 1, max: 200 })])(
    'merged order is sorted by (time, input) and keeps every record of every file', async (files, chunk) => {
      const r = await merged(files.map((secs, i) => ({ name: String(i), source: chunked(writePcap(secs.map((s) => at(s))), chunk) })));
      const got = r.records.map((x) => [x.ts.sec, x.input!, x.fileFrame!]);
      const want = files.flatMap((secs, i) => secs.map((s, j) => [s, i, j + 1]))
        .sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!);
      expect(got).toEqual(want);
      expect(r.records.map((x) => x.frame)).toEqual(want.map((_, k) => k + 1));
    });
});
