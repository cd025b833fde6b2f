/**
 * permessage-deflate (RFC 7692) for one direction: a message is a raw DEFLATE block sequence ending in
 * a sync flush whose 00 00 FF FF tail was removed (§7.2.1). With context takeover the LZ77 window
 * continues across messages, which we reproduce by handing zlib the previous output as dictionary.
 */
import { constants, inflateRawSync } from 'node:zlib';

const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

export type InflateResult =
  | { readonly kind: 'ok'; readonly bytes: Uint8Array }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'error'; readonly message: string };

export class MessageInflater {
  private history: Uint8Array = new Uint8Array(0);

  constructor(
    /** `*_no_context_takeover` negotiated for the sender of this direction. */
    private readonly noContextTakeover: boolean,
    /** `*_max_window_bits` for the sender (8–15). */
    private readonly windowBits: number,
    private readonly maxOutput: number,
  ) {}

  inflate(compressed: Uint8Array): InflateResult {
    const input = new Uint8Array(compressed.length + TAIL.length);
    input.set(compressed, 0);
    input.set(TAIL, compressed.length);
    let out: Buffer;
    try {
      out = inflateRawSync(input, {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: this.maxOutput,
        windowBits: 15,
        ...(this.history.length > 0 ? { dictionary: this.history } : {}),
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_BUFFER_TOO_LARGE') return { kind: 'too-large' };
      return { kind: 'error', message: err.message };
    }
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.length);
    if (!this.noContextTakeover) this.remember(bytes);
    return { kind: 'ok', bytes };
  }

  /** Keeps the last 2^windowBits bytes of output: the window the next message may refer back into. */
  private remember(out: Uint8Array): void {
    const size = 1 << this.windowBits;
    if (out.length >= size) {
      this.history = out.slice(out.length - size);
      return;
    }
    const keep = Math.min(this.history.length, size - out.length);
    const next = new Uint8Array(keep + out.length);
    next.set(this.history.subarray(this.history.length - keep), 0);
    next.set(out, keep);
    this.history = next;
  }
}

export interface DeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number;
  readonly clientMaxWindowBits: number;
}

/** The permessage-deflate parameters the server accepted, from its Sec-WebSocket-Extensions, or null. */
export function parseDeflate(extensions: readonly string[]): DeflateParams | null {
  for (const ext of extensions.join(',').split(',')) {
    const parts = ext.split(';').map((p) => p.trim());
    if (parts[0]?.toLowerCase() !== 'permessage-deflate') continue;
    const params = new Map<string, string>();
    for (const p of parts.slice(1)) {
      const [k, v] = p.split('=');
      if (k) params.set(k.trim().toLowerCase(), (v ?? '').trim().replace(/^"|"$/g, ''));
    }
    const bits = (name: string): number => {
      const v = Number(params.get(name));
      return Number.isInteger(v) && v >= 8 && v <= 15 ? v : 15;
    };
    return {
      serverNoContextTakeover: params.has('server_no_context_takeover'),
      clientNoContextTakeover: params.has('client_no_context_takeover'),
      serverMaxWindowBits: bits('server_max_window_bits'),
      clientMaxWindowBits: bits('client_max_window_bits'),
    };
  }
  return null;
}
