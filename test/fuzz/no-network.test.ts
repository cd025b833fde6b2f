/**
 * The tool opens no network connection of its own (issue 10): every way Node opens one — TCP/IPC
 * sockets, DNS lookups and resolvers, UDP, HTTP(S), TLS — is replaced by a recorder for the duration
 * of in-process runs of every command on real captures; the test fails when any was called. `live`
 * runs tcpdump with the user's words as plain arguments, never through a shell: a fake tcpdump records
 * its argv, and shell syntax in the filter reaches it verbatim and does nothing.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCli, SAMPLES } from '../support/cli.js';
import { hostileCaptureFile } from './hostile-capture.js';

type Patch = { obj: Record<string, unknown>; key: string; orig: unknown };

const calls: string[] = [];
let patches: Patch[] = [];

function trap(obj: object, key: string, name: string): void {
  const o = obj as Record<string, unknown>;
  const orig = o[key];
  if (typeof orig !== 'function') return;
  patches.push({ obj: o, key, orig });
  o[key] = function trapped(this: unknown, ...args: unknown[]) {
    calls.push(`${name}(${args.map((a) => (typeof a === 'string' || typeof a === 'number' ? String(a) : typeof a)).join(', ')})`);
    throw new Error(`network access: ${name}`);
  };
}

beforeEach(() => {
  calls.length = 0;
  patches = [];
  trap(net.Socket.prototype, 'connect', 'net.Socket#connect');
  trap(net, 'connect', 'net.connect');
  trap(net, 'createConnection', 'net.createConnection');
  trap(tls, 'connect', 'tls.connect');
  trap(http, 'request', 'http.request');
  trap(http, 'get', 'http.get');
  trap(https, 'request', 'https.request');
  trap(https, 'get', 'https.get');
  trap(dgram, 'createSocket', 'dgram.createSocket');
  for (const k of ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveTxt', 'reverse']) {
    trap(dns, k, `dns.${k}`);
    trap(dns.promises, k, `dns.promises.${k}`);
  }
  if (typeof globalThis.fetch === 'function') trap(globalThis, 'fetch', 'fetch');
});

afterEach(() => {
  for (const p of patches.reverse()) p.obj[p.key] = p.orig;
  patches = [];
});

let hostile = '';
beforeAll(() => { hostile = hostileCaptureFile(); });
afterAll(() => { rmSync(join(hostile, '..'), { recursive: true, force: true }); });

describe('no network access', () => {
  test('the traps work (a connect attempt is recorded)', () => {
    expect(() => new net.Socket().connect(1883, '127.0.0.1')).toThrow(/network access/);
    expect(() => dns.lookup('example.org', () => {})).toThrow(/network access/);
    expect(calls).toEqual(['net.Socket#connect(1883, 127.0.0.1)', 'dns.lookup(example.org, function)']);
    calls.length = 0;
  });

  const runs: readonly (readonly string[])[] = [
    ['analyze', '$WS'], ['analyze', '$WS', '--json'], ['analyze', '$WS', '--ndjson'], ['explain', '$WS'], ['flow', '$WS'],
    ['packets', '$WS', '--detail', '--hex'], ['analyze', '$HOSTILE', '--json'], ['analyze', '$TCP', '$WS', '--ndjson'],
    ['--list-diagnostics'], ['--help'],
  ];
  test.each(runs.map((argv) => [argv.join(' '), argv] as const))('%s', async (_name, argv) => {
    const args = argv.map((a) => a.replace('$WS', join(SAMPLES, 'ws-clean.pcap')).replace('$TCP', join(SAMPLES, 'clean-v5.pcap'))
      .replace('$HOSTILE', hostile));
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(calls).toEqual([]);
  });
});

describe('live: tcpdump without a shell', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mqtt-autopsy-live-'));
    // A fake tcpdump: records its arguments one per line, says it is listening, writes a real capture.
    const fake = join(dir, 'tcpdump');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(dir, 'argv')}"\necho "listening on any" >&2\ncat "${join(SAMPLES, 'clean-v5.pcap')}"\n`);
    chmodSync(fake, 0o755);
  });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  test('shell syntax in the filter words reaches tcpdump verbatim and runs nothing', async () => {
    const marker = join(dir, 'pwned');
    const words = ['port', '1883', ';', 'touch', marker, '&&', `$(touch ${marker})`, '`touch', `${marker}\``, '|', 'sh'];
    let stdout = '';
    let stderr = '';
    const code = await main(['live', '--json', ...words], {
      stdout: { write: (s: string) => { stdout += s; return true; } },
      stderr: { write: (s: string) => { stderr += s; return true; } },
      stdin: (async function* () {})(),
      env: { MQTT_AUTOPSY_STRICT: '1', NO_COLOR: '1', MQTT_AUTOPSY_TCPDUMP: join(dir, 'tcpdump'), PATH: process.env['PATH'] ?? '' },
    });
    expect(code, stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const argv = readFileSync(join(dir, 'argv'), 'utf8').split('\n');
    // Every filter word is one argument, as given.
    const joined = argv.join('\u0000');
    expect(joined).toContain(words.join('\u0000'));
    expect(JSON.parse(stdout).connections.length).toBeGreaterThan(0);
    expect(calls).toEqual([]);
  });
});
