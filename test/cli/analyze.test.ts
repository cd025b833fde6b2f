/** `analyze` options: --filter, --fail-on, -o, --quiet, --local-time, colour, and the exit codes. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ndjson, REPO, SAMPLES } from '../support/cli.js';
import { ANSI, run, stripAnsi } from './run.js';

const sample = (name: string): string => join(SAMPLES, name);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'autopsy-analyze-'));
const ajv = new Ajv.default({ allErrors: true, strict: false });
ajv.addSchema(JSON.parse(readFileSync(join(REPO, 'docs/schema/report.schema.json'), 'utf8')) as object, 'report.schema.json');
const validateReport = ajv.getSchema('report.schema.json')!;
const validateLine = ajv.compile(JSON.parse(readFileSync(join(REPO, 'docs/schema/ndjson.schema.json'), 'utf8')) as object);

interface Span {
  id: string;
  start: string;
  end: string;
}

interface Doc {
  summary: { connections: number; mqttPackets: number; anomalies: Record<string, number>; verdicts: Record<string, number>; byType: Record<string, number> };
  connections: { id: string; clientId: string | null; verdict: { cause: string }; packets: Record<string, number> }[];
}

describe('--filter on analyze', () => {
  test('the table shows the matching connections, the summary counts them, a last line says so', async () => {
    const all = await run(['analyze', sample('session-takeover.pcap')]);
    expect(all.stdout).toMatch(/2 connections, 6 MQTT packets/);
    const r = await run(['analyze', sample('session-takeover.pcap'), '--filter', 'cause == session_takeover']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ C1 +│/);
    expect(r.stdout).not.toMatch(/│ C2 +│/);
    expect(r.stdout).toMatch(/^1 connection, 2 MQTT packets; anomalies: 0 error, 0 warn, 1 note; verdicts: session_takeover 1$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('--filter cause == session_takeover: 1 of 2 connections');
  });

  test('--json: the selected connections with the summary recounted, still valid against the schema', async () => {
    const r = await run(['analyze', sample('clean-qos012.pcap'), '--json', '--filter', 'type == PUBREC']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(validateReport(doc), ajv.errorsText(validateReport.errors)).toBe(true);
    // The QoS 2 publisher and the subscriber that received QoS 2 both carried a PUBREC.
    expect(doc.connections.length).toBe(2);
    for (const c of doc.connections) expect(c.packets['PUBREC']).toBeGreaterThan(0);
    expect(doc.summary.connections).toBe(2);
    expect(doc.summary.mqttPackets).toBe(doc.connections.reduce((n, c) => n + Object.values(c.packets).reduce((a, b) => a + b, 0), 0));
    expect(doc.summary.verdicts).toEqual({ client_disconnect: 2 });
  });

  test('a connection matches a time window it overlaps; clientid globs', async () => {
    const f = sample('session-takeover.pcap');
    const conns = (JSON.parse((await run(['analyze', f, '--json'])).stdout) as { connections: Span[] }).connections;
    const [first, last] = [...conns].sort((x, y) => x.end.localeCompare(y.end)) as [Span, Span];
    // C1 is still open when C2 connects (the takeover): both overlap the moment C2 starts.
    const during = await run(['analyze', f, '--json', '--filter', `time >= ${conns[1]!.start} and time <= ${conns[1]!.start} and clientid ~ "autopsy-*"`]);
    expect((JSON.parse(during.stdout) as Doc).connections.map((c) => c.id)).toEqual(['C1', 'C2']);
    const after = await run(['analyze', f, '--json', '--filter', `time > ${first.end}`]);
    expect((JSON.parse(after.stdout) as Doc).connections.map((c) => c.id)).toEqual([last.id]);
    expect((JSON.parse((await run(['analyze', f, '--json', '--filter', 'clientid ~ "other-*"'])).stdout) as Doc).connections).toEqual([]);
  });

  test('--ndjson: each line tested on its own, its connection line first, the summary recounted', async () => {
    const r = await run(['analyze', sample('clean-qos012.pcap'), '--ndjson', '--filter', 'type == PUBLISH and qos == 2']);
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    for (const l of lines) expect(validateLine(l), ajv.errorsText(validateLine.errors)).toBe(true);
    const packets = lines.filter((l) => l['type'] === 'packet');
    expect(packets.length).toBe(2); // the publisher's PUBLISH and the broker's delivery
    for (const p of packets) expect(p['mqtt']).toMatchObject({ packetType: 'PUBLISH', qos: 2 });
    const seen = new Set<unknown>();
    for (const l of lines) {
      if (l['type'] === 'connection') seen.add(l['conn']);
      else if (l['type'] !== 'summary') expect(seen.has(l['conn']), `connection line before ${JSON.stringify(l)}`).toBe(true);
    }
    expect(lines.filter((l) => l['type'] === 'verdict').length).toBe(0);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', connections: 0 });
  });

  test('--ndjson with cause: a connection\'s lines wait for its verdict, then come in order', async () => {
    const r = await run(['analyze', sample('session-takeover.pcap'), '--ndjson', '--filter', 'cause == session_takeover']);
    const lines = ndjson(r.stdout);
    expect(lines.map((l) => `${String(l['type'])} ${String(l['conn'] ?? '')}`)).toEqual([
      'connection C1', 'anomaly C1', 'packet C1', 'packet C1', 'verdict C1', 'summary ',
    ]);
    expect(lines.at(-1)).toMatchObject({ connections: 1, verdicts: { session_takeover: 1 } });
  });

  test('a bad expression is a usage error pointing at the token, before any output', async () => {
    const r = await run(['analyze', sample('clean-qos012.pcap'), '--filter', 'clientid == "x" and severity >= fatal']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe([
      'mqtt-autopsy: --filter: severity is note, warn or error; got "fatal"',
      '  clientid == "x" and severity >= fatal',
      '                                  ^^^^^',
      '',
    ].join('\n'));
  });
});

describe('--fail-on', () => {
  const corrupt = sample('ws-corrupt-first-byte.pcap'); // 1 error, 1 note
  test.each([
    [[], 0], [['--fail-on', 'none'], 0], [['--fail-on', 'error'], 1], [['--fail-on', 'warn'], 1], [['--fail-on', 'note'], 1],
    [['--fail-on', 'error', '--json'], 1], [['--fail-on', 'error', '--ndjson'], 1], [['--fail-on', 'error', '--quiet'], 1],
    // Only the anomalies of what is shown count.
    [['--fail-on', 'error', '--filter', 'cause != malformed_packet'], 0],
    [['--fail-on', 'warn', '--ndjson', '--filter', 'severity < warn'], 0],
    [['--fail-on', 'note', '--ndjson', '--filter', 'severity < warn'], 1],
  ] as [string[], number][])('%j → exit %i', async (args, code) => {
    expect((await run(['analyze', corrupt, ...args])).code).toBe(code);
  });

  test('a clean capture passes --fail-on warn; a refused CONNECT fails it', async () => {
    expect((await run(['analyze', sample('clean-v5.pcap'), '--fail-on', 'warn'])).code).toBe(0);
    expect((await run(['analyze', sample('connect-refused.pcap'), '--fail-on', 'warn'])).code).toBe(1);
    expect((await run(['analyze', sample('connect-refused.pcap'), '--fail-on', 'warn', '--filter', 'cause != auth_rejected'])).code).toBe(0);
  });

  test('packets --fail-on counts the anomalies of the packets it lists', async () => {
    expect((await run(['packets', corrupt, '--fail-on', 'error', '--quiet'])).code).toBe(1);
    expect((await run(['packets', corrupt, '--fail-on', 'error', '--filter', 'type == CONNECT'])).code).toBe(0);
    expect((await run(['packets', corrupt, '--fail-on', 'note', '--filter', 'type == CONNECT'])).code).toBe(1);
  });

  test('a bad value is a usage error', async () => {
    const r = await run(['analyze', corrupt, '--fail-on', 'fatal']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fail-on expects none, note, warn or error, got "fatal"/);
  });
});

describe('output options', () => {
  test('-o FILE for every output; stdout stays empty', async () => {
    const dir = tmp();
    for (const [fmt, name] of [[[], 'table.txt'], [['--json'], 'report.json'], [['--ndjson'], 'lines.ndjson']] as [string[], string][]) {
      const f = join(dir, name);
      const r = await run(['analyze', sample('ws-clean.pcap'), ...fmt, '-o', f], { stdoutTTY: true });
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(readFileSync(f, 'utf8')).toBe((await run(['analyze', sample('ws-clean.pcap'), ...fmt])).stdout);
    }
    // No colour in a file, even from a terminal.
    expect(readFileSync(join(dir, 'table.txt'), 'utf8')).not.toMatch(ANSI);
  });

  test('-o into a missing directory is a usage error, before reading', async () => {
    const r = await run(['analyze', sample('ws-clean.pcap'), '-o', join(tmp(), 'no/such/dir/out.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mqtt-autopsy: -o .*out\.json: cannot write: no such directory\n$/);
  });

  test('--quiet prints nothing, even --json; -o FILE is still written', async () => {
    expect(await run(['analyze', sample('ws-clean.pcap'), '--quiet'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await run(['analyze', sample('ws-clean.pcap'), '--json', '-q'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const f = join(tmp(), 'r.json');
    await run(['analyze', sample('ws-clean.pcap'), '--json', '-q', '-o', f]);
    expect(JSON.parse(readFileSync(f, 'utf8'))).toMatchObject({ summary: { connections: 1 } });
  });

  test('colour: on a terminal only; --no-color, NO_COLOR off; --color on', async () => {
    const f = sample('ws-corrupt-first-byte.pcap');
    expect((await run(['analyze', f])).stdout).not.toMatch(ANSI);
    expect((await run(['analyze', f], { stdoutTTY: true })).stdout).toMatch(ANSI);
    expect((await run(['analyze', f, '--no-color'], { stdoutTTY: true })).stdout).not.toMatch(ANSI);
    expect((await run(['analyze', f], { stdoutTTY: true, env: { NO_COLOR: '' } })).stdout).not.toMatch(ANSI);
    expect((await run(['analyze', f, '--color'])).stdout).toMatch(ANSI);
  });

  test('exit 3 for an unreadable or non-capture input, exit 2 for a bad option', async () => {
    expect((await run(['analyze', join(tmp(), 'nope.pcap')])).code).toBe(3);
    expect((await run(['analyze', join(REPO, 'package.json')])).code).toBe(3);
    expect((await run(['analyze', sample('ws-clean.pcap'), '--bogus'])).code).toBe(2);
    expect((await run(['analyze', sample('ws-clean.pcap'), '--port', '0'])).code).toBe(2);
  });
});

describe('--local-time', () => {
  let saved: string | undefined;
  beforeEach(() => { saved = process.env['TZ']; process.env['TZ'] = 'Asia/Kolkata'; });
  afterEach(() => { if (saved === undefined) delete process.env['TZ']; else process.env['TZ'] = saved; });

  const shift = (hhmmss: string): string => {
    const [h, m, s] = hhmmss.split(':').map(Number) as [number, number, number];
    const t = (h * 3600 + m * 60 + s + 5 * 3600 + 30 * 60) % 86400;
    return [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60].map((x) => String(x).padStart(2, '0')).join(':');
  };

  test('the table and the packet list in local time (UTC+05:30 here); JSON stays UTC', async () => {
    const f = sample('ws-corrupt-first-byte.pcap');
    const utc = /│ (\d\d:\d\d:\d\d)(\.\d{3}) │/.exec((await run(['analyze', f])).stdout)!;
    const local = await run(['analyze', f, '--local-time']);
    expect(local.stdout).toContain(`│ ${shift(utc[1]!)}${utc[2]!} │`);
    const p = await run(['packets', f, '--local-time']);
    const pu = await run(['packets', f]);
    expect(p.stdout.split('\n')[0]).toMatch(/^── \d{4}-\d\d-\d\d \(\+05:30\) ──$/);
    const first = (s: string): string => /\s(\d\d:\d\d:\d\d)\.\d{6}\s/.exec(s)![1]!;
    expect(first(p.stdout)).toBe(shift(first(pu.stdout)));
    expect((await run(['analyze', f, '--json', '--local-time'])).stdout).toBe((await run(['analyze', f, '--json'])).stdout);
  });

  test('--filter times without a zone are local with --local-time', async () => {
    const f = sample('session-takeover.pcap');
    const conns = (JSON.parse((await run(['analyze', f, '--json'])).stdout) as { connections: Span[] }).connections;
    const [first, last] = [...conns].sort((x, y) => x.end.localeCompare(y.end)) as [Span, Span];
    // The earlier end in UTC+05:30 without a zone, microseconds kept.
    const local = `${new Date(Date.parse(`${first.end.slice(0, 19)}Z`) + 5.5 * 3600_000).toISOString().slice(0, 19)}${first.end.slice(19, 26)}`;
    const r = await run(['analyze', f, '--json', '--local-time', '--filter', `time > ${local}`]);
    expect((JSON.parse(r.stdout) as Doc).connections.map((c) => c.id)).toEqual([last.id]);
    const utc = await run(['analyze', f, '--json', '--filter', `time > ${local}`]);
    // Read as UTC, the same words are 5.5 hours after the capture.
    expect((JSON.parse(utc.stdout) as Doc).connections.map((c) => c.id)).toEqual([]);
  });
});

describe('commands, help, version, diagnostics', () => {
  test.each(['analyze', 'packets', 'live', 'explain', 'flow'])('%s --help has examples and exits 0', async (cmd) => {
    const r = await run([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ (sudo )?mqtt-autopsy /);
  });

  test('the top-level help lists every command; --version; --list-diagnostics', async () => {
    const h = await run(['--help']);
    for (const c of ['analyze', 'packets', 'live']) expect(h.stdout).toMatch(new RegExp(`^ {2}${c} `, 'm'));
    const v = await run(['--version']);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const d = await run(['--list-diagnostics']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^mqtt\.publish\.qos3 +error /m);
  });

  test('help texts document the filter grammar and the exit codes', async () => {
    for (const cmd of ['analyze', 'packets', 'live']) {
      const r = stripAnsi((await run([cmd, '--help'])).stdout);
      expect(r).toMatch(/Filter expressions \(--filter\):/);
      expect(r).toMatch(/Exit codes: 0 ok, 1 --fail-on triggered, 2 usage error, 3 input cannot be read, 4 internal error, 130 interrupted\./);
    }
  });

  test('analyze is the default command', async () => {
    const f = sample('ws-clean.pcap');
    expect((await run([f])).stdout).toBe((await run(['analyze', f])).stdout);
  });

  test('an interrupt ends the run with what was seen (the caller turns it into exit 130)', async () => {
    const bytes = readFileSync(sample('clean-qos012.pcap'));
    let interrupt: () => void = () => {};
    const interrupted = new Promise<void>((r) => { interrupt = r; });
    async function* slow(): AsyncIterable<Uint8Array> {
      yield bytes.subarray(0, 4000);
      interrupt();
      await new Promise(() => {}); // stdin never ends by itself
    }
    const r = await run(['analyze', '-', '--ndjson'], { stdin: slow(), interrupted });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).at(-1)).toMatchObject({ type: 'summary' });
  });
});
