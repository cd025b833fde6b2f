/**
 * The one place records and diagnostics leave the format readers: numbers frames (1-based, across
 * pcapng sections, as Wireshark counts), collects the declared link types, and counts records cut by
 * the snaplen so that one `capture.snaplen_truncated` summarises them at the end instead of one per
 * record (a capture made with `-s 96` would otherwise drown the report).
 */
import type { CaptureDiagnostic, CaptureHandlers, Timestamp } from './types.js';

/** Shared by the pcap and pcapng readers of one input. */
export class RecordEmitter {
  /** Records delivered so far (the last frame number). */
  frames = 0;
  /** Declared link types, first declaration order, no repeats. */
  readonly linkTypes: number[] = [];
  private shortRecords = 0;
  private firstShort: { frame: number; fileOffset: number; capLen: number; origLen: number } | null = null;

  constructor(private readonly handlers: CaptureHandlers) {}

  /** Delivers one record with the next frame number. */
  record(ts: Timestamp, linkType: number, iface: number, data: Uint8Array, origLen: number, fileOffset: number): void {
    const frame = ++this.frames;
    const capLen = data.length;
    if (capLen < origLen) {
      this.shortRecords++;
      this.firstShort ??= { frame, fileOffset, capLen, origLen };
    }
    this.handlers.record({ frame, ts, linkType, iface, data, capLen, origLen, fileOffset });
  }

  /** Delivers a diagnostic about the file itself. */
  diagnostic(code: CaptureDiagnostic['code'], fileOffset: number, detail: string, frame?: number): void {
    this.handlers.diagnostic(frame === undefined ? { code, fileOffset, detail } : { code, fileOffset, frame, detail });
  }

  /** Notes a link type declared by the file header or an Interface Description Block. */
  declareLinkType(linkType: number): void {
    if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);
  }

  /** End of input: the snaplen summary, located at the first short record. */
  finish(): void {
    const s = this.firstShort;
    if (s === null) return;
    const n = this.shortRecords;
    this.diagnostic('capture.snaplen_truncated', s.fileOffset,
      `${n} record${n === 1 ? '' : 's'} captured shorter than on the wire (first: frame ${s.frame}, ${s.capLen} of ${s.origLen} bytes)`,
      s.frame);
  }
}
