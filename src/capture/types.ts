/** What the capture layer yields: one record per captured frame, in file order. */

/** Seconds since the epoch plus a nanosecond part; `precision` is the digits the capture really has. */
export interface Timestamp {
  readonly sec: number;
  readonly nsec: number;
  readonly precision: 'us' | 'ns';
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

export interface CaptureRecord {
  /** 1-based frame number, counted as Wireshark counts (across all sections of a pcapng file). */
  readonly frame: number;
  readonly ts: Timestamp;
  /** LINKTYPE_* value of the interface this record came from. */
  readonly linkType: number;
  /** pcapng interface index (0 for classic pcap). */
  readonly iface: number;
  /** The captured bytes (length = capLen). A view into an immutable read chunk: copy what you keep. */
  readonly data: Uint8Array;
  readonly capLen: number;
  readonly origLen: number;
  /** Byte offset of the record's header in the (decompressed) capture stream. */
  readonly fileOffset: number;
  /**
   * Index of the input this record came from, set only when several inputs are merged
   * (`readCaptures`): then `frame` is the number in merged order and `fileFrame` the number inside
   * that input's own file.
   */
  readonly input?: number;
  /** 1-based frame number inside the record's own file, set only when several inputs are merged. */
  readonly fileFrame?: number;
}

/** Problems found while reading the file itself, located by file offset. */
export interface CaptureDiagnostic {
  readonly code: 'capture.truncated_record' | 'capture.snaplen_truncated' | 'capture.caplen_too_large'
    | 'capture.pcapng.bad_block' | 'capture.pcapng.unknown_interface' | 'capture.gzip.corrupt';
  readonly fileOffset: number;
  readonly frame?: number;
  readonly detail?: string;
  /** Index of the input, set only when several inputs are merged (see CaptureRecord.input). */
  readonly input?: number;
  /** `frame` counted inside the input's own file, set only when several inputs are merged. */
  readonly fileFrame?: number;
}

/**
 * Where the capture layer delivers what it reads, synchronously and in file order (merged order for
 * several inputs). `record.data` is a view into a read chunk: copy what you keep for long.
 */
export interface CaptureHandlers {
  record(r: CaptureRecord): void;
  diagnostic(d: CaptureDiagnostic): void;
}

/** Facts about one input, for the report's `inputs` section. */
export interface CaptureInfo {
  format: CaptureFormat | null;
  /** The input was gzip-compressed (found by its magic, not its name). */
  gzip: boolean;
  /** LINKTYPE_* of every interface the file declared, in declaration order, without repeats. */
  linkTypes: number[];
  /** Records delivered. */
  frames: number;
  /**
   * Bytes read from the input as stored (compressed size for gzip): the file size, unless damage
   * stopped the reading early.
   */
  bytes: number;
}

/** Why an input could not be read as a capture at all: a usage/environment error, not a diagnostic. */
export class CaptureInputError extends Error {
  constructor(
    readonly code: 'input.unreadable' | 'input.not_capture' | 'input.empty',
    message: string,
  ) {
    super(message);
    this.name = 'CaptureInputError';
  }
}
