import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { TcpHalfReassembler, type ReassemblyNotice } from './reassembly.js';
import type { ChunkOrigin, StreamSink } from './stream.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './tcp.js';

type Out = ['data', number, string, number] | ['gap', number, number, string] | ['end', string, number | null];

function harness(maxHeld = 1 << 20) {
  const out: Out[] = [];
  const notices: ReassemblyNotice[] = [];
  const sink: StreamSink = {
    data: (b, off, o: ChunkOrigin) => out.push(['data', off, Buffer.from(b).toString('latin1'), o.frame]),
    gap: (off, len, reason) => out.push(['gap', off, len, reason]),
    end: (reason, o) => out.push(['end', reason, o?.frame ?? null]),
  };
  const r = new TcpHalfReassembler(sink, (n) => notices.push(n), maxHeld);
  let frame = 0;
  const seg = (seq: number, text: string, flags = TCP_ACK, length = text.length) =>
    r.segment({ seq: seq >>> 0, flags, payload: Buffer.from(text, 'latin1'), length, frame: ++frame, frameOffset: 54,
      ts: { sec: frame, nsec: 0, precision: 'us' } });
  return { r, out, notices, seg };
}

/** Joins delivered data into one string, with '?' for each gap byte. */
function stream(out: Out[]): string {
  return out.map((o) => (o[0] === 'data' ? o[2] : o[0] === 'gap' ? '?'.repeat(o[2]) : '')).join('');
}

describe('TcpHalfReassembler step tables', () => {
  test('in order after a SYN: data is delivered at stream offsets from 0, FIN ends', () => {
    const h = harness();
    h.seg(1000, '', TCP_SYN);
    h.seg(1001, 'abc');
    h.seg(1004, 'de', TCP_ACK | TCP_FIN);
    expect(h.out).toEqual([['data', 0, 'abc', 2], ['data', 3, 'de', 3], ['end', 'fin', 3]]);
  });

  test('sequence numbers wrap at 2^32', () => {
    const h = harness();
    h.seg(0xfffffffd, '', TCP_SYN);
    h.seg(0xfffffffe, 'ab');
    h.seg(0x00000000, 'cd');
    h.seg(0x00000002, 'e', TCP_FIN | TCP_ACK);
    expect(stream(h.out)).toBe('abcde');
    expect(h.out.at(-1)).toEqual(['end', 'fin', 4]);
  });

  test('out of order segments are held and delivered in order', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(4, 'def');
    h.seg(1, 'abc');
    expect(h.out).toEqual([['data', 0, 'abc', 3], ['data', 3, 'def', 2]]);
  });

  test('an exact retransmission is dropped and noted; first copy wins on a partial overlap', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'abcd');
    h.seg(1, 'abcd');
    h.seg(3, 'cdef');
    expect(stream(h.out)).toBe('abcdef');
    expect(h.notices.map((n) => n.code)).toEqual(['tcp.retransmission']);
  });

  test('an overlapping held copy with different bytes is flagged, the first copy kept', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(5, 'XY');
    h.seg(5, 'Xz');
    h.seg(1, 'abcd');
    expect(stream(h.out)).toBe('abcdXY');
    expect(h.notices).toMatchObject([{ code: 'tcp.overlap.inconsistent', frame: 3, frameOffset: 55 }]);
  });

  test('FIN after a gap: the hole is delivered as a gap at capture end, then the FIN', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'ab');
    h.seg(6, 'fg', TCP_ACK | TCP_FIN);
    expect(h.out).toEqual([['data', 0, 'ab', 2]]);
    h.r.finish();
    expect(h.out).toEqual([['data', 0, 'ab', 2], ['gap', 2, 3, 'lost'], ['data', 5, 'fg', 3], ['end', 'fin', 3]]);
  });

  test('RST mid-stream ends the stream at once, delivering what was held behind a gap', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'ab');
    h.seg(5, 'ef');
    h.seg(3, '', TCP_RST);
    expect(h.out).toEqual([['data', 0, 'ab', 2], ['gap', 2, 2, 'lost'], ['data', 4, 'ef', 3], ['end', 'rst', 4]]);
    expect(h.r.isEnded).toBe(true);
  });

  test('the out-of-order cap declares the hole a gap and says so', () => {
    const h = harness(4);
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'ab');
    h.seg(10, 'xyz');
    h.seg(13, 'uv');
    expect(h.notices.map((n) => n.code)).toEqual(['limit.tcp.out_of_order']);
    expect(h.out).toEqual([['data', 0, 'ab', 2], ['gap', 2, 7, 'lost'], ['data', 9, 'xyz', 3], ['data', 12, 'uv', 4]]);
  });

  test('mid-stream start (no SYN): the first segment defines stream offset 0', () => {
    const h = harness();
    h.seg(123456, 'hello');
    h.seg(123461, 'world');
    expect(h.r.midstream).toBe(true);
    expect(h.out).toEqual([['data', 0, 'hello', 1], ['data', 5, 'world', 2]]);
  });

  test('snaplen-truncated segment: captured bytes delivered, the rest is a gap', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'abc', TCP_ACK, 10);
    h.seg(11, 'k');
    expect(h.out).toEqual([['data', 0, 'abc', 2], ['gap', 3, 7, 'snaplen'], ['data', 10, 'k', 3]]);
  });

  test('a keep-alive probe (one old byte) is not a retransmission', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'ab');
    h.seg(2, 'b');
    expect(h.notices).toEqual([]);
  });

  test('data after FIN is flagged', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'a', TCP_ACK | TCP_FIN);
    h.seg(3, 'zz');
    expect(h.notices.map((n) => n.code)).toEqual(['tcp.data_after_close']);
  });
});

describe('TcpHalfReassembler: the peer ACKs above a hole (Zeek "ACK above hole")', () => {
  test('a hole the peer has acknowledged past was lost by the capture: gap now, held data delivered', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'abc');
    h.seg(7, 'ghi'); // 'def' (4..6) never captured
    expect(stream(h.out)).toBe('abc');
    h.r.acked(10); // the receiver got everything up to 'ghi'
    expect(h.out).toEqual([['data', 0, 'abc', 2], ['gap', 3, 3, 'lost'], ['data', 6, 'ghi', 3]]);
    h.seg(10, 'j');
    expect(stream(h.out)).toBe('abc???ghij');
  });

  test('an ACK at or below the hole changes nothing: a retransmission may still fill it', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'abc');
    h.seg(7, 'ghi');
    h.r.acked(4);
    h.r.acked(2);
    expect(stream(h.out)).toBe('abc');
    h.seg(4, 'def');
    expect(stream(h.out)).toBe('abcdefghi');
    expect(h.out.some((o) => o[0] === 'gap')).toBe(false);
  });

  test('only the holes below the ACK become gaps; later ones keep waiting', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'a');
    h.seg(3, 'c');
    h.seg(5, 'e');
    h.r.acked(4);
    expect(stream(h.out)).toBe('a?c');
    h.seg(4, 'd');
    expect(stream(h.out)).toBe('a?cde');
  });

  test('a FIN held behind an acknowledged hole ends the stream once the hole is declared', () => {
    const h = harness();
    h.seg(0, '', TCP_SYN);
    h.seg(1, 'ab');
    h.seg(5, 'ef', TCP_ACK | TCP_FIN);
    expect(h.r.isEnded).toBe(false);
    h.r.acked(8);
    expect(h.r.isEnded).toBe(true);
    expect(h.out.at(-1)).toEqual(['end', 'fin', 3]);
    expect(stream(h.out)).toBe('ab??ef');
  });
});

describe('TcpHalfReassembler properties', () => {
  test('any reordering of the segments within the window gives the same stream bytes', () => {
    fc.assert(fc.property(
      fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.infiniteStream(fc.nat()),
      (parts, isn, rnd) => {
        const h = harness();
        h.seg(isn, '', TCP_SYN);
        let seq = (isn + 1) >>> 0;
        const segs = parts.map((p) => { const s = { seq, text: p }; seq = (seq + p.length) >>> 0; return s; });
        const shuffled = [...segs];
        const it = rnd[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = it.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        for (const s of shuffled) h.seg(s.seq, s.text);
        h.r.finish();
        expect(stream(h.out)).toBe(parts.join(''));
      },
    ), { seed: 42, numRuns: 300 });
  });
});
