/**
 * Properties of CaptureParser (house-style §5.6–5.7): any chunking of the input gives the same records
 * and diagnostics as one chunk, and garbage never throws (except CaptureInputError on the magic) and
 * never loops: the parser is synchronous, so a push that returns has terminated.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { toHex } from '../bytes/hex.js';
import {
  parseCapture, splitAt, writePcap, writePcapngSections, type Parsed, type PcapngBlock, type TsResol, type WritePacket,
} from '../../test/support/capture-writer.js';
import { MAX_CAPLEN } from './limits.js';
import { CaptureInputError } from './types.js';

const packetArb: fc.Arbitrary<WritePacket> = fc.record({
  ts: fc.record({ sec: fc.integer({ min: 0, max: 0xffff_ffff }), nsec: fc.integer({ min: 0, max: 999_999_999 }) }),
  data: fc.uint8Array({ maxLength: 300 }),
  origLen: fc.option(fc.integer({ min: 300, max: 70_000 }), { nil: undefined }),
}).map((p): WritePacket => (p.origLen === undefined ? { ts: p.ts, data: p.data } : { ts: p.ts, data: p.data, origLen: p.origLen }));

const tsresolArb: fc.Arbitrary<TsResol> = fc.oneof(
  fc.integer({ min: 0, max: 12 }).map((pow10) => ({ pow10 })),
  fc.integer({ min: 0, max: 40 }).map((pow2) => ({ pow2 })),
);

const pcapArb = fc.record({
  packets: fc.array(packetArb, { maxLength: 12 }),
  byteOrder: fc.constantFrom('le', 'be' as const),
  precision: fc.constantFrom('us', 'ns' as const),
}).map(({ packets, byteOrder, precision }) => writePcap(packets, { byteOrder, precision }));

/** A section: some interfaces, then packets on them mixed with SPB, OPB, custom and unknown blocks. */
const sectionArb = fc.record({
  byteOrder: fc.constantFrom('le', 'be' as const),
  ifaces: fc.array(fc.record({ linkType: fc.constantFrom(0, 1, 101, 113), tsresol: tsresolArb,
    snaplen: fc.constantFrom(0, 64, 65535), tsoffset: fc.integer({ min: -1000, max: 1000 }) }), { minLength: 1, maxLength: 3 }),
  items: fc.array(fc.tuple(fc.constantFrom('epb', 'opb', 'spb', 'custom', 'unknown'), packetArb, fc.nat(5)), { maxLength: 10 }),
}).map(({ byteOrder, ifaces, items }) => {
  const blocks: PcapngBlock[] = ifaces.map((i) => ({ type: 'idb', ...i }));
  for (const [kind, p, n] of items) {
    const iface = n % (ifaces.length + 1); // sometimes an undeclared one
    if (kind === 'epb' || kind === 'opb') blocks.push({ type: kind, iface, ts: p.ts, data: p.data });
    else if (kind === 'spb') blocks.push({ type: 'spb', data: p.data });
    else if (kind === 'custom') blocks.push({ type: 'custom', pen: 32473, data: p.data });
    else blocks.push({ type: 'raw', blockType: 0x100 + n, body: p.data });
  }
  return { byteOrder, blocks };
});

const pcapngArb = fc.array(sectionArb, { minLength: 1, maxLength: 3 }).map((sections) => writePcapngSections(sections));

const captureArb = fc.oneof(pcapArb, pcapngArb);

/** Everything observable, in a form deep equality compares by content. */
function observed(p: Parsed): unknown {
  return {
    records: p.records.map((r) => ({ ...r, data: toHex(r.data) })),
    diagnostics: p.diagnostics,
    format: p.format,
    linkTypes: p.linkTypes,
    error: p.error instanceof Error ? `${p.error.name}: ${p.error.message}` : p.error,
  };
}

describe('chunk-split invariance', () => {
  test.prop([captureArb, fc.array(fc.nat(), { maxLength: 12 })])('any chunking gives the same result', (file, cuts) => {
    const at = cuts.map((c) => c % (file.length + 1));
    expect(observed(parseCapture(splitAt(file, at)))).toEqual(observed(parseCapture(file)));
  });

  test.prop([captureArb, fc.nat(), fc.array(fc.nat(), { maxLength: 8 })])('also when the file is cut short', (file, end, cuts) => {
    const cutFile = file.subarray(0, end % (file.length + 1));
    const at = cuts.map((c) => c % (cutFile.length + 1));
    expect(observed(parseCapture(splitAt(cutFile, at)))).toEqual(observed(parseCapture(cutFile)));
  });

  test.prop([captureArb])('byte-at-a-time gives the same result', (file) => {
    const bytes = Array.from({ length: file.length }, (_, i) => file.subarray(i, i + 1));
    expect(observed(parseCapture(bytes))).toEqual(observed(parseCapture(file)));
  });
});

describe('garbage never throws', () => {
  /** Only CaptureInputError may escape, and only before any record; every record lies inside the input. */
  function checkSane(file: Uint8Array, p: Parsed): void {
    if (p.error !== undefined) {
      expect(p.error).toBeInstanceOf(CaptureInputError);
      expect(p.records).toEqual([]);
    }
    for (const r of p.records) {
      expect(r.data.length).toBe(r.capLen);
      expect(r.capLen).toBeLessThanOrEqual(MAX_CAPLEN);
      expect(r.fileOffset + r.capLen).toBeLessThanOrEqual(file.length);
    }
    for (const d of p.diagnostics) expect(d.fileOffset).toBeLessThanOrEqual(file.length);
  }

  test.prop([fc.uint8Array({ maxLength: 4000 }), fc.array(fc.nat(), { maxLength: 6 })])('random bytes', (file, cuts) => {
    checkSane(file, parseCapture(splitAt(file, cuts.map((c) => c % (file.length + 1)))));
  });

  const headers = [
    writePcap([]), writePcap([], { byteOrder: 'be', precision: 'ns' }),
    writePcapngSections([{ blocks: [] }]), writePcapngSections([{ byteOrder: 'be', blocks: [] }]),
  ];
  test.prop([fc.constantFrom(...headers), fc.uint8Array({ maxLength: 4000 })])('random bytes after a valid header', (header, tail) => {
    const file = new Uint8Array(header.length + tail.length);
    file.set(header);
    file.set(tail, header.length);
    checkSane(file, parseCapture(file));
  });

  test.prop([captureArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 16 }),
    fc.array(fc.nat(), { maxLength: 6 })])('a valid capture with bytes overwritten', (valid, edits, cuts) => {
    const file = Uint8Array.from(valid);
    for (const [at, v] of edits) file[at % file.length] = v;
    const p = parseCapture(splitAt(file, cuts.map((c) => c % (file.length + 1))));
    checkSane(file, p);
    expect(observed(p)).toEqual(observed(parseCapture(file)));
  });
});

describe('pcapng timestamps', () => {
  const resolutions = fc.oneof(
    fc.integer({ min: 0, max: 9 }).map((pow10) => ({ res: { pow10 } as TsResol, perSec: 10n ** BigInt(pow10) })),
    fc.integer({ min: 0, max: 30 }).map((pow2) => ({ res: { pow2 } as TsResol, perSec: 1n << BigInt(pow2) })),
  );
  test.prop([resolutions, fc.integer({ min: 100_000, max: 0xffff_ffff }), fc.integer({ min: 0, max: 999_999_999 }),
    fc.integer({ min: -100_000, max: 100_000 })])('round-trip through if_tsresol and if_tsoffset', ({ res, perSec }, sec, nsec, tsoffset) => {
    const file = writePcapngSections([{ blocks: [
      { type: 'idb', linkType: 1, tsresol: res, tsoffset },
      { type: 'epb', iface: 0, ts: { sec, nsec }, data: new Uint8Array(1) },
    ] }]);
    const [r] = parseCapture(file).records;
    // The writer keeps whole ticks (sec stays above the offset: ticks are unsigned); reading gives back
    // the time truncated to one tick.
    const ticks = (BigInt(nsec) * perSec) / 1_000_000_000n;
    expect(r?.ts).toEqual({ sec, nsec: Number((ticks * 1_000_000_000n) / perSec),
      precision: perSec > 1_000_000n ? 'ns' : 'us' });
  });
});
