/** The built binary (`node bin/mqtt-autopsy.js`, what `npm i -g` installs) runs each command and exits with its code. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO, SAMPLES } from '../support/cli.js';

const BIN = join(REPO, 'bin/mqtt-autopsy.js');
const cli = (args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, ...(input ? { input } : {}) });

test('the built binary: packets, analyze, stdin, exit codes', () => {
  const f = join(SAMPLES, 'ws-corrupt-first-byte.pcap');
  const p = cli(['packets', f, '--filter', 'type == PUBLISH', '--fail-on', 'error']);
  expect(p.status).toBe(1);
  expect(p.stdout.match(/→ PUBLISH/g)?.length).toBe(2);
  expect(p.stderr).toBe('');
  const a = cli(['analyze', '-', '--json'], readFileSync(f));
  expect(a.status).toBe(0);
  expect(JSON.parse(a.stdout)).toMatchObject({ summary: { connections: 1, verdicts: { malformed_packet: 1 } } });
  expect(cli(['analyze', f, '--filter', 'type =']).status).toBe(2);
  expect(cli(['analyze', join(REPO, 'README.md')]).status).toBe(3);
  const d = cli(['--list-diagnostics']);
  expect(d.status).toBe(0);
  expect(d.stdout).toMatch(/^mqtt\.publish\.qos3 /m);
});
