/** `explain` and `flow` on real samples: the story, the keep-alive numbers and the marked bytes. */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeFirstByte } from '../../src/report/explain.js';
import { runCli, SAMPLES } from '../support/cli.js';

describe('explain', () => {
  test('corrupted first byte over TCP: both decodings of byte 0 and the bad byte marked in its frame', async () => {
    const r = await runCli(['explain', join(SAMPLES, 'corrupt-first-byte-tcp.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Verdict: malformed_packet (high), closed by broker (tcp_fin)');
    expect(r.stdout).toContain('first byte seen:     0x80 = 1000 0000 → SUBSCRIBE, flags 0000');
    expect(r.stdout).toContain('first byte expected: 0x82 = 1000 0010 → SUBSCRIBE, flags 0010');
    expect(r.stdout).toMatch(/^ +0040 .*\[80\]/m);
    expect(r.stdout).not.toMatch(/\u001b/); // no colour when not a TTY
  });

  test('corrupted first byte over WebSocket: the masked byte on the wire and the unmasked payload', async () => {
    const r = await runCli(['explain', join(SAMPLES, 'ws-corrupt-first-byte.pcap'), '--conn', 'C1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('on the wire (masked WebSocket frame) in frame 14, offset 72');
    expect(r.stdout).toMatch(/\[01\]/);
    expect(r.stdout).toMatch(/unmasked WebSocket payload \(client stream offset 54; 0x01 on the wire is 0x36\)/);
    expect(r.stdout).toMatch(/^ +0036 \[36\]/m);
  });

  test('keep-alive: the numbers of the timeline', async () => {
    const r = await runCli(['explain', join(SAMPLES, 'keepalive-timeout.pcap')]);
    expect(r.stdout).toMatch(/Keep-alive: keep-alive 2 s, the broker may close after 1\.5 × 2 = 3\.0 s of client silence; 1 client packet; closed 5\.\d s after the client's last packet\./);
  });

  test('an unknown connection id is a usage error naming what exists', async () => {
    const r = await runCli(['explain', join(SAMPLES, 'keepalive-timeout.pcap'), '--conn', 'C9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no connection C9 (the capture has 1: C1…C1)');
    expect((await runCli(['explain', join(SAMPLES, 'keepalive-timeout.pcap'), '--conn', 'x;y'])).code).toBe(2);
  });

  test.each([
    [0x36, '0x36 = 0011 0110 → PUBLISH, DUP 0, QoS 3, RETAIN 0'],
    [0x00, '0x00 = 0000 0000 → RESERVED, flags 0000'],
    [0xa2, '0xa2 = 1010 0010 → UNSUBSCRIBE, flags 0010'],
  ])('first byte 0x%s described', (b, text) => {
    expect(describeFirstByte(b)).toBe(text);
  });
});

describe('flow', () => {
  test('keep-alive expiry: packets, the 1.5 × keep-alive deadline, then the broker FIN', async () => {
    const r = await runCli(['flow', join(SAMPLES, 'keepalive-timeout.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const i = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    expect(i(/CONNECT id="autopsy-ka" ka=2.*▶│ #4/)).toBeGreaterThan(0);
    expect(i(/◀.*CONNACK 0x00/)).toBeGreaterThan(i(/CONNECT id=/));
    expect(i(/\+3\.00\d .*1\.5 × keep-alive \(2 s\)/)).toBeGreaterThan(i(/CONNACK/));
    expect(i(/◀┄.*TCP FIN/)).toBeGreaterThan(i(/1\.5 × keep-alive/));
    expect(r.stdout).toContain('verdict: keepalive_timeout (high)');
  });

  test('the bad packet is marked on its arrow', async () => {
    const r = await runCli(['flow', join(SAMPLES, 'corrupt-type0-tcp.pcap')]);
    expect(r.stdout).toMatch(/── RESERVED ✗ mqtt\.header\.reserved_type.*▶│ #8/);
  });

  test('a long connection keeps its first and last events and says how many were left out', async () => {
    const r = await runCli(['flow', join(SAMPLES, 'clean-qos012.pcap'), '--conn', 'C1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/SUBSCRIBE id=\d+ autopsy\/test q2/);
    expect(r.stdout).toContain('DISCONNECT');
  });
});

describe('credentials in hex dumps', () => {
  test('a CONNECT password in an evidence frame is masked unless --show-credentials', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { writePcap } = await import('../support/capture-writer.js');
    const { Conversation } = await import('../support/tcp-builder.js');
    const { connect } = await import('../harness/packets.js');
    const frames: import('../support/capture-writer.js').WritePacket[] = [];
    // The broker closes after a CONNECT it never answers: the CONNECT frame is evidence.
    new Conversation({ ip: '10.0.0.2', port: 40000 }, { ip: '10.0.0.1', port: 1883 }, { frames })
      .send('client', connect('pw-client', { username: 'alice', password: 'hunter2-secret' })).wait(0.01).close('server');
    const file = join(mkdtempSync(join(tmpdir(), 'autopsy-pw-')), 'pw.pcap');
    writeFileSync(file, writePcap(frames));
    const hidden = await runCli(['explain', file]);
    expect(hidden.stdout).toContain('CONNECT never answered');
    const hex = Buffer.from('hunter2-secret').toString('hex').match(/../g)!.join('  ');
    expect(hidden.stdout).not.toContain('hunter2');
    expect(hidden.stdout.replace(/[[\]]/g, ' ')).not.toContain(hex.slice(0, 14));
    expect(hidden.stdout).toMatch(/2a  2a  2a  2a/); // the password bytes, masked with '*'
    const shown = await runCli(['explain', file, '--show-credentials']);
    expect(shown.stdout).toContain('hunter2-secret'.slice(0, 10));
  });
});

test('packets --hex masks the CONNECT password unless --show-credentials', async () => {
  const file = join(SAMPLES, 'connect-refused.pcap');
  const hidden = await runCli(['packets', file, '--hex']);
  expect(hidden.code).toBe(0);
  expect(hidden.stdout).not.toMatch(/correct-hor|wrong-pa/);
  expect(hidden.stdout).toMatch(/\*{8}/);
  const shown = await runCli(['packets', file, '--hex', '--show-credentials']);
  expect(shown.stdout).toMatch(/correct-hor/);
});
