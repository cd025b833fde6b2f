/** Loads a capture into a CaptureStore the way `tui` does (engine → analysis → TuiFeed), for the TUI tests. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { readCaptures } from '../../src/capture/merge.js';
import { openFileSource } from '../../src/capture/read.js';
import { DEFAULT_PORTS, Engine } from '../../src/engine/engine.js';
import { DEFAULT_LIMITS } from '../../src/engine/limits.js';
import { TuiFeed } from '../../src/tui/feed.js';
import { DEFAULT_TUI_LIMITS, type TuiLimits } from '../../src/tui/limits.js';
import { CaptureStore } from '../../src/tui/store.js';
import { SAMPLES } from '../support/cli.js';

export async function loadStore(path: string, limits: TuiLimits = DEFAULT_TUI_LIMITS, name = path): Promise<CaptureStore> {
  const store = new CaptureStore(name, limits);
  await feedStore(store, path);
  return store;
}

/** Reads `path` into `store` and commits it once at the end (as the reader does per batch). */
export async function feedStore(store: CaptureStore, path: string): Promise<void> {
  const feed = new TuiFeed(store);
  const analyzer = new Analyzer(feed);
  const engine = new Engine({ limits: DEFAULT_LIMITS, ports: DEFAULT_PORTS, assumeVersion: null, rethrow: true }, analyzer);
  await readCaptures([{ name: path, source: openFileSource(path) }], {
    record: (r) => { store.stats.bytesRead = r.fileOffset + 16 + r.capLen; feed.record(r); engine.push(r); },
    diagnostic: (d) => { engine.captureDiagnostic(d); },
  });
  engine.finish();
  analyzer.result();
  store.finish('eof');
}

/** The expected facts of a sample (samples/manifest.json, written from the broker log and tshark, not from our output). */
export function sampleExpectation(file: string): { evidenceFrame: number; clientId: string; cause: string } {
  const manifest = JSON.parse(readFileSync(resolve(SAMPLES, 'manifest.json'), 'utf8')) as { file: string; expected: { evidenceFrame: number; clientId: string; cause: string } }[];
  const entry = manifest.find((m) => m.file === file);
  if (!entry) throw new Error(`${file} is not in samples/manifest.json`);
  return entry.expected;
}

/** A screen with what changes when a sample is re-recorded (times, durations, ports) normalized, as Zeek's btest does. */
export function normalizeScreen(text: string): string {
  return text
    .replace(/\d\d:\d\d:\d\d\.\d{3,6}/g, (m) => `HH:MM:SS.${'f'.repeat(m.length - 9)}`)
    .replace(/[+]?\d+\.\d+s\b/g, (m) => `${m.startsWith('+') ? '+' : ''}N.NNNs`.padEnd(m.length))
    .replace(/ \[[-csrpDX]{8,}\] /g, (m) => ` [${'~'.repeat(m.length - 4)}] `)
    .replace(/127\.0\.0\.1:\d{4,5}/g, (m) => `127.0.0.1:${'P'.repeat(m.length - 10)}`);
}
