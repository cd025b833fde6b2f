#!/usr/bin/env node
/**
 * `npm run fuzz` — the fuzz harness of issue 10 over the built CLI modules (dist/).
 *
 *   npm run fuzz                               short seeded mode: 120 s (what CI runs), seed 1
 *   npm run fuzz -- --seconds 600 --seed 7     a time budget
 *   npm run fuzz -- --inputs 1000000           a fixed number of inputs (the long mode)
 *   npm run fuzz -- --replay                   only the saved reproducers (fuzz/reproducers/)
 *   npm run fuzz -- --only stress --seconds 300   thousands-of-frames patterns that expose superlinear cost
 *
 * Options: --workers N (default: CPU count), --time-limit MS per input (default 2000, plus 1 ms per KB of
 * input: a slow machine must not fail a large input, a quadratic decoder still does), --mem-limit MB
 * peak RSS per worker (default 1024), --corpus DIR (repeatable; default ../shared/corpus and samples/),
 * --reproducers DIR (default fuzz/reproducers; --no-save to keep nothing), --minimize-ms MS (20000),
 * --report FILE (JSON summary; default fuzz/out/last-run.json), --hang-ms MS (default 60000), --only LIST (strategies:
 * bytes, records, mqtt-corpus, mqtt-generated, ws-frames, mqtt-stream, ws-stream, stress; default: all but stress).
 *
 * Inputs are numbered; input N of seed S is a pure function of (S, N) and the corpus, so each worker
 * takes every W-th number and a reproducer names its (seed, index). Exit code 0 when no input failed,
 * 1 otherwise.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KNOWN_ISSUES, runInput, type Failure } from './harness.js';
import { corpusPaths, generate, loadCorpus, parseStrategies, type Corpus, type Strategy } from './inputs.js';
import { loadDist, type FuzzModules } from './modules.js';
import { loadReproducers, saveReproducer, savedSignatures, signature } from './reproducers.js';
import type { WorkerFailure, WorkerProgress, WorkerStart } from './worker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');

interface Args {
  seconds: number | null;
  inputs: number | null;
  seed: number;
  workers: number;
  timeLimitMs: number;
  memLimitMb: number;
  hangMs: number;
  corpus: string[];
  reproducers: string | null;
  minimizeMs: number;
  report: string;
  replay: boolean;
  only: Strategy[];
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    seconds: null, inputs: null, seed: 1, workers: cpus().length, timeLimitMs: 2000, memLimitMb: 1024, hangMs: 60_000,
    corpus: [], reproducers: join(REPO, 'fuzz', 'reproducers'), minimizeMs: 20_000, report: join(REPO, 'fuzz', 'out', 'last-run.json'),
    replay: false, only: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const num = (): number => {
      const n = Number(v());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${k} needs a non-negative number`);
      return n;
    };
    switch (k) {
      case '--seconds': a.seconds = num(); break;
      case '--inputs': a.inputs = Math.floor(num()); break;
      case '--seed': a.seed = Math.floor(num()); break;
      case '--workers': a.workers = Math.max(1, Math.floor(num())); break;
      case '--time-limit': a.timeLimitMs = num(); break;
      case '--mem-limit': a.memLimitMb = num(); break;
      case '--hang-ms': a.hangMs = num(); break;
      case '--corpus': a.corpus.push(resolve(v())); break;
      case '--reproducers': a.reproducers = resolve(v()); break;
      case '--no-save': a.reproducers = null; break;
      case '--minimize-ms': a.minimizeMs = num(); break;
      case '--report': a.report = resolve(v()); break;
      case '--replay': a.replay = true; break;
      case '--only': a.only = parseStrategies(v()); break;
      case '-h': case '--help':
        process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith(' *')).map((l) => l.slice(3)).join('\n') + '\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${k} (see --help)`);
    }
  }
  if (a.seconds === null && a.inputs === null) a.seconds = 120;
  if (a.corpus.length === 0) a.corpus = [resolve(REPO, '../shared/corpus'), join(REPO, 'samples')];
  return a;
}

const DIST = pathToFileURL(join(REPO, 'dist') + '/').href;

function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

/** Replays every saved reproducer through the harness (dist/). */
async function replay(a: Args): Promise<number> {
  const m = await loadDist(new URL(DIST));
  const repros = a.reproducers ? loadReproducers(a.reproducers) : [];
  let failed = 0;
  let known = 0;
  for (const r of repros) {
    const f = runInput(m, r.input);
    log(`${f ? (f.known ? 'KNOWN' : 'FAIL ') : 'ok   '} ${r.name}: ${f ? `${f.check}: ${f.message}` : `(was ${r.check}: ${r.message})`}`);
    if (f?.known) known++;
    else if (f) failed++;
  }
  log(`${repros.length} reproducers: ${failed} failing, ${known} still hit a known issue, ${repros.length - failed - known} pass`);
  return failed > 0 ? 1 : 0;
}

interface Lane {
  readonly id: number;
  child: ChildProcess | null;
  statusFile: string;
  progress: WorkerProgress | null;
  /** Progress of earlier (restarted) processes of this lane. */
  doneBefore: number;
  lastIndex: number;
  lastChange: number;
  finished: boolean;
  /** Counts of finished processes of this lane. */
  readonly byStrategy: Record<string, number>;
  readonly known: Record<string, number>;
  slowest: { ms: number; index: number; description: string };
}

function absorb(lane: Lane, p: WorkerProgress | null): void {
  if (!p) return;
  for (const [k, v] of Object.entries(p.byStrategy)) lane.byStrategy[k] = (lane.byStrategy[k] ?? 0) + v;
  for (const [k, v] of Object.entries(p.known)) lane.known[k] = (lane.known[k] ?? 0) + v;
  if (p.slowest.ms > lane.slowest.ms) lane.slowest = { ...p.slowest };
}

function readIndex(file: string): number {
  try {
    const b = readFileSync(file);
    return b.length >= 8 ? b.readDoubleLE(0) : -1;
  } catch {
    return -1;
  }
}

async function fuzz(a: Args): Promise<number> {
  if (!existsSync(join(REPO, 'dist', 'engine', 'engine.js'))) throw new Error('dist/ is missing: run npm run build');
  if (a.reproducers) mkdirSync(a.reproducers, { recursive: true });
  const paths = corpusPaths(a.corpus);
  if (paths.length === 0) throw new Error(`no capture files under ${a.corpus.join(', ')}`);
  const started = Date.now();
  const deadline = a.seconds !== null ? started + a.seconds * 1000 : null;
  log(`fuzz: seed ${a.seed}, ${a.workers} workers, ${paths.length} corpus captures, `
    + `${a.inputs !== null ? `${a.inputs} inputs` : ''}${a.inputs !== null && a.seconds !== null ? ' or ' : ''}${a.seconds !== null ? `${a.seconds} s` : ''}; `
    + `per input ≤ ${a.timeLimitMs} ms, peak RSS ≤ ${a.memLimitMb} MB`);
  const failures: { index: number; failure: Failure; description: string; reproducer: string | null; isNew: boolean }[] = [];
  const signatures = a.reproducers ? savedSignatures(a.reproducers) : new Set<string>();
  let regen: { m: FuzzModules; corpus: Corpus } | null = null;
  const regenerate = async (index: number) => {
    regen ??= await (async () => { const m = await loadDist(new URL(DIST)); return { m, corpus: loadCorpus(m, paths, resolve(REPO, '..')) }; })();
    return generate(regen.corpus, a.seed, index, a.only);
  };
  const lanes: Lane[] = Array.from({ length: a.workers }, (_, id) => ({
    id, child: null, statusFile: join(tmpdir(), `mqtt-autopsy-fuzz-${process.pid}-${id}`), progress: null, doneBefore: 0,
    lastIndex: -1, lastChange: Date.now(), finished: false, byStrategy: {}, known: {}, slowest: { ms: 0, index: -1, description: '' },
  }));
  let maxRss = 0;

  const startLane = (lane: Lane, from: number): void => {
    if ((a.inputs !== null && from >= a.inputs) || (deadline !== null && Date.now() >= deadline)) {
      lane.finished = true;
      return;
    }
    const child = fork(join(HERE, 'worker.js'), [], {
      execArgv: [`--max-old-space-size=${Math.max(256, a.memLimitMb)}`], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    lane.child = child;
    lane.lastIndex = -1;
    lane.lastChange = Date.now();
    const start: WorkerStart = {
      type: 'start', seed: a.seed, from, step: a.workers, limit: a.inputs, deadline, timeLimitMs: a.timeLimitMs,
      memLimitMb: a.memLimitMb, statusFile: lane.statusFile, distUrl: DIST, corpusDirs: a.corpus, root: resolve(REPO, '..'),
      reproDir: a.reproducers, minimizeMs: a.minimizeMs, only: a.only,
    };
    child.send(start);
    child.on('message', (msg: WorkerProgress | WorkerFailure) => {
      if (msg.type === 'failure') {
        failures.push(msg);
        if (msg.isNew) signatures.add(signature(msg.failure));
        log(`FAIL #${msg.index} ${msg.failure.check}: ${msg.failure.message}\n     input: ${msg.description}`
          + `${msg.reproducer ? `\n     saved: fuzz/reproducers/${msg.reproducer}.json` : ''}`);
      } else {
        lane.progress = msg;
        maxRss = Math.max(maxRss, msg.maxRssMb);
      }
    });
    child.on('exit', (code, sig) => {
      const p = lane.progress;
      const doneHere = p?.done ?? 0;
      lane.child = null;
      absorb(lane, p);
      if (code === 0 && p?.type === 'done') {
        lane.doneBefore += doneHere;
        lane.progress = null;
        lane.finished = true;
        return;
      }
      // A crash, an out-of-memory abort, a hang we killed, or a memory failure the worker reported itself.
      const index = readIndex(lane.statusFile);
      lane.doneBefore += doneHere + (code === 3 ? 0 : 1);
      lane.progress = null;
      void (async () => {
        if (code !== 3 && index >= 0) {
          const g = await regenerate(index);
          const failure: Failure = sig === 'SIGKILL' && lane.lastChange < 0
            ? { check: 'slow', message: `no progress for ${a.hangMs} ms (a hang)` }
            : { check: sig === null && code === 134 ? 'memory' : 'crash', message: `worker exited (code ${code}, signal ${sig}) on this input` };
          const isNew = !signatures.has(signature(failure));
          let reproducer: string | null = null;
          if (isNew && a.reproducers) {
            signatures.add(signature(failure));
            reproducer = saveReproducer(a.reproducers, failure, g.input, g.description, a.seed, index);
          }
          failures.push({ index, failure, description: g.description, reproducer, isNew });
          log(`FAIL #${index} ${failure.check}: ${failure.message}\n     input: ${g.description}${reproducer ? `\n     saved: fuzz/reproducers/${reproducer}.json` : ''}`);
        }
        startLane(lane, (index >= 0 ? index : lane.id) + a.workers);
      })();
    });
  };

  for (const lane of lanes) startLane(lane, lane.id);
  let lastLog = Date.now();
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const lane of lanes) {
        if (!lane.child) continue;
        const idx = readIndex(lane.statusFile);
        if (idx !== lane.lastIndex) { lane.lastIndex = idx; lane.lastChange = now; }
        else if (lane.lastChange > 0 && now - lane.lastChange > a.hangMs) {
          lane.lastChange = -1; // marks the kill as a hang
          lane.child.kill('SIGKILL');
        }
      }
      if (now - lastLog >= 10_000) {
        lastLog = now;
        const n = total();
        const s = (now - started) / 1000;
        log(`fuzz: ${n} inputs in ${s.toFixed(0)} s (${(n / s).toFixed(0)}/s), ${failures.length} failures, peak RSS ${maxRss.toFixed(0)} MB`);
      }
      if (lanes.every((l) => l.finished && !l.child)) {
        clearInterval(timer);
        done();
      }
    }, 250);
  });
  const seconds = (Date.now() - started) / 1000;
  const inputs = total();
  const byStrategy: Record<string, number> = {};
  const known: Record<string, number> = {};
  for (const l of lanes) for (const [k, v] of Object.entries(l.known)) known[k] = (known[k] ?? 0) + v;
  let slowest = { ms: 0, index: -1, description: '' };
  for (const l of lanes) {
    for (const [k, v] of Object.entries(l.byStrategy)) byStrategy[k] = (byStrategy[k] ?? 0) + v;
    if (l.slowest.ms > slowest.ms) slowest = l.slowest;
  }
  const summary = {
    seed: a.seed, only: a.only, workers: a.workers, corpusFiles: paths.length, inputs, seconds: Math.round(seconds),
    ratePerSecond: Math.round(inputs / seconds), failures: failures.length,
    distinctFailures: failures.filter((f) => f.isNew).map((f) => ({ check: f.failure.check, message: f.failure.message, index: f.index, reproducer: f.reproducer })),
    knownIssues: Object.fromEntries(Object.entries(known).map(([k, n]) => [k, { inputs: n, what: KNOWN_ISSUES[k]?.what ?? k }])),
    peakRssMbPerWorker: Math.round(maxRss), timeLimitMs: a.timeLimitMs, memLimitMb: a.memLimitMb, byStrategy,
    slowestInput: { ms: Math.round(slowest.ms), index: slowest.index, description: slowest.description },
    finishedAt: new Date().toISOString(), node: process.version,
  };
  mkdirSync(dirname(a.report), { recursive: true });
  writeFileSync(a.report, `${JSON.stringify(summary, null, 2)}\n`);
  log(`fuzz: done — ${inputs} inputs in ${seconds.toFixed(0)} s (${summary.ratePerSecond}/s), ${failures.length} failures `
    + `(${summary.distinctFailures.length} distinct), known issues ${JSON.stringify(known)}, peak RSS ${summary.peakRssMbPerWorker} MB per worker; summary in ${a.report}`);
  return failures.length > 0 ? 1 : 0;

  function total(): number {
    let n = 0;
    for (const l of lanes) n += l.doneBefore + (l.progress?.type === 'done' ? 0 : l.progress?.done ?? 0);
    return n;
  }
}

const args = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    log(`fuzz: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
})();
(args.replay ? replay(args) : fuzz(args)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  log(`fuzz: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exitCode = 2;
});
