/**
 * The `live` command: starts `tcpdump -U --immediate-mode -w -` itself (an argument array, never a
 * shell) and analyzes its output as `analyze -` analyzes stdin. Ctrl-C stops tcpdump and prints what
 * was seen. tcpdump missing, lacking permission, or refusing the interface or filter is one clear line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Command } from 'commander';
import { safeText } from '../bytes/text.js';
import { CaptureInputError } from '../capture/types.js';
import { analyze, type AnalyzeOptions } from './analyze.js';
import { addDecodeOptions, addOutputOptions, compileFilter, EXIT_CODES_HELP, FILTER_HELP } from './common.js';
import { UsageError, type Io } from './io.js';

export interface LiveOptions extends AnalyzeOptions {
  interface?: string;
}

/** Ports captured when no BPF filter is given (MQTT, MQTT over TLS, the usual WebSocket port). */
export const LIVE_DEFAULT_PORTS: readonly number[] = [1883, 8883, 8080];
/** Kernel buffer (KiB) for `-i any`, which sees every interface's traffic. */
const ANY_BUFFER_KIB = 16384;
/** Give up waiting for tcpdump's "listening on" after this long (and start reading anyway). */
const START_TIMEOUT_MS = 10_000;

const HELP = `
Runs tcpdump (which needs root or CAP_NET_RAW) and analyzes what it captures as it happens; Ctrl-C
stops and prints the summary (exit 130). Without a filter it captures tcp port 1883, 8883 and 8080
and every --port. MQTT_AUTOPSY_TCPDUMP names another tcpdump binary.

Examples:
  $ sudo mqtt-autopsy live                                   # all interfaces, the usual MQTT ports
  $ sudo mqtt-autopsy live -i eth0 --ndjson                  # one JSON line per packet, as it happens
  $ sudo mqtt-autopsy live -i lo --port 1884 --filter 'severity >= warn' --ndjson
  $ sudo mqtt-autopsy live -i eth0 -- tcp port 1883 and host 10.0.0.7
${FILTER_HELP}

${EXIT_CODES_HELP}`;

/** The tcpdump command line (pure): interface, buffer for `any`, the BPF filter words. */
export function tcpdumpArgs(iface: string, ports: readonly number[], filter: readonly string[]): string[] {
  const all = [...new Set([...LIVE_DEFAULT_PORTS, ...ports])];
  const bpf = filter.length > 0 ? [...filter] : [all.map((p) => `tcp port ${p}`).join(' or ')];
  return ['-U', '--immediate-mode', '-w', '-', '-i', iface, ...(iface === 'any' ? ['-B', String(ANY_BUFFER_KIB)] : []), ...bpf];
}

/** The one-line message for tcpdump's failure to start, from its stderr. */
export function tcpdumpFailure(stderr: string, iface: string): Error {
  const said = safeText(stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^listening on/.test(l)).join('; ')).slice(0, 400);
  if (/permission|not permitted|Operation not permitted|Access denied/i.test(stderr)) {
    return new CaptureInputError('input.unreadable', `tcpdump may not capture on ${safeText(iface)} (${said}): run as root, or let tcpdump `
      + 'capture: sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)"');
  }
  if (/syntax error|can't parse filter|illegal|expression rejects|unknown (port|host|net|network|protocol|ether host)/i.test(stderr)) {
    return new UsageError(`tcpdump rejected the capture filter: ${said}`);
  }
  if (/No such device|doesn't exist|no suitable device|not found|unknown interface/i.test(stderr)) {
    return new UsageError(`tcpdump cannot open interface ${safeText(iface)}: ${said} (tcpdump -D lists them)`);
  }
  return new CaptureInputError('input.unreadable', `tcpdump stopped before capturing: ${said || 'no message'}`);
}

interface Started {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts tcpdump and resolves once it is capturing; rejects with the reason when it cannot. */
async function startTcpdump(bin: string, args: readonly string[], iface: string): Promise<Started> {
  const child = spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stderrDone: () => void = () => {};
  const stderrEnded = new Promise<void>((resolve) => { stderrDone = resolve; });
  let spawnError: NodeJS.ErrnoException | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) => { spawnError = e; resolve({ code: null, signal: null }); });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => { listening = resolve; });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 65536) stderr += s;
    if (/listening on /.test(stderr)) listening();
  }).on('close', () => stderrDone());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, START_TIMEOUT_MS); });
  const first = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const), timeout.then(() => 'ready' as const)]);
  clearTimeout(timer);
  if (first === 'exited') {
    // 'exit' may come before the last of stderr: wait for it (briefly).
    await Promise.race([stderrEnded, new Promise<void>((resolve) => { setTimeout(resolve, 1000).unref(); })]);
    const err = spawnError as NodeJS.ErrnoException | null;
    if (err?.code === 'ENOENT') {
      throw new CaptureInputError('input.unreadable', `tcpdump not found ("${safeText(bin)}"): install it (Debian/Ubuntu: apt-get install tcpdump), `
        + 'or set MQTT_AUTOPSY_TCPDUMP to its path');
    }
    if (err?.code === 'EACCES') throw new CaptureInputError('input.unreadable', `cannot run ${safeText(bin)}: permission denied`);
    if (err) throw new CaptureInputError('input.unreadable', `cannot run ${safeText(bin)}: ${safeText(err.message)}`);
    throw tcpdumpFailure(stderr, iface);
  }
  return { child, stderr: () => stderr, exited };
}

/** tcpdump's stdout as a capture source (chunks are fresh Buffers: never reused). */
async function* captureOf(child: ChildProcess): AsyncGenerator<Uint8Array> {
  if (!child.stdout) return;
  for await (const chunk of child.stdout) yield chunk as Uint8Array;
}

export async function live(filterWords: readonly string[], o: LiveOptions, io: Io): Promise<number> {
  const iface = o.interface ?? 'any';
  const ports = [...(o.port?.keys() ?? [])];
  const args = tcpdumpArgs(iface, ports, filterWords);
  const bin = io.env['MQTT_AUTOPSY_TCPDUMP'] ?? 'tcpdump';
  compileFilter(o.filter, o.localTime === true); // a bad --filter is refused before tcpdump starts
  const t = await startTcpdump(bin, args, iface);
  try {
    if (o.quiet !== true) {
      io.stderr.write(`mqtt-autopsy: capturing: ${safeText([bin, ...args].join(' '))} (Ctrl-C stops and prints the summary)\n`);
    }
    return await analyze([`tcpdump -i ${iface}`], o, io, { open: () => captureOf(t.child) });
  } finally {
    await stopTcpdump(t, o.quiet === true, io);
  }
}

/** Stops tcpdump if it still runs (SIGINT, then SIGKILL); says so when it had stopped by itself with an error. */
async function stopTcpdump(t: Started, quiet: boolean, io: Io): Promise<void> {
  const running = t.child.exitCode === null && t.child.signalCode === null;
  if (running) t.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), 3000); });
  const end = await Promise.race([t.exited, late]);
  clearTimeout(timer);
  if (end === null) {
    t.child.kill('SIGKILL');
    return;
  }
  if (!running && end.code !== 0 && end.code !== null && !quiet) {
    io.stderr.write(`mqtt-autopsy: tcpdump exited with code ${end.code}: ${safeText(t.stderr().trim().split('\n').slice(-2).join('; '))}\n`);
  }
}

export function registerLive(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command('live')
    .description('capture with tcpdump and analyze as it happens (needs root or CAP_NET_RAW); Ctrl-C prints the summary')
    .argument('[bpf...]', 'tcpdump capture filter (default: tcp port 1883 or 8883 or 8080, and every --port)')
    .option('-i, --interface <iface>', 'interface to capture on (tcpdump -i)', 'any')
    .option('--json', 'print one JSON document at the end')
    .option('--ndjson', 'stream one JSON object per line as facts become known');
  addOutputOptions(addDecodeOptions(cmd))
    .addHelpText('after', HELP)
    .action(async (bpf: string[], opts: LiveOptions) => {
      done(await live(bpf, opts, io));
    });
}
