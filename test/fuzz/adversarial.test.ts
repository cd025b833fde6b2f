/**
 * Hostile inputs with a stated bound (issue 10): each generator builds traffic meant to exhaust memory
 * or time, and the test asserts that memory stays within the documented limit (retained heap +
 * ArrayBuffers after GC, and peak RSS growth, each with a generous margin), that it finishes in time,
 * and that the `limit.*` diagnostic naming the bound appears. The limits themselves are in
 * src/engine/limits.ts (named options with defaults) and in docs/robustness.md.
 */
import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { CaptureParser } from '../../src/capture/parser.js';
import { MAX_BLOCK_LENGTH } from '../../src/capture/limits.js';
import { DEFAULT_LIMITS } from '../../src/engine/limits.js';
import { MAX_INFLIGHT } from '../../src/engine/session.js';
import { MqttStreamDecoder } from '../../src/mqtt/stream.js';
import { concatBytes, writePcapngSections } from '../support/capture-writer.js';
import { Conversation, tcpFrame, ACK, PSH, type Peer } from '../support/tcp-builder.js';
import { ascii, frame as wsFrame, KEY } from '../support/ws-frames.js';
import { acceptFor } from '../../src/ws/http.js';
import { connect, encode, publish } from '../harness/packets.js';
import { engineRun, MB, peakRss, retained } from './engine-run.js';
import { runInput } from '../../fuzz/src/harness.js';
import { writePcap } from '../../fuzz/src/capture-io.js';
import { Rng } from '../../fuzz/src/rng.js';
import { stress, STRESS_PATTERNS } from '../../fuzz/src/stress.js';
import { srcModules } from './src-modules.js';

const BROKER: Peer = { ip: '10.9.9.9', port: 1883 };
const CONNACK = Uint8Array.of(0x20, 0x02, 0x00, 0x00);

function client(i: number): Peer {
  return { ip: `10.${(i >>> 16) & 0xff}.${(i >>> 8) & 0xff}.${i & 0xff}`, port: 1024 + (i % 60000) };
}

/** Measures a run: retained growth, peak RSS growth and wall time (printed with FUZZ_VERBOSE=1, for docs/robustness.md). */
function measured<T>(fn: () => T): { value: T; retained: number; peak: number; ms: number } {
  const r0 = retained();
  const p0 = peakRss();
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  const m = { value, retained: retained() - r0, peak: peakRss() - p0, ms };
  if (process.env['FUZZ_VERBOSE']) {
    // eslint-disable-next-line no-console
    console.log(`${expect.getState().currentTestName}: retained ${(m.retained / MB).toFixed(1)} MB, peak RSS +${(m.peak / MB).toFixed(0)} MB, ${m.ms.toFixed(0)} ms`);
  }
  return m;
}

describe('Remaining Length claims', () => {
  test('256 MB claimed on 2 000 connections: TRUNCATED + limit.mqtt.packet_size each, memory per connection not per claim', () => {
    const N = 2000;
    const run = engineRun();
    const m = measured(() => {
      for (let i = 0; i < N; i++) {
        const c = new Conversation(client(i), BROKER, { start: 1_700_000_000 + i / 1000 });
        // PUBLISH, Remaining Length 268 435 455 (the largest the varint can say), then 1 000 bytes of it.
        c.send('client', connect(`c${i}`)).send('server', CONNACK)
          .send('client', concatBytes(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0x7f), new Uint8Array(1000)));
        for (const f of c.frames) run.push(f);
      }
      return retained();
    });
    run.finish();
    expect(run.codes.get('limit.mqtt.packet_size')).toBe(N);
    expect(run.codes.get('internal.exception')).toBeUndefined();
    // Connection state only (a few KB each), nothing near what the headers claim.
    expect(m.retained).toBeLessThan(N * 32 * 1024);
    expect(m.peak).toBeLessThan(512 * MB);
    expect(m.ms).toBeLessThan(20_000);
  });

  test('a claim just under --max-packet-size on 32 connections allocates only what arrived (regression: 16 MB each up front)', () => {
    const N = 32;
    const claim = DEFAULT_LIMITS.maxPacketSize - 100;
    const run = engineRun();
    const m = measured(() => {
      for (let i = 0; i < N; i++) {
        const c = new Conversation(client(i), BROKER, { start: 1_700_000_000 + i / 1000 });
        const rl = claim - 5;
        const header = Uint8Array.of(0x30, 0x80 | (rl & 0x7f), 0x80 | ((rl >> 7) & 0x7f), 0x80 | ((rl >> 14) & 0x7f), rl >> 21);
        c.send('client', connect(`c${i}`)).send('server', CONNACK).send('client', concatBytes(header, new Uint8Array(100)));
        for (const f of c.frames) run.push(f);
      }
      return retained();
    });
    // Before the fix the decoder allocated the declared size at once: 32 × 16 MB = 512 MB retained.
    expect(m.retained).toBeLessThan(16 * MB);
    run.finish();
    expect(run.codes.get('mqtt.stream.incomplete')).toBe(N);
  });

  test('the MQTT stream decoder grows a straddling packet with what arrives and still hands out exact-size bytes', () => {
    const packets: { type: string; bytes: Uint8Array }[] = [];
    const dec = new MqttStreamDecoder(() => ({ protocolLevel: 4 }), {
      packet: (d, bytes) => packets.push({ type: d.packet.type, bytes }),
      diagnostic: () => {},
    }, { maxPacketSize: DEFAULT_LIMITS.maxPacketSize });
    const body = new Uint8Array(200_000).fill(0x61);
    const p = publish('t', body);
    let at = 0;
    for (let off = 0; off < p.length; off += 999) {
      const chunk = p.subarray(off, Math.min(p.length, off + 999));
      dec.data(chunk, at);
      at += chunk.length;
    }
    dec.end();
    expect(packets.map((x) => x.type)).toEqual(['PUBLISH']);
    expect(packets[0]!.bytes.length).toBe(p.length);
    expect(packets[0]!.bytes.buffer.byteLength).toBe(p.length);
    expect(Buffer.from(packets[0]!.bytes).equals(Buffer.from(p))).toBe(true);
  });
});

/** A WebSocket connection on port 8080 after its upgrade (optionally with permessage-deflate). */
function wsConversation(i: number, deflate: boolean): Conversation {
  const c = new Conversation(client(i), { ip: '10.9.9.9', port: 8080 }, { start: 1_700_000_000 });
  const key = Buffer.from(`key-${i}-0123456789`).toString('base64');
  const ext = deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '';
  c.send('client', ascii(`GET /mqtt HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n`
    + `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n${ext}\r\n`));
  c.send('server', ascii(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Protocol: mqtt\r\n${ext}\r\n`));
  return c;
}

/** Pushes the conversation's frames written so far, and forgets them. */
function flush(c: Conversation, run: ReturnType<typeof engineRun>): void {
  for (const f of c.frames) run.push(f);
  c.frames.length = 0;
}

describe('WebSocket', () => {
  test('an endless message of continuation frames (uncompressed) streams: memory flat, packets keep coming', () => {
    const run = engineRun();
    const c = wsConversation(1, false);
    let packets = 0;
    const noop = (): void => {};
    void noop;
    const m = measured(() => {
      c.send('client', wsFrame({ fin: false, opcode: 2, payload: connect('endless'), mask: KEY }));
      flush(c, run);
      // 2 000 continuation frames of 8 KB of PUBLISH packets, never a FIN: 16 MB in one message.
      const pub = publish('t', new Uint8Array(8192 - 5));
      for (let k = 0; k < 2000; k++) {
        c.send('client', wsFrame({ fin: false, opcode: 0, payload: pub, mask: KEY }));
        flush(c, run);
      }
      return 0;
    });
    const r = run.finish();
    packets = r.mqttPackets;
    expect(packets).toBe(2001);
    expect(m.retained).toBeLessThan(8 * MB);
    expect(m.ms).toBeLessThan(20_000);
  });

  test('an endless compressed message: limit.ws.message at maxWsMessage, nothing more buffered', () => {
    const run = engineRun();
    const c = wsConversation(2, true);
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const m = measured(() => {
      c.send('client', wsFrame({ fin: false, rsv: 4, opcode: 2, payload: chunk, mask: KEY }));
      flush(c, run);
      // 24 MB of continuation frames (the limit is 16 MB by default).
      for (let k = 0; k < 384; k++) {
        c.send('client', wsFrame({ fin: false, opcode: 0, payload: chunk, mask: KEY }));
        flush(c, run);
      }
      return 0;
    });
    run.finish();
    expect(run.codes.get('limit.ws.message')).toBe(1);
    expect(m.retained).toBeLessThan(DEFAULT_LIMITS.maxWsMessage + 8 * MB);
    expect(m.peak).toBeLessThan(DEFAULT_LIMITS.maxWsMessage * 4 + 64 * MB);
  });

  test('a permessage-deflate bomb (a ~100 KB message inflating to 1 GB): limit.ws.inflate at maxWsInflate', () => {
    const run = engineRun();
    const c = wsConversation(3, true);
    // 1 GB of zeros deflates to about 1 MB; 96 MB already makes the point and builds fast.
    const bomb = deflateRawSync(new Uint8Array(96 * MB), { finishFlush: constants.Z_SYNC_FLUSH });
    const body = new Uint8Array(bomb.subarray(0, bomb.length - 4));
    expect(body.length).toBeLessThan(200 * 1024);
    const m = measured(() => {
      for (let k = 0; k < 3; k++) {
        c.send('client', wsFrame({ fin: true, rsv: 4, opcode: 2, payload: body, mask: KEY }));
        flush(c, run);
      }
      return 0;
    });
    run.finish();
    expect(run.codes.get('limit.ws.inflate')).toBe(3);
    expect(m.retained).toBeLessThan(8 * MB);
    expect(m.peak).toBeLessThan(DEFAULT_LIMITS.maxWsInflate * 3 + 64 * MB);
    expect(m.ms).toBeLessThan(20_000);
  });
});

describe('capture file', () => {
  test('a pcapng block length of 4 GB: capture.pcapng.bad_block, nothing buffered for it, reading stops', () => {
    const diags: string[] = [];
    let records = 0;
    const parser = new CaptureParser({ record: () => { records++; }, diagnostic: (d) => diags.push(d.code) });
    const head = writePcapngSections([{ blocks: [{ type: 'idb', linkType: 1 },
      { type: 'raw', blockType: 6, body: new Uint8Array(20), totalLength: 0xfffffffc }] }]);
    const m = measured(() => {
      parser.push(head);
      // What follows the claim: 64 MB of anything; none of it may be held.
      const junk = new Uint8Array(MB).fill(0xab);
      for (let k = 0; k < 64; k++) parser.push(junk.slice());
      const buffered = parser.buffered;
      parser.end();
      return buffered;
    });
    expect(diags).toContain('capture.pcapng.bad_block');
    expect(records).toBe(0);
    expect(parser.stopped).toBe(true);
    expect(m.value).toBeLessThan(64 * 1024);
    expect(m.retained).toBeLessThan(8 * MB);
    expect(0xfffffffc).toBeGreaterThan(MAX_BLOCK_LENGTH);
  });
});

describe('TCP reassembly', () => {
  test.each([
    ['1 MB ahead', 1_000_000],
    ['2^31 - 1 ahead (the edge of the sequence space)', 0x7fffffff],
  ])('out-of-order segments %s of the window: limit.tcp.out_of_order, held bytes stay under maxOutOfOrderBytes', (_name, ahead) => {
    const run = engineRun();
    const c = new Conversation(client(7), BROKER, { start: 1_700_000_000, isn: [1000, 5000] });
    c.send('client', connect('ooo')).send('server', CONNACK);
    flush(c, run);
    const payload = new Uint8Array(1400).fill(0x30);
    const m = measured(() => {
      // 16 MB of segments, each further ahead, none ever filling the hole.
      for (let k = 0; k < 12_000; k++) {
        const seq = (1001 + connect('ooo').length + ahead + k * 1400) >>> 0;
        run.push({ ts: { sec: 1_700_000_001, nsec: k * 1000 }, data: tcpFrame(client(7), BROKER, seq, 5001 + 4, ACK | PSH, payload) });
      }
      return 0;
    });
    run.finish();
    if (ahead < 0x7fffffff) {
      expect(run.codes.get('limit.tcp.out_of_order') ?? 0).toBeGreaterThan(0);
      expect(run.codes.get('tcp.gap') ?? 0).toBeGreaterThan(0);
    }
    expect(m.retained).toBeLessThan(DEFAULT_LIMITS.maxOutOfOrderBytes + 8 * MB);
    expect(m.ms).toBeLessThan(20_000);
  });
});

describe('MQTT session state', () => {
  test('65 535 packet ids in flight: limit.mqtt.inflight, the table stays at MAX_INFLIGHT', () => {
    const run = engineRun();
    const c = new Conversation(client(8), BROKER, { start: 1_700_000_000 });
    c.send('client', connect('inflight')).send('server', CONNACK);
    flush(c, run);
    const m = measured(() => {
      for (let id = 1; id <= 65535; id++) {
        c.send('client', publish('t', 'x', { qos: 1, messageId: id }));
        if (id % 256 === 0) flush(c, run);
      }
      flush(c, run);
      return 0;
    });
    const r = run.finish();
    expect(run.codes.get('limit.mqtt.inflight') ?? 0).toBeGreaterThan(0);
    const conn = r.connections[0]!.conn;
    expect(conn.session!.inflight.c2s).toBeLessThanOrEqual(MAX_INFLIGHT);
    expect(m.retained).toBeLessThan(16 * MB);
  });

  test('topic alias tables filled to the maximum (65 535 aliases, twice over): bounded by the alias space', () => {
    const run = engineRun();
    const c = new Conversation(client(9), BROKER, { start: 1_700_000_000 });
    c.send('client', connect('aliases', { level: 5 }))
      .send('server', encode({ cmd: 'connack', reasonCode: 0, sessionPresent: false, properties: { topicAliasMaximum: 65535 } }, 5));
    flush(c, run);
    const topic = 'x'.repeat(100);
    const m = measured(() => {
      for (let round = 0; round < 2; round++) {
        for (let alias = 1; alias <= 65535; alias++) {
          c.send('client', encode({ cmd: 'publish', topic: `${topic}/${round}/${alias}`, payload: Buffer.alloc(0), qos: 0, dup: false,
            retain: false, properties: { topicAlias: alias } }, 5));
          if (alias % 256 === 0) flush(c, run);
        }
      }
      flush(c, run);
      return 0;
    });
    run.finish();
    expect(run.codes.get('mqtt.sequence.topic_alias_invalid')).toBeUndefined();
    // 65 535 entries of ~110-byte topics (~2 bytes per character in V8 strings at worst) plus map overhead.
    expect(m.retained).toBeLessThan(65535 * 400 + 8 * MB);
    expect(m.ms).toBeLessThan(30_000);
  });
});

describe('flows that never close', () => {
  function flows(run: ReturnType<typeof engineRun>, n: number, every: number): { points: { flows: number; bytes: number }[]; ms: number } {
    const points: { flows: number; bytes: number }[] = [];
    const r0 = retained();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const c = new Conversation(client(i), BROKER, { start: 1_700_000_000 + i / 1000 });
      c.send('client', connect(`dev-${i}`)).send('server', CONNACK);
      flush(c, run);
      if ((i + 1) % every === 0) points.push({ flows: i + 1, bytes: retained() - r0 });
    }
    return { points, ms: performance.now() - t0 };
  }

  const show = (label: string, points: { flows: number; bytes: number }[], ms: number): void => {
    // eslint-disable-next-line no-console
    if (process.env['FUZZ_VERBOSE']) console.log(`${label}: ${points.map((p) => `${p.flows}: ${(p.bytes / MB).toFixed(0)} MB`).join(', ')}; ${(ms / 1000).toFixed(1)} s`);
  };

  /**
   * 100 000 MQTT connections (handshake, CONNECT, CONNACK), none ever closed, with the default
   * maxFlows (100 000): every one is held open. Measured ~10 KB per open flow (1 GB in all).
   */
  test('100 000 open flows at the default maxFlows: memory per open flow is bounded', () => {
    const run = engineRun();
    const { points, ms } = flows(run, 100_000, 25_000);
    show('100k open flows', points, ms);
    run.finish();
    expect(points[points.length - 1]!.bytes / 100_000).toBeLessThan(32 * 1024);
    expect(ms).toBeLessThan(90_000);
  }, 180_000);

  /**
   * Past maxFlows the oldest flow is evicted (limit.flows) and its connection ends as seen. What stays
   * per evicted connection is its record for the report (Connection, verdict, client-id index): about
   * 3 KB, so memory still grows with the number of connections ever seen, only more slowly.
   */
  test('past maxFlows the oldest flows are evicted with limit.flows; what each evicted connection keeps is small', () => {
    const run = engineRun({ maxFlows: 5000 });
    const { points, ms } = flows(run, 40_000, 10_000);
    show('40k flows, maxFlows 5000', points, ms);
    expect(run.codes.get('limit.flows')).toBe(35_000);
    const growth = (points[3]!.bytes - points[1]!.bytes) / 20_000;
    expect(growth).toBeLessThan(8 * 1024);
    run.finish();
  }, 180_000);
});

describe('cost grows linearly with the input', () => {
  /**
   * The fuzzer's stress patterns (fuzz/src/stress.ts: one structure repeated thousands of times) at two
   * sizes: 4× the input may cost about 4× the time, never the 16× of a quadratic decoder (out-of-order
   * segments in descending order took 16 s for 20 000 before cdfbf04).
   */
  test.each(STRESS_PATTERNS.map((p) => [p]))('%s', (pattern) => {
    const time = (n: number): number => {
      const bytes = writePcap(stress(new Rng(5, n), pattern, n));
      let best = Infinity;
      for (let k = 0; k < 2; k++) {
        const t0 = performance.now();
        const f = runInput(srcModules, { kind: 'capture', bytes, chunks: [bytes.length], render: false });
        best = Math.min(best, performance.now() - t0);
        expect(f, f ? `${f.check}: ${f.message}` : '').toBeNull();
      }
      return best;
    };
    const small = time(2000);
    const large = time(8000);
    expect(large, `2 000: ${small.toFixed(0)} ms, 8 000: ${large.toFixed(0)} ms`).toBeLessThan(8 * Math.max(small, 25));
  }, 120_000);
});
