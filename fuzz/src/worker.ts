/**
 * One fuzzing process (forked by run.ts): inputs `from`, `from + step`, … of one seed, each generated,
 * run through the harness and timed; the peak RSS is read after each. Before each input its index is
 * written to the status file, so that the parent can name the input of a hang or a crash. A failure is
 * minimized and saved as a reproducer (one per failure kind), and reported to the parent.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runInput, timeLimitFor, type Failure } from './harness.js';
import { corpusPaths, generate, loadCorpus, STRATEGIES, type Strategy } from './inputs.js';
import { minimize } from './minimize.js';
import { loadDist } from './modules.js';
import { saveReproducer, savedSignatures, signature } from './reproducers.js';

export interface WorkerStart {
  readonly type: 'start';
  readonly seed: number;
  readonly from: number;
  readonly step: number;
  /** Indexes below this (null: no bound). */
  readonly limit: number | null;
  /** Stop after this wall-clock time (ms since the epoch; null: no bound). */
  readonly deadline: number | null;
  readonly timeLimitMs: number;
  readonly memLimitMb: number;
  readonly statusFile: string;
  readonly distUrl: string;
  readonly corpusDirs: readonly string[];
  readonly root: string;
  readonly reproDir: string | null;
  readonly minimizeMs: number;
  /** Only these strategies (empty: the default mix). */
  readonly only: readonly Strategy[];
}

export interface WorkerProgress {
  readonly type: 'progress' | 'done';
  readonly done: number;
  readonly byStrategy: Record<string, number>;
  readonly failures: number;
  /** Inputs that hit a known, reported bug, by issue. */
  readonly known: Record<string, number>;
  readonly maxRssMb: number;
  readonly slowest: { readonly ms: number; readonly index: number; readonly description: string };
  readonly busyMs: number;
}

export interface WorkerFailure {
  readonly type: 'failure';
  readonly index: number;
  readonly failure: Failure;
  readonly description: string;
  readonly reproducer: string | null;
  readonly isNew: boolean;
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function main(s: WorkerStart): Promise<void> {
  const m = await loadDist(new URL(s.distUrl));
  const corpus = loadCorpus(m, corpusPaths(s.corpusDirs), s.root);
  const seen = s.reproDir ? savedSignatures(s.reproDir) : new Set<string>();
  const status = openSync(s.statusFile, 'w');
  const idx = Buffer.alloc(8);
  const byStrategy: Record<string, number> = Object.fromEntries(STRATEGIES.map((x) => [x, 0]));
  let done = 0;
  let failures = 0;
  const known: Record<string, number> = {};
  let busyMs = 0;
  let slowest = { ms: 0, index: -1, description: '' };
  let lastReport = Date.now();
  const send = (msg: WorkerProgress | WorkerFailure): void => { process.send?.(msg); };
  const progress = (type: 'progress' | 'done'): WorkerProgress => ({ type, done, byStrategy, failures, known, maxRssMb: maxRssMb(), slowest, busyMs });

  for (let index = s.from; s.limit === null || index < s.limit; index += s.step) {
    if (s.deadline !== null && Date.now() >= s.deadline) break;
    idx.writeDoubleLE(index, 0);
    writeSync(status, idx, 0, 8, 0);
    const g = generate(corpus, s.seed, index, s.only);
    byStrategy[g.strategy] = (byStrategy[g.strategy] ?? 0) + 1;
    const t0 = performance.now();
    let failure: Failure | null;
    try {
      failure = runInput(m, g.input);
    } catch (e) {
      failure = { check: 'exception', message: `harness threw ${e instanceof Error ? e.message : String(e)}`, ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) };
    }
    let ms = performance.now() - t0;
    const limit = timeLimitFor(g.input, s.timeLimitMs);
    if (!failure && ms > limit) {
      // Confirm: the machine may simply have been busy.
      const t1 = performance.now();
      runInput(m, g.input);
      const again = performance.now() - t1;
      if (again > limit) failure = { check: 'slow', message: `took ${Math.round(ms)} ms and ${Math.round(again)} ms (limit ${Math.round(limit)} ms)` };
      ms = Math.min(ms, again);
    }
    busyMs += ms;
    if (ms > slowest.ms) slowest = { ms, index, description: g.description };
    const rss = maxRssMb();
    if (!failure && rss > s.memLimitMb) {
      failure = { check: 'memory', message: `peak RSS ${Math.round(rss)} MB over the ${s.memLimitMb} MB limit after this input` };
    }
    done++;
    if (failure?.known) {
      known[failure.known] = (known[failure.known] ?? 0) + 1;
      // One reproducer per known issue (kept small) for the regression tests.
      const sig = signature(failure);
      if (!seen.has(sig) && s.reproDir) {
        seen.add(sig);
        saveReproducer(s.reproDir, failure, minimize(m, (i) => runInput(m, i), g.input, failure, s.minimizeMs), g.description, s.seed, index);
      }
      failure = null;
    }
    if (failure) {
      failures++;
      const sig = signature(failure);
      const isNew = !seen.has(sig);
      let reproducer: string | null = null;
      seen.add(sig);
      if (isNew && s.reproDir) {
        const small = failure.check === 'memory' || failure.check === 'slow' ? g.input
          : minimize(m, (i) => runInput(m, i), g.input, failure, s.minimizeMs);
        reproducer = saveReproducer(s.reproDir, failure, small, g.description, s.seed, index);
      }
      send({ type: 'failure', index, failure, description: g.description, reproducer, isNew });
      // A process over its memory limit stays over it (peak RSS only grows): let the parent start a fresh one.
      if (failure.check === 'memory') {
        send(progress('done'));
        process.exit(3);
      }
    }
    if (Date.now() - lastReport >= 1000) {
      lastReport = Date.now();
      send(progress('progress'));
    }
  }
  closeSync(status);
  send(progress('done'));
  process.disconnect?.();
}

process.once('message', (msg: WorkerStart) => {
  main(msg).catch((e: unknown) => {
    process.stderr.write(`fuzz worker: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(2);
  });
});
