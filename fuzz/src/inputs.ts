/**
 * Input generation: input `index` of run `seed` is a pure function of the two and of the corpus (every
 * capture under ../shared/corpus and samples/, read in sorted order). The corpus is prepared once per
 * worker: each file's bytes, its records, and the MQTT packets of each connection (for re-synthesis).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Packet } from './capture-io.js';
import type { FuzzInput, StreamOp } from './harness.js';
import type { FuzzModules } from './modules.js';
import { chunkPlan, mutateBytes, mutateMqtt, mutateRecords, writeAny } from './mutate.js';
import { Rng } from './rng.js';
import { stress, STRESS_PATTERNS } from './stress.js';
import {
  concatArrays, genPacket, genSession, PACKET_NAMES, synthesize, upgradeRequest, upgradeResponse, WS_OPCODE, wsFrame, wsKey, Deflater,
  type Level, type MqttMessage, type PacketName,
} from './synth.js';

export interface Conversation {
  readonly transport: 'tcp' | 'websocket';
  readonly deflate: boolean;
  readonly level: Level;
  readonly messages: readonly MqttMessage[];
}

export interface CorpusFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly records: readonly Packet[];
  readonly conversations: readonly Conversation[];
}

export interface Corpus {
  readonly files: readonly CorpusFile[];
  /** Every conversation of every file. */
  readonly conversations: readonly Conversation[];
}

const CAPTURE_MAGIC = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a];

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.size >= 4 && st.size < 64 * 1024 * 1024) {
      const b = readFileSync(p);
      if (CAPTURE_MAGIC.includes(b.readUInt32BE(0))) out.push(p);
    }
  }
}

/** Every capture file (found by its magic) under the directories, sorted by path. */
export function corpusPaths(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) walk(d, out);
  return out;
}

/** Reads the files and extracts their records and the MQTT packets of each connection. */
export function loadCorpus(m: FuzzModules, paths: readonly string[], root: string): Corpus {
  const files: CorpusFile[] = [];
  for (const path of paths) {
    const bytes = new Uint8Array(readFileSync(path));
    const records: Packet[] = [];
    const byConn = new Map<string, { conn: { transport?: string; mqttVersion?: number | null; ws?: { deflate: boolean } | null }; messages: MqttMessage[] }>();
    const noop = (): void => {};
    const analyzer = new m.Analyzer({
      connectionOpened: noop, anomaly: noop, connectionClosed: noop, verdict: noop,
      packet: (e) => {
        let c = byConn.get(e.conn.id);
        if (!c) { c = { conn: e.conn, messages: [] }; byConn.set(e.conn.id, c); }
        if (e.packet.type !== 'TRUNCATED') c.messages.push({ dir: e.dir === 'c2s' ? 'c2s' : 's2c', bytes: e.bytes.slice() });
      },
    });
    const engine = new m.Engine({ limits: m.DEFAULT_LIMITS, ports: m.DEFAULT_PORTS, assumeVersion: null, rethrow: false }, analyzer);
    const parser = new m.CaptureParser({
      record: (r) => {
        const rr = r as unknown as { ts: { sec: number; nsec: number }; linkType: number; data: Uint8Array; origLen: number };
        records.push({ sec: rr.ts.sec, nsec: rr.ts.nsec, linkType: rr.linkType, data: rr.data.slice(), origLen: rr.origLen });
        engine.push(r);
      },
      diagnostic: (d) => engine.captureDiagnostic(d),
    });
    try {
      parser.push(bytes);
      parser.end();
      engine.finish();
      analyzer.result();
    } catch {
      // A corpus file the tool cannot read is still a fine seed for byte mutations.
    }
    const conversations: Conversation[] = [];
    for (const { conn, messages } of byConn.values()) {
      if (messages.length === 0 || conn.transport === 'tls') continue;
      const v = conn.mqttVersion;
      conversations.push({
        transport: conn.transport === 'websocket' ? 'websocket' : 'tcp',
        deflate: conn.ws?.deflate === true,
        level: v === 3 || v === 5 ? v : 4,
        messages,
      });
    }
    files.push({ name: relative(root, path), bytes, records, conversations });
  }
  return { files, conversations: files.flatMap((f) => f.conversations) };
}

export interface Generated {
  readonly input: FuzzInput;
  readonly strategy: Strategy;
  /** How the input was made (base file, strategy, operations), for the reproducer. */
  readonly description: string;
}

export const STRATEGIES = ['bytes', 'records', 'mqtt-corpus', 'mqtt-generated', 'ws-frames', 'mqtt-stream', 'ws-stream', 'stress'] as const;
export type Strategy = typeof STRATEGIES[number];
/** Shares of the default mix; 'stress' (slow, thousands of frames each) runs only when asked for with --only. */
const WEIGHTS = [35, 20, 15, 10, 5, 8, 7, 0];

function endOf(rng: Rng): 'fin-client' | 'fin-server' | 'rst-client' | 'rst-server' | 'open' {
  return rng.pick(['fin-client', 'fin-server', 'rst-client', 'rst-server', 'open'] as const);
}

/** A capture input with a chunk plan, sometimes rendered, sometimes re-run with another plan. */
function capture(rng: Rng, bytes: Uint8Array): FuzzInput {
  const chunks = chunkPlan(rng, bytes.length);
  const render = rng.chance(0.1);
  const recheck = rng.chance(0.1) ? chunkPlan(rng, bytes.length) : undefined;
  return { kind: 'capture', bytes, chunks, render, ...(recheck ? { recheck } : {}) };
}

export function generate(corpus: Corpus, seed: number, index: number, only: readonly Strategy[] = []): Generated {
  const rng = new Rng(seed, index);
  const weights = only.length === 0 ? WEIGHTS : STRATEGIES.map((x) => (only.includes(x) ? 1 : 0));
  const strategy = STRATEGIES[rng.weighted(weights)]!;
  return { ...make(rng, corpus, strategy), strategy };
}

function make(rng: Rng, corpus: Corpus, strategy: Strategy): Omit<Generated, 'strategy'> {
  const files = corpus.files;
  switch (strategy) {
    case 'bytes': {
      const f = rng.pick(files);
      const { bytes, ops } = mutateBytes(rng, f.bytes, () => rng.pick(files).bytes);
      return { input: capture(rng, bytes), description: `bytes ${f.name}: ${ops.join(',')}` };
    }
    case 'records': {
      const withRecords = files.filter((f) => f.records.length > 0);
      const f = rng.pick(withRecords.length > 0 ? withRecords : files);
      let records = f.records;
      if (rng.chance(0.1)) records = [...records, ...rng.pick(withRecords.length > 0 ? withRecords : files).records]; // two captures in one
      const { packets, ops } = mutateRecords(rng, records);
      const { bytes, format } = writeAny(rng, packets);
      return { input: capture(rng, bytes), description: `records ${f.name} → ${format}: ${ops.join(',')}` };
    }
    case 'mqtt-corpus':
    case 'mqtt-generated': {
      let conv: Conversation;
      let from: string;
      if (strategy === 'mqtt-corpus' && corpus.conversations.length > 0) {
        conv = rng.pick(corpus.conversations);
        from = 'corpus conversation';
        // The corpus has few WebSocket captures: carry corpus MQTT over WebSocket too.
        if (rng.chance(0.3)) conv = { ...conv, transport: 'websocket', deflate: rng.chance(0.4) };
      } else {
        const level = rng.pick<Level>([3, 4, 5, 5]);
        const ws = rng.chance(0.35);
        conv = { transport: ws ? 'websocket' : 'tcp', deflate: ws && rng.chance(0.4), level, messages: genSession(rng, level, rng.small(30)) };
        from = 'generated session';
      }
      const { messages, ops } = rng.chance(0.9) ? mutateMqtt(rng, conv.messages, conv.level) : { messages: [...conv.messages], ops: ['none'] };
      const conns = rng.chance(0.1) ? rng.range(2, 4) : 1;
      let frames: Packet[] = [];
      for (let c = 0; c < conns; c++) {
        const part = synthesize(rng, { transport: conv.transport, deflate: conv.deflate, messages, end: endOf(rng) }, 1_700_000_000 + c);
        frames = c === 0 ? part : interleave(rng, frames, part);
      }
      const { bytes, format } = writeAny(rng, frames);
      return { input: capture(rng, bytes),
        description: `${from} L${conv.level} ${conv.transport}${conv.deflate ? '+deflate' : ''} ×${conns} → ${format}: ${ops.join(',')}` };
    }
    case 'ws-frames': {
      // Valid TCP carrying a WebSocket stream whose frames are hostile.
      const level = rng.pick<Level>([4, 5]);
      const deflate = rng.chance(0.4);
      const c2s = hostileFrames(rng, 'c2s', deflate, level, true).bytes;
      const s2c = hostileFrames(rng, 's2c', deflate, level, true).bytes;
      const { bytes, format } = writeAny(rng, synthesizeRaw(rng, deflate, c2s, s2c));
      return { input: capture(rng, bytes), description: `ws-frames L${level}${deflate ? ' deflate' : ''} → ${format}` };
    }
    case 'stress': {
      const pattern = rng.pick(STRESS_PATTERNS);
      const n = rng.range(2000, 20_000);
      const { bytes } = writeAny(rng, stress(rng, pattern, n));
      return { input: { kind: 'capture', bytes, chunks: chunkPlan(rng, bytes.length), render: false }, description: `stress ${pattern} ×${n}` };
    }
    case 'mqtt-stream': return mqttStream(rng, corpus);
    case 'ws-stream': return wsStream(rng);
  }
}

/** Two conversations' frames merged in time order (ties at random). */
function interleave(rng: Rng, a: readonly Packet[], b: readonly Packet[]): Packet[] {
  const out: Packet[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && rng.chance(0.5))) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** A WebSocket conversation (upgrade, then the raw frame streams, cut and interleaved) over valid TCP. */
function synthesizeRaw(rng: Rng, deflate: boolean, c2s: Uint8Array, s2c: Uint8Array): Packet[] {
  const key = wsKey(rng);
  const messages: MqttMessage[] = [{ dir: 'c2s', bytes: upgradeRequest(key, deflate) }, { dir: 's2c', bytes: upgradeResponse(key, deflate) }];
  const cut = (b: Uint8Array, dir: 'c2s' | 's2c'): MqttMessage[] => {
    const out: MqttMessage[] = [];
    let at = 0;
    while (at < b.length) { const n = Math.min(b.length - at, rng.range(1, 2000)); out.push({ dir, bytes: b.subarray(at, at + n) }); at += n; }
    return out;
  };
  const a = cut(c2s, 'c2s');
  const b = cut(s2c, 's2c');
  while (a.length > 0 || b.length > 0) {
    if (b.length === 0 || (a.length > 0 && rng.chance(0.5))) messages.push(a.shift()!);
    else messages.push(b.shift()!);
  }
  return synthesize(rng, { transport: 'websocket-raw', deflate: false, messages, end: endOf(rng) });
}

/**
 * Whole WebSocket frames with hostile headers and payloads (reserved opcodes, RSV bits, wrong masking,
 * non-minimal lengths, long or fragmented control frames, bad close codes, broken deflate data) around
 * real MQTT. With `mayKill`, also frames after which no decoder can go on (a 64-bit length with the top bit).
 */
export function hostileFrames(rng: Rng, dir: 'c2s' | 's2c', deflate: boolean, level: Level, mayKill: boolean): { bytes: Uint8Array; killed: boolean } {
  const out: Uint8Array[] = [];
  const deflater = deflate ? new Deflater() : null;
  const n = rng.range(1, 12);
  let killed = false;
  const mask = (): Uint8Array | null => ((dir === 'c2s') !== rng.chance(0.1) ? rng.bytes(4) : null);
  for (let i = 0; i < n && !killed; i++) {
    const kind = rng.weighted([6, 2, 2, 1, 2, 2, 2, 1, deflate ? 3 : 0, mayKill ? 0.3 : 0, 1]);
    const mqtt = (): Uint8Array => concatArrays(Array.from({ length: rng.range(1, 3) }, () => genPacket(rng, rng.pick(PACKET_NAMES), { level })));
    switch (kind) {
      case 0: out.push(wsFrame({ fin: rng.chance(0.8), rsv: 0, opcode: rng.pick([WS_OPCODE.binary, WS_OPCODE.continuation]), payload: mqtt(), mask: mask() })); break;
      case 1: out.push(wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.text, payload: mqtt(), mask: mask() })); break;
      case 2: out.push(wsFrame({ fin: rng.chance(0.8), rsv: rng.range(1, 7), opcode: rng.int(16), payload: rng.bytes(rng.small(50)), mask: mask() })); break;
      case 3: out.push(wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.binary, payload: rng.bytes(rng.range(0, 300)), mask: mask(), lengthBytes: rng.pick([2, 8] as const) })); break;
      case 4: out.push(wsFrame({ fin: rng.chance(0.7), rsv: 0, opcode: rng.pick([WS_OPCODE.ping, WS_OPCODE.pong, 11, 15]), payload: rng.bytes(rng.pick([0, 5, 125, 126, 200])), mask: mask() })); break;
      case 5: {
        const code = rng.pick([1000, 1002, 1005, 1006, 999, 0, 65535, 3000, 1015, 4999, 5000]);
        const reason = rng.chance(0.5) ? rng.bytes(rng.small(30)) : new TextEncoder().encode(rng.pick(['bye', '\u001b[2J', '\u202eevil', '']));
        const payload = rng.chance(0.1) ? Uint8Array.of(3) : Uint8Array.from([code >>> 8, code & 0xff, ...reason]);
        out.push(wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.close, payload, mask: mask() }));
        break;
      }
      case 6: out.push(wsFrame({ fin: false, rsv: 0, opcode: WS_OPCODE.binary, payload: mqtt(), mask: mask() }),
        wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.continuation, payload: rng.bytes(rng.small(30)), mask: mask() })); break;
      case 7: out.push(wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.continuation, payload: rng.bytes(rng.small(30)), mask: mask() })); break;
      case 8: {
        // A compressed message: valid deflate of MQTT, or broken deflate data, maybe fragmented.
        const body = rng.chance(0.7) && deflater ? deflater.compress(mqtt()) : rng.bytes(rng.small(60));
        const cut = rng.int(body.length + 1);
        if (rng.chance(0.5)) out.push(wsFrame({ fin: true, rsv: 4, opcode: WS_OPCODE.binary, payload: body, mask: mask() }));
        else out.push(wsFrame({ fin: false, rsv: 4, opcode: WS_OPCODE.binary, payload: body.subarray(0, cut), mask: mask() }),
          wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.continuation, payload: body.subarray(cut), mask: mask() }));
        break;
      }
      case 9:
        out.push(wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.binary, payload: new Uint8Array(0), mask: null, lengthBytes: 8, lengthHigh: 0x80000000 | rng.u32() }));
        killed = true;
        break;
      default: out.push(wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.binary, payload: new Uint8Array(0), mask: mask() })); break;
    }
  }
  return { bytes: concatArrays(out), killed };
}

/** Cuts `b` into stream ops by a chunk plan, with `gaps` (offset in b → length) inserted. */
function opsOf(b: Uint8Array, sizes: readonly number[], gaps: ReadonlyMap<number, number>): StreamOp[] {
  const cuts = new Set<number>(gaps.keys());
  let at = 0;
  for (const s of sizes) { at += s; cuts.add(at); }
  const points = [...cuts].filter((c) => c > 0 && c <= b.length).sort((x, y) => x - y);
  const out: StreamOp[] = [];
  const g0 = gaps.get(0);
  if (g0) out.push({ gap: g0 });
  let from = 0;
  for (const p of points) {
    if (p > from) out.push({ data: b.subarray(from, p) });
    from = p;
    const g = gaps.get(p);
    if (g) out.push({ gap: g });
  }
  if (from < b.length) out.push({ data: b.subarray(from) });
  return out;
}

function mqttStream(rng: Rng, corpus: Corpus): Omit<Generated, 'strategy'> {
  const level = rng.pick<Level>([3, 4, 5]);
  const maxPacketSize = rng.pick([16 * 1024 * 1024, 16 * 1024 * 1024, 1024, 64, 5]);
  const parts: Uint8Array[] = [];
  const n = rng.range(1, 8);
  for (let i = 0; i < n; i++) {
    const r = rng.float();
    if (r < 0.3) parts.push(rng.bytes(rng.small(200)));
    else if (r < 0.8) {
      const conv = corpus.conversations.length > 0 && rng.chance(0.5) ? rng.pick(corpus.conversations).messages
        : genSession(rng, level, rng.small(10));
      parts.push(...mutateMqtt(rng, conv.slice(0, 20), level).messages.map((mm) => mm.bytes));
    } else parts.push(Uint8Array.from([rng.pick([0x30, 0x10, 0x82, 0xc0, 0xf0, 0x00, rng.byte()]), ...rng.pick([[0xff, 0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x80], [0xff], [0x80, 0x80, 0x01]])]));
  }
  const garbage = concatArrays(parts);
  const gaps = new Map<number, number>();
  if (rng.chance(0.3)) for (let i = rng.range(1, 3); i > 0; i--) gaps.set(rng.int(garbage.length + 1), rng.pick([1, 2, 5, 100, 70000, 20_000_000]));
  const ops = opsOf(garbage, chunkPlan(rng, garbage.length), gaps);
  const recheck = rng.chance(0.3) ? opsOf(garbage, chunkPlan(rng, garbage.length), gaps) : undefined;
  const validType: PacketName = rng.pick(PACKET_NAMES.filter((t) => t !== 'AUTH' || level === 5));
  let valid = genPacket(rng, validType, { level, payloadSize: rng.small(100), strict: true });
  if (valid.length > maxPacketSize) valid = Uint8Array.of(0xc0, 0);
  const type = valid[0] === 0xc0 && valid.length === 2 ? 'PINGREQ' : validType;
  return {
    input: { kind: 'mqtt-stream', level, maxPacketSize, ops, ...(recheck ? { recheck } : {}), valid, validType: type },
    description: `mqtt-stream L${level} max ${maxPacketSize}: ${garbage.length} bytes, ${gaps.size} gaps, then ${type}`,
  };
}

function wsStream(rng: Rng): Omit<Generated, 'strategy'> {
  const dir = rng.chance(0.5) ? 'c2s' : 's2c';
  const deflate = rng.chance(0.4);
  const level = rng.pick<Level>([4, 5]);
  const raw = rng.chance(0.2);
  let garbage: Uint8Array;
  let recover: boolean;
  if (raw) {
    garbage = rng.bytes(rng.small(300));
    recover = false;
  } else {
    const h = hostileFrames(rng, dir, deflate, level, true);
    garbage = h.bytes;
    recover = !h.killed;
  }
  const gaps = new Map<number, number>();
  if (!recover && rng.chance(0.3)) gaps.set(rng.int(garbage.length + 1), rng.pick([1, 10, 1000]));
  const ops = opsOf(garbage, chunkPlan(rng, garbage.length), gaps);
  const recheck = rng.chance(0.3) ? opsOf(garbage, chunkPlan(rng, garbage.length), gaps) : undefined;
  const payload = rng.chance(0.5) ? Uint8Array.of(0xc0, 0) : rng.bytes(rng.range(1, rng.pick([100, 300, 70000])));
  const frame = wsFrame({ fin: true, rsv: 0, opcode: WS_OPCODE.binary, payload, mask: dir === 'c2s' ? rng.bytes(4) : null });
  return {
    input: { kind: 'ws-stream', dir, deflate, ops, ...(recheck ? { recheck } : {}), validFrame: recover ? frame : null, validPayload: recover ? payload : null },
    description: `ws-stream ${dir}${deflate ? ' deflate' : ''} ${raw ? 'raw bytes' : 'hostile frames'}: ${garbage.length} bytes${recover ? ', then a valid frame' : ''}`,
  };
}

/** The strategies named in a comma-separated list (for --only); throws on an unknown name. */
export function parseStrategies(list: string): Strategy[] {
  const out: Strategy[] = [];
  for (const x of list.split(',').map((y) => y.trim()).filter((y) => y !== '')) {
    if (!(STRATEGIES as readonly string[]).includes(x)) throw new Error(`unknown strategy ${x} (one of ${STRATEGIES.join(', ')})`);
    out.push(x as Strategy);
  }
  return out;
}
