/**
 * Test helpers for the hostile-input tests: frames pushed straight into the src/ engine (no capture
 * file in between, so that a generator can stream 100 000 connections without building them in memory
 * first), the anomaly codes it reported, and memory measured the way the bounds are stated:
 * retained = heap used + ArrayBuffers after a full GC, peak = the process's peak RSS growth.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Analyzer, type RunResult } from '../../src/analysis/analyzer.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { DEFAULT_PORTS, Engine } from '../../src/engine/engine.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/engine/limits.js';
import type { Anomaly } from '../../src/engine/model.js';
import type { WritePacket } from '../support/capture-writer.js';

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;

/** A full garbage collection (twice: weak callbacks free ArrayBuffers on the second pass). */
export function gc(): void {
  gcFn();
  gcFn();
}

export const MB = 1024 * 1024;

/** Heap used plus ArrayBuffer memory, after a full GC. */
export function retained(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The process's peak RSS so far, in bytes (monotonic). */
export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export function record(frame: number, p: WritePacket): CaptureRecord {
  return {
    frame, ts: { sec: p.ts.sec, nsec: p.ts.nsec, precision: 'us' }, linkType: p.linkType ?? 1, iface: 0, data: p.data,
    capLen: p.data.length, origLen: p.origLen ?? p.data.length, fileOffset: 0,
  };
}

export interface EngineRun {
  readonly engine: Engine;
  readonly analyzer: Analyzer;
  /** Anomaly codes reported so far, with their counts. */
  readonly codes: Map<string, number>;
  /** The first few anomalies of each code. */
  readonly samples: Map<string, Anomaly[]>;
  /** Pushes one frame (numbered in push order). */
  push(p: WritePacket): void;
  readonly frames: () => number;
  finish(): RunResult;
}

/** An engine over src/ with `rethrow` (a decoder exception fails the test) and the given limits. */
export function engineRun(limits: Partial<Limits> = {}): EngineRun {
  const codes = new Map<string, number>();
  const samples = new Map<string, Anomaly[]>();
  const noop = (): void => {};
  const analyzer = new Analyzer({
    connectionOpened: noop, packet: noop, connectionClosed: noop, verdict: noop,
    anomaly: (a) => {
      codes.set(a.code, (codes.get(a.code) ?? 0) + 1);
      const list = samples.get(a.code) ?? [];
      if (list.length < 3) list.push(a);
      samples.set(a.code, list);
    },
  });
  const engine = new Engine({ limits: { ...DEFAULT_LIMITS, ...limits }, ports: DEFAULT_PORTS, assumeVersion: null, rethrow: true }, analyzer);
  let frame = 0;
  return {
    engine, analyzer, codes, samples,
    push: (p) => engine.push(record(++frame, p)),
    frames: () => frame,
    finish: () => {
      engine.finish();
      return analyzer.result();
    },
  };
}
