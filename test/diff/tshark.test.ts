/**
 * Differential test against tshark (the reference decoder): for every capture in the shared corpus and
 * in samples/, the list of (frame number, MQTT packet type) we decode equals tshark's. Where tshark is
 * wrong, the case is named below with the reason; nothing is excluded silently.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CORPUS, SAMPLES, isCapture, ndjson, runCli } from '../support/cli.js';
import { inspectCapture } from '../harness/inspect.js';

const TYPES = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
  'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

/** Non-standard MQTT ports, as the corpus MANIFEST lists them (tshark needs `-d`, we need `--port`). */
const PORTS: Record<string, number[]> = { 'ndpi/coap_mqtt.pcap': [17501] };

/**
 * Known tshark errors: capture → (frame:type pairs tshark reports that are wrong, pairs it misses), with why.
 * Filled in only after reading the frames by hand.
 */
const TSHARK_WRONG: Record<string, { extra?: string[]; missing?: string[]; why: string }> = {};

/**
 * tshark 4.0 never hands WebSocket payload to its MQTT dissector (field-notes.md), so for MQTT over
 * WebSocket it reports no MQTT at all. For those captures the reference is the harness's own reader
 * (test/harness/inspect.ts: tshark's TCP payload bytes, unmasked and framed by independent test code),
 * and the MQTT packets it finds are also checked against the broker's log in test/e2e/ws-broker-log.test.ts.
 */
function carriesWebSocket(file: string): boolean {
  return execFileSync('tshark', ['-n', '-r', file, '-Y', 'websocket', '-T', 'fields', '-e', 'frame.number'],
    { encoding: 'utf8' }).trim() !== '';
}

function referencePairs(file: string, ports: number[]): { pairs: string[]; source: string } {
  if (carriesWebSocket(file)) {
    return {
      source: 'harness WebSocket reader (tshark cannot decode MQTT over WebSocket)',
      pairs: inspectCapture(file).flatMap((c) => c.packets.map((p) => `${p.frame}:${p.type}`)),
    };
  }
  return { source: 'tshark', pairs: tsharkPairs(file, ports) };
}

function captures(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return captures(p);
    return /\.(pcap|pcapng)$/.test(name) && isCapture(p) ? [p] : [];
  });
}

function tsharkPairs(file: string, ports: number[]): string[] {
  const args = ['-n', '-r', file, ...ports.flatMap((p) => ['-d', `tcp.port==${p},mqtt`]),
    '-Y', 'mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype'];
  const out = execFileSync('tshark', args, { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).flatMap((line) => {
    const [frame, types] = line.split('\t');
    return (types ?? '').split(',').filter(Boolean).map((t) => `${frame}:${TYPES[Number(t)] ?? t}`);
  });
}

async function ourPairs(file: string, ports: number[]): Promise<string[]> {
  const r = await runCli(['analyze', file, '--ndjson', ...ports.flatMap((p) => ['--port', String(p)])]);
  expect(r.code, r.stderr).toBe(0);
  return ndjson(r.stdout).filter((l) => l['type'] === 'packet').map((l) => {
    const m = l['mqtt'] as { packetType: string; declaredType?: string };
    return `${l['frame'] as number}:${m.packetType === 'TRUNCATED' ? m.declaredType : m.packetType}`;
  });
}

const sort = (a: string[]): string[] => [...a].sort((x, y) => parseInt(x) - parseInt(y) || x.localeCompare(y));

const files = [...captures(CORPUS).map((f) => ({ f, name: relative(CORPUS, f) })),
  ...captures(SAMPLES).map((f) => ({ f, name: `samples/${relative(SAMPLES, f)}` }))];

describe('MQTT packets by frame equal tshark', () => {
  test('the corpus is there', () => {
    expect(files.length).toBeGreaterThanOrEqual(39);
  });
  test.each(files)('$name', async ({ f, name }) => {
    const ports = PORTS[name] ?? [];
    const ref = referencePairs(f, ports);
    let expected = ref.pairs;
    if (ref.source !== 'tshark') expect(tsharkPairs(f, ports), 'tshark still shows no MQTT inside WebSocket').toEqual([]);
    const known = TSHARK_WRONG[name];
    if (known) {
      expected = expected.filter((p) => !(known.extra ?? []).includes(p)).concat(known.missing ?? []);
    }
    expect(sort(await ourPairs(f, ports))).toEqual(sort(expected));
  });
});
