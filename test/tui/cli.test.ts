/** The `tui` command in-process: its help, and the clear refusal when there is no terminal to draw on. */
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { runCli, SAMPLES } from '../support/cli.js';

test('tui --help lists the keys and the live form', async () => {
  const r = await runCli(['tui', '--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Usage: mqtt-autopsy tui [options] <capture>');
  expect(r.stdout).toContain('| mqtt-autopsy tui -');
  expect(r.stdout).toMatch(/Keys: .*Tab switches pane/);
  expect(r.stdout).toContain('--show-credentials');
});

test.runIf(process.stdout.isTTY !== true)('without a terminal on stdout: usage error, exit 2, nothing drawn', async () => {
  const r = await runCli(['tui', resolve(SAMPLES, 'ws-corrupt-first-byte.pcap')]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('mqtt-autopsy: tui needs a terminal: stdout is not a TTY (use analyze, or analyze --ndjson for pipes)\n');
  expect(r.stdout).toBe('');
});
