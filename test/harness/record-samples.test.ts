/**
 * samples/: record them, or check them.
 *
 * - `RECORD_SAMPLES=1 npx vitest run test/harness/record-samples.test.ts` records every scenario into samples/ on the
 *   fixed ports 1883 (MQTT), 8080 (WebSocket) and 8081 (the harness's WebSocket proxy) on 127.0.0.1 (free ports if
 *   those are busy, said in the README),
 *   then writes samples/manifest.json and samples/README.md.
 * - Without it (the normal suite run), checks that the committed samples still match manifest.json: every scenario
 *   has its files, they are small classic pcaps, the ground-truth lines are in the logs, and the expectations
 *   recomputed from the captures equal the manifest.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { portIsFree } from './broker.js';
import { inspectCapture, tsharkMqttPairs } from './inspect.js';
import { useHarnessCleanup } from './proc.js';
import { samplesReadme } from './samples-doc.js';
import { SCENARIO_NAMES, groundTruthLines, manifestEntry, record, serverPorts, type ManifestEntry, type RecordResult } from './scenarios.js';

const SAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../samples');
const MANIFEST = join(SAMPLES, 'manifest.json');
const MAX_SAMPLE_BYTES = 64 * 1024;

useHarnessCleanup();

if (process.env['RECORD_SAMPLES'] === '1') {
  describe('record samples/ (RECORD_SAMPLES=1)', () => {
    const results: RecordResult[] = [];
    let ports: { brokerPort?: number; wsPort?: number; proxyPort?: number } = {};
    let portNote = '';
    beforeAll(async () => {
      const tcp = await portIsFree(1883);
      const ws = await portIsFree(8080);
      const proxy = await portIsFree(8081);
      ports = { ...(tcp ? { brokerPort: 1883 } : {}), ...(ws ? { wsPort: 8080 } : {}), ...(proxy ? { proxyPort: 8081 } : {}) };
      portNote = tcp && ws && proxy
        ? 'every sample uses the fixed ports 1883 (MQTT over TCP) and 8080 (MQTT over WebSocket) on 127.0.0.1, so tshark decodes 1883 as MQTT without `-d`; ' +
          'the one proxied sample (ws-deflate) adds the harness\'s WebSocket proxy on 8081.'
        : `1883 free: ${tcp}, 8080 free: ${ws}, 8081 free: ${proxy}; the busy ones were replaced by free ports, listed per sample (tshark then needs \`-d tcp.port==N,mqtt\`).`;
    });
    test.each(SCENARIO_NAMES)('%s', async (name) => {
      const r = await record(name, SAMPLES, ports);
      expect(statSync(r.pcap).size).toBeLessThan(MAX_SAMPLE_BYTES);
      results.push(r);
    });
    test('manifest.json and README.md', () => {
      expect(results.map((r) => r.name), 'every scenario must record before the manifest is written').toEqual(SCENARIO_NAMES);
      const manifest = results.map(manifestEntry);
      writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
      writeFileSync(join(SAMPLES, 'README.md'), samplesReadme(results, manifest, portNote));
    });
  });
} else {
  describe('committed samples match samples/manifest.json', () => {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as ManifestEntry[];

    test('every scenario has a sample', () => {
      expect(manifest.map((m) => m.scenario)).toEqual(SCENARIO_NAMES);
    });

    test.each(manifest)('$file', (m) => {
      const pcap = join(SAMPLES, m.file);
      const log = join(SAMPLES, m.log);
      const bytes = readFileSync(pcap);
      expect(bytes.length).toBeLessThan(MAX_SAMPLE_BYTES);
      expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4); // classic pcap, µs, little-endian
      expect(bytes.readUInt32LE(20)).toBe(1); // Ethernet (tcpdump -i lo)
      const logText = readFileSync(log, 'utf8');
      const r: RecordResult = {
        name: m.scenario, pcap, brokerLog: log, brokerLogText: logText, brokerPort: m.brokerPort,
        ...(m.wsPort !== undefined ? { wsPort: m.wsPort } : {}),
        ...(m.proxyPort !== undefined ? { proxyPort: m.proxyPort } : {}),
        notes: [], groundTruth: groundTruthLines(m.scenario, logText),
      };
      expect(manifestEntry(r)).toEqual(m);
      const conns = inspectCapture(pcap, serverPorts(m));
      if (conns.every((c) => c.transport === 'tcp')) {
        const ours = conns.flatMap((c) => c.packets.map((p) => `${p.frame}:${p.type}`));
        expect([...ours].sort()).toEqual([...tsharkMqttPairs(pcap, [m.brokerPort])].sort());
      }
    });
  });
}
