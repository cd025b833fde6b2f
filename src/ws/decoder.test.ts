import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ascii, concat, deflateMessages, frame, KEY } from '../../test/support/ws-frames.js';
import type { Diagnostic, Dir } from '../diag/types.js';
import { WsDecoder, type WsControlFrame } from './decoder.js';
import { acceptFor } from './http.js';
import { newWsSession, type WsSession } from './session.js';

const LIMITS = { maxCompressedMessage: 1 << 20, maxInflatedMessage: 1 << 20 };

const REQUEST = ascii('GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
  + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n');
const response = (extra = '', accept = acceptFor('dGhlIHNhbXBsZSBub25jZQ=='), proto = 'mqtt') =>
  ascii(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n`
    + `${proto ? `Sec-WebSocket-Protocol: ${proto}\r\n` : ''}${extra}\r\n`);

interface Run { payload: string; gaps: number[]; diags: Diagnostic[]; controls: WsControlFrame[]; offsets: [number, number][] }

function decoder(dir: Dir, session: WsSession, start: 'http' | 'frames' = 'frames') {
  const run: Run = { payload: '', gaps: [], diags: [], controls: [], offsets: [] };
  const d = new WsDecoder(dir, session, {
    payload: (b, wsOffset, tcpOffset) => { run.payload += Buffer.from(b).toString('latin1'); run.offsets.push([wsOffset, tcpOffset]); },
    gap: (_o, n) => run.gaps.push(n),
    frame: () => {},
    control: (c) => run.controls.push(c),
    handshake: () => {},
    diagnostic: (x) => run.diags.push(x),
  }, LIMITS, start);
  return { d, run };
}

/** Feeds the server head first (so deflate is negotiated), then the client bytes in the given chunks. */
function handshake(extra = ''): WsSession {
  const s = newWsSession();
  decoder('c2s', s, 'http').d.data(REQUEST, 0);
  decoder('s2c', s, 'http').d.data(response(extra), 0);
  return s;
}

describe('WebSocket handshake', () => {
  test('101 with the right accept and subprotocol: no diagnostics, session filled in', () => {
    const s = newWsSession();
    const c = decoder('c2s', s, 'http');
    const srv = decoder('s2c', s, 'http');
    c.d.data(REQUEST, 0);
    srv.d.data(response('Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n'), 0);
    expect(c.run.diags).toEqual([]);
    expect(srv.run.diags).toEqual([]);
    expect(s.status).toBe(101);
    expect(s.subprotocol).toBe('mqtt');
    expect(s.deflate).toMatchObject({ clientNoContextTakeover: true, serverNoContextTakeover: false });
  });

  test.each([
    { name: 'wrong accept', head: response('', 'AAAA'), code: 'ws.handshake.accept_mismatch' },
    { name: 'no subprotocol', head: response('', undefined, ''), code: 'ws.handshake.subprotocol' },
    { name: 'mqttv3.1 subprotocol', head: response('', undefined, 'mqttv3.1'), code: 'ws.handshake.subprotocol' },
    { name: 'non-101', head: ascii('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), code: 'ws.handshake.rejected' },
  ])('$name → $code', ({ head, code }) => {
    const s = newWsSession();
    decoder('c2s', s, 'http').d.data(REQUEST, 0);
    const srv = decoder('s2c', s, 'http');
    srv.d.data(head, 0);
    expect(srv.run.diags.map((x) => x.code)).toEqual([code]);
  });

  test('a request split over several segments, followed by frames in the same segment', () => {
    const s = newWsSession();
    const c = decoder('c2s', s, 'http');
    const bytes = concat(REQUEST, frame({ opcode: 2, payload: ascii('\x10\x00'), mask: KEY }));
    c.d.data(bytes.subarray(0, 7), 0);
    c.d.data(bytes.subarray(7, 60), 7);
    c.d.data(bytes.subarray(60), 60);
    expect(s.request?.startLine).toBe('GET /mqtt HTTP/1.1');
    expect(c.run.payload).toBe('\x10\x00');
    expect(c.run.offsets).toEqual([[0, REQUEST.length + 6]]);
  });
});

describe('WebSocket frames', () => {
  test('masked client frames are unmasked; MQTT packets straddle frames as one byte stream', () => {
    const s = handshake();
    const c = decoder('c2s', s);
    const mqtt = ascii('\x10\x0c\x00\x04MQTT\x04\x02\x00\x05\x00\x00\xc0\x00');
    const bytes = concat(
      frame({ opcode: 2, fin: false, payload: mqtt.subarray(0, 1), mask: KEY }),
      frame({ opcode: 0, fin: false, payload: mqtt.subarray(1, 9), mask: KEY }),
      frame({ opcode: 9, payload: ascii('hi'), mask: KEY }), // a ping between fragments is allowed
      frame({ opcode: 0, fin: true, payload: mqtt.subarray(9), mask: KEY }),
    );
    c.d.data(bytes, 1000);
    expect(c.run.diags).toEqual([]);
    expect(c.run.payload).toBe(Buffer.from(mqtt).toString('latin1'));
    expect(c.run.controls.map((x) => x.header.opcode)).toEqual([9]);
    // The first payload byte sat right after the 6-byte header of the first frame.
    expect(c.run.offsets[0]).toEqual([0, 1006]);
  });

  test('the input is never mutated by unmasking', () => {
    const s = handshake();
    const bytes = frame({ opcode: 2, payload: ascii('abcdef'), mask: KEY });
    const copy = bytes.slice();
    decoder('c2s', s).d.data(bytes, 0);
    expect(bytes).toEqual(copy);
  });

  test.each([
    { name: 'unmasked client frame', dir: 'c2s', f: frame({ opcode: 2, payload: ascii('x') }), codes: ['ws.frame.unmasked_client_frame'] },
    { name: 'masked server frame', dir: 's2c', f: frame({ opcode: 2, payload: ascii('x'), mask: KEY }), codes: ['ws.frame.masked_server_frame'] },
    { name: 'RSV1 without deflate', dir: 's2c', f: frame({ opcode: 2, rsv: 4, payload: ascii('x') }), codes: ['ws.frame.rsv_bits'] },
    { name: 'RSV2', dir: 's2c', f: frame({ opcode: 2, rsv: 2, payload: ascii('x') }), codes: ['ws.frame.rsv_bits'] },
    { name: 'unknown opcode', dir: 's2c', f: frame({ opcode: 3, payload: ascii('x') }), codes: ['ws.frame.unknown_opcode'] },
    { name: 'control frame too long', dir: 's2c', f: frame({ opcode: 9, payload: new Uint8Array(126) }), codes: ['ws.control.too_long'] },
    { name: 'fragmented control frame', dir: 's2c', f: frame({ opcode: 10, fin: false, payload: ascii('x') }), codes: ['ws.control.fragmented'] },
    { name: 'orphan continuation', dir: 's2c', f: frame({ opcode: 0, payload: ascii('x') }), codes: ['ws.frame.orphan_continuation'] },
    { name: 'non-minimal 16-bit length', dir: 's2c', f: frame({ opcode: 2, payload: ascii('x'), lengthBytes: 2 }), codes: ['ws.frame.non_minimal_length'] },
    { name: 'non-minimal 64-bit length', dir: 's2c', f: frame({ opcode: 2, payload: ascii('x'), lengthBytes: 8 }), codes: ['ws.frame.non_minimal_length'] },
    { name: 'text frame carrying MQTT', dir: 's2c', f: frame({ opcode: 1, payload: ascii('\xd0\x00') }), codes: ['ws.mqtt.text_frame'] },
    { name: 'invalid close code', dir: 's2c', f: frame({ opcode: 8, payload: Uint8Array.of(0x03, 0xed) }), codes: ['ws.close.invalid_code'] },
    { name: 'one-byte close payload', dir: 's2c', f: frame({ opcode: 8, payload: Uint8Array.of(0x03) }), codes: ['ws.close.invalid_code'] },
    { name: 'close reason not UTF-8', dir: 's2c', f: frame({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8, 0xff) }), codes: ['ws.close.invalid_utf8'] },
    { name: 'interleaved message', dir: 's2c', f: concat(frame({ opcode: 2, fin: false, payload: ascii('a') }), frame({ opcode: 2, payload: ascii('b') })), codes: ['ws.frame.interleaved_message'] },
    { name: 'data after close', dir: 's2c', f: concat(frame({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8) }), frame({ opcode: 2, payload: ascii('b') })), codes: ['ws.frame.after_close'] },
    { name: '64-bit length with the top bit set', dir: 's2c', f: Uint8Array.of(0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1), codes: ['ws.frame.length_top_bit'] },
  ] as const)('$name', ({ dir, f, codes }) => {
    const s = handshake();
    const x = decoder(dir, s);
    x.d.data(f, 0);
    expect(x.run.diags.map((d) => d.code)).toEqual(codes);
  });

  test('close frames record code, reason and who closed first', () => {
    const s = handshake();
    decoder('s2c', s).d.data(frame({ opcode: 8, payload: concat(Uint8Array.of(0x03, 0xea), ascii('bye')) }), 500);
    decoder('c2s', s).d.data(frame({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8), mask: KEY }), 900);
    expect(s.closes).toEqual([
      { dir: 's2c', code: 1002, reason: 'bye', tcpOffset: 500 },
      { dir: 'c2s', code: 1000, reason: '', tcpOffset: 900 },
    ]);
  });

  test('a TCP gap inside a payload becomes a payload gap; inside a header the direction stops', () => {
    const s = handshake();
    const c = decoder('c2s', s);
    const f = frame({ opcode: 2, payload: ascii('abcdefgh'), mask: KEY });
    c.d.data(f.subarray(0, 8), 0);
    c.d.gap(8, 3);
    c.d.data(f.subarray(11), 11);
    expect(c.run.gaps).toEqual([3]);
    expect(c.run.payload).toBe('abfgh');
    c.d.data(Uint8Array.of(0x82), 14);
    c.d.gap(15, 1);
    expect(c.run.diags.map((d) => d.code)).toEqual(['ws.stream.desync']);
  });
});

describe('permessage-deflate', () => {
  test('context takeover across messages, fragmented compressed message', () => {
    const s = handshake('Sec-WebSocket-Extensions: permessage-deflate\r\n');
    const c = decoder('c2s', s);
    const msgs = ['\x30\x0bhello/world', '\x30\x0bhello/world', '\x30\x0bhello/again'].map(ascii);
    const z = deflateMessages(msgs);
    const bytes = concat(
      frame({ opcode: 2, rsv: 4, payload: z[0]!, mask: KEY }),
      frame({ opcode: 2, rsv: 4, fin: false, payload: z[1]!.subarray(0, 2), mask: KEY }),
      frame({ opcode: 0, payload: z[1]!.subarray(2), mask: KEY }),
      frame({ opcode: 2, rsv: 4, payload: z[2]!, mask: KEY }),
    );
    c.d.data(bytes, 0);
    expect(c.run.diags).toEqual([]);
    expect(c.run.payload).toBe(msgs.map((m) => Buffer.from(m).toString('latin1')).join(''));
  });

  test('a deflate bomb stops at the limit with a diagnostic, memory bounded', () => {
    const s = handshake('Sec-WebSocket-Extensions: permessage-deflate\r\n');
    const c = decoder('c2s', s);
    const [bomb] = deflateMessages([new Uint8Array(8 << 20)]);
    c.d.data(frame({ opcode: 2, rsv: 4, payload: bomb!, mask: KEY }), 0);
    expect(c.run.diags.map((d) => d.code)).toEqual(['limit.ws.inflate']);
    expect(c.run.payload).toBe('');
  });
});

describe('properties', () => {
  const s0 = handshake('Sec-WebSocket-Extensions: permessage-deflate\r\n');
  const stream = concat(
    frame({ opcode: 2, fin: false, payload: ascii('\x10\x0c\x00\x04MQ'), mask: KEY }),
    frame({ opcode: 9, payload: ascii('p'), mask: KEY }),
    frame({ opcode: 0, payload: ascii('TT\x04\x02\x00\x05\x00\x00'), mask: KEY }),
    frame({ opcode: 2, rsv: 4, payload: deflateMessages([ascii('\xc0\x00\xc0\x00')])[0]!, mask: KEY }),
    frame({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8), mask: KEY }),
  );
  const whole = (() => { const x = decoder('c2s', { ...s0, closes: [] }); x.d.data(stream, 0); return x.run; })();

  test('chunk-split invariance', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 10 }), (cuts) => {
      const points = [...new Set([0, ...cuts, stream.length])].sort((a, b) => a - b);
      const x = decoder('c2s', { ...s0, closes: [] });
      for (let i = 0; i + 1 < points.length; i++) x.d.data(stream.subarray(points[i]!, points[i + 1]!), points[i]!);
      expect(x.run.payload).toBe(whole.payload);
      expect(x.run.diags).toEqual(whole.diags);
      expect(x.run.controls.map((c) => [c.header.opcode, c.closeCode])).toEqual(whole.controls.map((c) => [c.header.opcode, c.closeCode]));
    }), { seed: 7, numRuns: 300 });
  });

  test('garbage never throws and every diagnostic lies inside the input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, http) => {
      const s = http ? newWsSession() : handshake('Sec-WebSocket-Extensions: permessage-deflate\r\n');
      for (const dir of ['c2s', 's2c'] as const) {
        const x = decoder(dir, s, http ? 'http' : 'frames');
        x.d.data(bytes, 0);
        x.d.end();
        for (const d of x.run.diags) {
          expect(d.at.offset).toBeGreaterThanOrEqual(0);
          expect(d.at.offset + d.at.length).toBeLessThanOrEqual(Math.max(bytes.length, 1) + 16 * 1024);
        }
      }
    }), { seed: 11, numRuns: 500 });
  });
});
