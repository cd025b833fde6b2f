/**
 * Live, against the real broker: every scenario is recorded afresh (real mosquitto, real clients, real
 * tcpdump on loopback) and the analyzer's verdicts are checked against what the harness reads from the
 * new capture and the broker's log (not against our own earlier output). Then the streaming path:
 * `tcpdump -U -w - | mqtt-autopsy analyze - --ndjson` shows packets as they happen.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, test } from 'vitest';
import { startBroker } from '../harness/broker.js';
import { mosquittoPub } from '../harness/clients.js';
import { onCleanup, useHarnessCleanup } from '../harness/proc.js';
import { manifestEntry, record, SCENARIO_NAMES } from '../harness/scenarios.js';
import { startCapture, startCaptureStream } from '../harness/tcpdump.js';
import { tsharkMqttPairs } from '../harness/inspect.js';
import { ndjson, REPO, runCli } from '../support/cli.js';
import { checkConnections } from './expect.js';

useHarnessCleanup('all');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'autopsy-live-'));

describe.concurrent('every scenario, recorded live, gets its verdict', () => {
  test.each(SCENARIO_NAMES)('%s', async (name) => {
    const r = await record(name, tmp());
    const m = manifestEntry(r);
    const ports = [r.brokerPort, ...(r.wsPort !== undefined ? [r.wsPort] : [])];
    const out = await runCli(['analyze', r.pcap, '--json', ...ports.flatMap((p) => ['--port', `${p}:${p === r.wsPort ? 'ws' : 'mqtt'}`])]);
    expect(out.code, out.stderr).toBe(0);
    checkConnections(JSON.parse(out.stdout), m.connections, name);
  });
});

describe('tcpdump -i any (Linux cooked capture v2)', () => {
  test('a real broker session captured on "any" decodes like tshark decodes it', async () => {
    const broker = await startBroker();
    onCleanup(async () => { await broker.stop(); });
    const pcap = join(tmp(), 'any.pcap');
    const capture = await startCapture(pcap, { ports: [broker.port], iface: 'any' });
    const pub = await mosquittoPub({ port: broker.port, topic: 'any/test', message: 'sll2', id: 'any-1', qos: 2 });
    expect(pub.code).toBe(0);
    await capture.stop();
    const r = await runCli(['analyze', pcap, '--json', '--port', String(broker.port)]);
    const doc = JSON.parse(r.stdout);
    expect(doc.inputs[0].linkTypes).toEqual([276]);
    expect(doc.connections[0].verdict.cause).toBe('client_disconnect');
    const ours = await runCli(['analyze', pcap, '--ndjson', '--port', String(broker.port)]);
    const pairs = ndjson(ours.stdout).filter((l) => l['type'] === 'packet').map((l) => `${l['frame'] as number}:${(l['mqtt'] as { packetType: string }).packetType}`);
    expect(pairs.sort()).toEqual(tsharkMqttPairs(pcap, [broker.port]).sort());
  });
});

describe('stdin, live from tcpdump', () => {
  test('tcpdump -U -w - | mqtt-autopsy analyze - --ndjson: each packet within a second, summary at EOF', async () => {
    const broker = await startBroker();
    onCleanup(async () => { await broker.stop(); });
    const capture = await startCaptureStream({ ports: [broker.port] });
    const cli = spawn(process.execPath, [join(REPO, 'bin/mqtt-autopsy.js'), 'analyze', '-', '--ndjson', '--port', String(broker.port)],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    onCleanup(() => { cli.kill('SIGKILL'); });
    capture.stdout.pipe(cli.stdin);
    const seen: { line: Record<string, unknown>; at: number }[] = [];
    createInterface({ input: cli.stdout }).on('line', (l) => seen.push({ line: JSON.parse(l) as Record<string, unknown>, at: Date.now() }));
    let stderr = '';
    cli.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });

    const pub = await mosquittoPub({ port: broker.port, topic: 'live/test', message: 'hello', id: 'live-1', qos: 1 });
    const pubDone = Date.now();
    expect(pub.code).toBe(0);
    // Wait (bounded) for the DISCONNECT line while tcpdump is still running: the stream is live, not read-to-end.
    const deadline = Date.now() + 5000;
    const isDisconnect = (s: { line: Record<string, unknown> }): boolean =>
      s.line['type'] === 'packet' && (s.line['mqtt'] as { packetType: string }).packetType === 'DISCONNECT';
    while (!seen.some(isDisconnect) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const packets = seen.filter((s) => s.line['type'] === 'packet');
    expect(packets.map((p) => (p.line['mqtt'] as { packetType: string }).packetType))
      .toEqual(['CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'DISCONNECT']);
    const disconnect = packets.find(isDisconnect)!;
    expect(disconnect.at - pubDone, 'DISCONNECT line within a second of the client finishing').toBeLessThan(1000);
    expect(seen.some((s) => s.line['type'] === 'summary'), 'no summary before EOF').toBe(false);

    await capture.stop();
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    expect(code, stderr).toBe(0);
    const summary = seen.find((s) => s.line['type'] === 'summary');
    expect(summary?.line).toMatchObject({ connections: 1, mqttPackets: 5, verdicts: { client_disconnect: 1 } });
  });

  test('a capture piped on stdin in small chunks gives the same result as the file', async () => {
    const file = join(REPO, 'samples/clean-qos012.pcap');
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(file);
    async function* chunks(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 97) yield bytes.subarray(i, i + 97);
    }
    const viaStdin = await runCli(['analyze', '-', '--json'], chunks());
    const viaFile = await runCli(['analyze', file, '--json']);
    const strip = (s: string): unknown => { const j = JSON.parse(s); delete j.inputs; return j; };
    expect(viaStdin.code).toBe(0);
    expect(strip(viaStdin.stdout)).toEqual(strip(viaFile.stdout));
  });
});
