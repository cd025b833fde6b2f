/**
 * The HTTP/1.1 head of a WebSocket opening handshake (RFC 6455 §4): request or response line plus
 * header fields. Pure; the caller finds the end of the head.
 */
import { createHash } from 'node:crypto';

export interface HttpHead {
  /** "GET /mqtt HTTP/1.1" or "HTTP/1.1 101 Switching Protocols". */
  readonly startLine: string;
  /** Lower-cased field name → values in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

/** Index just past the blank line that ends the head (CRLF CRLF, or LF LF from lax peers), or -1. */
export function headEnd(b: Uint8Array, from = 0): number {
  for (let i = Math.max(from, 0); i < b.length; i++) {
    if (b[i] !== 0x0a) continue;
    if (i >= 1 && b[i - 1] === 0x0a) return i + 1;
    if (i >= 3 && b[i - 1] === 0x0d && b[i - 2] === 0x0a && b[i - 3] === 0x0d) return i + 1;
  }
  return -1;
}

export function parseHead(b: Uint8Array): HttpHead | null {
  const text = new TextDecoder('latin1').decode(b);
  const lines = text.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  if (!/^(GET \S+ HTTP\/1\.[01]|HTTP\/1\.[01] \d{3}\b)/.test(startLine)) return null;
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim().toLowerCase();
    const list = headers.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    headers.set(name, list);
  }
  return { startLine, headers };
}

/** The comma-separated tokens of a header, across repeated fields. */
export function headerTokens(h: HttpHead, name: string): string[] {
  return (h.headers.get(name) ?? []).flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
}

export function header(h: HttpHead, name: string): string | undefined {
  return h.headers.get(name)?.[0];
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** True when the first bytes of a client stream are an HTTP GET that asks to upgrade to WebSocket. */
export function looksLikeUpgrade(b: Uint8Array): boolean {
  if (b.length < 4 || b[0] !== 0x47 || b[1] !== 0x45 || b[2] !== 0x54 || b[3] !== 0x20) return false; // "GET "
  const text = new TextDecoder('latin1').decode(b.subarray(0, Math.min(b.length, 4096))).toLowerCase();
  return /\r?\nupgrade:\s*websocket/.test(text);
}
