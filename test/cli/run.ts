/**
 * In-process CLI runs with a chosen environment: terminals or pipes on stdout/stderr, env variables,
 * stdin, an interrupt. (test/support/cli.ts runCli is the plain case: pipes, NO_COLOR, strict.)
 */
import { main } from '../../src/cli/main.js';

export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: AsyncIterable<Uint8Array>;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  interrupted?: Promise<void>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
export const stripAnsi = (s: string): string => s.replace(ANSI, '');

export async function run(argv: string[], o: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => { stdout += s; return true; }, isTTY: o.stdoutTTY === true },
    stderr: { write: (s: string) => { stderr += s; return true; }, isTTY: o.stderrTTY === true },
    stdin: o.stdin ?? (async function* () {})(),
    env: { MQTT_AUTOPSY_STRICT: '1', ...(o.env ?? {}) },
    ...(o.interrupted ? { interrupted: o.interrupted } : {}),
  });
  return { code, stdout, stderr };
}
