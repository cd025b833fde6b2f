/**
 * What the first bytes of an input are: a classic pcap (draft-ietf-opsawg-pcap §4: magic a1b2c3d4 for
 * microseconds, a1b23c4d for nanoseconds, in the writer's byte order), a pcapng Section Header Block
 * (draft-ietf-opsawg-pcapng §4.1: block type 0a0d0d0a, then the byte-order magic 1a2b3c4d), gzip
 * (RFC 1952 §2.3.1: 1f 8b), or something else, described in words for the usage error. The file
 * name is never looked at: some `.pcap` files are pcapng, and gzip is found by its magic.
 */
import type { CaptureFormat } from './types.js';

/** pcapng Section Header Block type, a palindrome so it reads the same in both byte orders (§4.1). */
export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
/** pcapng byte-order magic, read as little-endian: this value means a little-endian section (§4.1). */
export const PCAPNG_BOM_LE = 0x1a2b3c4d;
/** The same magic seen from the other byte order: a big-endian section. */
export const PCAPNG_BOM_BE = 0x4d3c2b1a;

/** A recognised capture: its format and, for classic pcap, its byte order. */
export interface Magic {
  readonly format: CaptureFormat;
  /** Classic pcap only: the file is little-endian (pcapng says so per section). */
  readonly le: boolean;
}

/** Bytes needed to recognise every format (pcapng needs its byte-order magic at offset 8). */
export const MAGIC_LENGTH = 12;

/**
 * Recognises a capture from its first bytes. Returns 'need-more' while `prefix` is too short to tell
 * and more input may follow (`complete` false), null when the bytes are not a capture.
 */
export function sniffMagic(prefix: Uint8Array, complete: boolean): Magic | 'need-more' | null {
  if (prefix.length < 4) return complete ? null : 'need-more';
  const be = ((prefix[0]! << 24) | (prefix[1]! << 16) | (prefix[2]! << 8) | prefix[3]!) >>> 0;
  switch (be) {
    case 0xa1b2c3d4: return { format: 'pcap', le: false };
    case 0xd4c3b2a1: return { format: 'pcap', le: true };
    case 0xa1b23c4d: return { format: 'pcap-ns', le: false };
    case 0x4d3cb2a1: return { format: 'pcap-ns', le: true };
    case PCAPNG_SHB_TYPE: {
      // "\n\r\r\n" could begin a text file; only the byte-order magic makes it a pcapng (§4.1).
      if (prefix.length < MAGIC_LENGTH) return complete ? { format: 'pcapng', le: true } : 'need-more';
      const bom = (prefix[8]! | (prefix[9]! << 8) | (prefix[10]! << 16) | (prefix[11]! << 24)) >>> 0;
      if (bom === PCAPNG_BOM_LE) return { format: 'pcapng', le: true };
      if (bom === PCAPNG_BOM_BE) return { format: 'pcapng', le: false };
      return null;
    }
    default: return null;
  }
}

/** True when the bytes start a gzip member (RFC 1952 §2.3.1: ID1 = 0x1f, ID2 = 0x8b). */
export function isGzip(prefix: Uint8Array): boolean {
  return prefix.length >= 2 && prefix[0] === 0x1f && prefix[1] === 0x8b;
}

const TEXT_SHOWN = 40;

/** Says in words what a non-capture input looks like, for the one-line usage error. */
export function describeNotCapture(prefix: Uint8Array): string {
  if (isGzip(prefix)) return 'gzip-compressed data';
  let text = '';
  let printable = true;
  for (const b of prefix) {
    // Printable ASCII plus tab, LF and CR: what a text file, a log or a script looks like.
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b > 0x7e) printable = false;
    text += String.fromCharCode(b);
  }
  if (printable && prefix.length > 0) {
    const start = text.trimStart().toLowerCase();
    if (start.startsWith('<html') || start.startsWith('<!doctype')) return 'looks like an HTML page';
    if (start.startsWith('{') || start.startsWith('[')) return 'looks like JSON';
    return `looks like text: ${JSON.stringify(text.slice(0, TEXT_SHOWN))}`;
  }
  let hex = '';
  for (const b of prefix.subarray(0, 8)) hex += b.toString(16).padStart(2, '0');
  return `unknown magic 0x${hex}`;
}
