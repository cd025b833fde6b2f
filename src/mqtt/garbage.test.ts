/**
 * "Garbage never throws" for decodePacket (msgpack's decode.jsfuzz, mqtt-packet's testRandom): random
 * bytes, the first byte biased toward real packet types and the Remaining Length usually consistent so
 * that the body decoders are exercised, at every protocol level, in bulk and detail mode. Every Span —
 * diagnostics, the packet, detail fields — must lie inside the input.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { Span } from '../diag/types.js';
import { decodePacket } from './decode.js';
import { encodeVarint } from './varint.js';
import type { FieldSink, ProtocolLevel } from './types.js';

/** A first byte of a real type with the flags it usually has, or anything. */
const firstByte = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0x10, 0x20, 0x30, 0x32, 0x34, 0x3b, 0x40, 0x50, 0x62, 0x70, 0x82, 0x90, 0xa2, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
/** Bodies made of small numbers and length-prefixed pieces, so that decoders go deep before failing. */
const body = fc.array(fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.constantFrom(hexBytes('00 04 4d 51 54 54 05'), hexBytes('00 06 4d 51 49 73 64 70 03'), hexBytes('00 01 61'), hexBytes('00 00'),
    hexBytes('26 00 01 6b 00 01 76'), hexBytes('0b 80 80 80 80 01'), hexBytes('23 00 00'), hexBytes('c3 28'), hexBytes('ed a0 80')),
  fc.integer({ min: 0, max: 40 }).map((n) => Uint8Array.of(n)),
), { maxLength: 10 }).map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

const framed = fc.tuple(firstByte, body).map(([b0, b]) => Uint8Array.from([b0, ...encodeVarint(b.length), ...b]));
const raw = fc.tuple(firstByte, fc.uint8Array({ maxLength: 40 })).map(([b0, b]) => Uint8Array.of(b0, ...b));

function hexBytes(text: string): Uint8Array {
  return Uint8Array.from(text.split(' ').map((h) => parseInt(h, 16)));
}

class CollectingSink implements FieldSink {
  readonly spans: Span[] = [];
  depth = 0;
  field(_name: string, at: Span): void { this.spans.push(at); }
  begin(_name: string, at: Span): void { this.spans.push(at); this.depth++; }
  end(): void { this.depth--; }
}

describe('decodePacket on garbage', () => {
  test.prop([fc.oneof(framed, raw, fc.uint8Array({ maxLength: 12 })), fc.constantFrom<ProtocolLevel>(3, 4, 5),
    fc.integer({ min: 0, max: 1e9 }), fc.boolean()], { numRuns: 2000 })(
    'never throws; every Span lies inside the input', (bytes, level, offset, detail) => {
      const sink = new CollectingSink();
      const d = detail ? decodePacket(bytes, offset, { protocolLevel: level }, sink) : decodePacket(bytes, offset, { protocolLevel: level });
      const inside = (sp: Span) => {
        expect(sp.offset).toBeGreaterThanOrEqual(offset);
        expect(sp.length).toBeGreaterThanOrEqual(0);
        expect(sp.offset + sp.length).toBeLessThanOrEqual(offset + bytes.length);
      };
      inside(d.packet.at);
      for (const x of d.diags) inside(x.at);
      for (const sp of sink.spans) inside(sp);
      expect(sink.depth).toBe(0);
      if ('payload' in d.packet) inside(d.packet.payload);
      if (d.packet.type === 'CONNECT' && d.packet.password) inside(d.packet.password);
    });
});
