/**
 * The capture push parser: bytes in (any chunking), records and diagnostics out, synchronously.
 * Detects the format from the magic (sniff.ts), then hands the queue to the pcap or pcapng reader.
 *
 * Invariants: the same bytes give the same records and diagnostics whatever the chunk boundaries;
 * input chunks are never mutated (records hold views into them). The only throw is
 * CaptureInputError when the first bytes are not a capture at all (or there are none), raised before
 * any record; everything wrong after that is a diagnostic. After damage that stops reading, further
 * input is dropped without being buffered.
 */
import { ChunkQueue } from './chunk-queue.js';
import { RecordEmitter } from './emitter.js';
import { SNIFF_LENGTH } from './limits.js';
import { PcapReader } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import { MAGIC_LENGTH, describeNotCapture, sniffMagic } from './sniff.js';
import { CaptureInputError, type CaptureFormat, type CaptureHandlers } from './types.js';

/** Reads one capture stream pushed chunk by chunk. */
export class CaptureParser {
  private readonly q = new ChunkQueue();
  private readonly out: RecordEmitter;
  private reader: PcapReader | PcapngReader | null = null;
  private detected: CaptureFormat | null = null;
  private ended = false;
  private failed = false;
  private pushed = 0;

  constructor(handlers: CaptureHandlers) {
    this.out = new RecordEmitter(handlers);
  }

  /** The format found from the magic, null before enough bytes arrived. */
  get format(): CaptureFormat | null {
    return this.detected;
  }

  /** Records delivered so far. */
  get frames(): number {
    return this.out.frames;
  }

  /** LINKTYPE_* values declared so far, in declaration order, without repeats. */
  get linkTypes(): readonly number[] {
    return this.out.linkTypes;
  }

  /** Bytes pushed so far. */
  get bytes(): number {
    return this.pushed;
  }

  /** Bytes held waiting for the rest of a record (bounded by one record plus one chunk). */
  get buffered(): number {
    return this.q.length;
  }

  /** True once damage made the rest of the input unreadable: more input would be dropped. */
  get stopped(): boolean {
    return this.failed || (this.reader?.stopped ?? false);
  }

  /**
   * Feeds the next chunk. The parser keeps views into it, so the caller must not reuse or modify it.
   * Throws CaptureInputError only while the first bytes show the input is not a capture.
   */
  push(chunk: Uint8Array): void {
    if (this.ended || this.failed) return;
    this.pushed += chunk.length;
    if (this.reader !== null) {
      if (this.reader.stopped) return;
      this.q.push(chunk);
      this.reader.run();
      return;
    }
    this.q.push(chunk);
    if (this.detect(false)) this.reader!.run();
  }

  /**
   * End of input: reports a record cut short and the snaplen summary. With `interrupted` (the user
   * stopped the read on purpose) a partial record is dropped silently and a non-capture is not
   * reported. Idempotent.
   */
  end(opts: { readonly interrupted?: boolean } = {}): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    if (this.reader === null) {
      if (opts.interrupted) return;
      this.detect(true);
    }
    const reader = this.reader!;
    if (!opts.interrupted) reader.end();
    this.out.finish();
  }

  /** Tries to recognise the format; true once a reader is in place. Throws on a non-capture. */
  private detect(complete: boolean): boolean {
    const q = this.q;
    const magic = sniffMagic(q.peekCopy(Math.min(q.length, MAGIC_LENGTH)), complete);
    if (magic === 'need-more') return false;
    if (magic !== null) {
      this.detected = magic.format;
      this.reader = magic.format === 'pcapng'
        ? new PcapngReader(q, this.out, magic.le)
        : new PcapReader(q, this.out, magic);
      return true;
    }
    // Not a capture: wait for enough bytes to say what it looks like instead, so the message does not
    // depend on how the input was chunked.
    if (!complete && q.length < SNIFF_LENGTH) return false;
    this.failed = true;
    const prefix = q.peekCopy(Math.min(q.length, SNIFF_LENGTH));
    q.clear();
    if (prefix.length === 0) throw new CaptureInputError('input.empty', 'empty input: no bytes to read');
    throw new CaptureInputError('input.not_capture', `not a pcap or pcapng capture: ${describeNotCapture(prefix)}`);
  }
}
