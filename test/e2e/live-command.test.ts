/**
 * `mqtt-autopsy live -i lo` against a real mosquitto on loopback: the built binary starts tcpdump
 * itself, shows the packets as they happen (--ndjson), and Ctrl-C (SIGINT) prints the summary, stops
 * tcpdump and exits 130. Needs root for tcpdump (CI runs as root); elsewhere it is skipped, saying why.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, test } from 'vitest';
import { startBroker } from '../harness/broker.js';
import { mosquittoPub } from '../harness/clients.js';
import { onCleanup, requireTool, useHarnessCleanup } from '../harness/proc.js';
import { REPO } from '../support/cli.js';

useHarnessCleanup('each');

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('live-command.test.ts: skipped, tcpdump needs root (CI runs as root)');

interface Live {
  readonly cli: ChildProcess;
  readonly lines: { text: string; at: number }[];
  stderr(): string;
  readonly exit: Promise<number | null>;
}

async function startLive(args: string[]): Promise<Live> {
  requireTool('tcpdump');
  const cli = spawn(process.execPath, [join(REPO, 'bin/mqtt-autopsy.js'), 'live', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(() => { cli.kill('SIGKILL'); });
  const lines: { text: string; at: number }[] = [];
  createInterface({ input: cli.stdout! }).on('line', (text) => lines.push({ text, at: Date.now() }));
  let stderr = '';
  cli.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const exit = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  // tcpdump is capturing once the banner is out (live waits for tcpdump's "listening on").
  while (!/capturing: /.test(stderr) && Date.now() < deadline && cli.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  expect(stderr, 'the "capturing:" banner').toMatch(/^mqtt-autopsy: capturing: tcpdump -U --immediate-mode -w - -i lo /);
  return { cli, lines, stderr: () => stderr, exit };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** tcpdump processes still capturing the broker's port (there must be none once live has exited). */
function tcpdumpsFor(port: number): string[] {
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((l) => l.startsWith('tcpdump ') && l.includes(`tcp port ${port}`));
}

describe.skipIf(!isRoot)('live -i lo against a real broker', () => {
  test('--ndjson: each packet within a second of being sent; Ctrl-C prints the summary, stops tcpdump, exits 130', async () => {
    const broker = await startBroker();
    onCleanup(async () => { await broker.stop(); });
    const live = await startLive(['-i', 'lo', '--port', String(broker.port), '--ndjson', '--', 'tcp', 'port', String(broker.port)]);

    const pub = await mosquittoPub({ port: broker.port, topic: 'live/cmd', message: 'hello', id: 'livecmd1', qos: 1 });
    const pubDone = Date.now();
    expect(pub.code).toBe(0);
    const parsed = (): Record<string, unknown>[] => live.lines.map((l) => JSON.parse(l.text) as Record<string, unknown>);
    const isDisconnect = (l: Record<string, unknown>): boolean => l['type'] === 'packet' && (l['mqtt'] as { packetType: string }).packetType === 'DISCONNECT';
    await until(() => parsed().some(isDisconnect), 5000);
    const packets = parsed().filter((l) => l['type'] === 'packet');
    expect(packets.map((p) => (p['mqtt'] as { packetType: string }).packetType)).toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'DISCONNECT']);
    const at = live.lines[parsed().findIndex(isDisconnect)]!.at;
    expect(at - pubDone, 'DISCONNECT line within a second').toBeLessThan(1000);
    expect(parsed().some((l) => l['type'] === 'summary'), 'no summary while capturing').toBe(false);
    expect(live.cli.exitCode).toBe(null);

    live.cli.kill('SIGINT');
    expect(await live.exit, live.stderr()).toBe(130);
    expect(parsed().at(-1)).toMatchObject({ type: 'summary', connections: 1, mqttPackets: 5, verdicts: { client_disconnect: 1 } });
    expect(tcpdumpsFor(broker.port)).toEqual([]);
  });

  test('as a user who may not capture: tcpdump\'s own refusal, one line, exit 3', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'bin/mqtt-autopsy.js'), 'live', '-i', 'lo'],
      { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mqtt-autopsy: tcpdump may not capture on lo \(tcpdump: lo: .*permission.*\): run as root, or let tcpdump capture: sudo setcap cap_net_raw,cap_net_admin=eip "\$\(command -v tcpdump\)"\n$/);
  });

  test('the table at Ctrl-C; --filter and --fail-on apply as in analyze', async () => {
    const broker = await startBroker();
    onCleanup(async () => { await broker.stop(); });
    const live = await startLive(['-i', 'lo', '--port', String(broker.port), '--filter', 'clientid == "live-cmd-3"', '--fail-on', 'note',
      '--', 'tcp', 'port', String(broker.port)]);
    expect((await mosquittoPub({ port: broker.port, topic: 'live/a', message: 'one', id: 'livecmd2' })).code).toBe(0);
    expect((await mosquittoPub({ port: broker.port, topic: 'live/b', message: 'two', id: 'live-cmd-3' })).code).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    live.cli.kill('SIGINT');
    // --fail-on is about what was seen: exit 1 beats "interrupted" (the note: "-" in the client id is not portable).
    const code = await live.exit;
    const out = live.lines.map((l) => l.text).join('\n');
    expect(out).toMatch(/│ C2 +│ 127\.0\.0\.1:\d+ │ 127\.0\.0\.1:\d+ │ 3\.1\.1 │ live-cmd-3 +│/);
    expect(out).not.toMatch(/livecmd2/);
    expect(out).toMatch(/--filter clientid == "live-cmd-3": 1 of 2 connections/);
    expect(out).toMatch(/anomalies: 0 error, 0 warn, 1 note/);
    expect(code, live.stderr()).toBe(1);
    expect(tcpdumpsFor(broker.port)).toEqual([]);
  });
});
