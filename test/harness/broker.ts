/**
 * A real mosquitto broker on loopback with a throw-away configuration in a temp directory.
 *
 * ```ts
 * const broker = await startBroker({ websockets: true, users: { alice: 'secret' } });
 * // … drive clients at 127.0.0.1:broker.port / ws://127.0.0.1:broker.wsPort …
 * const log = await broker.stop();
 * ```
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK, exited, onCleanup, requireTool, runTool, sleep, spawnTracked, withTimeout } from './proc.js';

/** How to configure the broker. Every option maps to one mosquitto.conf line (see `mosquitto.conf(5)`). */
export interface BrokerOptions {
  /** TCP listener port; default a free port. A fixed port that is busy makes {@link startBroker} throw. */
  port?: number;
  /**
   * Add a `protocol websockets` listener: `true` on a free port, or a fixed port number. It gets
   * `socket_domain ipv4` (else mosquitto 2.0.11 ignores the bind address and listens on every interface).
   */
  websockets?: boolean | number;
  /** Users for a password file made with `mosquitto_passwd -c -b`; implies `allow_anonymous false`. */
  users?: Record<string, string>;
  /** `allow_anonymous`; default true without `users`, false with them. */
  allowAnonymous?: boolean;
  /** `max_keepalive` (seconds). */
  maxKeepalive?: number;
  /** `message_size_limit` (bytes of PUBLISH payload). */
  messageSizeLimit?: number;
  /** `max_packet_size` (bytes of a whole MQTT packet). */
  maxPacketSize?: number;
  /** Extra global configuration lines, written before the listeners. */
  extraConfig?: readonly string[];
  /** Directory for config, password file and log; default a new temp directory, removed by `stop()`. */
  dir?: string;
  /** Give up waiting for the listeners after this long. Default 15 s (generous: a loaded machine starts slowly). */
  startTimeoutMs?: number;
}

/** A running broker. */
export interface Broker {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** TCP listener port. */
  readonly port: number;
  /** WebSocket listener port, when one was asked for. */
  readonly wsPort?: number;
  readonly pid: number;
  /** Directory holding `mosquitto.conf`, `passwd` and `mosquitto.log`. */
  readonly dir: string;
  readonly configPath: string;
  readonly logPath: string;
  /** The log so far (`log_type all`, timestamps `%Y-%m-%dT%H:%M:%S` in UTC). */
  readLog(): string;
  /** Resolves with the first log line matching `re`; rejects after `timeoutMs` (default 10 s). */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * SIGTERM (SIGKILL after 3 s), wait for exit, return the whole log. Removes the directory when the harness
   * made it (keep the log text, not `logPath`). Idempotent.
   */
  stop(): Promise<string>;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, resolve);
  });
  const addr = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (addr === null || typeof addr === 'string') throw new Error('harness: could not read a free port');
  return addr.port;
}

/** True when nothing listens on 127.0.0.1:`port` and we may bind it. */
export async function portIsFree(port: number): Promise<boolean> {
  const srv = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, LOOPBACK, () => resolve(true));
  });
  if (ok) await new Promise<void>((r) => srv.close(() => r()));
  return ok;
}

/** Ports in LISTEN state on 127.0.0.1 or 0.0.0.0, from /proc/net/tcp (no probe connection, so no log noise). */
function listeningPorts(): Set<number> {
  const out = new Set<number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || f[3] !== '0A') continue;
    const [ip, port] = local.split(':');
    if (ip === '0100007F' || ip === '00000000') out.add(parseInt(port ?? '0', 16));
  }
  return out;
}

function configText(o: BrokerOptions, dir: string, port: number, wsPort: number | undefined, hasPasswd: boolean): string {
  const lines = [
    '# Written by test/harness/broker.ts: a throw-away test broker on loopback.',
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'per_listener_settings false',
    'persistence false',
    `allow_anonymous ${String(o.allowAnonymous ?? !hasPasswd)}`,
    ...(hasPasswd ? [`password_file ${join(dir, 'passwd')}`] : []),
    ...(o.maxKeepalive !== undefined ? [`max_keepalive ${o.maxKeepalive}`] : []),
    ...(o.messageSizeLimit !== undefined ? [`message_size_limit ${o.messageSizeLimit}`] : []),
    ...(o.maxPacketSize !== undefined ? [`max_packet_size ${o.maxPacketSize}`] : []),
    'connection_messages true',
    'log_type all',
    `log_dest file ${join(dir, 'mosquitto.log')}`,
    'log_timestamp true',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    ...(o.extraConfig ?? []),
    `listener ${port} ${LOOPBACK}`,
    ...(wsPort !== undefined ? [`listener ${wsPort} ${LOOPBACK}`, 'protocol websockets', 'socket_domain ipv4'] : []),
    '',
  ];
  return lines.join('\n');
}

/**
 * Starts mosquitto and resolves once its log says it is running and its listeners are in LISTEN state.
 * The broker is registered for cleanup ({@link useHarnessCleanup}) and killed if the worker exits.
 * With a free (not fixed) port, a lost race for the port is retried up to 3 times.
 */
export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
  const bin = requireTool('mosquitto');
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'autopsy-broker-'));
  const ownDir = opts.dir === undefined;
  const users = Object.entries(opts.users ?? {});
  for (const [i, [user, pass]] of users.entries()) {
    const r = await runTool(requireTool('mosquittoPasswd'), [...(i === 0 ? ['-c'] : []), '-b', join(dir, 'passwd'), user, pass]);
    if (r.code !== 0) throw new Error(`harness: mosquitto_passwd failed: ${r.stderr}`);
  }
  // Retry a lost race for a free port; with every port fixed there is nothing to retry.
  const allFixed = opts.port !== undefined && opts.websockets !== true;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < (allFixed ? 1 : 3); attempt++) {
    const port = opts.port ?? await freePort();
    const wsPort = opts.websockets === true ? await freePort() : opts.websockets === false ? undefined : opts.websockets;
    try {
      return await launch(bin, opts, dir, ownDir, port, wsPort, users.length > 0);
    } catch (e) {
      lastError = e as Error;
      if (!/Address already in use/.test(lastError.message)) break;
    }
  }
  if (ownDir) rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error('harness: mosquitto did not start');
}

async function launch(bin: string, o: BrokerOptions, dir: string, ownDir: boolean, port: number, wsPort: number | undefined, hasPasswd: boolean): Promise<Broker> {
  const configPath = join(dir, 'mosquitto.conf');
  const logPath = join(dir, 'mosquitto.log');
  writeFileSync(configPath, configText(o, dir, port, wsPort, hasPasswd));
  writeFileSync(logPath, '');
  // TZ=UTC: log timestamps line up with the capture's UTC timestamps.
  const child = spawnTracked(bin, ['-c', configPath], { ...process.env, TZ: 'UTC' });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  child.stdout?.resume();
  const readLog = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const exit = exited(child);
  let stopped: Promise<string> | undefined;
  const stop = (): Promise<string> => {
    stopped ??= (async () => {
      unregister();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        try {
          await withTimeout(exit, 3000, 'mosquitto SIGTERM');
        } catch {
          child.kill('SIGKILL');
          await exit.catch(() => undefined);
        }
      }
      const log = readLog();
      if (ownDir && started) rmSync(dir, { recursive: true, force: true });
      return log;
    })();
    return stopped;
  };
  const unregister = onCleanup(async () => { await stop(); });
  let started = false; // a failed start keeps the directory: startBroker may retry in it, then removes it

  const deadline = Date.now() + (o.startTimeoutMs ?? 15_000);
  let exitedEarly = false;
  void exit.then(() => { exitedEarly = true; }, () => { exitedEarly = true; });
  for (;;) {
    if (exitedEarly) {
      const log = await stop();
      throw new Error(`harness: mosquitto exited during start-up (port ${port}${wsPort ? `, ws ${wsPort}` : ''}):\n${log}${stderr}`);
    }
    const ports = listeningPorts();
    if (/ running\b/.test(readLog()) && ports.has(port) && (wsPort === undefined || ports.has(wsPort))) break;
    if (Date.now() > deadline) {
      const log = await stop();
      throw new Error(`harness: mosquitto did not listen on ${port}${wsPort ? `/${wsPort}` : ''} in time:\n${log}${stderr}`);
    }
    await sleep(20);
  }
  started = true;

  const waitForLog = async (re: RegExp, timeoutMs = 10_000): Promise<string> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const line = readLog().split('\n').find((l) => re.test(l));
      if (line !== undefined) return line;
      if (Date.now() > until) throw new Error(`harness: broker log has no line matching ${re} after ${timeoutMs} ms:\n${readLog()}`);
      await sleep(25);
    }
  };

  return {
    host: LOOPBACK,
    port,
    ...(wsPort !== undefined ? { wsPort } : {}),
    pid: child.pid ?? -1,
    dir,
    configPath,
    logPath,
    readLog,
    waitForLog,
    stop,
  };
}
