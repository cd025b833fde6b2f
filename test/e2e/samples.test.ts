/**
 * The committed samples (recorded from the real mosquitto broker, see samples/README.md) get the verdict,
 * closer, close method and evidence frame their manifest states; the manifest was written from the
 * broker's log and tshark's view of each capture, not from our output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ManifestEntry } from '../harness/scenarios.js';
import { runCli, SAMPLES } from '../support/cli.js';
import { checkConnections } from './expect.js';

const manifest = JSON.parse(readFileSync(join(SAMPLES, 'manifest.json'), 'utf8')) as ManifestEntry[];

describe('samples/manifest.json verdicts', () => {
  test('the manifest covers the scenarios issue 2 names', () => {
    const names = manifest.map((m) => m.scenario);
    for (const s of ['clean-qos012', 'connect-refused', 'corrupt-first-byte-tcp']) expect(names).toContain(s);
  });

  test.each(manifest)('$file', async (m) => {
    const r = await runCli(['analyze', join(SAMPLES, m.file), '--json']);
    expect(r.code, r.stderr).toBe(0);
    checkConnections(JSON.parse(r.stdout), m.connections, m.file);
  });

  test('the corrupted first byte is shown with its frame and byte offset', async () => {
    const r = await runCli(['analyze', join(SAMPLES, 'corrupt-first-byte-tcp.pcap'), '--json']);
    const c = JSON.parse(r.stdout).connections[0];
    const bad = c.verdict.evidence[0];
    expect(bad.code).toBe('mqtt.header.reserved_flags');
    const m = manifest.find((x) => x.file === 'corrupt-first-byte-tcp.pcap')!;
    expect(bad.frame).toBe(m.expected.evidenceFrame);
    // Ethernet 14 + IPv4 20 + TCP 32 (with timestamps): the first MQTT byte of the frame.
    const frame = framesOf(join(SAMPLES, m.file))[bad.frame - 1]!;
    expect(frame[bad.offset]).toBe(0x80);
  });

  test('over WebSocket: the bad byte is located in the masked frame on the wire', async () => {
    const file = join(SAMPLES, 'ws-corrupt-first-byte.pcap');
    const r = await runCli(['analyze', file, '--json']);
    const c = JSON.parse(r.stdout).connections[0];
    expect(c.transport).toBe('websocket');
    const bad = c.verdict.evidence[0];
    expect(bad.code).toMatch(/^mqtt\./);
    const frame = framesOf(file)[bad.frame - 1]!;
    // The wire byte at frame/offset is the masked one; the evidence gives both values and the payload offset.
    expect(`0x${frame[bad.offset]!.toString(16).padStart(2, '0')}`).toBe(bad.websocket.wireByte);
    expect(bad.websocket.byte).not.toBe(bad.websocket.wireByte);
    // In this sample the bad byte opens its frame's payload: header 0x82 (FIN, binary), length byte with
    // the mask bit, then the 4-byte key; so wire XOR key[0] must give the unmasked value back.
    const wire = frame[bad.offset]!;
    const byte = Number(bad.websocket.byte);
    expect(frame[bad.offset - 6]).toBe(0x82);
    expect(frame[bad.offset - 5]! & 0x80).toBe(0x80);
    expect(wire ^ frame[bad.offset - 4]!).toBe(byte);
    expect(byte >> 4).toBe(3); // a PUBLISH whose flags were corrupted, as the scenario wrote it
  });
});

/** Frames of a classic pcap (µs, little-endian, as tcpdump writes), for byte checks. */
function framesOf(path: string): Uint8Array[] {
  const b = readFileSync(path);
  const out: Uint8Array[] = [];
  let p = 24;
  while (p + 16 <= b.length) {
    const caplen = b.readUInt32LE(p + 8);
    out.push(b.subarray(p + 16, p + 16 + caplen));
    p += 16 + caplen;
  }
  return out;
}
