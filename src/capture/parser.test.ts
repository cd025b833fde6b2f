/**
 * CaptureParser on hand-built captures: annotated hex for the byte layouts, the test writer for the
 * variants. Damage cases assert codes and offsets, never message text (except the not-a-capture
 * usage messages, which are the user-facing contract).
 */
import { describe, expect, test } from 'vitest';
import { hex, toHex } from '../bytes/hex.js';
import {
  LINKTYPE, concatBytes, fillBytes, parseCapture, splitAt, writePcap, writePcapng, writePcapngSections,
  type WritePacket,
} from '../../test/support/capture-writer.js';
import { MAX_CAPLEN } from './limits.js';
import { CaptureParser } from './parser.js';
import { CaptureInputError, type CaptureDiagnostic, type CaptureRecord } from './types.js';

/** A record with its bytes as hex, for readable deep equality. */
function plain(r: CaptureRecord): Record<string, unknown> {
  return { ...r, data: toHex(r.data) };
}

function codes(ds: readonly CaptureDiagnostic[]): string[] {
  return ds.map((d) => d.code);
}

const T0 = { sec: 1_700_000_000, nsec: 123_456_789 };
const packets: WritePacket[] = [
  { ts: T0, data: fillBytes(60, 1) },
  { ts: { sec: T0.sec + 1, nsec: 999_999_999 }, data: fillBytes(1514, 2) },
  { ts: { sec: T0.sec + 2, nsec: 0 }, data: fillBytes(1, 3) },
];

describe('classic pcap', () => {
  test('little-endian microseconds, annotated', () => {
    const file = hex`
      d4 c3 b2 a1   # magic a1b2c3d4 written little-endian: LE, microseconds
      02 00 04 00   # version 2.4
      00 00 00 00   # reserved (thiszone)
      00 00 00 00   # reserved (sigfigs)
      00 00 04 00   # snaplen 262144
      01 00 00 00   # link type 1, Ethernet
      39 30 00 00   # record 1 @24: ts seconds 12345
      40 e2 01 00   #   ts microseconds 123456
      04 00 00 00   #   caplen 4
      0a 00 00 00   #   origlen 10 (cut by the snaplen)
      de ad be ef   #   data
    `;
    const p = parseCapture(file);
    expect(p.error).toBeUndefined();
    expect(p.format).toBe('pcap');
    expect(p.linkTypes).toEqual([1]);
    expect(p.records.map(plain)).toEqual([{
      frame: 1, ts: { sec: 12345, nsec: 123_456_000, precision: 'us' }, linkType: 1, iface: 0,
      data: 'deadbeef', capLen: 4, origLen: 10, fileOffset: 24,
    }]);
    expect(p.diagnostics).toEqual([{ code: 'capture.snaplen_truncated', fileOffset: 24, frame: 1,
      detail: expect.stringContaining('1 record') as unknown }]);
  });

  test('big-endian nanoseconds, annotated', () => {
    const file = hex`
      a1 b2 3c 4d   # magic a1b23c4d as is: BE, nanoseconds
      00 02 00 04   # version 2.4
      00 00 00 00 00 00 00 00
      00 00 ff ff   # snaplen 65535
      00 00 00 65   # link type 101, raw IP
      00 00 30 39   # ts seconds 12345
      07 5b cd 15   # ts nanoseconds 123456789
      00 00 00 02   # caplen 2
      00 00 00 02   # origlen 2
      45 00         # data
    `;
    const p = parseCapture(file);
    expect(p.format).toBe('pcap-ns');
    expect(p.records.map(plain)).toEqual([{
      frame: 1, ts: { sec: 12345, nsec: 123_456_789, precision: 'ns' }, linkType: 101, iface: 0,
      data: '4500', capLen: 2, origLen: 2, fileOffset: 24,
    }]);
  });

  test.each([
    { byteOrder: 'le', precision: 'us', format: 'pcap' },
    { byteOrder: 'be', precision: 'us', format: 'pcap' },
    { byteOrder: 'le', precision: 'ns', format: 'pcap-ns' },
    { byteOrder: 'be', precision: 'ns', format: 'pcap-ns' },
  ] as const)('$byteOrder $precision', ({ byteOrder, precision, format }) => {
    const p = parseCapture(writePcap(packets, { byteOrder, precision, linkType: LINKTYPE.LINUX_SLL }));
    expect(p.format).toBe(format);
    expect(p.diagnostics).toEqual([]);
    expect(p.records.map((r) => [r.frame, r.ts, r.linkType, r.capLen, r.fileOffset])).toEqual([
      [1, { sec: T0.sec, nsec: precision === 'ns' ? T0.nsec : 123_456_000, precision }, 113, 60, 24],
      [2, { sec: T0.sec + 1, nsec: precision === 'ns' ? 999_999_999 : 999_999_000, precision }, 113, 1514, 24 + 16 + 60],
      [3, { sec: T0.sec + 2, nsec: 0, precision }, 113, 1, 24 + 32 + 60 + 1514],
    ]);
    expect(p.records.map((r) => toHex(r.data))).toEqual(packets.map((x) => toHex(x.data)));
  });

  test('the link type is the lower 16 bits; the FCS bits above are not part of it', () => {
    const file = writePcap([{ ts: T0, data: fillBytes(4) }], { linkType: 0x1400_0001 });
    expect(parseCapture(file).records[0]!.linkType).toBe(1);
  });

  test('an out-of-spec fraction of a second or more is carried into the seconds', () => {
    const file = hex`d4c3b2a1 02000400 00000000 00000000 ffff0000 01000000
      0a000000 40420f00 01000000 01000000 ff   # sec 10, usec 1000000`;
    expect(parseCapture(file).records[0]!.ts).toEqual({ sec: 11, nsec: 0, precision: 'us' });
  });

  test('a file of the header alone has no records and no diagnostics', () => {
    const p = parseCapture(writePcap([]));
    expect(p.records).toEqual([]);
    expect(p.diagnostics).toEqual([]);
    expect(p.format).toBe('pcap');
  });
});

describe('pcapng', () => {
  test('one section, annotated', () => {
    const file = hex`
      0a 0d 0d 0a  1c 00 00 00     # SHB @0, total length 28
      4d 3c 2b 1a                  # byte-order magic, little-endian
      01 00 00 00                  # version 1.0
      ff ff ff ff ff ff ff ff      # section length: unknown
      1c 00 00 00                  # trailing length 28
      01 00 00 00  14 00 00 00     # IDB @28, total length 20
      01 00 00 00                  # link type 1, reserved
      00 00 00 00                  # snaplen 0 (no limit)
      14 00 00 00                  # trailing length 20
      06 00 00 00  24 00 00 00     # EPB @48, total length 36
      00 00 00 00                  # interface 0
      00 00 00 00  40 42 0f 00     # timestamp 1000000 µs (high, low)
      03 00 00 00  03 00 00 00     # caplen 3, origlen 3
      aa bb cc 00                  # data, padded to 32 bits
      24 00 00 00                  # trailing length 36
    `;
    const p = parseCapture(file);
    expect(p.format).toBe('pcapng');
    expect(p.diagnostics).toEqual([]);
    expect(p.records.map(plain)).toEqual([{
      frame: 1, ts: { sec: 1, nsec: 0, precision: 'us' }, linkType: 1, iface: 0, data: 'aabbcc', capLen: 3,
      origLen: 3, fileOffset: 48,
    }]);
  });

  test.each(['le', 'be'] as const)('%s, from packets', (byteOrder) => {
    const p = parseCapture(writePcapng(packets, { byteOrder }));
    expect(p.diagnostics).toEqual([]);
    expect(p.records.map((r) => [r.frame, r.ts.sec, r.ts.nsec, r.capLen, toHex(r.data) === toHex(packets[r.frame - 1]!.data)]))
      .toEqual([[1, T0.sec, 123_456_000, 60, true], [2, T0.sec + 1, 999_999_000, 1514, true], [3, T0.sec + 2, 0, 1, true]]);
  });

  test('two sections of different byte order: interfaces restart, frames continue', () => {
    const file = writePcapngSections([
      { byteOrder: 'le', blocks: [
        { type: 'idb', linkType: LINKTYPE.ETHERNET },
        { type: 'epb', iface: 0, ts: T0, data: fillBytes(14) },
      ] },
      { byteOrder: 'be', blocks: [
        { type: 'idb', linkType: LINKTYPE.RAW, tsresol: { pow10: 9 } },
        { type: 'epb', iface: 0, ts: T0, data: fillBytes(20) },
        { type: 'epb', iface: 0, ts: { sec: T0.sec + 5, nsec: 1 }, data: fillBytes(21) },
      ] },
    ]);
    const p = parseCapture(file);
    expect(p.diagnostics).toEqual([]);
    expect(p.linkTypes).toEqual([1, 101]);
    expect(p.records.map((r) => [r.frame, r.iface, r.linkType, r.ts, r.capLen])).toEqual([
      [1, 0, 1, { sec: T0.sec, nsec: 123_456_000, precision: 'us' }, 14],
      [2, 0, 101, { sec: T0.sec, nsec: T0.nsec, precision: 'ns' }, 20],
      [3, 0, 101, { sec: T0.sec + 5, nsec: 1, precision: 'ns' }, 21],
    ]);
  });

  test('interfaces with different link types, if_tsresol (µs, ns, 2^-20) and if_tsoffset', () => {
    const file = writePcapngSections([{ blocks: [
      { type: 'idb', linkType: LINKTYPE.ETHERNET },
      { type: 'idb', linkType: LINKTYPE.RAW, tsresol: { pow10: 9 } },
      { type: 'idb', linkType: LINKTYPE.LINUX_SLL, tsresol: { pow2: 20 } },
      { type: 'idb', linkType: LINKTYPE.NULL, tsresol: { pow10: 3 }, tsoffset: 1_600_000_000 },
      { type: 'epb', iface: 0, ts: T0, data: fillBytes(1) },
      { type: 'epb', iface: 1, ts: T0, data: fillBytes(2) },
      { type: 'epb', iface: 2, ts: T0, data: fillBytes(3) },
      { type: 'epb', iface: 3, ts: T0, data: fillBytes(4) },
    ] }]);
    const p = parseCapture(file);
    expect(p.diagnostics).toEqual([]);
    expect(p.linkTypes).toEqual([1, 101, 113, 0]);
    // 2^-20 s ticks: floor(0.123456789 * 2^20) = 129453 ticks → floor(129453 * 1e9 / 2^20) ns.
    const binaryNsec = Number((129453n * 1_000_000_000n) / (1n << 20n));
    expect(p.records.map((r) => [r.iface, r.linkType, r.ts])).toEqual([
      [0, 1, { sec: T0.sec, nsec: 123_456_000, precision: 'us' }],
      [1, 101, { sec: T0.sec, nsec: 123_456_789, precision: 'ns' }],
      [2, 113, { sec: T0.sec, nsec: binaryNsec, precision: 'ns' }],
      [3, 0, { sec: T0.sec, nsec: 123_000_000, precision: 'us' }],
    ]);
  });

  test('a 64-bit nanosecond count past 2^53 converts exactly', () => {
    const ts = { sec: 4_000_000_000, nsec: 999_999_999 };
    const file = writePcapngSections([{ blocks: [
      { type: 'idb', linkType: 1, tsresol: { pow10: 9 } },
      { type: 'epb', iface: 0, ts, data: fillBytes(1) },
    ] }]);
    expect(parseCapture(file).records[0]!.ts).toEqual({ ...ts, precision: 'ns' });
  });

  test('simple packet block: interface 0, caplen from the snaplen, timestamp of the previous packet', () => {
    const file = writePcapngSections([{ blocks: [
      { type: 'idb', linkType: LINKTYPE.ETHERNET, snaplen: 64 },
      { type: 'epb', iface: 0, ts: T0, data: fillBytes(10) },
      { type: 'spb', data: fillBytes(64, 7), origLen: 100 },
      { type: 'spb', data: fillBytes(30, 8) },
    ] }]);
    const p = parseCapture(file);
    expect(p.records.map((r) => [r.frame, r.capLen, r.origLen, r.ts.sec, toHex(r.data.subarray(0, 2))])).toEqual([
      [1, 10, 10, T0.sec, '0001'], [2, 64, 100, T0.sec, '0708'], [3, 30, 30, T0.sec, '0809'],
    ]);
    expect(codes(p.diagnostics)).toEqual(['capture.snaplen_truncated']);
  });

  test('obsolete packet block (type 2)', () => {
    const file = writePcapngSections([{ blocks: [
      { type: 'idb', linkType: LINKTYPE.ETHERNET },
      { type: 'idb', linkType: LINKTYPE.RAW },
      { type: 'opb', iface: 1, ts: T0, data: fillBytes(33) },
    ] }]);
    const p = parseCapture(file);
    expect(p.diagnostics).toEqual([]);
    expect(p.records.map((r) => [r.iface, r.linkType, r.capLen, r.ts.nsec])).toEqual([[1, 101, 33, 123_456_000]]);
  });

  test('unknown, custom, name-resolution and statistics blocks are skipped', () => {
    const file = writePcapngSections([{ blocks: [
      { type: 'raw', blockType: 0x1234_5678, body: fillBytes(13) },
      { type: 'idb', linkType: 1 },
      { type: 'custom', pen: 32473, data: fillBytes(9) },
      { type: 'custom', pen: 32473, data: fillBytes(3), copyable: false },
      { type: 'raw', blockType: 4, body: new Uint8Array(4) },   // NRB: nrb_record_end only
      { type: 'epb', iface: 0, ts: T0, data: fillBytes(5) },
      { type: 'raw', blockType: 5, body: new Uint8Array(12) },  // ISB: interface 0, timestamp
      { type: 'raw', blockType: 0x0000_000a, body: fillBytes(8) }, // Decryption Secrets Block
      { type: 'epb', iface: 0, ts: T0, data: fillBytes(6) },
    ] }]);
    const p = parseCapture(file);
    expect(p.diagnostics).toEqual([]);
    expect(p.records.map((r) => [r.frame, r.capLen])).toEqual([[1, 5], [2, 6]]);
  });

  test('EPB options are skipped; IDB options before if_tsresol are walked', () => {
    const epbOptions = hex`01 00 05 00 68 65 6c 6c 6f 00 00 00   # opt_comment "hello"
                           00 00 00 00                          # opt_endofopt`;
    const file = writePcapngSections([{ blocks: [
      { type: 'idb', linkType: 1, tsresol: { pow10: 9 } },
      { type: 'epb', iface: 0, ts: T0, data: fillBytes(5), options: epbOptions },
    ] }]);
    const p = parseCapture(file);
    expect(p.diagnostics).toEqual([]);
    expect(p.records[0]!.ts.nsec).toBe(T0.nsec);
    expect(p.records[0]!.capLen).toBe(5);
  });

  test('a packet naming an undeclared interface is reported and skipped', () => {
    const file = writePcapngSections([{ blocks: [
      { type: 'idb', linkType: 1 },
      { type: 'epb', iface: 0, ts: T0, data: fillBytes(5) },
      { type: 'epb', iface: 3, ts: T0, data: fillBytes(6) },
      { type: 'epb', iface: 0, ts: T0, data: fillBytes(7) },
    ] }]);
    const p = parseCapture(file);
    expect(p.records.map((r) => [r.frame, r.capLen])).toEqual([[1, 5], [2, 7]]);
    expect(p.diagnostics.map((d) => [d.code, d.fileOffset])).toEqual([['capture.pcapng.unknown_interface', 28 + 20 + 40]]);
  });

  test('a simple packet block before any interface is reported and skipped', () => {
    const p = parseCapture(writePcapngSections([{ blocks: [{ type: 'spb', data: fillBytes(8) }] }]));
    expect(p.records).toEqual([]);
    expect(codes(p.diagnostics)).toEqual(['capture.pcapng.unknown_interface']);
  });

  test('interfaces of an earlier section are gone in the next one', () => {
    const file = writePcapngSections([
      { blocks: [{ type: 'idb', linkType: 1 }, { type: 'idb', linkType: 1 }] },
      { blocks: [{ type: 'idb', linkType: 1 }, { type: 'epb', iface: 1, ts: T0, data: fillBytes(5) }] },
    ]);
    expect(codes(parseCapture(file).diagnostics)).toEqual(['capture.pcapng.unknown_interface']);
  });
});

describe('damage', () => {
  test('pcap: a truncated last record is reported at its offset; earlier ones are delivered', () => {
    const file = writePcap(packets);
    const lastAt = 24 + 16 + 60 + 16 + 1514;
    for (const cut of [lastAt + 3, lastAt + 16]) {
      const p = parseCapture(file.subarray(0, cut));
      expect(p.records.length).toBe(2);
      expect(p.diagnostics.map((d) => [d.code, d.fileOffset])).toEqual([['capture.truncated_record', lastAt]]);
    }
  });

  test('pcap: a file cut inside its header', () => {
    const p = parseCapture(writePcap(packets).subarray(0, 10));
    expect(p.format).toBe('pcap');
    expect(p.diagnostics.map((d) => [d.code, d.fileOffset])).toEqual([['capture.truncated_record', 0]]);
  });

  test('pcapng: a block cut short (in the data, in the options, in the trailer)', () => {
    const file = writePcapng(packets);
    const lastAt = 28 + 20 + (32 + 60) + (32 + 1516);
    for (const cut of [lastAt + 4, lastAt + 30, file.length - 1]) {
      const p = parseCapture(file.subarray(0, cut));
      expect(p.records.length).toBe(2);
      expect(p.diagnostics.map((d) => [d.code, d.fileOffset])).toEqual([['capture.truncated_record', lastAt]]);
    }
  });

  test('snaplen-truncated records: one diagnostic with the count, at the first one', () => {
    const file = writePcap([
      { ts: T0, data: fillBytes(10) },
      { ts: T0, data: fillBytes(96), origLen: 1514 },
      { ts: T0, data: fillBytes(96), origLen: 200 },
    ]);
    const p = parseCapture(file);
    expect(p.records.map((r) => [r.capLen, r.origLen])).toEqual([[10, 10], [96, 1514], [96, 200]]);
    expect(p.diagnostics).toEqual([{ code: 'capture.snaplen_truncated', fileOffset: 24 + 26, frame: 2,
      detail: '2 records captured shorter than on the wire (first: frame 2, 96 of 1514 bytes)' }]);
  });

  test('pcapng: block lengths that are not a multiple of 4, below 12 or above 64 MiB stop the walk', () => {
    const ok = writePcapng(packets.slice(0, 1));
    for (const totalLength of [30, 8, 0, 0x7fff_fff0, 64 * 1024 * 1024 + 4]) {
      const file = concatBytes(ok, writePcapngSections([{ blocks: [{ type: 'raw', blockType: 0x99, body: fillBytes(16), totalLength }] }]).subarray(28));
      const p = parseCapture(file);
      expect(p.records.length, String(totalLength)).toBe(1);
      expect(p.diagnostics.map((d) => [d.code, d.fileOffset])).toEqual([['capture.pcapng.bad_block', ok.length]]);
    }
  });

  test('pcapng: a trailing length that differs from the leading one stops the walk; its packet is not delivered', () => {
    const file = writePcapngSections([{ blocks: [
      { type: 'idb', linkType: 1 },
      { type: 'raw', blockType: 6, body: hex`00000000 00000000 00000001 00000001 00000001 ff`, trailingLength: 40 },
      { type: 'epb', iface: 0, ts: T0, data: fillBytes(5) },
    ] }]);
    const p = parseCapture(file);
    expect(p.records).toEqual([]);
    expect(p.diagnostics.map((d) => [d.code, d.fileOffset])).toEqual([['capture.pcapng.bad_block', 48]]);
  });

  test('pcapng: a block shorter than its fixed fields, or an EPB caplen past its block', () => {
    const shortEpb = writePcapngSections([{ blocks: [{ type: 'idb', linkType: 1 },
      { type: 'raw', blockType: 6, body: fillBytes(8) }] }]);
    expect(codes(parseCapture(shortEpb).diagnostics)).toEqual(['capture.pcapng.bad_block']);
    const hostile = writePcapngSections([{ blocks: [{ type: 'idb', linkType: 1 },
      { type: 'raw', blockType: 6, body: hex`00000000 00000000 00000000 f0ffffff 40000000 01020304` }] }]);
    const p = parseCapture(hostile);
    expect(p.diagnostics.map((d) => [d.code, d.fileOffset])).toEqual([['capture.pcapng.bad_block', 48]]);
  });

  test('pcapng: a section header with an unsupported major version stops the walk', () => {
    const file = concatBytes(writePcapng(packets.slice(0, 1)),
      writePcapngSections([{ version: [2, 0], blocks: [{ type: 'idb', linkType: 1 }] }]));
    const p = parseCapture(file);
    expect(p.records.length).toBe(1);
    expect(codes(p.diagnostics)).toEqual(['capture.pcapng.bad_block']);
  });

  test('pcapng: a later section header with a bad byte-order magic stops the walk', () => {
    const second = writePcapngSections([{ blocks: [] }]);
    second.set([0xde, 0xad, 0xbe, 0xef], 8);
    const p = parseCapture(concatBytes(writePcapng(packets.slice(0, 1)), second));
    expect(p.records.length).toBe(1);
    expect(codes(p.diagnostics)).toEqual(['capture.pcapng.bad_block']);
  });

  test('hostile caplen 0xFFFFFFF0: reported, reading stops, nothing is buffered or allocated for it', () => {
    const file = concatBytes(writePcap(packets.slice(0, 1)), hex`00000000 00000000 f0ffffff f0ffffff`);
    const records: CaptureRecord[] = [];
    const diags: CaptureDiagnostic[] = [];
    const parser = new CaptureParser({ record: (r) => records.push(r), diagnostic: (d) => diags.push(d) });
    parser.push(file);
    expect(parser.stopped).toBe(true);
    expect(parser.buffered).toBe(0);
    // More input after the damage is dropped, not held.
    for (let i = 0; i < 64; i++) parser.push(new Uint8Array(1024 * 1024));
    expect(parser.buffered).toBe(0);
    parser.end();
    expect(records.length).toBe(1);
    expect(diags.map((d) => [d.code, d.fileOffset])).toEqual([['capture.caplen_too_large', 24 + 16 + 60]]);
  });

  test('caplen just over the maximum, or far over the snaplen, is too large; at the maximum it is fine', () => {
    const atMax = writePcap([{ ts: T0, data: new Uint8Array(MAX_CAPLEN) }]);
    expect(parseCapture(atMax).diagnostics).toEqual([]);
    const overMax = writePcap([{ ts: T0, data: new Uint8Array(MAX_CAPLEN + 1) }]);
    expect(codes(parseCapture(overMax).diagnostics)).toEqual(['capture.caplen_too_large']);
    const overSnaplen = writePcap([{ ts: T0, data: new Uint8Array(100_000) }], { snaplen: 1500 });
    expect(codes(parseCapture(overSnaplen).diagnostics)).toEqual(['capture.caplen_too_large']);
    const sloppySnaplen = writePcap([{ ts: T0, data: new Uint8Array(9000) }], { snaplen: 1500 });
    expect(parseCapture(sloppySnaplen).diagnostics).toEqual([]);
  });

  test('pcapng hostile block length: no buffering while the claimed bytes never come', () => {
    const file = concatBytes(writePcapng(packets.slice(0, 1)), hex`99000000 f0ffff03   # 64 MiB - 16, unknown type`);
    const parser = new CaptureParser({ record: () => {}, diagnostic: () => {} });
    parser.push(file);
    for (let i = 0; i < 8; i++) {
      parser.push(new Uint8Array(1024 * 1024));
      expect(parser.buffered).toBe(0); // skipped as it streams by
    }
  });
});

describe('not a capture', () => {
  function thrown(bytes: Uint8Array): CaptureInputError {
    const p = parseCapture(bytes);
    expect(p.error).toBeInstanceOf(CaptureInputError);
    expect(p.records).toEqual([]);
    return p.error as CaptureInputError;
  }
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);

  test.each([
    { name: 'empty', bytes: new Uint8Array(0), code: 'input.empty', message: 'empty input: no bytes to read' },
    { name: 'text', bytes: text('hello world\nthis is a log file with "quotes" and more than forty characters'),
      code: 'input.not_capture',
      message: 'not a pcap or pcapng capture: looks like text: "hello world\\nthis is a log file with \\"quo"' },
    { name: 'HTML', bytes: text('\n  <!DOCTYPE html><html><body>404</body></html>'), code: 'input.not_capture',
      message: 'not a pcap or pcapng capture: looks like an HTML page' },
    { name: 'html tag', bytes: text('<html>'), code: 'input.not_capture',
      message: 'not a pcap or pcapng capture: looks like an HTML page' },
    { name: 'JSON', bytes: text('{"type": "packet"}'), code: 'input.not_capture',
      message: 'not a pcap or pcapng capture: looks like JSON' },
    { name: 'random magic', bytes: hex`01 02 03 04 05 06 07 08 09 0a ff`, code: 'input.not_capture',
      message: 'not a pcap or pcapng capture: unknown magic 0x0102030405060708' },
    { name: 'three bytes', bytes: hex`d4 c3 b2`, code: 'input.not_capture',
      message: 'not a pcap or pcapng capture: unknown magic 0xd4c3b2' },
    { name: 'gzip', bytes: hex`1f 8b 08 00 00 00 00 00 00 03`, code: 'input.not_capture',
      message: 'not a pcap or pcapng capture: gzip-compressed data' },
    { name: 'pcapng magic without its byte-order magic', bytes: text('\n\r\r\nsome text after a CRLF pair'),
      code: 'input.not_capture', message: 'not a pcap or pcapng capture: looks like text: "\\n\\r\\r\\nsome text after a CRLF pair"' },
  ])('$name', ({ bytes, code, message }) => {
    const e = thrown(bytes);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  test('the error is the same however the first bytes are chunked', () => {
    const bytes = text('<!doctype html>\n<title>not a capture</title>');
    const one = thrown(bytes);
    for (let cut = 1; cut < bytes.length; cut++) {
      const p = parseCapture(splitAt(bytes, [cut, cut + 3]));
      expect((p.error as CaptureInputError).message).toBe(one.message);
    }
  });
});

describe('zero-copy discipline', () => {
  test('data is a view when a record lies in one chunk, a fresh copy when it straddles, input untouched', () => {
    const file = writePcap(packets);
    const before = toHex(file);
    const cut = 24 + 16 + 60 + 16 + 700; // inside record 2's data
    const chunks = splitAt(file, [cut]);
    const p = parseCapture(chunks);
    expect(p.records[0]!.data.buffer).toBe(file.buffer);
    expect(p.records[0]!.data.byteOffset).toBe(24 + 16);
    expect(p.records[1]!.data.buffer).not.toBe(file.buffer);
    expect(p.records[1]!.data.byteLength).toBe(1514);
    expect(p.records[2]!.data.buffer).toBe(file.buffer);
    expect(toHex(file)).toBe(before);
  });

  test('a record header split across chunks still parses', () => {
    const file = writePcapng(packets);
    for (const cut of [1, 5, 11, 30, 49, 52, 60, 77]) {
      const p = parseCapture(splitAt(file, [cut]));
      expect(p.records.length, String(cut)).toBe(3);
      expect(p.diagnostics).toEqual([]);
    }
  });

  test('push after end is ignored; end is idempotent', () => {
    const records: CaptureRecord[] = [];
    const parser = new CaptureParser({ record: (r) => records.push(r), diagnostic: () => {} });
    parser.push(writePcap(packets));
    parser.end();
    parser.end();
    parser.push(writePcap(packets).subarray(24));
    expect(records.length).toBe(3);
    expect(parser.frames).toBe(3);
  });
});
