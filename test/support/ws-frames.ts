/** Test-only WebSocket frame builder (RFC 6455 §5.2) with a deterministic masking key. */
import { constants, deflateRawSync } from 'node:zlib';

export interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  payload: Uint8Array;
  /** Mask with this key (clients), or leave unmasked (servers). */
  mask?: Uint8Array | null;
  /** Force a longer length encoding than needed (to test the minimal-length rule). */
  lengthBytes?: 0 | 2 | 8;
}

export function frame(s: FrameSpec): Uint8Array {
  const len = s.payload.length;
  const enc = s.lengthBytes ?? (len < 126 ? 0 : len < 65536 ? 2 : 8);
  const head: number[] = [((s.fin ?? true) ? 0x80 : 0) | ((s.rsv ?? 0) << 4) | s.opcode];
  const maskBit = s.mask ? 0x80 : 0;
  if (enc === 0) head.push(maskBit | len);
  else if (enc === 2) head.push(maskBit | 126, len >> 8, len & 0xff);
  else head.push(maskBit | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff);
  const out = new Uint8Array(head.length + (s.mask ? 4 : 0) + len);
  out.set(head, 0);
  let p = head.length;
  if (s.mask) {
    out.set(s.mask, p);
    p += 4;
    for (let i = 0; i < len; i++) out[p + i] = s.payload[i]! ^ s.mask[i & 3]!;
  } else {
    out.set(s.payload, p);
  }
  return out;
}

export const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const x of parts) { out.set(x, p); p += x.length; }
  return out;
}

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * permessage-deflate messages with context takeover: one raw deflate stream, each message sync-flushed
 * and its 00 00 FF FF tail removed (RFC 7692 §7.2.1).
 */
export function deflateMessages(messages: Uint8Array[], takeover = true): Uint8Array[] {
  const out: Uint8Array[] = [];
  let history = new Uint8Array(0);
  for (const m of messages) {
    const buf = deflateRawSync(m, { finishFlush: constants.Z_SYNC_FLUSH, ...(takeover && history.length ? { dictionary: history } : {}) });
    out.push(new Uint8Array(buf.subarray(0, buf.length - 4)));
    if (takeover) history = concat(history, m).slice(-32768);
  }
  return out;
}
