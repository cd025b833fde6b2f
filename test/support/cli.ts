/** Runs the CLI in-process (`main(argv, io)`) and captures what it prints. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The shared corpus sits beside the repository (CI clones it that way). */
export const CORPUS = resolve(REPO, '../shared/corpus');
export const SAMPLES = resolve(REPO, 'samples');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], stdin: AsyncIterable<Uint8Array> = (async function* () {})()): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => { stdout += s; return true; } },
    stderr: { write: (s: string) => { stderr += s; return true; } },
    stdin,
    // Strict: a decoder exception fails the test instead of becoming an `internal` anomaly.
    env: { MQTT_AUTOPSY_STRICT: '1', NO_COLOR: '1' },
  });
  return { code, stdout, stderr };
}

/** NDJSON output parsed into objects. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The first bytes of a file decide whether it is a capture (some corpus `.pcap` files are pcapng). */
export function isCapture(path: string): boolean {
  const b = readFileSync(path).subarray(0, 4);
  const m = b.readUInt32BE(0);
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(m);
}
