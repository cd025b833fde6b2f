/**
 * Process plumbing shared by the harness: locating the system tools, running a tool to completion with a
 * timeout, and the cleanup registry that guarantees brokers, captures and clients die with the test run.
 *
 * Everything here talks to loopback only (127.0.0.1 / ::1).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { afterAll, afterEach } from 'vitest';

/** Loopback address every harness socket binds or connects to. */
export const LOOPBACK = '127.0.0.1';

/** Absolute paths of the system tools the harness drives (Debian packages in parentheses). */
export const TOOLS = {
  /** `mosquitto` 2.0.11 */
  mosquitto: '/usr/sbin/mosquitto',
  /** `mosquitto` */
  mosquittoPasswd: '/usr/bin/mosquitto_passwd',
  /** `mosquitto-clients` */
  mosquittoPub: '/usr/bin/mosquitto_pub',
  /** `mosquitto-clients` */
  mosquittoSub: '/usr/bin/mosquitto_sub',
  /** `tcpdump` */
  tcpdump: '/usr/bin/tcpdump',
  /** `tshark` */
  tshark: '/usr/bin/tshark',
  /** `python3-paho-mqtt` (Debian's python3, not a pyenv one: only it has paho). */
  python3: '/usr/bin/python3',
} as const;

export type ToolName = keyof typeof TOOLS;

const DEBIAN_PACKAGE: Record<ToolName, string> = {
  mosquitto: 'mosquitto',
  mosquittoPasswd: 'mosquitto',
  mosquittoPub: 'mosquitto-clients',
  mosquittoSub: 'mosquitto-clients',
  tcpdump: 'tcpdump',
  tshark: 'tshark',
  python3: 'python3-paho-mqtt',
};

/**
 * Returns the tool's path, or throws an error that says which Debian package to install. Tests that need
 * a tool call this first so a missing tool fails the test loudly instead of skipping it.
 */
export function requireTool(tool: ToolName): string {
  const path = TOOLS[tool];
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`harness: ${path} is missing: install the Debian package "${DEBIAN_PACKAGE[tool]}" ` +
      '(.ci/run installs everything the suite needs)');
  }
  return path;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rejects with `message` if `p` has not settled after `ms` milliseconds. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`harness: timeout after ${ms} ms: ${message}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** What a finished tool run produced. */
export interface ToolResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link runTool}. */
export interface RunOptions {
  /** Kill the tool (SIGKILL) and reject after this long. Default 10 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Written to the tool's stdin, which is then closed. */
  input?: string;
}

/**
 * Runs a tool to completion and collects its output. Never hangs: the child is killed after `timeoutMs`.
 * A non-zero exit is not an error here (refused connections make mosquitto_pub exit 5); callers check `code`.
 */
export async function runTool(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ToolResult> {
  const child = spawnTracked(cmd, args, opts.env);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  else child.stdin?.end();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  try {
    const { code, signal } = await withTimeout(exited(child), timeoutMs, `${cmd} ${args.join(' ')}`);
    return { code, signal, stdout, stderr };
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

/** Resolves when the child has exited (immediately if it already has); rejects if it could not be spawned. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

// ---------------------------------------------------------------------------------------------------------
// Cleanup registry

const live = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void> | void>();

process.once('exit', () => {
  // Last resort (synchronous): a crashed worker must not leave a broker or tcpdump behind.
  for (const c of live) c.kill('SIGKILL');
});

/**
 * Spawns a child that is SIGKILLed when the worker process exits, whatever happens to the test.
 * A spawn failure (ENOENT) surfaces through {@link exited} / the 'error' event; it is never thrown
 * asynchronously unhandled.
 */
export function spawnTracked(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
  child.on('error', () => { /* reported through exited() */ });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Registers an async cleanup step (stop a broker, a capture, a client). Returns a function that
 * unregisters it (call it when the resource was released normally). Steps run in reverse order of
 * registration in {@link runCleanups}.
 */
export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  return () => { cleanups.delete(fn); };
}

/** Runs and clears every registered cleanup step (newest first); errors are collected, not swallowed. */
export async function runCleanups(): Promise<void> {
  const steps = [...cleanups].reverse();
  cleanups.clear();
  const errors: unknown[] = [];
  for (const s of steps) {
    try { await s(); } catch (e) { errors.push(e); }
  }
  if (errors.length) throw new AggregateError(errors, 'harness: cleanup failed');
}

/**
 * Call once at the top of a test file: every broker, capture and client still running after a test
 * (passed or failed) is stopped. `'each'` (default) cleans up after every test; use `'all'` in files
 * whose tests run concurrently (cleaning after one test would kill the others' brokers).
 */
export function useHarnessCleanup(scope: 'each' | 'all' = 'each'): void {
  if (scope === 'each') afterEach(runCleanups);
  afterAll(runCleanups);
}
