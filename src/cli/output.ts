/**
 * Where a command's output goes: stdout, or the `-o FILE` given (opened before any input is read, so a
 * bad path is a usage error before the work, and written synchronously, in order). `--quiet` without
 * `-o` drops it.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { UsageError, type Io } from './io.js';

export interface Output {
  write(text: string): void;
  /** True when the output is a terminal (colour may be on). */
  readonly isTTY: boolean;
  close(): void;
}

function reason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(e);
}

export function openOutput(path: string | undefined, io: Io, quiet: boolean): Output {
  if (path === undefined) {
    if (quiet) return { write() {}, isTTY: false, close() {} };
    return { write: (text) => { io.stdout.write(text); }, isTTY: io.stdout.isTTY === true, close() {} };
  }
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new UsageError(`-o ${path}: cannot write: ${reason(e)}`);
  }
  let open = true;
  return {
    write: (text) => { if (open) writeSync(fd, text); },
    isTTY: false,
    close: () => { if (open) { open = false; closeSync(fd); } },
  };
}
