/** Facts across connections, on synthesized captures: reconnect storms and wills delivered after an abrupt close. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { connect, disconnect, publish, subscribe } from '../harness/packets.js';
import { writePcap, type WritePacket } from '../support/capture-writer.js';
import { ndjson, runCli } from '../support/cli.js';
import { Conversation } from '../support/tcp-builder.js';

const BROKER = { ip: '10.0.0.1', port: 1883 };
const connack = Uint8Array.of(0x20, 0x02, 0x00, 0x00);

function file(frames: WritePacket[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'autopsy-cross-'));
  const f = join(dir, 'x.pcap');
  writeFileSync(f, writePcap([...frames].sort((a, b) => a.ts.sec - b.ts.sec || a.ts.nsec - b.ts.nsec)));
  return f;
}

test('five reconnects of one client id within seconds are a reconnect storm, reported once', async () => {
  const frames: WritePacket[] = [];
  for (let i = 0; i < 6; i++) {
    new Conversation({ ip: '10.0.0.2', port: 40000 + i }, BROKER, { start: 1_700_000_000 + i * 0.5, frames })
      .send('client', connect('flappy', { keepAlive: 30 })).send('server', connack)
      .send('client', disconnect()).close('client');
  }
  const r = await runCli(['analyze', file(frames), '--ndjson']);
  const storms = ndjson(r.stdout).filter((l) => l['code'] === 'mqtt.client.reconnect_storm');
  expect(storms).toHaveLength(1);
  expect(String(storms[0]!['message'])).toMatch(/5 connections as "flappy" in 2\.0 s/);
});

test('a will delivered to a subscriber after an abrupt close is evidence of the broker seeing it as abnormal', async () => {
  const frames: WritePacket[] = [];
  const t0 = 1_700_000_000;
  new Conversation({ ip: '10.0.0.3', port: 41000 }, BROKER, { start: t0, frames })
    .send('client', connect('watcher')).send('server', connack)
    .send('client', subscribe(1, 'dev/will', 0)).send('server', Uint8Array.of(0x90, 0x03, 0x00, 0x01, 0x00))
    .wait(2).send('server', publish('dev/will', 'offline'))
    .wait(1).send('client', disconnect()).close('client');
  const will = new Uint8Array([0x10, 0x22, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x06, 0x00, 0x3c, 0x00, 0x03, 0x64, 0x65, 0x76,
    0x00, 0x08, ...new TextEncoder().encode('dev/will'), 0x00, 0x07, ...new TextEncoder().encode('offline')]);
  new Conversation({ ip: '10.0.0.4', port: 42000 }, BROKER, { start: t0 + 0.5, frames })
    .send('client', will).send('server', connack).wait(1.4).rst('client');
  const r = await runCli(['analyze', file(frames), '--json']);
  expect(r.code, r.stderr).toBe(0);
  const dev = JSON.parse(r.stdout).connections.find((c: { clientId: string }) => c.clientId === 'dev');
  expect(dev.session.will).toEqual({ topic: 'dev/will', qos: 0, retain: false });
  expect(dev.verdict.cause).toBe('network_reset');
  expect(dev.verdict.evidence.map((e: { note: string }) => e.note).join('\n')).toMatch(/published C2's will on "dev\/will" to C1/);
});
