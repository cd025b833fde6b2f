/** What the CLI needs from the process, injected so tests can run `main(argv, io)` in-process. */
export interface Io {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  /** The capture when the path is `-`. */
  readonly stdin: AsyncIterable<Uint8Array>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user interrupts (Ctrl-C); the run then finishes with what it has seen. */
  readonly interrupted?: Promise<void>;
}

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  failOn: 1,
  usage: 2,
  input: 3,
  internal: 4,
  interrupted: 130,
} as const;

/** A usage problem found after commander parsed the flags (bad --port value, …). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
