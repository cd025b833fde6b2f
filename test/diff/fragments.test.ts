/**
 * IPv4 fragments: real captures whose larger datagrams are re-cut into fragments (in order, reversed,
 * and with one piece missing). The MQTT packets we decode equal tshark's on the same file (tshark
 * reassembles IPv4 by default), and a datagram missing a piece is reported, not guessed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parseCapture, writePcap, type WritePacket } from '../support/capture-writer.js';
import { ndjson, runCli, SAMPLES } from '../support/cli.js';

const TYPES = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
  'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

/** Cuts the IPv4 datagram of an Ethernet frame into fragments of `size` payload bytes (a multiple of 8). */
function fragment(frame: Uint8Array, size: number, id: number): Uint8Array[] {
  const ihl = (frame[14]! & 0x0f) * 4;
  const total = (frame[16]! << 8) | frame[17]!;
  const payload = frame.subarray(14 + ihl, 14 + total);
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, Math.min(payload.length, off + size));
    const f = new Uint8Array(14 + ihl + part.length);
    f.set(frame.subarray(0, 14 + ihl), 0);
    f.set(part, 14 + ihl);
    const len = ihl + part.length;
    f[16] = len >> 8; f[17] = len & 0xff;
    f[18] = id >> 8; f[19] = id & 0xff;
    const more = off + size < payload.length ? 0x2000 : 0;
    const fo = more | (off / 8);
    f[20] = fo >> 8; f[21] = fo & 0xff;
    out.push(f);
  }
  return out;
}

function build(src: string, how: 'in-order' | 'reversed' | 'missing'): string {
  const { records } = parseCapture(readFileSync(src));
  const packets: WritePacket[] = [];
  let id = 100;
  for (const r of records) {
    const ts = { sec: r.ts.sec, nsec: r.ts.nsec };
    if (r.data.length > 600 && r.data[12] === 0x08 && r.data[13] === 0x00) {
      let parts = fragment(r.data, 512, id++);
      if (how === 'reversed') parts = [...parts].reverse();
      if (how === 'missing') parts = parts.filter((_, i) => i !== 1);
      for (const p of parts) packets.push({ ts, data: p });
    } else {
      packets.push({ ts, data: r.data });
    }
  }
  const out = join(mkdtempSync(join(tmpdir(), 'autopsy-frag-')), `${how}.pcap`);
  writeFileSync(out, writePcap(packets));
  return out;
}

function tsharkPairs(file: string): string[] {
  return execFileSync('tshark', ['-n', '-r', file, '-Y', 'mqtt', '-T', 'fields', '-e', 'frame.number', '-e', 'mqtt.msgtype'], { encoding: 'utf8' })
    .split('\n').filter(Boolean).flatMap((l) => { const [f, t] = l.split('\t'); return (t ?? '').split(',').map((x) => `${f}:${TYPES[Number(x)]}`); });
}

async function ourPairs(file: string): Promise<{ pairs: string[]; codes: string[] }> {
  const r = await runCli(['analyze', file, '--ndjson']);
  expect(r.code, r.stderr).toBe(0);
  const lines = ndjson(r.stdout);
  return {
    pairs: lines.filter((l) => l['type'] === 'packet').map((l) => {
      const m = l['mqtt'] as { packetType: string; declaredType?: string };
      return `${l['frame'] as number}:${m.declaredType ?? m.packetType}`;
    }),
    codes: lines.filter((l) => l['type'] === 'anomaly').map((l) => String(l['code'])),
  };
}

const sorted = (a: string[]): string[] => [...a].sort();

test.each(['in-order', 'reversed'] as const)('fragments %s: the same MQTT packets as tshark', async (how) => {
  const f = build(join(SAMPLES, 'size-limit.pcap'), how);
  const ours = await ourPairs(f);
  expect(ours.pairs.some((p) => p.endsWith(':PUBLISH')), 'the 2 KB PUBLISH came through fragments').toBe(true);
  expect(sorted(ours.pairs)).toEqual(sorted(tsharkPairs(f)));
  expect(ours.codes).not.toContain('net.ip.fragment_incomplete');
});

test('a datagram missing a fragment is reported, and nothing is guessed from its pieces', async () => {
  const f = build(join(SAMPLES, 'size-limit.pcap'), 'missing');
  const ours = await ourPairs(f);
  expect(ours.codes).toContain('net.ip.fragment_incomplete');
  // The PUBLISH travelled in that datagram: with a piece missing it never reaches TCP, as in tshark.
  expect(ours.pairs.some((p) => p.endsWith(':PUBLISH'))).toBe(false);
  expect(sorted(ours.pairs)).toEqual(sorted(tsharkPairs(f)));
});
