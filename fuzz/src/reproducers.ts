/**
 * Reproducers: a failing input saved under fuzz/reproducers/ as `<name>.json` (what failed, how the input
 * was made, the chunking) plus `<name>.pcap` for a capture input (the bytes as they were fed; open it
 * in Wireshark or run `mqtt-autopsy analyze` on it). test/fuzz/regressions.test.ts replays every one
 * through the same harness against src/.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Failure, FuzzInput, StreamOp } from './harness.js';

export interface Reproducer {
  readonly name: string;
  readonly check: string;
  readonly message: string;
  readonly description: string;
  readonly seed: number | null;
  readonly index: number | null;
  readonly input: FuzzInput;
}

type SavedOp = { readonly hex: string } | { readonly gap: number };

interface SavedFile {
  readonly check: string;
  readonly message: string;
  readonly description: string;
  readonly seed: number | null;
  readonly index: number | null;
  readonly signature: string;
  readonly input:
    | { kind: 'capture'; file: string; chunks: number[] | 'whole'; render: boolean; recheck?: number[] }
    | { kind: 'mqtt-stream'; level: 3 | 4 | 5; maxPacketSize: number; ops: SavedOp[]; recheck?: SavedOp[]; valid: string; validType: string }
    | { kind: 'ws-stream'; dir: 'c2s' | 's2c'; deflate: boolean; ops: SavedOp[]; recheck?: SavedOp[]; validFrame: string | null; validPayload: string | null };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

const saveOps = (ops: readonly StreamOp[]): SavedOp[] => ops.map((o) => ('data' in o ? { hex: hex(o.data) } : { gap: o.gap }));
const loadOps = (ops: readonly SavedOp[]): StreamOp[] => ops.map((o) => ('hex' in o ? { data: unhex(o.hex) } : { gap: o.gap }));

/** A failure's kind without its numbers: one reproducer per kind is enough. */
export function signature(f: Failure): string {
  if (f.known) return `known ${f.known}`;
  const m = f.message.replace(/\d+/g, 'N').replace(/N(,N)+/g, 'N…').replace(/"[^"]*"/g, 'S')
    // Which packet type or connection it was does not make another kind of failure.
    .replace(/\b(CONNECT|CONNACK|PUBLISH|PUBACK|PUBREC|PUBREL|PUBCOMP|SUBSCRIBE|SUBACK|UNSUBSCRIBE|UNSUBACK|PINGREQ|PINGRESP|DISCONNECT|AUTH|TRUNCATED)\b/g, 'T');
  return `${f.check}: ${m.slice(0, 160)}`;
}

/** Names of the signatures already saved in `dir`. */
export function savedSignatures(dir: string): Set<string> {
  const out = new Set<string>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    try {
      out.add((JSON.parse(readFileSync(join(dir, f), 'utf8')) as SavedFile).signature);
    } catch {
      // not ours
    }
  }
  return out;
}

export function saveReproducer(dir: string, failure: Failure, input: FuzzInput, description: string, seed: number | null,
  index: number | null): string {
  const id = createHash('sha256').update(signature(failure)).digest('hex').slice(0, 10);
  const name = failure.known ? `known-${failure.known}` : `${failure.check}-${id}`;
  let saved: SavedFile['input'];
  switch (input.kind) {
    case 'capture': {
      writeFileSync(join(dir, `${name}.pcap`), input.bytes);
      const whole = input.chunks.length <= 1;
      saved = { kind: 'capture', file: `${name}.pcap`, chunks: whole ? 'whole' : [...input.chunks], render: input.render,
        ...(input.recheck ? { recheck: [...input.recheck] } : {}) };
      break;
    }
    case 'mqtt-stream':
      saved = { kind: 'mqtt-stream', level: input.level, maxPacketSize: input.maxPacketSize, ops: saveOps(input.ops),
        ...(input.recheck ? { recheck: saveOps(input.recheck) } : {}), valid: hex(input.valid), validType: input.validType };
      break;
    case 'ws-stream':
      saved = { kind: 'ws-stream', dir: input.dir, deflate: input.deflate, ops: saveOps(input.ops),
        ...(input.recheck ? { recheck: saveOps(input.recheck) } : {}),
        validFrame: input.validFrame ? hex(input.validFrame) : null, validPayload: input.validPayload ? hex(input.validPayload) : null };
      break;
  }
  const file: SavedFile = { check: failure.check, message: failure.message, description, seed, index, signature: signature(failure), input: saved };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(file, null, 1)}\n`);
  return name;
}

/** Every reproducer in `dir`, in name order. */
export function loadReproducers(dir: string): Reproducer[] {
  if (!existsSync(dir)) return [];
  const out: Reproducer[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const s = JSON.parse(readFileSync(join(dir, f), 'utf8')) as SavedFile;
    const i = s.input;
    let input: FuzzInput;
    switch (i.kind) {
      case 'capture': {
        const bytes = new Uint8Array(readFileSync(join(dir, i.file)));
        input = { kind: 'capture', bytes, chunks: i.chunks === 'whole' ? [bytes.length] : i.chunks, render: i.render, ...(i.recheck ? { recheck: i.recheck } : {}) };
        break;
      }
      case 'mqtt-stream':
        input = { kind: 'mqtt-stream', level: i.level, maxPacketSize: i.maxPacketSize, ops: loadOps(i.ops),
          ...(i.recheck ? { recheck: loadOps(i.recheck) } : {}), valid: unhex(i.valid), validType: i.validType };
        break;
      case 'ws-stream':
        input = { kind: 'ws-stream', dir: i.dir, deflate: i.deflate, ops: loadOps(i.ops), ...(i.recheck ? { recheck: loadOps(i.recheck) } : {}),
          validFrame: i.validFrame ? unhex(i.validFrame) : null, validPayload: i.validPayload ? unhex(i.validPayload) : null };
        break;
    }
    out.push({ name: f.replace(/\.json$/, ''), check: s.check, message: s.message, description: s.description, seed: s.seed, index: s.index, input });
  }
  return out;
}
