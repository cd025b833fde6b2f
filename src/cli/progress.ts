/**
 * A progress bar on stderr while large capture files are read (bytes read, MB/s, ETA), only when
 * stderr is a terminal and the files add up to more than 20 MB; nothing at all otherwise. It counts
 * the bytes of the input sources as the reader pulls them (compressed bytes for gzip files).
 */
import { statSync } from 'node:fs';
import type { Io } from './io.js';

export const PROGRESS_MIN_BYTES = 20 * 1024 * 1024;
/** Redraw at most this often. */
const REDRAW_MS = 100;
const MB = 1024 * 1024;

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** "[=======>            ]  45.2/120.0 MB   38.1 MB/s  ETA 0:02" (pure). */
export function progressLine(done: number, total: number, elapsedMs: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.floor(frac * width);
  const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (frac >= 1 ? '=' : '>') : ''}`.padEnd(width);
  const rate = elapsedMs > 0 ? done / MB / (elapsedMs / 1000) : 0;
  const eta = rate > 0 ? clock((total - done) / MB / rate) : '-:--';
  return `[${bar}] ${(done / MB).toFixed(1).padStart(6)}/${(total / MB).toFixed(1)} MB  ${rate.toFixed(1).padStart(6)} MB/s  ETA ${eta}`;
}

export class ProgressBar {
  private done = 0;
  private lastDraw = -Infinity;
  private readonly started: number;
  private drawn = false;

  constructor(
    private readonly total: number,
    private readonly err: Io['stderr'],
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  add(n: number): void {
    this.done += n;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS && this.done < this.total) return;
    this.lastDraw = t;
    this.drawn = true;
    this.err.write(`\r${progressLine(this.done, this.total, t - this.started)}\u001b[K`);
  }

  /** Erases the bar (before the output is printed). */
  clear(): void {
    if (this.drawn) this.err.write('\r\u001b[K');
    this.drawn = false;
  }
}

async function* counting(source: AsyncIterable<Uint8Array>, bar: ProgressBar): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    bar.add(chunk.length);
    yield chunk;
  }
}

export interface Progress {
  /** Wraps a source so that its bytes move the bar. */
  wrap(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>;
  clear(): void;
}

/**
 * A progress bar for reading `paths`, or null when there should be none: stderr is not a terminal,
 * `quiet`, an input is stdin (no size), or the files are 20 MB or less.
 */
export function progressFor(paths: readonly string[], io: Io, quiet: boolean, now?: () => number): Progress | null {
  if (quiet || io.stderr.isTTY !== true || paths.includes('-')) return null;
  let total = 0;
  for (const p of paths) {
    try {
      total += statSync(p).size;
    } catch {
      return null; // the reader reports the unreadable file
    }
  }
  if (total <= PROGRESS_MIN_BYTES) return null;
  const bar = new ProgressBar(total, io.stderr, now);
  return { wrap: (source) => counting(source, bar), clear: () => bar.clear() };
}
