/**
 * The differential test on variants of real captures made with Wireshark's own tools: pcapng and
 * nanosecond pcap (`editcap -F`), gzip of each, frames cut by a snaplen (`editcap -s`), reordered
 * records (`reordercap`) and several rotated files (`editcap -c`). On each, our (frame, MQTT type) list
 * must equal tshark's on the same file, or the reason it cannot is named here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { CORPUS, ndjson, runCli, SAMPLES } from '../support/cli.js';

const TYPES = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
  'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

const SOURCES = [
  join(SAMPLES, 'clean-qos012.pcap'),
  join(SAMPLES, 'clean-v5.pcap'),
  join(CORPUS, 'suricata-verify/mqtt-limit-2/input.pcap'),
  join(CORPUS, 'ipfixprobe/mqtt.pcap'),
];

const dir = mkdtempSync(join(tmpdir(), 'autopsy-variants-'));

function tshark(file: string): string[] {
  const out = execFileSync('tshark', ['-n', '-r', file, '-Y', 'mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).flatMap((l) => {
    const [frame, types] = l.split('\t');
    return (types ?? '').split(',').filter(Boolean).map((t) => `${frame}:${TYPES[Number(t)]}`);
  });
}

async function ours(files: string[]): Promise<string[]> {
  const r = await runCli(['analyze', ...files, '--ndjson']);
  expect(r.code, r.stderr).toBe(0);
  return ndjson(r.stdout).filter((l) => l['type'] === 'packet').map((l) => {
    // A packet a capture gap cut into is counted as TRUNCATED, with the type its header declared.
    const m = l['mqtt'] as { packetType: string; declaredType?: string };
    return `${l['frame'] as number}:${m.declaredType ?? m.packetType}`;
  });
}

const sorted = (a: string[]): string[] => [...a].sort((x, y) => parseInt(x) - parseInt(y) || x.localeCompare(y));

function variant(src: string, name: string, args: string[]): string {
  const out = join(dir, name);
  execFileSync('editcap', [...args, src, out]);
  return out;
}

describe.each(SOURCES.map((s) => ({ src: s, base: s.split('/').slice(-2).join('_') })))('$base', ({ src, base }) => {
  test('pcapng (editcap -F pcapng), and gzipped', async () => {
    const f = variant(src, `${base}.pcapng`, ['-F', 'pcapng']);
    const gz = join(dir, `${base}.pcapng.gz`);
    writeFileSync(gz, gzipSync(readFileSync(f)));
    expect(sorted(await ours([f]))).toEqual(sorted(tshark(f)));
    expect(sorted(await ours([gz]))).toEqual(sorted(tshark(f)));
  });

  test('nanosecond pcap (editcap -F nsecpcap): timestamps keep 9 digits', async () => {
    const f = variant(src, `${base}.ns.pcap`, ['-F', 'nsecpcap']);
    expect(sorted(await ours([f]))).toEqual(sorted(tshark(f)));
    const r = await runCli(['analyze', f, '--ndjson']);
    const ts = ndjson(r.stdout).find((l) => l['type'] === 'packet')!['ts'] as string;
    expect(ts).toMatch(/\.\d{9}Z$/);
  });

  test('rotated into files of 10 frames (editcap -c 10), read together as one capture', async () => {
    const prefix = join(dir, `${base}.rot.pcap`);
    execFileSync('editcap', ['-c', '10', src, prefix]);
    const parts = readdirSync(dir).filter((n) => n.startsWith(`${base}.rot_`)).sort().map((n) => join(dir, n));
    expect(parts.length).toBeGreaterThan(1);
    // Given in reverse order on purpose: the merge is by timestamp, not by argument order.
    expect(sorted(await ours([...parts].reverse()))).toEqual(sorted(tshark(src)));
  });

  test('reordered records (reordercap) decode the same MQTT packets', async () => {
    const f = join(dir, `${base}.reordered.pcap`);
    execFileSync('reordercap', [src, f]);
    expect(sorted(await ours([f]))).toEqual(sorted(tshark(f)));
  });

  test('snaplen 80 (editcap -s 80): no crash, every packet tshark still sees whole is ours too', async () => {
    const f = variant(src, `${base}.snap80.pcap`, ['-s', '80', '-F', 'pcap']);
    const r = await runCli(['analyze', f, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    // Missing bytes are gaps, not malformed packets: no malformed-group error may come from the cut.
    const codes = doc.connections.flatMap((c: { anomalies: { code: string }[] }) => c.anomalies.map((a) => a.code));
    expect(codes).not.toContain('mqtt.body.short');
    const whole = new Set(await ours([f]));
    const tsharkWhole = execFileSync('tshark', ['-n', '-r', f, '-Y', 'mqtt and not _ws.malformed and not _ws.expert', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype'], { encoding: 'utf8' })
      .split('\n').filter(Boolean).flatMap((l) => { const [fr, t] = l.split('\t'); return (t ?? '').split(',').map((x) => `${fr}:${TYPES[Number(x)]}`); });
    for (const p of tsharkWhole) expect(whole, `${p} decoded by tshark from the cut capture`).toContain(p);
  });
});
