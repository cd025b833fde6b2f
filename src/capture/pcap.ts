/**
 * Classic pcap reader (draft-ietf-opsawg-pcap §4 file header, §5 packet record), microsecond or
 * nanosecond, either byte order (the magic, already recognised, says which).
 *
 * Stream machine over a ChunkQueue: a record is consumed only once its 16-byte header and all its
 * `caplen` bytes are queued, so a chunk boundary anywhere gives the same records. Never throws on
 * input: an absurd `caplen` stops reading with `capture.caplen_too_large` (nothing is allocated for
 * it), a short last record is reported at end by `capture.truncated_record`.
 * Performance: no allocation besides the record and its timestamp; data is a view unless the record
 * straddles two chunks.
 */
import type { ChunkQueue } from './chunk-queue.js';
import type { RecordEmitter } from './emitter.js';
import { MAX_CAPLEN, SNAPLEN_SLACK } from './limits.js';
import type { Magic } from './sniff.js';
import type { Timestamp } from './types.js';

/** File header: magic, version 2+2, reserved 4+4 (once thiszone and sigfigs), snaplen 4, link type 4 (§4). */
const FILE_HEADER_LENGTH = 24;
/** Record header: ts seconds 4, ts fraction 4, captured length 4, original length 4 (§5). */
const RECORD_HEADER_LENGTH = 16;

function u32(c: Uint8Array, p: number, le: boolean): number {
  return le
    ? (c[p]! | (c[p + 1]! << 8) | (c[p + 2]! << 16) | (c[p + 3]! << 24)) >>> 0
    : ((c[p]! << 24) | (c[p + 1]! << 16) | (c[p + 2]! << 8) | c[p + 3]!) >>> 0;
}

/** Reads the records of one classic pcap file. */
export class PcapReader {
  private state: 'file-header' | 'records' | 'stopped' = 'file-header';
  private readonly le: boolean;
  /** Fraction units per second: 1e6 (µs) or 1e9 (ns). */
  private readonly perSec: number;
  private readonly nsecPerUnit: number;
  private readonly precision: Timestamp['precision'];
  private snaplen = 0;
  private linkType = 0;

  constructor(private readonly q: ChunkQueue, private readonly out: RecordEmitter, magic: Magic) {
    this.le = magic.le;
    const nano = magic.format === 'pcap-ns';
    this.perSec = nano ? 1e9 : 1e6;
    this.nsecPerUnit = nano ? 1 : 1000;
    this.precision = nano ? 'ns' : 'us';
  }

  /** True once damage made the rest of the file unreadable. */
  get stopped(): boolean {
    return this.state === 'stopped';
  }

  /** Consumes every complete record in the queue. */
  run(): void {
    const q = this.q;
    const le = this.le;
    if (this.state === 'file-header') {
      if (q.length < FILE_HEADER_LENGTH) return;
      this.snaplen = q.u32(16, le);
      // "LinkType and additional information": the link type is the lower 16 bits, the upper bits carry
      // the FCS length (draft-ietf-opsawg-pcap §4).
      this.linkType = q.u32(20, le) & 0xffff;
      this.out.declareLinkType(this.linkType);
      q.skip(FILE_HEADER_LENGTH);
      this.state = 'records';
    }
    if (this.state !== 'records') return;
    const out = this.out;
    const snaplen = this.snaplen;
    while (q.length >= RECORD_HEADER_LENGTH) {
      // Fast path: the record header lies in one chunk (all but one record per chunk): read its four
      // fields from the chunk directly.
      const c = q.contiguous(RECORD_HEADER_LENGTH);
      const p = q.headPos;
      const capLen = c !== null ? u32(c, p + 8, le) : q.u32(8, le);
      if (capLen > MAX_CAPLEN || (snaplen > 0 && capLen > snaplen + SNAPLEN_SLACK)) {
        this.fail(capLen);
        return;
      }
      if (q.length < RECORD_HEADER_LENGTH + capLen) return;
      const fileOffset = q.offset;
      const ts = c !== null ? this.timestamp(u32(c, p, le), u32(c, p + 4, le)) : this.timestamp(q.u32(0, le), q.u32(4, le));
      const origLen = c !== null ? u32(c, p + 12, le) : q.u32(12, le);
      q.skip(RECORD_HEADER_LENGTH);
      out.record(ts, this.linkType, 0, q.take(capLen), origLen, fileOffset);
    }
  }

  /** End of input: whatever is left is a record (or header) cut short. */
  end(): void {
    const q = this.q;
    if (this.state === 'stopped' || q.length === 0 && this.state === 'records') return;
    let detail: string;
    if (this.state === 'file-header') {
      detail = `file header needs ${FILE_HEADER_LENGTH} bytes, ${q.length} present`;
    } else if (q.length < RECORD_HEADER_LENGTH) {
      detail = `record header needs ${RECORD_HEADER_LENGTH} bytes, ${q.length} present`;
    } else {
      detail = `record needs ${RECORD_HEADER_LENGTH + q.u32(8, this.le)} bytes, ${q.length} present`;
    }
    this.out.diagnostic('capture.truncated_record', q.offset, detail);
    q.clear();
  }

  private fail(capLen: number): void {
    const why = capLen > MAX_CAPLEN ? `exceeds the ${MAX_CAPLEN}-byte maximum` : `exceeds the snaplen ${this.snaplen}`;
    this.out.diagnostic('capture.caplen_too_large', this.q.offset, `record claims ${capLen} captured bytes, which ${why}`);
    this.q.clear();
    this.state = 'stopped';
  }

  private timestamp(sec: number, frac: number): Timestamp {
    // A fraction of a second or more is out of spec; carry it so that nsec stays below 1e9.
    if (frac >= this.perSec) {
      const carry = Math.floor(frac / this.perSec);
      sec += carry;
      frac -= carry * this.perSec;
    }
    return { sec, nsec: frac * this.nsecPerUnit, precision: this.precision };
  }
}
