/**
 * The one shape every layer reports problems in: a registered code, the bytes it is about, and an
 * optional detail ("258 > 125"). Decoders never throw on wire input; they return these.
 */
import type { DiagCode } from './registry.js';

/** Direction of a half-connection: client→server or server→client. */
export type Dir = 'c2s' | 's2c';

/**
 * A run of bytes in the stream a decoder works on. Offsets are relative to that stream (a TCP
 * half-stream, a WebSocket payload stream, a capture file); the layer that owns the stream knows
 * which one and resolves it to capture frames (Wireshark's "data sources").
 */
export interface Span {
  readonly offset: number;
  readonly length: number;
}

export type Severity = 'note' | 'warn' | 'error';

export type DiagGroup =
  | 'malformed'
  | 'protocol'
  | 'sequence'
  | 'reassembly'
  | 'capture'
  | 'assumption'
  | 'limit'
  | 'undecoded'
  | 'internal';

export interface DiagSpec {
  readonly group: DiagGroup;
  readonly severity: Severity;
  readonly summary: string;
  readonly spec?: string;
}

export interface Diagnostic {
  readonly code: DiagCode;
  readonly at: Span;
  readonly detail?: string;
}

/** Builds a diagnostic without an `undefined` detail key (exactOptionalPropertyTypes). */
export function diag(code: DiagCode, offset: number, length: number, detail?: string): Diagnostic {
  return detail === undefined ? { code, at: { offset, length } } : { code, at: { offset, length }, detail };
}
