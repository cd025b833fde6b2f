/**
 * Mounts the TUI with ink on the streams the CLI hands over (the only place that calls ink's
 * render). Keys come from `stdin`, which for a capture on stdin is the terminal (/dev/tty).
 */
import { render } from 'ink';
import { App } from './App.js';
import type { CaptureStore } from './store.js';

export interface StartOptions {
  readonly store: CaptureStore;
  readonly color: boolean;
  readonly showCredentials: boolean;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly onInterrupt?: () => void;
}

export interface RunningTui {
  /** Resolves when the user quits. */
  readonly exited: Promise<void>;
  unmount(): void;
}

export function startTui(o: StartOptions): RunningTui {
  const size = { cols: o.stdout.columns > 0 ? o.stdout.columns : 80, rows: o.stdout.rows > 0 ? o.stdout.rows : 24 };
  const instance = render(
    <App store={o.store} color={o.color} showCredentials={o.showCredentials} size={size}
      {...(o.onInterrupt ? { onInterrupt: o.onInterrupt } : {})} />,
    { stdin: o.stdin, stdout: o.stdout, exitOnCtrlC: false, patchConsole: false, maxFps: 30 },
  );
  return { exited: instance.waitUntilExit().then(() => undefined), unmount: () => { instance.unmount(); } };
}
