/**
 * The `analyze` command: read captures, run the engine and the analysis, print a table, the JSON
 * document or NDJSON lines. This is the composition root of a run.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { Analyzer, type AnalysisEvents, type RunResult } from '../analysis/analyzer.js';
import { openFileSource } from '../capture/read.js';
import { readCaptures } from '../capture/merge.js';
import type { CaptureInfo } from '../capture/types.js';
import { DEFAULT_PORTS, Engine, type PortRole } from '../engine/engine.js';
import { DEFAULT_LIMITS, type Limits } from '../engine/limits.js';
import type { ProtocolLevel } from '../mqtt/types.js';
import { jsonDocument, renderJson, type InputInfo } from '../report/json.js';
import { NdjsonWriter } from '../report/ndjson.js';
import { renderTable } from '../report/table.js';
import { EXIT, type Io } from './io.js';
import { TOOL } from './version.js';

export interface AnalyzeOptions {
  json?: boolean;
  ndjson?: boolean;
  output?: string;
  port?: Map<number, PortRole>;
  assumeVersion?: ProtocolLevel;
  maxPacketSize?: number;
  showCredentials?: boolean;
  color?: boolean;
  quiet?: boolean;
}

const SILENT: AnalysisEvents = {
  connectionOpened() {}, packet() {}, anomaly() {}, connectionClosed() {}, verdict() {},
};

export async function analyze(paths: readonly string[], o: AnalyzeOptions, io: Io): Promise<number> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...(o.maxPacketSize !== undefined ? { maxPacketSize: o.maxPacketSize } : {}) };
  const ports = new Map(DEFAULT_PORTS);
  for (const [p, role] of o.port ?? []) ports.set(p, role);

  let file: WriteStream | null = null;
  const write = o.output
    ? (text: string): void => { file ??= createWriteStream(o.output!); file.write(text); }
    : (text: string): void => { io.stdout.write(text); };

  const reportOpts = { showCredentials: o.showCredentials === true };
  const ndjson = o.ndjson ? new NdjsonWriter(write, reportOpts) : null;
  const analyzer = new Analyzer(ndjson ?? SILENT);
  const engine = new Engine({ limits, ports, assumeVersion: o.assumeVersion ?? null,
    rethrow: io.env['MQTT_AUTOPSY_STRICT'] === '1' }, analyzer);

  const sources = paths.map((p) => ({ name: p, source: p === '-' ? io.stdin : openFileSource(p) }));
  const infos: CaptureInfo[] = await readCaptures(sources, {
    record: (r) => engine.push(r),
    diagnostic: (d) => engine.captureDiagnostic(d),
  }, io.interrupted ? { stop: io.interrupted } : {});
  engine.finish();
  const result: RunResult = analyzer.result();
  const inputs: InputInfo[] = paths.map((p, i) => ({ path: p, info: infos[i]! }));

  if (ndjson) {
    ndjson.summary(result);
  } else if (o.json) {
    write(`${renderJson(jsonDocument(TOOL, inputs, result))}\n`);
  } else if (!o.quiet) {
    write(renderTable(result, { color: o.color === true }));
  }
  if (file) await new Promise<void>((resolve, reject) => { file!.end((e?: Error | null) => (e ? reject(e) : resolve())); });
  return EXIT.ok;
}
