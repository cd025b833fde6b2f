/**
 * One capture input read on demand: pulls a chunk from its async source, gunzips it when the input
 * starts with the gzip magic (RFC 1952 §2.3.1; never decided by file name), and pushes it into a
 * CaptureParser, which delivers records synchronously. `pull` is the only await, once per chunk,
 * never per record; a merge of several inputs pulls each one only when it needs its next record.
 */
import { GzipCorrupt, gunzip, type Gunzipped } from './gzip.js';
import { CaptureParser } from './parser.js';
import { isGzip } from './sniff.js';
import { CaptureInputError, type CaptureHandlers, type CaptureInfo } from './types.js';

/** How one input is read. */
export interface InputOptions {
  /** The input's name for error messages (a path; `-` reads as stdin). */
  readonly name?: string;
  /** Resolves when the user interrupts: reading stops where it is, a partial record is dropped. */
  readonly stop?: Promise<void>;
}

const STOP = Symbol('stop');

/**
 * The chunk as a plain Uint8Array view of the same memory (no copy). fs, stdin and zlib hand out
 * Buffers, whose `subarray` goes through the Buffer species constructor in JavaScript; on a plain
 * Uint8Array it is V8's builtin. Every record, payload and packet below is such a subarray, so this
 * one wrap per chunk saves one slow constructor call per view (measured: ~4% of an analyze run).
 */
function plain(chunk: Uint8Array): Uint8Array {
  return chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** One input, pulled chunk by chunk into its own parser. */
export class CaptureInput {
  private readonly parser: CaptureParser;
  /** Set once `opts.stop` resolved. */
  private stopFired = false;
  /** Settles the read in progress when `stop` fires (see {@link next}). */
  private wake: ((r: typeof STOP) => void) | null = null;
  private raw: AsyncIterator<Uint8Array> | null = null;
  private gz: Gunzipped | null = null;
  private gzip = false;
  private rawBytes = 0;
  private done = false;
  private interruptedFlag = false;

  constructor(private readonly source: AsyncIterable<Uint8Array>, private readonly handlers: CaptureHandlers,
    private readonly opts: InputOptions = {}) {
    this.parser = new CaptureParser(handlers);
    // One reaction on `stop` for the whole run. (A Promise.race against it per chunk left one
    // reaction per read on the never-settling promise, each holding its chunk: every byte read stayed
    // in memory — peak RSS grew with the capture, 450 MB for 266 MB.)
    opts.stop?.then(() => {
      this.stopFired = true;
      this.wake?.(STOP);
    }, () => {});
  }

  /** True when reading ended because `stop` resolved. */
  get interrupted(): boolean {
    return this.interruptedFlag;
  }

  /** Facts about the input so far (complete once `pull` returned false). */
  info(): CaptureInfo {
    return { format: this.parser.format, gzip: this.gzip, linkTypes: [...this.parser.linkTypes],
      frames: this.parser.frames, bytes: this.rawBytes };
  }

  /**
   * Reads the next chunk into the parser, which delivers every record it completes. Resolves false
   * once the input is finished (its end, damage that stops reading, or `stop`). Rejects with a
   * CaptureInputError (not a capture, unreadable), or with what a handler threw, untouched.
   */
  async pull(): Promise<boolean> {
    if (this.done) return false;
    try {
      if (this.raw === null) return await this.open();
      const chunk = await this.next();
      if (chunk === null) return this.finish();
      this.parser.push(chunk);
      return this.parser.stopped ? this.finish() : true;
    } catch (e) {
      if (e instanceof GzipCorrupt && this.parser.format !== null) {
        // Located in the decompressed stream, where the records stop; the reason is zlib's.
        this.handlers.diagnostic({ code: 'capture.gzip.corrupt', fileOffset: this.parser.bytes,
          detail: `gzip stream damaged after ${this.rawBytes} compressed bytes: ${e.message}` });
        return this.finish();
      }
      this.done = true;
      this.close();
      // Damage before the capture header could even be read leaves nothing to analyse: a usage error.
      throw this.explain(e instanceof GzipCorrupt
        ? new CaptureInputError('input.not_capture', `gzip-compressed, but damaged before any capture data (${e.message})`)
        : e);
    }
  }

  /** Stops reading without reporting a partial record (another input failed or was interrupted). */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.close();
    this.parser.end({ interrupted: true });
  }

  /** Reads until the gzip magic can be told (2 bytes), then sets up the decoding path. */
  private async open(): Promise<boolean> {
    this.raw = this.source[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let n = 0;
    while (n < 2) {
      const c = await this.next();
      if (c === null) break;
      if (c.length > 0) head.push(c);
      n += c.length;
    }
    const first = head[0];
    const second = head[1];
    const prefix = first === undefined ? new Uint8Array(0)
      : first.length >= 2 || second === undefined ? first : Uint8Array.of(first[0]!, second[0]!);
    if (!this.interruptedFlag && isGzip(prefix)) {
      this.gzip = true;
      this.gz = gunzip(this.rest(head));
      return true;
    }
    for (const c of head) {
      this.parser.push(c);
      if (this.parser.stopped) return this.finish();
    }
    return n < 2 ? this.finish() : true;
  }

  /** The raw source again from its start, for the gunzip pipeline (bytes counted as they pass). */
  private async *rest(head: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
    yield* head;
    const raw = this.raw!;
    for (;;) {
      const r = await raw.next();
      if (r.done === true) return;
      this.rawBytes += r.value.length;
      yield r.value;
    }
  }

  /** The next chunk to parse (decompressed if gzip), or null at the end or on `stop`. */
  private async next(): Promise<Uint8Array | null> {
    const it = this.gz !== null ? this.gz.chunks : this.raw!;
    const p = it.next();
    let r: IteratorResult<Uint8Array> | typeof STOP;
    try {
      if (this.opts.stop === undefined) r = await p;
      else if (this.stopFired) r = STOP;
      else {
        r = await new Promise<IteratorResult<Uint8Array> | typeof STOP>((resolve, reject) => {
          this.wake = resolve;
          p.then(resolve, reject);
        });
        this.wake = null;
      }
    } catch (e) {
      // The source failed (stdin closed with an error, a pipe broke): an environment error, like an
      // unreadable file. openFileSource already says so itself.
      if (e instanceof CaptureInputError || e instanceof GzipCorrupt) throw e;
      throw new CaptureInputError('input.unreadable', `cannot read ${this.label() ?? 'the input'}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (r === STOP) {
      this.interruptedFlag = true;
      p.catch(() => {});
      return null;
    }
    if (r.done === true) return null;
    if (this.gz === null) this.rawBytes += r.value.length;
    return plain(r.value);
  }

  private finish(): false {
    this.done = true;
    this.close();
    this.parser.end({ interrupted: this.interruptedFlag });
    return false;
  }

  private close(): void {
    this.gz?.close();
    const r = this.raw?.return?.();
    if (r !== undefined) r.catch(() => {});
  }

  /** A not-a-capture error gets the input's name (and says when it was inside gzip). */
  private explain(e: unknown): unknown {
    if (!(e instanceof CaptureInputError) || e.code === 'input.unreadable') return e;
    let message = e.message;
    if (this.gzip) {
      message = e.code === 'input.empty' ? 'gzip-compressed, but empty inside'
        : message.replace(/^not a pcap or pcapng capture/, 'gzip-compressed, but not a pcap or pcapng capture inside');
    }
    const name = this.label();
    return new CaptureInputError(e.code, name === undefined ? message : `${name}: ${message}`);
  }

  private label(): string | undefined {
    return this.opts.name === '-' ? 'stdin' : this.opts.name;
  }
}
