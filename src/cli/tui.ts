/**
 * The `tui` command: the interactive terminal UI over one capture file or a live capture on stdin.
 * Composition root like analyze.ts — capture reader → engine → analysis → TuiFeed → CaptureStore —
 * plus what only the CLI may do: the terminal (alternate screen, /dev/tty for keys when the capture
 * comes on stdin) and pacing the read so the UI stays responsive (decode a slice, commit, yield to
 * the event loop, repeat). EOF or Ctrl-C leaves the UI open on what was read; `q` quits.
 */
import { openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import type { Command } from 'commander';
import { Analyzer } from '../analysis/analyzer.js';
import { readCaptures } from '../capture/merge.js';
import { openFileSource } from '../capture/read.js';
import { CaptureInputError } from '../capture/types.js';
import { DEFAULT_PORTS, Engine, type PortRole } from '../engine/engine.js';
import { DEFAULT_LIMITS, type Limits } from '../engine/limits.js';
import type { ProtocolLevel } from '../mqtt/types.js';
import { TuiFeed } from '../tui/feed.js';
import { DEFAULT_TUI_LIMITS } from '../tui/limits.js';
import { CaptureStore } from '../tui/store.js';
import { EXIT, UsageError, type Io } from './io.js';
import { addDecodeOptions } from './common.js';

export interface TuiOptions {
  port?: Map<number, PortRole>;
  assumeVersion?: ProtocolLevel;
  maxPacketSize?: number;
  showCredentials?: boolean;
  color?: boolean;
}

/** Bytes decoded between two yields to the event loop (keys and renders run in between). */
const SLICE_BYTES = 128 * 1024;

const TUI_HELP = `
Examples:
  $ mqtt-autopsy tui samples/ws-corrupt-first-byte.pcap
  $ tcpdump -i any -U --immediate-mode -w - port 1883 or port 8080 | mqtt-autopsy tui -

Keys: arrows/j k move, Tab switches pane, Enter opens, / filters (--filter expressions or words),
w wire bytes, a anomalies, ? help, q quits; Ctrl-C stops reading and keeps the UI.
With - the capture comes on stdin and keys from the terminal (/dev/tty).`;

export function registerTui(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command('tui')
    .description('interactive terminal UI: connections → packets → fields and bytes (live from stdin with -)')
    .argument('<capture>', 'a pcap, pcapng or gzip-compressed capture, or - for stdin');
  addDecodeOptions(cmd)
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText('after', TUI_HELP)
    .action(async (path: string, opts: TuiOptions) => { done(await tui(path, opts, io)); });
}

/** Counts the bytes read and cuts them into slices; after each slice the store is committed and the loop breathes. */
async function* paced(source: AsyncIterable<Uint8Array>, store: CaptureStore): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    store.stats.bytesRead += chunk.length;
    for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
      // A view of an immutable read chunk: records may keep pointing into it, as with the whole chunk.
      yield chunk.subarray(at, Math.min(chunk.length, at + SLICE_BYTES));
      store.commit();
      await new Promise<void>((resolve) => { setImmediate(resolve); });
    }
  }
}

/** The terminal to read keys from: stdin when it is one and does not carry the capture, else /dev/tty. */
function openKeys(captureOnStdin: boolean): { stream: NodeJS.ReadStream; opened: boolean } {
  if (!captureOnStdin && process.stdin.isTTY) return { stream: process.stdin, opened: false };
  try {
    return { stream: new ReadStream(openSync('/dev/tty', 'r')) as unknown as NodeJS.ReadStream, opened: true };
  } catch (e) {
    throw new UsageError(`tui needs a terminal for its keys and cannot open /dev/tty (${e instanceof Error ? e.message : String(e)})`);
  }
}

export async function tui(path: string, o: TuiOptions, io: Io): Promise<number> {
  const stdout = process.stdout;
  if (!stdout.isTTY) throw new UsageError('tui needs a terminal: stdout is not a TTY (use analyze, or analyze --ndjson for pipes)');
  const keys = openKeys(path === '-');
  // ink renders nothing until exit when it believes it runs in CI; this is an interactive terminal.
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
  const { startTui } = await import('../tui/start.js');

  const limits: Limits = { ...DEFAULT_LIMITS, ...(o.maxPacketSize !== undefined ? { maxPacketSize: o.maxPacketSize } : {}) };
  const ports = new Map(DEFAULT_PORTS);
  for (const [p, role] of o.port ?? []) ports.set(p, role);
  const store = new CaptureStore(path === '-' ? 'stdin' : path, DEFAULT_TUI_LIMITS, () => performance.now());
  const feed = new TuiFeed(store);
  const analyzer = new Analyzer(feed);
  const engine = new Engine({ limits, ports, assumeVersion: o.assumeVersion ?? null,
    rethrow: io.env['MQTT_AUTOPSY_STRICT'] === '1' }, analyzer);

  let stopReading: () => void = () => {};
  let stopped = false;
  const stop = new Promise<void>((resolve) => { stopReading = () => { stopped = true; resolve(); }; });
  void io.interrupted?.then(() => { stopReading(); });

  const color = o.color !== false && io.env['NO_COLOR'] === undefined;
  stdout.write('\u001b[?1049h'); // the alternate screen: the shell's screen comes back on exit
  const app = startTui({ store, color, showCredentials: o.showCredentials === true, stdin: keys.stream, stdout,
    onInterrupt: () => { stopReading(); } });
  let inputError: CaptureInputError | null = null;
  const source = path === '-' ? io.stdin : openFileSource(path);
  const reading = readCaptures([{ name: path, source: paced(source, store) }], {
    record: (r) => { feed.record(r); engine.push(r); },
    diagnostic: (d) => { engine.captureDiagnostic(d); },
  }, { stop }).then(() => {
    engine.finish();
    analyzer.result(); // decides verdicts held back (broker shutdown) and reports them to the feed
    store.finish(stopped ? 'stopped' : 'eof');
  }, (e: unknown) => {
    if (e instanceof CaptureInputError && store.stats.frames === 0) {
      inputError = e;
      app.unmount();
      return;
    }
    engine.finish();
    store.finish('error', e instanceof Error ? e.message : String(e));
  });

  try {
    await Promise.race([app.exited, reading.then(() => (inputError ? undefined : app.exited))]);
  } finally {
    stopReading();
    app.unmount();
    await reading;
    stdout.write('\u001b[?1049l');
    if (keys.opened) keys.stream.destroy();
    // A live pipe (tcpdump) would keep the process alive after the user quit.
    if (path === '-') process.stdin.destroy();
  }
  if (inputError !== null) throw inputError;
  return EXIT.ok;
}
