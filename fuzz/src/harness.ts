/**
 * The invariants checked on every fuzz input. One input is a capture (bytes plus how they are chunked)
 * or a byte stream for one streaming decoder (MQTT, WebSocket). Checks:
 * - no exception escapes (the engine runs with `rethrow: true`; a CaptureInputError for a file that is
 *   not a capture at all is the one documented throw);
 * - every anomaly, packet and verdict evidence points inside the capture: 1 ≤ frame ≤ frames read and
 *   offset < that frame's captured length (frame 0 only for a capture-file problem with no frame);
 * - every anomaly code is registered, and `internal.exception` never appears;
 * - the output does not depend on how the input is chunked (when `recheck` gives a second plan);
 * - the rendered table, JSON and NDJSON carry no raw terminal control or bidi character (when `render`);
 * - a streaming decoder fed garbage still decodes a valid packet afterwards (after a boundary that any
 *   decoder must honour: a gap longer than any packet for MQTT, a frame boundary for WebSocket).
 * Time and memory are measured by the runner around `runInput`.
 */
import type {
  AnalysisEventsLike, AnomalyLike, CaptureRecordLike, ConnectionLike, FuzzModules, PacketEventLike, RunResultLike, Span, VerdictLike,
} from './modules.js';
import { splitBy } from './mutate.js';

export interface CaptureInput {
  readonly kind: 'capture';
  readonly bytes: Uint8Array;
  readonly chunks: readonly number[];
  /** Render table / JSON / NDJSON and check them for terminal safety. */
  readonly render: boolean;
  /** A second chunk plan: the run's digest must not change. */
  readonly recheck?: readonly number[];
}

/** A stream piece: bytes, or `gap` missing bytes (the TCP layer's "lost"). */
export type StreamOp = { readonly data: Uint8Array } | { readonly gap: number };

export interface MqttStreamInput {
  readonly kind: 'mqtt-stream';
  readonly level: 3 | 4 | 5;
  readonly maxPacketSize: number;
  readonly ops: readonly StreamOp[];
  /** The same stream cut differently (same bytes, same gaps): the digest must not change. */
  readonly recheck?: readonly StreamOp[];
  /** A valid packet at this level, fed after the garbage and a long gap; it must come out. */
  readonly valid: Uint8Array;
  readonly validType: string;
}

export interface WsStreamInput {
  readonly kind: 'ws-stream';
  readonly dir: 'c2s' | 's2c';
  readonly deflate: boolean;
  readonly ops: readonly StreamOp[];
  readonly recheck?: readonly StreamOp[];
  /** A valid binary frame fed after the garbage (which ends at a frame boundary) and its payload; null: no recovery check. */
  readonly validFrame: Uint8Array | null;
  readonly validPayload: Uint8Array | null;
}

export type FuzzInput = CaptureInput | MqttStreamInput | WsStreamInput;

export type Check = 'exception' | 'range' | 'code' | 'internal' | 'chunking' | 'terminal' | 'recovery' | 'slow' | 'memory' | 'crash';

export interface Failure {
  readonly check: Check;
  readonly message: string;
  readonly stack?: string;
  /** Set when the failure matches a known, reported bug (see KNOWN_ISSUES): counted, not failed on. */
  readonly known?: string;
}

/**
 * Bugs found in layers the fuzzing work may not change, while their owners fix them: id → what it is
 * and how to recognise it from the failure's message. Inputs that hit one are counted, not failed on,
 * so a long run can go on finding other bugs. Empty: the issues this registry held during the first
 * runs (tcp.gap offsets, inflated WebSocket offsets, snaplen-cut notices, frames order, evidence frame,
 * raw close reasons, timestamps outside the Date range) were fixed in cdfbf04, and any return of them
 * now fails the run.
 */
export const KNOWN_ISSUES: Readonly<Record<string, { readonly what: string; readonly match: (f: Failure) => boolean }>> = {};

/** The failure, marked with the known issue it matches (if any). */
export function classify(f: Failure | null): Failure | null {
  if (f === null || f.known) return f;
  for (const [id, k] of Object.entries(KNOWN_ISSUES)) if (k.match(f)) return { ...f, known: id };
  return f;
}

/** Characters a terminal acts on (C0 but newline, DEL, C1) and the bidi / invisible format characters. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/;

function fail(check: Check, message: string, e?: unknown): Failure {
  return e instanceof Error && e.stack ? { check, message, stack: e.stack } : { check, message };
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

// ── captures ─────────────────────────────────────────────────────────────────────────────────────

/** Checks every event as it arrives and keeps a digest of the run for the chunking comparison. */
class Checker implements AnalysisEventsLike {
  readonly lens: number[] = [0];
  frames = 0;
  readonly problems: Failure[] = [];
  readonly digest: string[] = [];

  constructor(private readonly codes: ReadonlySet<string>, private readonly next: AnalysisEventsLike | null) {}

  record(r: CaptureRecordLike): void {
    this.frames++;
    if (r.frame !== this.frames) this.problem('range', `record numbered ${r.frame}, expected ${this.frames}`);
    this.lens[r.frame] = r.data.length;
  }

  private problem(check: Check, message: string): void {
    if (this.problems.length < 5) this.problems.push({ check, message });
  }

  /** The first problem that is not a known issue, else the first known one. */
  first(): Failure | null {
    const all = this.problems.map((p) => classify(p)!);
    return all.find((p) => p.known === undefined) ?? all[0] ?? null;
  }

  /**
   * `frame`/`offset` must name a byte (or the whole frame, offset 0) of a frame read so far; frame 0
   * only where `noFrame` allows it (a capture-file problem that names no frame).
   */
  at(what: string, frame: number, offset: number, ctx: { noFrame?: boolean } = {}): void {
    if (!Number.isInteger(frame) || !Number.isInteger(offset)) {
      this.problem('range', `${what}: frame ${frame} offset ${offset} not integers`);
      return;
    }
    if (frame === 0 && ctx.noFrame) return;
    if (frame < 1 || frame > this.frames) {
      this.problem('range', `${what}: frame ${frame} outside 1…${this.frames}`);
      return;
    }
    const len = this.lens[frame]!;
    if (offset < 0 || (offset > 0 && offset >= len)) {
      this.problem('range', `${what}: offset ${offset} outside frame ${frame} (${len} bytes)`);
    }
  }

  anomalyChecks(a: AnomalyLike): void {
    if (!this.codes.has(a.code)) this.problem('code', `unregistered anomaly code ${a.code}`);
    if (a.code === 'internal.exception') this.problem('internal', `internal.exception: ${a.detail ?? ''}`);
    this.at(`anomaly ${a.code}`, a.frame, a.offset, { noFrame: a.conn === null && a.code.startsWith('capture.') });
    if (!(a.length >= 0)) this.problem('range', `anomaly ${a.code}: negative length ${a.length}`);
  }

  connectionOpened(c: ConnectionLike): void {
    this.digest.push(`O ${c.id}`);
    this.next?.connectionOpened(c);
  }

  packet(e: PacketEventLike): void {
    const t = e.packet.type;
    this.at(`packet ${t}`, e.frame, 0);
    this.at(`packet ${t} first byte`, e.ref.firstFrame, e.ref.frameOffset);
    if (e.frames.length === 0) this.problem('range', `packet ${t}: no frames`);
    for (const f of e.frames) this.at(`packet ${t} frames`, f, 0);
    for (let i = 1; i < e.frames.length; i++) {
      if (e.frames[i]! > e.frames[i - 1]!) continue;
      this.problem('range', `packet ${t}: frames not ascending (${e.frames.join(',')})`);
      break;
    }
    this.digest.push(`P ${e.conn.id} ${e.dir} ${t} ${e.frame} ${e.ref.frameOffset} ${e.bytes.length}`);
    this.next?.packet(e);
  }

  anomaly(a: AnomalyLike): void {
    this.anomalyChecks(a);
    this.digest.push(`A ${a.conn ?? '-'} ${a.code} ${a.frame} ${a.offset} ${a.length} ${a.detail ?? ''}`);
    this.next?.anomaly(a);
  }

  connectionClosed(c: ConnectionLike): void {
    this.digest.push(`C ${c.id}`);
    this.next?.connectionClosed(c);
  }

  verdict(c: ConnectionLike, v: VerdictLike): void {
    this.evidence(c, v);
    this.digest.push(`V ${c.id} ${v.cause} ${v.evidence.map((e) => `${e.frame}+${e.offset}`).join(' ')}`);
    this.next?.verdict(c, v);
  }

  evidence(c: ConnectionLike, v: VerdictLike): void {
    for (const e of v.evidence) this.at(`${c.id} ${v.cause} evidence`, e.frame, e.offset);
  }

  result(r: RunResultLike): void {
    for (const { conn, verdict } of r.connections) {
      this.evidence(conn, verdict);
      for (const a of conn.anomalies) this.anomalyChecks(a);
    }
    for (const a of r.captureAnomalies) this.anomalyChecks(a);
  }
}

interface CaptureRun {
  readonly failure: Failure | null;
  readonly digest: string;
}

/** Sends every event to each of the listeners. */
function fanOut(list: readonly AnalysisEventsLike[]): AnalysisEventsLike {
  return {
    connectionOpened: (c) => { for (const l of list) l.connectionOpened(c); },
    packet: (e) => { for (const l of list) l.packet(e); },
    anomaly: (a) => { for (const l of list) l.anomaly(a); },
    connectionClosed: (c) => { for (const l of list) l.connectionClosed(c); },
    verdict: (c, v) => { for (const l of list) l.verdict(c, v); },
  };
}

const VIEW = { color: false, localTime: false, showCredentials: false } as const;

/** The `packets` command's lines (one line, field tree and hex dump per packet), written as events come. */
function packetsLines(s: NonNullable<FuzzModules['stories']>, out: string[]): AnalysisEventsLike {
  return {
    connectionOpened: () => {},
    packet: (e) => { out.push(s.packetLine(e, VIEW), ...s.detailLines(e, VIEW), ...s.hexLines(e, VIEW)); },
    anomaly: (a) => { out.push(s.anomalyLine(a, VIEW)); },
    connectionClosed: () => {},
    verdict: (c, v) => { out.push(s.verdictLine(c, v, VIEW)); },
  };
}

function runCaptureOnce(m: FuzzModules, bytes: Uint8Array, chunks: readonly number[], render: boolean): CaptureRun {
  let ndjson = '';
  const lines: string[] = [];
  const writer = render ? new m.report.NdjsonWriter((t) => { ndjson += t; }, { showCredentials: false }) : null;
  const stories = render && m.stories ? new m.stories.StoryCollector(() => true) : null;
  const sinks: AnalysisEventsLike[] = [];
  if (writer) sinks.push(writer);
  if (stories) sinks.push(stories, packetsLines(m.stories!, lines));
  const checker = new Checker(m.diagCodes, sinks.length > 0 ? fanOut(sinks) : null);
  const data = new Map<number, Uint8Array>();
  const analyzer = new m.Analyzer(checker);
  const engine = new m.Engine({ limits: m.DEFAULT_LIMITS, ports: m.DEFAULT_PORTS, assumeVersion: null, rethrow: true }, analyzer);
  const parser = new m.CaptureParser({
    record: (r) => { checker.record(r); if (render) data.set(r.frame, r.data); engine.push(r); },
    diagnostic: (d) => engine.captureDiagnostic(d),
  });
  try {
    for (const c of splitBy(bytes, chunks)) parser.push(c);
    parser.end();
  } catch (e) {
    // The one documented throw: the bytes are not a capture at all (before any record).
    if (!(e instanceof Error && e.name === 'CaptureInputError' && checker.frames === 0)) {
      return { failure: fail('exception', `reading/decoding threw ${describe(e)}`, e), digest: '' };
    }
    checker.digest.push(`E ${(e as Error).message}`);
  }
  let result: RunResultLike;
  try {
    engine.finish();
    result = analyzer.result();
  } catch (e) {
    return { failure: fail('exception', `finish threw ${describe(e)}`, e), digest: '' };
  }
  checker.result(result);
  const problem = checker.first();
  if (problem && !problem.known) return { failure: problem, digest: '' };
  if (writer) {
    try {
      writer.summary(result);
      const json = m.report.renderJson(m.report.jsonDocument({ name: 'mqtt-autopsy', version: 'fuzz' },
        [{ path: 'fuzz.pcap', info: { format: null, gzip: false, linkTypes: [], frames: checker.frames, bytes: bytes.length } }], result));
      const table = m.report.renderTable(result, { color: false });
      const outputs: [string, string][] = [['table', table], ['json', json], ['ndjson', ndjson], ['packets', lines.join('\n')]];
      if (stories && m.stories) {
        for (const { conn, verdict } of result.connections) {
          const story = stories.story(conn.id);
          outputs.push(['explain', m.stories.renderExplain(conn, verdict, story, { color: false, frames: data, showCredentials: false })]);
          if (story) outputs.push(['flow', m.stories.renderFlow(conn, verdict, story, { color: false, width: 100 })]);
        }
      }
      for (const [name, text] of outputs) {
        const bad = UNSAFE.exec(text);
        if (!bad) continue;
        const line = text.slice(text.lastIndexOf('\n', bad.index) + 1, text.indexOf('\n', bad.index) >>> 0).slice(0, 160);
        return { failure: fail('terminal', `${name} output carries raw U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} in ${JSON.stringify(line)}`), digest: '' };
      }
    } catch (e) {
      return { failure: fail('exception', `rendering threw ${describe(e)}`, e), digest: '' };
    }
  }
  return { failure: problem, digest: checker.digest.join('\n') };
}

export function runCapture(m: FuzzModules, input: CaptureInput): Failure | null {
  const first = runCaptureOnce(m, input.bytes, input.chunks, input.render);
  if ((first.failure && !first.failure.known) || !input.recheck) return first.failure;
  const second = runCaptureOnce(m, input.bytes, input.recheck, false);
  if (second.failure && !second.failure.known) return second.failure;
  if (first.digest !== second.digest) return fail('chunking', `output differs with another chunking: ${firstDifference(first.digest, second.digest)}`);
  return first.failure;
}

function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}: ${JSON.stringify(x[i] ?? '(none)')} vs ${JSON.stringify(y[i] ?? '(none)')}`;
  }
  return 'same lines';
}

// ── streaming decoders ───────────────────────────────────────────────────────────────────────────

/** The largest packet MQTT can frame: Remaining Length 268 435 455 after a 5-byte fixed header. */
const MAX_MQTT_PACKET = 268_435_455 + 5;

function streamLength(ops: readonly StreamOp[]): number {
  let n = 0;
  for (const op of ops) n += 'data' in op ? op.data.length : op.gap;
  return n;
}

function inside(problems: string[], what: string, s: Span, end: number): void {
  if (!(s.offset >= 0 && s.length >= 0 && s.offset + s.length <= end) && problems.length < 5) {
    problems.push(`${what} [${s.offset}, +${s.length}] outside the stream [0, ${end}]`);
  }
}

interface MqttRun {
  readonly problems: string[];
  readonly digest: string[];
  readonly dec: ReturnType<typeof newMqtt>['dec'];
  readonly packets: { type: string; at: Span }[];
}

function newMqtt(m: FuzzModules, input: MqttStreamInput, problems: string[], digest: string[], end: () => number) {
  const packets: { type: string; at: Span }[] = [];
  const dec = new m.MqttStreamDecoder(() => ({ protocolLevel: input.level }), {
    packet: (d) => {
      const p = d.packet;
      packets.push({ type: p.type, at: p.at });
      // A TRUNCATED record spans the packet its header declared, which may run past the end: only its start is checked.
      if (p.type === 'TRUNCATED') inside(problems, 'TRUNCATED start', { offset: p.at.offset, length: 0 }, end());
      else inside(problems, `packet ${p.type}`, p.at, end());
      for (const x of d.diags) inside(problems, `${p.type} diagnostic ${x.code}`, x.at, end());
      digest.push(`P ${p.type} ${p.at.offset} ${p.at.length} ${p.resynced ? 'r' : ''} ${d.diags.map((x) => `${x.code}@${x.at.offset}+${x.at.length}`).join(',')}`);
    },
    diagnostic: (d) => {
      inside(problems, `diagnostic ${d.code}`, d.at, end());
      digest.push(`D ${d.code} ${d.at.offset} ${d.at.length}`);
    },
  }, { maxPacketSize: input.maxPacketSize });
  return { dec, packets };
}

function feed(dec: { data(b: Uint8Array, o: number): void; gap(o: number, n: number): void }, ops: readonly StreamOp[], start = 0): number {
  let at = start;
  for (const op of ops) {
    if ('data' in op) { dec.data(op.data, at); at += op.data.length; }
    else { dec.gap(at, op.gap); at += op.gap; }
  }
  return at;
}

function mqttOnce(m: FuzzModules, input: MqttStreamInput, ops: readonly StreamOp[]): MqttRun {
  const problems: string[] = [];
  const digest: string[] = [];
  const end = streamLength(ops);
  const { dec, packets } = newMqtt(m, input, problems, digest, () => end + MAX_MQTT_PACKET + 16 + input.valid.length);
  feed(dec, ops);
  return { problems, digest, dec, packets };
}

export function runMqttStream(m: FuzzModules, input: MqttStreamInput): Failure | null {
  let run: MqttRun;
  try {
    run = mqttOnce(m, input, input.ops);
  } catch (e) {
    return fail('exception', `MqttStreamDecoder threw ${describe(e)}`, e);
  }
  const garbageDigest = run.digest.join('\n');
  if (input.recheck) {
    let again: MqttRun;
    try {
      again = mqttOnce(m, input, input.recheck);
    } catch (e) {
      return fail('exception', `MqttStreamDecoder threw ${describe(e)}`, e);
    }
    if (again.digest.join('\n') !== garbageDigest) {
      return fail('chunking', `MQTT stream output differs with another chunking: ${firstDifference(garbageDigest, again.digest.join('\n'))}`);
    }
  }
  const end = streamLength(input.ops);
  // Recovery: a gap longer than any packet may be (a Remaining Length of at most 268 435 455 plus a
  // 5-byte fixed header), then a valid packet; at the end it must come out whole.
  const gap = MAX_MQTT_PACKET + 16;
  const at = end + gap;
  const before = run.packets.length;
  try {
    run.dec.gap(end, gap);
    run.dec.data(input.valid, at);
    run.dec.end();
  } catch (e) {
    return fail('exception', `MqttStreamDecoder threw after the garbage ${describe(e)}`, e);
  }
  // Ranges are checked against the whole stream (garbage, gap, valid packet): the end flushes late diagnostics.
  if (run.problems.length > 0) return fail('range', run.problems[0]!);
  const after = run.packets.slice(before);
  const found = after.find((p) => p.at.offset === at);
  if (!found || found.type !== input.validType || found.at.length !== input.valid.length) {
    return fail('recovery', `after the garbage and a ${gap}-byte gap, the valid ${input.validType} (${input.valid.length} bytes at ${at}) did not come out: `
      + `got ${after.map((p) => `${p.type}@${p.at.offset}+${p.at.length}`).join(', ') || 'nothing'}`);
  }
  return null;
}

interface WsRun {
  readonly problems: string[];
  readonly digest: string[];
  readonly payload: { tcpOffset: number; bytes: Uint8Array }[];
  readonly dec: { data(b: Uint8Array, o: number): void; gap(o: number, n: number): void; end(): void };
}

function wsOnce(m: FuzzModules, input: WsStreamInput, ops: readonly StreamOp[], end: number): WsRun {
  const problems: string[] = [];
  const digest: string[] = [];
  const payload: { tcpOffset: number; bytes: Uint8Array }[] = [];
  const session = m.newWsSession();
  if (input.deflate) session.deflate = m.parseDeflate(['permessage-deflate']);
  let wsEnd = 0;
  const dec = new m.WsDecoder(input.dir, session, {
    payload: (bytes, wsOffset, tcpOffset) => {
      if (wsOffset !== wsEnd && problems.length < 5) problems.push(`payload at ws offset ${wsOffset}, expected ${wsEnd}`);
      wsEnd = wsOffset + bytes.length;
      inside(problems, 'payload origin', { offset: tcpOffset, length: 0 }, end);
      payload.push({ tcpOffset, bytes: bytes.slice() });
    },
    gap: (wsOffset, length) => {
      wsEnd = wsOffset + length;
      digest.push(`G ${wsOffset} ${length}`);
    },
    frame: () => {},
    control: () => {},
    handshake: () => {},
    diagnostic: (d) => {
      inside(problems, `diagnostic ${d.code}`, d.at, end);
      digest.push(`D ${d.code} ${d.at.offset} ${d.at.length}`);
    },
  }, { maxCompressedMessage: m.DEFAULT_LIMITS['maxWsMessage'] ?? 16 << 20, maxInflatedMessage: m.DEFAULT_LIMITS['maxWsInflate'] ?? 64 << 20 }, 'frames');
  feed(dec, ops);
  return { problems, digest, payload, dec };
}

const joined = (ps: readonly { bytes: Uint8Array }[]): Buffer => Buffer.concat(ps.map((p) => p.bytes));

export function runWsStream(m: FuzzModules, input: WsStreamInput): Failure | null {
  const garbageEnd = streamLength(input.ops);
  const end = garbageEnd + (input.validFrame?.length ?? 0);
  let run: WsRun;
  try {
    run = wsOnce(m, input, input.ops, end);
  } catch (e) {
    return fail('exception', `WsDecoder threw ${describe(e)}`, e);
  }
  if (run.problems.length > 0) return fail('range', run.problems[0]!);
  const garbageDigest = run.digest.join('\n');
  const garbagePayload = joined(run.payload);
  if (input.recheck) {
    let again: WsRun;
    try {
      again = wsOnce(m, input, input.recheck, end);
    } catch (e) {
      return fail('exception', `WsDecoder threw ${describe(e)}`, e);
    }
    if (!joined(again.payload).equals(garbagePayload)) {
      return fail('chunking', `WebSocket payload differs with another chunking (${garbagePayload.length} vs ${joined(again.payload).length} bytes)`);
    }
    if (again.digest.join('\n') !== garbageDigest) {
      return fail('chunking', `WebSocket output differs with another chunking: ${firstDifference(garbageDigest, again.digest.join('\n'))}`);
    }
  }
  if (input.validFrame && input.validPayload) {
    const before = run.payload.length;
    try {
      run.dec.data(input.validFrame, garbageEnd);
      run.dec.end();
    } catch (e) {
      return fail('exception', `WsDecoder threw after the garbage ${describe(e)}`, e);
    }
    if (run.problems.length > 0) return fail('range', run.problems[0]!);
    const got = joined(run.payload.slice(before).filter((p) => p.tcpOffset >= garbageEnd));
    if (!got.equals(Buffer.from(input.validPayload))) {
      return fail('recovery', `after ${garbageEnd} bytes of whole garbage frames, a valid binary frame's ${input.validPayload.length}-byte payload `
        + `came out as ${got.length} bytes (${got.subarray(0, 16).toString('hex')}…)`);
    }
  }
  return null;
}

/** Bytes an input feeds (capture bytes, or stream bytes and gaps). */
export function inputSize(input: FuzzInput): number {
  return input.kind === 'capture' ? input.bytes.length : streamLength(input.ops);
}

/** The time an input may take: the base limit plus 1 ms per KB (a quadratic cost still breaks it on large inputs). */
export function timeLimitFor(input: FuzzInput, baseMs: number): number {
  return baseMs + inputSize(input) / 1024;
}

export function runInput(m: FuzzModules, input: FuzzInput): Failure | null {
  switch (input.kind) {
    case 'capture': return classify(runCapture(m, input));
    case 'mqtt-stream': return classify(runMqttStream(m, input));
    case 'ws-stream': return classify(runWsStream(m, input));
  }
}
