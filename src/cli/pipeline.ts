/**
 * One run of the analyzer over some inputs: capture reader → engine → analysis, events to `sink`.
 * Shared by the commands that analyze (analyze, explain, flow); each adds its own output.
 */
import { copyBytes } from '../bytes/hex.js';
import { Analyzer, type AnalysisEvents, type RunResult } from '../analysis/analyzer.js';
import { readCaptures } from '../capture/merge.js';
import { openFileSource } from '../capture/read.js';
import type { CaptureInfo } from '../capture/types.js';
import { DEFAULT_PORTS, Engine, type PortRole } from '../engine/engine.js';
import { DEFAULT_LIMITS, type Limits } from '../engine/limits.js';
import type { ProtocolLevel } from '../mqtt/types.js';
import type { InputInfo } from '../report/json.js';
import type { Io } from './io.js';

export interface PipelineOptions {
  port?: Map<number, PortRole>;
  assumeVersion?: ProtocolLevel;
  maxPacketSize?: number;
}

/** Optional plumbing of a run: where the bytes come from, and a call after each capture record. */
export interface PipelineHooks {
  /** The bytes of input `path` (default: the file, or stdin for `-`). */
  readonly open?: (path: string) => AsyncIterable<Uint8Array>;
  /** Called after each capture record went through the engine. */
  readonly afterRecord?: () => void;
}

export interface PipelineRun {
  readonly result: RunResult;
  readonly inputs: InputInfo[];
}

export const SILENT: AnalysisEvents = {
  connectionOpened() {}, packet() {}, anomaly() {}, connectionClosed() {}, verdict() {},
};

/** Several listeners as one. */
export function tee(...sinks: AnalysisEvents[]): AnalysisEvents {
  return {
    connectionOpened: (c) => { for (const s of sinks) s.connectionOpened(c); },
    packet: (e) => { for (const s of sinks) s.packet(e); },
    anomaly: (a) => { for (const s of sinks) s.anomaly(a); },
    connectionClosed: (c) => { for (const s of sinks) s.connectionClosed(c); },
    verdict: (c, v) => { for (const s of sinks) s.verdict(c, v); },
  };
}

export async function runPipeline(paths: readonly string[], o: PipelineOptions, io: Io, sink: AnalysisEvents,
  hooks: PipelineHooks = {}): Promise<PipelineRun> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...(o.maxPacketSize !== undefined ? { maxPacketSize: o.maxPacketSize } : {}) };
  const ports = new Map(DEFAULT_PORTS);
  for (const [p, role] of o.port ?? []) ports.set(p, role);
  const analyzer = new Analyzer(sink);
  const engine = new Engine({ limits, ports, assumeVersion: o.assumeVersion ?? null,
    rethrow: io.env['MQTT_AUTOPSY_STRICT'] === '1' }, analyzer);
  const open = hooks.open ?? ((p: string) => (p === '-' ? io.stdin : openFileSource(p)));
  const after = hooks.afterRecord;
  const sources = paths.map((p) => ({ name: p, source: open(p) }));
  const infos: CaptureInfo[] = await readCaptures(sources, {
    record: after ? (r) => { engine.push(r); after(); } : (r) => engine.push(r),
    diagnostic: (d) => engine.captureDiagnostic(d),
  }, io.interrupted ? { stop: io.interrupted } : {});
  engine.finish();
  return { result: analyzer.result(), inputs: paths.map((p, i) => ({ path: p, info: infos[i]! })) };
}

/** Reads the inputs again and returns copies of the wanted frames (files only; stdin cannot be re-read). */
export async function readFrames(paths: readonly string[], wanted: ReadonlySet<number>): Promise<Map<number, Uint8Array>> {
  const out = new Map<number, Uint8Array>();
  if (wanted.size === 0 || paths.includes('-')) return out;
  await readCaptures(paths.map((p) => ({ name: p, source: openFileSource(p) })), {
    record: (r) => { if (wanted.has(r.frame)) out.set(r.frame, copyBytes(r.data)); },
    diagnostic: () => {},
  });
  return out;
}
