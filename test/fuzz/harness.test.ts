/**
 * The fuzz harness checks what it claims to check: each invariant is broken on purpose (a decoder
 * that throws, an anomaly outside its frame, raw ESC in a report, output that depends on chunking, a
 * stream decoder that does not recover) and the harness must report it; and a short seeded run of
 * generated inputs over src/ passes, so `npm test` exercises the same generators as `npm run fuzz`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runInput, type CaptureInput } from '../../fuzz/src/harness.js';
import { corpusPaths, generate, loadCorpus } from '../../fuzz/src/inputs.js';
import type { AnalyzerLike, FuzzModules } from '../../fuzz/src/modules.js';
import { Rng } from '../../fuzz/src/rng.js';
import { genPacket } from '../../fuzz/src/synth.js';
import { CORPUS, REPO, SAMPLES } from '../support/cli.js';
import { srcModules } from './src-modules.js';

const sample = (name: string): Uint8Array => new Uint8Array(readFileSync(join(SAMPLES, name)));
const whole = (bytes: Uint8Array, render = false): CaptureInput => ({ kind: 'capture', bytes, chunks: [bytes.length], render });

/** The analyzer's events with some replaced (its methods live on the prototype: delegate each one). */
function over(ev: AnalyzerLike, o: Partial<AnalyzerLike>): AnalyzerLike {
  return {
    connectionOpened: (c) => ev.connectionOpened(c), packet: (e) => ev.packet(e), anomaly: (a) => ev.anomaly(a),
    connectionClosed: (c) => ev.connectionClosed(c), result: () => ev.result(), ...o,
  };
}

/** srcModules with the Engine wrapped: `mutate` may break what the engine reports. */
function withEngine(mutate: (events: AnalyzerLike) => AnalyzerLike): FuzzModules {
  const Base = srcModules.Engine;
  return {
    ...srcModules,
    Engine: class {
      private readonly inner;
      constructor(opts: ConstructorParameters<typeof Base>[0], events: AnalyzerLike) { this.inner = new Base(opts, mutate(events)); }
      push(r: Parameters<InstanceType<typeof Base>['push']>[0]): void { this.inner.push(r); }
      captureDiagnostic(d: Parameters<InstanceType<typeof Base>['captureDiagnostic']>[0]): void { this.inner.captureDiagnostic(d); }
      finish(): void { this.inner.finish(); }
    },
  };
}

describe('the harness reports each broken invariant', () => {
  test('a clean sample passes', () => {
    expect(runInput(srcModules, whole(sample('clean-v5.pcap'), true))).toBeNull();
  });

  test('an exception from a decoder', () => {
    const m = withEngine((ev) => over(ev, { packet: (e) => { if (e.packet.type === 'PUBLISH') throw new RangeError('boom'); ev.packet(e); } }));
    const f = runInput(m, whole(sample('clean-v5.pcap')));
    expect(f?.check).toBe('exception');
    expect(f?.message).toContain('boom');
  });

  test('an anomaly outside its frame', () => {
    const m = withEngine((ev) => over(ev, { anomaly: (a) => ev.anomaly({ ...a, offset: a.conn ? 100_000 : a.offset }) }));
    const f = runInput(m, whole(sample('corrupt-first-byte-tcp.pcap')));
    expect(f?.check).toBe('range');
    expect(f?.known).toBeUndefined();
  });

  test('an unregistered anomaly code', () => {
    const m = withEngine((ev) => over(ev, { anomaly: (a) => ev.anomaly({ ...a, code: 'mqtt.made_up' }) }));
    expect(runInput(m, whole(sample('corrupt-first-byte-tcp.pcap')))?.check).toBe('code');
  });

  test('raw ESC in a rendered report', () => {
    const m: FuzzModules = { ...srcModules, report: { ...srcModules.report, renderTable: () => 'C1 \u001b[2J\n' } };
    expect(runInput(m, whole(sample('clean-v5.pcap'), true))?.check).toBe('terminal');
  });

  test('output that depends on the chunking', () => {
    let calls = 0;
    const m = withEngine((ev) => over(ev, { anomaly: (a) => ev.anomaly(++calls === 1 ? { ...a, length: a.length + 1 } : a) }));
    const bytes = sample('corrupt-first-byte-tcp.pcap');
    const f = runInput(m, { kind: 'capture', bytes, chunks: [bytes.length], render: false, recheck: [7, bytes.length - 7] });
    expect(f?.check).toBe('chunking');
  });

  test('an MQTT stream decoder that does not recover', () => {
    const m: FuzzModules = { ...srcModules, MqttStreamDecoder: class { data(): void {} gap(): void {} end(): void {} } as unknown as FuzzModules['MqttStreamDecoder'] };
    const f = runInput(m, { kind: 'mqtt-stream', level: 4, maxPacketSize: 1 << 24, ops: [{ data: Uint8Array.of(0x30, 0xff) }],
      valid: Uint8Array.of(0xc0, 0x00), validType: 'PINGREQ' });
    expect(f?.check).toBe('recovery');
  });

  test('the MQTT stream decoder recovers after a claim of 256 MB (the gap outlasts any packet)', () => {
    const valid = genPacket(new Rng(1), 'PUBLISH', { level: 5, strict: true });
    expect(runInput(srcModules, { kind: 'mqtt-stream', level: 5, maxPacketSize: 1 << 24, ops: [{ data: Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0x7f, 1, 2) }],
      valid, validType: 'PUBLISH' })).toBeNull();
  });
});

describe('a short seeded run over src/', () => {
  const m = srcModules;
  const corpus = loadCorpus(m, corpusPaths([CORPUS, SAMPLES]), join(REPO, '..'));

  test('the corpus is found and decoded into conversations', () => {
    expect(corpus.files.length).toBeGreaterThanOrEqual(39);
    expect(corpus.conversations.length).toBeGreaterThan(40);
    expect(corpus.conversations.some((c) => c.transport === 'websocket')).toBe(true);
  });

  test('inputs are a pure function of (seed, index)', () => {
    const a = generate(corpus, 42, 1234);
    const b = generate(corpus, 42, 1234);
    expect(a.description).toBe(b.description);
    expect(JSON.stringify(a.input, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)))
      .toBe(JSON.stringify(b.input, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
  });

  test('1 500 generated inputs: no failure other than the known, reported issues', () => {
    const unknown: string[] = [];
    const strategies = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const g = generate(corpus, 7, i);
      strategies.add(g.strategy);
      const f = runInput(m, g.input);
      if (f && !f.known) unknown.push(`#${i} ${f.check}: ${f.message} (${g.description})`);
    }
    expect(unknown).toEqual([]);
    expect(strategies.size).toBe(7);
  }, 120_000);
});
