/**
 * The WebSocket layer against tshark's (which decodes WebSocket frames, though not the MQTT inside):
 * on every recorded WebSocket capture, the frames we decode — direction, opcode, FIN, mask bit, payload
 * length — in order, per direction, equal tshark's.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { readCaptures } from '../../src/capture/merge.js';
import { openFileSource } from '../../src/capture/read.js';
import { DEFAULT_PORTS, Engine } from '../../src/engine/engine.js';
import { DEFAULT_LIMITS } from '../../src/engine/limits.js';
import type { Dir } from '../../src/diag/types.js';
import { SILENT } from '../../src/cli/pipeline.js';
import { SAMPLES } from '../support/cli.js';

const manifest = JSON.parse(readFileSync(join(SAMPLES, 'manifest.json'), 'utf8')) as { file: string; wsPort?: number; expected: { transport: string } }[];
const wsSamples = manifest.filter((m) => m.expected.transport === 'websocket' && readdirSync(SAMPLES).includes(m.file));

async function ours(file: string): Promise<Record<Dir, string[]>> {
  const out: Record<Dir, string[]> = { c2s: [], s2c: [] };
  const analyzer = new Analyzer(SILENT);
  const engine = new Engine({ limits: DEFAULT_LIMITS, ports: DEFAULT_PORTS, assumeVersion: null, rethrow: true }, {
    connectionOpened: (c) => analyzer.connectionOpened(c),
    packet: (e) => analyzer.packet(e),
    anomaly: (a) => analyzer.anomaly(a),
    connectionClosed: (c) => analyzer.connectionClosed(c),
    wsFrame: (_c, dir, h) => out[dir].push(`op${h.opcode} fin${h.fin ? 1 : 0} mask${h.masked ? 1 : 0} len${h.payloadLength}`),
  });
  await readCaptures([{ name: file, source: openFileSource(file) }], { record: (r) => engine.push(r), diagnostic: () => {} });
  engine.finish();
  return out;
}

function tshark(file: string, wsPort: number): Record<Dir, string[]> {
  const out: Record<Dir, string[]> = { c2s: [], s2c: [] };
  const ports = new Set(execFileSync('tshark', ['-n', '-r', file, '-Y', 'tcp.flags.syn==1 && tcp.flags.ack==0', '-T', 'fields', '-e', 'tcp.dstport'], { encoding: 'utf8' })
    .split('\n').filter(Boolean).map(Number));
  ports.add(wsPort);
  const text = execFileSync('tshark', ['-n', '-r', file, ...[...ports].flatMap((p) => ['-d', `tcp.port==${p},http`]), '-Y', 'websocket', '-T', 'fields', '-E', 'separator=\t',
    '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'websocket.opcode', '-e', 'websocket.fin', '-e', 'websocket.mask', '-e', 'websocket.payload_length',
    '-e', 'websocket.payload_length_ext_16', '-e', 'websocket.payload_length_ext_64'], { encoding: 'utf8' });
  for (const line of text.split('\n').filter(Boolean)) {
    const [src, dst, ops, fins, masks, lens, ext16, ext64] = line.split('\t').map((x) => (x ?? '').split(','));
    // payload_length is the 7-bit field; 126 and 127 mean "see the 16-/64-bit length", listed in order.
    let i16 = 0;
    let i64 = 0;
    // On loopback the server side has the lower port (listeners vs ephemeral ports), also through a proxy.
    const dir: Dir = Number(dst![0]) < Number(src![0]) ? 'c2s' : 's2c';
    ops!.forEach((op, i) => {
      const fin = fins![i] === 'True' || fins![i] === '1' ? 1 : 0;
      const mask = masks![i] === 'True' || masks![i] === '1' ? 1 : 0;
      let len = Number(lens![i]);
      if (len === 126) len = Number(ext16![i16++]);
      else if (len === 127) len = Number(ext64![i64++]);
      out[dir].push(`op${Number(op)} fin${fin} mask${mask} len${len}`);
    });
  }
  return out;
}

test('there are WebSocket samples', () => {
  expect(wsSamples.length).toBeGreaterThanOrEqual(3);
});

test.each(wsSamples)('$file: WebSocket frames equal tshark', async (m) => {
  const file = join(SAMPLES, m.file);
  const t = tshark(file, m.wsPort ?? 8080);
  const o = await ours(file);
  expect(o.c2s.length + o.s2c.length).toBeGreaterThan(0);
  expect(o).toEqual(t);
});
