/**
 * MqttStreamDecoder: framing across chunks, TRUNCATED with bounded memory, resynchronization after a
 * gap or garbage, and the two properties every streaming decoder must have (chunk-split invariance;
 * garbage never throws and the same instance still decodes a valid packet afterwards).
 */
import { fc, test } from '@fast-check/vitest';
import mqttPacket from 'mqtt-packet';
import { describe, expect } from 'vitest';
import { hex } from '../bytes/hex.js';
import type { Diagnostic } from '../diag/types.js';
import { MqttStreamDecoder } from './stream.js';
import type { Decoded, MqttPacket, ProtocolLevel } from './types.js';

const s = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

type Event =
  | { kind: 'packet'; packet: MqttPacket; diags: readonly Diagnostic[]; bytes: string }
  | { kind: 'diag'; diag: Diagnostic };

type Input = { data: Uint8Array } | { gap: number };

interface Run {
  readonly events: Event[];
  readonly decoder: MqttStreamDecoder;
  /** Views handed to packet(), to check which ones alias the input. */
  readonly views: Uint8Array[];
}

/**
 * A decoder whose protocol level follows CONNECT, as the engine's does: the level is updated inside
 * the packet callback and must apply to the next packet of the same chunk.
 */
function decoder(maxPacketSize = 1 << 20, level: ProtocolLevel = 4): Run {
  let current: ProtocolLevel = level;
  const events: Event[] = [];
  const views: Uint8Array[] = [];
  const d = new MqttStreamDecoder(() => ({ protocolLevel: current }), {
    packet(x: Decoded, bytes: Uint8Array) {
      views.push(bytes);
      events.push({ kind: 'packet', packet: x.packet, diags: x.diags, bytes: Buffer.from(bytes).toString('hex') });
      const p = x.packet;
      if (p.type === 'CONNECT' && (p.protocolLevel === 3 || p.protocolLevel === 4 || p.protocolLevel === 5)) current = p.protocolLevel;
    },
    diagnostic(x: Diagnostic) {
      events.push({ kind: 'diag', diag: x });
    },
  }, { maxPacketSize });
  return { events, decoder: d, views };
}

/** Feeds `inputs` starting at stream offset 0 and ends the stream. */
function run(inputs: readonly Input[], maxPacketSize?: number, level?: ProtocolLevel): Run {
  const r = decoder(maxPacketSize, level);
  let offset = 0;
  for (const i of inputs) {
    if ('gap' in i) {
      r.decoder.gap(offset, i.gap);
      offset += i.gap;
    } else {
      r.decoder.data(i.data, offset);
      offset += i.data.length;
    }
  }
  r.decoder.end();
  return r;
}

/** `bytes` split at the given cut points (any values; they are reduced modulo the length). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

const gen = (obj: object, protocolVersion: ProtocolLevel = 4): Uint8Array =>
  new Uint8Array(mqttPacket.generate(obj as mqttPacket.Packet, { protocolVersion }));
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

const packets = (r: Run) => r.events.filter((e): e is Extract<Event, { kind: 'packet' }> => e.kind === 'packet').map((e) => e.packet);
const diagCodes = (r: Run) => r.events.flatMap((e) => (e.kind === 'diag' ? [e.diag.code] : e.diags.map((d) => d.code)));

// ---- arbitraries for the properties ------------------------------------------------------------

const validPacket = fc.oneof(
  fc.record({ topic: fc.constantFrom('a', 'a/b', 'é/€'), payload: fc.uint8Array({ maxLength: 40 }), qos: fc.constantFrom(0, 1, 2),
    messageId: fc.integer({ min: 1, max: 0xffff }) }).map((p) => gen({ cmd: 'publish', ...p, payload: Buffer.from(p.payload) })),
  fc.integer({ min: 1, max: 0xffff }).map((messageId) => gen({ cmd: 'puback', messageId })),
  fc.constant(hex`c0 00`), fc.constant(hex`d0 00`),
  fc.constant(gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/+', qos: 1 }] })),
  fc.constant(gen({ cmd: 'connect', clientId: 'c5', protocolVersion: 5, properties: { receiveMaximum: 5 } }, 5)),
  fc.constant(gen({ cmd: 'connect', clientId: 'c4', protocolVersion: 4 })),
);
/** Garbage biased toward bytes that look like headers, including 5-byte Remaining Lengths. */
const garbage = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 24 }),
  fc.constant(hex`30 ff ff ff ff 7f`),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.uint8Array({ maxLength: 6 })).map(([t, rest]) => Uint8Array.of(t << 4, ...rest)),
);
const streamOf = fc.array(fc.oneof({ weight: 4, arbitrary: validPacket }, { weight: 1, arbitrary: garbage }), { maxLength: 12 })
  .map((parts) => concat(...parts));

describe('MqttStreamDecoder', () => {
  test('several packets in one chunk are decoded from views of it, without copies', () => {
    const bytes = concat(hex`c0 00`, gen({ cmd: 'puback', messageId: 7 }), hex`d0 00`);
    const r = run([{ data: bytes }]);
    expect(packets(r).map((p) => [p.type, p.at.offset, p.at.length])).toEqual([['PINGREQ', 0, 2], ['PUBACK', 2, 4], ['PINGRESP', 6, 2]]);
    expect(r.views.every((v) => v.buffer === bytes.buffer)).toBe(true);
    expect(diagCodes(r)).toEqual([]);
  });

  test('a packet that straddles chunks is gathered once into a fresh array', () => {
    const p = gen({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 1, messageId: 3 });
    const chunks = [p.subarray(0, 1), p.subarray(1, 2), p.subarray(2, 9), p.subarray(9)];
    const r = run(chunks.map((data) => ({ data })));
    expect(packets(r)).toMatchObject([{ type: 'PUBLISH', topic: 'a/b', packetId: 3, payload: { offset: 9, length: 5 } }]);
    expect(r.views[0]!.buffer).not.toBe(p.buffer);
  });

  test('the protocol level is read for each packet: a CONNECT in the same chunk changes how the next one decodes', () => {
    const connect = gen({ cmd: 'connect', clientId: 'c', protocolVersion: 5 }, 5);
    const publish = hex`30 08  00 01 ${s('a')}  03 23 00 01  ${s('x')}`; // 5.0 PUBLISH with topicAlias 1
    const r = run([{ data: concat(connect, publish) }]);
    expect(packets(r)[1]).toMatchObject({ type: 'PUBLISH', topic: 'a', properties: [{ name: 'topicAlias', value: 1 }] });
    expect(diagCodes(r)).toEqual([]);
  });

  test('a PUBLISH claiming 200 MB becomes a TRUNCATED record with bounded memory', () => {
    const size = 200 * 1024 * 1024;
    const header = hex`30 80 80 80 64`; // Remaining Length 100 × 128³ = 209,715,200
    const r = decoder(16 * 1024 * 1024);
    const chunk = new Uint8Array(64 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    r.decoder.data(header, 0);
    let offset = header.length;
    for (let sent = 0; sent < size; sent += chunk.length) {
      r.decoder.data(chunk, offset);
      offset += chunk.length;
    }
    r.decoder.data(hex`c0 00`, offset);
    r.decoder.end();
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(4 * 1024 * 1024);
    expect(packets(r)).toMatchObject([
      { type: 'TRUNCATED', declaredType: 'PUBLISH', skipped: size, remainingLength: size, at: { offset: 0, length: size + 5 } },
      { type: 'PINGREQ', at: { offset: size + 5, length: 2 } },
    ]);
    expect(r.events[0]).toMatchObject({ kind: 'packet', diags: [{ code: 'limit.mqtt.packet_size', at: { offset: 0, length: 5 } }] });
    expect(r.views[0]!.length).toBe(5);
  });

  test('a gap inside a skipped body keeps framing', () => {
    const r = run([{ data: hex`30 64` }, { data: new Uint8Array(50) }, { gap: 30 }, { data: new Uint8Array(20) }, { data: hex`c0 00` }], 64);
    expect(packets(r).map((p) => p.type)).toEqual(['TRUNCATED', 'PINGREQ']);
    expect(packets(r)[1]!.resynced).toBeUndefined();
  });

  test('a gap inside a packet whose header was seen: the packet is cut, framing survives', () => {
    const p = gen({ cmd: 'publish', topic: 't', payload: Buffer.alloc(20, 0x41), qos: 0 });
    const r = run([{ data: p.subarray(0, 10) }, { gap: 5 }, { data: p.subarray(15) }, { data: hex`c0 00` }]);
    expect(packets(r)).toMatchObject([{ type: 'TRUNCATED', declaredType: 'PUBLISH', skipped: p.length - 2 }, { type: 'PINGREQ' }]);
    expect(r.events[0]).toMatchObject({ diags: [{ code: 'mqtt.stream.packet_cut', at: { offset: 0, length: p.length } }] });
    expect(packets(r)[1]!.resynced).toBeUndefined();
  });

  test('resync after a gap: bytes up to the next plausible header are skipped and reported once', () => {
    const tail = gen({ cmd: 'publish', topic: 'x/y', payload: Buffer.from('zz'), qos: 0 });
    const puback = gen({ cmd: 'puback', messageId: 9 });
    // After the gap: the last 3 bytes of some payload, then PUBACK, then a PUBLISH.
    const r = run([{ data: hex`c0 00` }, { gap: 100 }, { data: concat(hex`41 42 43`, puback, tail) }]);
    expect(r.events).toMatchObject([
      { kind: 'packet', packet: { type: 'PINGREQ' } },
      { kind: 'diag', diag: { code: 'mqtt.stream.resync', at: { offset: 102, length: 3 }, detail: expect.stringContaining('skipped 3 bytes') } },
      { kind: 'packet', packet: { type: 'PUBACK', packetId: 9, resynced: true, at: { offset: 105 } } },
      { kind: 'packet', packet: { type: 'PUBLISH', topic: 'x/y' } },
    ]);
    expect(packets(r)[2]!.resynced).toBeUndefined();
  });

  test('resync after a gap that ends on a packet boundary skips nothing but marks the packet', () => {
    const r = run([{ gap: 10 }, { data: concat(hex`c0 00`, hex`d0 00`) }]);
    expect(r.events).toMatchObject([{ kind: 'packet', packet: { type: 'PINGREQ', resynced: true } }, { kind: 'packet', packet: { type: 'PINGRESP' } }]);
  });

  test('resync after a 5-byte Remaining Length', () => {
    const r = run([{ data: hex`30 ff ff ff ff ff  c0 00  d0 00` }]);
    expect(r.events).toMatchObject([
      { kind: 'diag', diag: { code: 'mqtt.header.remaining_length_too_long', at: { offset: 0, length: 5 } } },
      { kind: 'diag', diag: { code: 'mqtt.stream.resync', at: { offset: 0, length: 6 }, detail: expect.stringContaining('skipped 6 bytes') } },
      { kind: 'packet', packet: { type: 'PINGREQ', resynced: true, at: { offset: 6, length: 2 } } },
      { kind: 'packet', packet: { type: 'PINGRESP', at: { offset: 8, length: 2 } } },
    ]);
  });

  test('resync after garbage: the first candidate must be followed by a plausible header', () => {
    // "c0 05" looks like a PINGREQ with Remaining Length 5: implausible (PINGREQ has none); "40 02 00 01" is a PUBACK.
    const r = run([{ gap: 1 }, { data: hex`c0 05 ee  40 02 00 01  c0 00` }]);
    expect(r.events).toMatchObject([
      { kind: 'diag', diag: { code: 'mqtt.stream.resync', at: { offset: 1, length: 3 } } },
      { kind: 'packet', packet: { type: 'PUBACK', resynced: true } },
      { kind: 'packet', packet: { type: 'PINGREQ' } },
    ]);
  });

  test('a resync candidate may be followed by a packet larger than the limit', () => {
    const r = run([{ gap: 3 }, { data: hex`ee  c0 00  30 64` }, { data: new Uint8Array(100) }, { data: hex`d0 00` }], 64);
    expect(packets(r).map((p) => p.type)).toEqual(['PINGREQ', 'TRUNCATED', 'PINGRESP']);
  });

  test('no plausible header before the end: the skipped bytes are still reported', () => {
    const r = run([{ gap: 4 }, { data: hex`ff ff 00 01 02` }]);
    expect(r.events).toMatchObject([{ kind: 'diag', diag: { code: 'mqtt.stream.resync', at: { offset: 4, length: 5 } } }]);
  });

  test.each([
    { name: 'a cut fixed header', data: hex`30 80`, detail: 'fixed header cut after 2 bytes', span: [0, 2] },
    { name: 'a cut body', data: hex`30 0a 00 01 61`, detail: 'PUBLISH declared 12 bytes, 5 seen', span: [0, 5] },
  ])('the stream ending inside $name is reported as incomplete', ({ data, detail, span }) => {
    const r = run([{ data }]);
    expect(r.events).toEqual([{ kind: 'diag', diag: { code: 'mqtt.stream.incomplete', at: { offset: span[0], length: span[1] }, detail } }]);
  });

  test('the stream ending inside a skipped body: TRUNCATED, then incomplete', () => {
    const r = run([{ data: hex`30 64` }, { data: new Uint8Array(10) }], 64);
    expect(packets(r)).toMatchObject([{ type: 'TRUNCATED', skipped: 10 }]);
    expect(diagCodes(r)).toEqual(['limit.mqtt.packet_size', 'mqtt.stream.incomplete']);
  });

  test('a chunk that overlaps bytes already delivered is trimmed; one that skips ahead is a gap', () => {
    const r = decoder();
    r.decoder.data(hex`c0 00 d0`, 0);
    r.decoder.data(hex`d0 00 c0 00`, 2);
    r.decoder.data(hex`c0 00`, 4 + 10);
    r.decoder.end();
    expect(packets(r).map((p) => [p.type, p.at.offset, p.resynced ?? false]))
      .toEqual([['PINGREQ', 0, false], ['PINGRESP', 2, false], ['PINGREQ', 4, false], ['PINGREQ', 14, true]]);
  });

  test.prop([streamOf, fc.array(fc.nat(), { maxLength: 10 })])('output does not depend on how the stream is chunked', (stream, cuts) => {
    const whole = run([{ data: stream }]).events;
    const chunked = run(split(stream, cuts).map((data) => ({ data }))).events;
    expect(chunked).toEqual(whole);
    const byteByByte = run([...stream].map((b) => ({ data: Uint8Array.of(b) }))).events;
    expect(byteByByte).toEqual(whole);
  });

  test.prop([streamOf, fc.array(fc.nat(), { maxLength: 6 }), fc.integer({ min: 8, max: 64 })])(
    'chunk-split invariance holds with a small packet-size limit too', (stream, cuts, max) => {
      expect(run(split(stream, cuts).map((data) => ({ data })), max).events).toEqual(run([{ data: stream }], max).events);
    });

  test.prop([
    fc.array(fc.oneof(garbage, validPacket), { minLength: 1, maxLength: 10 }).map((p) => concat(...p)),
    fc.array(fc.nat(), { maxLength: 6 }),
    fc.constantFrom<ProtocolLevel>(3, 4, 5),
  ])('garbage never throws, every Span lies inside the stream, and the same instance recovers after a resync', (junk, cuts, level) => {
    const r = decoder(256, level);
    let offset = 0;
    for (const data of split(junk, cuts)) {
      r.decoder.data(data, offset);
      offset += data.length;
    }
    // A gap longer than any Remaining Length can claim forces a resync whatever state the garbage left.
    const gap = 1 << 29;
    r.decoder.gap(offset, gap);
    offset += gap;
    const good = concat(hex`c0 00`, gen({ cmd: 'puback', messageId: 77 }));
    r.decoder.data(good, offset);
    r.decoder.end();
    const end = offset + good.length;
    for (const e of r.events) {
      const spans = e.kind === 'diag' ? [e.diag.at] : [e.packet.at, ...e.diags.map((d) => d.at)];
      for (const sp of spans) {
        expect(sp.offset).toBeGreaterThanOrEqual(0);
        expect(sp.offset + sp.length).toBeLessThanOrEqual(end);
      }
    }
    expect(packets(r).slice(-2)).toMatchObject([
      { type: 'PINGREQ', at: { offset }, resynced: true }, { type: 'PUBACK', packetId: 77, at: { offset: offset + 2 } },
    ]);
  });
});
