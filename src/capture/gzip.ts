/**
 * Streaming gunzip of an async byte source (RFC 1952), for `tcpdump -w - | gzip` style inputs.
 * Decompressed chunks come from zlib's own fresh output buffers, so they are immutable and safe to
 * hold views into. A corrupt or truncated stream ends the iteration with a GzipCorrupt carrying
 * zlib's reason (what decompressed before it was delivered, up to one input slice); an error of the
 * source itself (an unreadable file) passes through untouched.
 */
import { createGunzip } from 'node:zlib';
import { Readable, pipeline } from 'node:stream';

/** Decompressed chunks this large mean few awaits per megabyte and mostly zero-copy records. */
const OUTPUT_CHUNK = 256 * 1024;
/**
 * zlib drops the output of the write that hits damage, so input is fed in slices this large: at most
 * what one slice decompresses to is lost before `capture.gzip.corrupt`, instead of a whole 1 MiB chunk.
 */
const INPUT_SLICE = 16 * 1024;

/** The gzip stream is damaged; everything decompressed before the damage was delivered. */
export class GzipCorrupt extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'GzipCorrupt';
  }
}

/** A gunzip pipeline over `source`, iterated chunk by chunk; `close` releases it early. */
export interface Gunzipped {
  readonly chunks: AsyncIterator<Uint8Array>;
  close(): void;
}

/** Decompresses `source` as it is read (backpressure from zlib keeps memory flat). */
export function gunzip(source: AsyncIterable<Uint8Array>): Gunzipped {
  let sourceError: { error: unknown } | null = null;
  async function* guarded(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) {
        for (let at = 0; at < chunk.length; at += INPUT_SLICE) yield chunk.subarray(at, at + INPUT_SLICE);
      }
    } catch (error) {
      sourceError = { error };
      throw error;
    }
  }
  const input = Readable.from(guarded(), { objectMode: false });
  const z = createGunzip({ chunkSize: OUTPUT_CHUNK });
  // Errors surface through the iteration below; the callback only keeps them from being unhandled.
  pipeline(input, z, () => {});
  const it = z[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const chunks: AsyncIterator<Uint8Array> = {
    async next() {
      try {
        return await it.next();
      } catch (error) {
        const failed: { error: unknown } | null = sourceError;
        if (failed !== null) throw failed.error;
        throw new GzipCorrupt(error instanceof Error ? error.message : String(error));
      }
    },
  };
  return { chunks, close: () => { z.destroy(); input.destroy(); } };
}
