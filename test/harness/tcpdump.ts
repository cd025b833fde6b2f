/**
 * tcpdump on the loopback interface, filtered on the broker's ports.
 *
 * Flags: `-i lo -U --immediate-mode -s 0` (field notes: without immediate mode packets reach the file up
 * to ~1 s late and the ones still buffered at stop are lost). Link type is Ethernet (1), classic pcap.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { exited, onCleanup, requireTool, sleep, spawnTracked, withTimeout } from './proc.js';

/** What to capture. */
export interface CaptureOptions {
  /** TCP ports to capture (`tcp port A or tcp port B`); at least one. */
  ports: readonly number[];
  /** Interface; default `lo`. */
  iface?: string;
  /**
   * Give up waiting for "listening on" after this long. Default 15 s: on a loaded two-core machine (other test
   * files running) tcpdump once needed more than 5 s to start.
   */
  startTimeoutMs?: number;
  /**
   * Kernel capture buffer in KiB (`-B`). Default 8192: with the default 2 MiB, several captures on a busy
   * two-core machine had packets "dropped by kernel".
   */
  bufferKiB?: number;
}

/** Packet counters tcpdump prints when it stops. */
export interface CaptureStats {
  captured: number;
  receivedByFilter: number;
  droppedByKernel: number;
}

/** A running capture into a file. */
export interface Capture {
  /** The pcap file being written. */
  readonly file: string;
  /**
   * Waits `settleMs` (default 300 ms) so the last packets are written, sends SIGINT, waits for tcpdump to
   * exit and returns the file path. Throws if the kernel dropped packets. Idempotent.
   */
  stop(settleMs?: number): Promise<string>;
  /** Counters from tcpdump's exit message; set after {@link Capture.stop}. */
  stats(): CaptureStats | undefined;
}

/** A running capture whose pcap bytes stream out of `child.stdout` (`-w -`). */
export interface CaptureStream {
  readonly child: ChildProcess;
  /** The pcap byte stream (global header first). */
  readonly stdout: Readable;
  /** Like {@link Capture.stop}; resolves when tcpdump has exited (stdout then ends). */
  stop(settleMs?: number): Promise<void>;
}

function filterFor(ports: readonly number[]): string {
  if (ports.length === 0) throw new Error('harness: a capture needs at least one port');
  return ports.map((p) => `tcp port ${p}`).join(' or ');
}

function parseStats(stderr: string): CaptureStats | undefined {
  const n = (re: RegExp): number | undefined => {
    const m = re.exec(stderr);
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  };
  const captured = n(/(\d+) packets? captured/);
  const receivedByFilter = n(/(\d+) packets? received by filter/);
  const droppedByKernel = n(/(\d+) packets? dropped by kernel/);
  if (captured === undefined || receivedByFilter === undefined || droppedByKernel === undefined) return undefined;
  return { captured, receivedByFilter, droppedByKernel };
}

async function launch(out: string, o: CaptureOptions): Promise<{ child: ChildProcess; stderr: () => string; stop: (settleMs?: number) => Promise<CaptureStats | undefined> }> {
  const bin = requireTool('tcpdump');
  const args = ['-i', o.iface ?? 'lo', '-U', '--immediate-mode', '-s', '0', '-n', '-B', String(o.bufferKiB ?? 8192),
    // As root, stay root: the pcap is then owned by root, not by the `tcpdump` user.
    ...(process.getuid?.() === 0 ? ['-Z', 'root'] : []),
    '-w', out, filterFor(o.ports)];
  const child = spawnTracked(bin, args);
  let stderr = '';
  const exit = exited(child);
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      if (/listening on /.test(stderr)) resolve();
    });
    exit.then(() => reject(new Error(explain(stderr))), (e: Error) => reject(new Error(explain(e.message))));
  });
  let stopped: Promise<CaptureStats | undefined> | undefined;
  const stop = (settleMs = 300): Promise<CaptureStats | undefined> => {
    stopped ??= (async () => {
      unregister();
      if (child.exitCode === null && child.signalCode === null) {
        await sleep(settleMs);
        child.kill('SIGINT');
        try {
          await withTimeout(exit, 5000, 'tcpdump SIGINT');
        } catch {
          child.kill('SIGKILL');
          await exit.catch(() => undefined);
        }
      }
      return parseStats(stderr);
    })();
    return stopped;
  };
  const unregister = onCleanup(async () => { await stop(0); });
  try {
    await withTimeout(listening, o.startTimeoutMs ?? 15_000, `tcpdump to print "listening on" (stderr: ${stderr})`);
  } catch (e) {
    await stop(0);
    throw e;
  }
  return { child, stderr: () => stderr, stop };
}

function explain(stderr: string): string {
  if (/ENOENT/.test(stderr)) return 'harness: tcpdump is missing: install the Debian package "tcpdump"';
  if (/permission|not permitted|Operation not permitted/i.test(stderr)) {
    return `harness: tcpdump may not capture here (run as root, or give it CAP_NET_RAW/CAP_NET_ADMIN): ${stderr.trim()}`;
  }
  return `harness: tcpdump exited before capturing: ${stderr.trim()}`;
}

/**
 * Starts `tcpdump -i lo -U --immediate-mode -s 0 -w <file> 'tcp port A or …'` and resolves once it is
 * really capturing (it printed "listening on lo"). Registered for cleanup.
 */
export async function startCapture(file: string, opts: CaptureOptions): Promise<Capture> {
  const run = await launch(file, opts);
  let stats: CaptureStats | undefined;
  let done: Promise<string> | undefined;
  return {
    file,
    stats: () => stats,
    stop: (settleMs) => {
      done ??= (async () => {
        stats = await run.stop(settleMs);
        if (stats && stats.droppedByKernel > 0) {
          throw new Error(`harness: tcpdump dropped ${stats.droppedByKernel} packets writing ${file}`);
        }
        return file;
      })();
      return done;
    },
  };
}

/**
 * The streaming variant: `tcpdump … -w -`, pcap bytes on `stdout` as packets arrive (for live-mode tests).
 * Resolves once tcpdump is capturing. Read `stdout` promptly: a full pipe stalls tcpdump.
 */
export async function startCaptureStream(opts: CaptureOptions): Promise<CaptureStream> {
  const run = await launch('-', opts);
  const stdout = run.child.stdout;
  if (!stdout) throw new Error('harness: tcpdump has no stdout');
  return { child: run.child, stdout, stop: async (settleMs) => { await run.stop(settleMs); } };
}
