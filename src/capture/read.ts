/**
 * Reading one capture: a file (or any async byte source such as stdin, which the CLI passes in) into
 * records and diagnostics. The only async part of the capture layer: one await per read chunk, the
 * records themselves are delivered synchronously by the parser.
 */
import { createReadStream } from 'node:fs';
import { CaptureInput, type InputOptions } from './input.js';
import { CaptureInputError, type CaptureHandlers, type CaptureInfo } from './types.js';

/** Read size for capture files: large chunks mean few awaits and mostly zero-copy records. */
const READ_CHUNK = 1024 * 1024;

/**
 * Reads a whole capture from `source`, delivering records and diagnostics to `handlers` as they
 * are decoded, and resolves to the facts about it. Rejects with CaptureInputError when the input is
 * not a capture or cannot be read.
 */
export async function readCapture(source: AsyncIterable<Uint8Array>, handlers: CaptureHandlers,
  opts: InputOptions = {}): Promise<CaptureInfo> {
  const input = new CaptureInput(source, handlers, opts);
  while (await input.pull()) {
    // Each pull delivers the records its chunk completed.
  }
  return input.info();
}

/**
 * The bytes of the file at `path`, in fresh 1 MiB chunks (never reused, so records can be views).
 * A missing or unreadable file rejects the iteration with CaptureInputError('input.unreadable').
 */
export function openFileSource(path: string): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      const stream = createReadStream(path, { highWaterMark: READ_CHUNK });
      try {
        for await (const chunk of stream) yield chunk as Uint8Array;
      } catch (e) {
        throw new CaptureInputError('input.unreadable', `cannot read ${path}: ${reason(e)}`);
      } finally {
        stream.destroy();
      }
    },
  };
}

/** Plain words for the usual fs errors; the system message otherwise. */
function reason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ELOOP': return 'too many symbolic links';
    case 'ENAMETOOLONG': return 'file name too long';
    default: return e instanceof Error ? e.message : String(e);
  }
}
