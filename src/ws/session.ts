/** What both directions of one WebSocket connection share: the handshake and who closed first. */
import type { Dir } from '../diag/types.js';
import type { DeflateParams } from './deflate.js';
import type { HttpHead } from './http.js';

export interface WsClose {
  readonly dir: Dir;
  /** Status code, or null when the Close frame had no payload (1005 "no status received"). */
  readonly code: number | null;
  readonly reason: string;
  /** TCP stream offset of the Close frame's first byte in its direction. */
  readonly tcpOffset: number;
}

export interface WsSession {
  request: HttpHead | null;
  response: HttpHead | null;
  /** HTTP status of the response (101 when the upgrade succeeded). */
  status: number | null;
  subprotocol: string | null;
  deflate: DeflateParams | null;
  /** Close frames in the order they were decoded (first = who closed first). */
  closes: WsClose[];
}

export function newWsSession(): WsSession {
  return { request: null, response: null, status: null, subprotocol: null, deflate: null, closes: [] };
}

/** Close codes an endpoint may send (RFC 6455 §7.4.1, §7.4.2): 1000–1003, 1007–1014, 3000–4999. */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

const CLOSE_NAMES: Record<number, string> = {
  1000: 'normal closure', 1001: 'going away', 1002: 'protocol error', 1003: 'unsupported data',
  1005: 'no status received', 1006: 'abnormal closure', 1007: 'invalid payload data', 1008: 'policy violation',
  1009: 'message too big', 1010: 'mandatory extension', 1011: 'internal error', 1012: 'service restart',
  1013: 'try again later', 1014: 'bad gateway', 1015: 'TLS handshake',
};

export function closeCodeName(code: number): string | undefined {
  return CLOSE_NAMES[code];
}
