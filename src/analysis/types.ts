/** The verdict vocabulary of the JSON contract (ARCHITECTURE.md §5). Enum values are output schema. */
import type { DiagCode } from '../diag/registry.js';

export type Cause =
  | 'client_disconnect'
  | 'client_close'
  | 'keepalive_timeout'
  | 'malformed_packet'
  | 'protocol_violation'
  | 'auth_rejected'
  | 'session_takeover'
  | 'server_disconnect'
  | 'websocket_violation'
  | 'size_limit'
  | 'network_reset'
  | 'broker_shutdown'
  | 'still_open'
  | 'unknown';

export const CAUSES: readonly Cause[] = [
  'client_disconnect', 'client_close', 'keepalive_timeout', 'malformed_packet', 'protocol_violation',
  'auth_rejected', 'session_takeover', 'server_disconnect', 'websocket_violation', 'size_limit',
  'network_reset', 'broker_shutdown', 'still_open', 'unknown',
];

export type Confidence = 'high' | 'medium' | 'low';
export type ClosedBy = 'client' | 'broker' | 'unknown';
export type CloseMethod = 'mqtt_disconnect' | 'ws_close' | 'tcp_fin' | 'tcp_rst';

/** One fact that supports a verdict, pointing at a capture frame and a byte offset in it. */
export interface Evidence {
  readonly frame: number;
  readonly offset: number;
  readonly code?: DiagCode;
  readonly note: string;
  /** For bytes inside masked WebSocket frames: payload offset, unmasked value and the wire (masked) value. */
  readonly websocket?: { readonly payloadOffset: number; readonly byte: number; readonly wireByte: number };
}

export interface Verdict {
  readonly cause: Cause;
  readonly confidence: Confidence;
  readonly summary: string;
  readonly evidence: readonly Evidence[];
  readonly closedBy: ClosedBy | null;
  readonly closeMethod: CloseMethod | null;
}
