/** `packets`: one line per MQTT packet, --detail, --hex, --ndjson, colour, and hostile wire text. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, test } from 'vitest';
import { REPO, SAMPLES, ndjson } from '../support/cli.js';
import { writePcap } from '../support/capture-writer.js';
import { Conversation } from '../support/tcp-builder.js';
import { ANSI, run, stripAnsi } from './run.js';

const WS_CORRUPT = join(SAMPLES, 'ws-corrupt-first-byte.pcap');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'autopsy-packets-'));

/** Frame numbers and types of the packet lines. */
function rows(text: string): string[] {
  return stripAnsi(text).split('\n').filter((l) => /^\s+\d+ {2}\d\d:/.test(l) && /[→←]/.test(l))
    .map((l) => l.trim().split(/\s+/).filter((_, i) => i === 0 || i === 3 || i === 4).join(' '));
}

describe('packets', () => {
  test('one line per MQTT packet: frame, time, conn, arrow, type, id, flags, topic, payload, marks; the close with its verdict', async () => {
    const r = await run(['packets', WS_CORRUPT]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(ANSI);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^── \d{4}-\d\d-\d\d \(UTC\) ──$/);
    // The same packets, frames and directions as the NDJSON packet lines.
    const nd = ndjson((await run(['packets', WS_CORRUPT, '--ndjson'])).stdout)
      .map((l) => `${String(l['frame'])} ${l['dir'] === 'c2s' ? '→' : '←'} ${(l['mqtt'] as { packetType: string }).packetType}`);
    expect(rows(r.stdout)).toEqual(nd);
    expect(nd.map((x) => x.split(' ').slice(1).join(' '))).toEqual(['→ CONNECT', '← CONNACK', '→ PUBLISH', '→ PINGREQ', '← PINGRESP', '→ PUBLISH']);
    const T = String.raw`\d\d:\d\d:\d\d\.\d{6}`;
    const line = (body: string): RegExp => new RegExp(String.raw`^ +\d+  ${T}  C1   ${body}$`, 'm');
    expect(r.stdout).toMatch(line('→ CONNECT     v3\\.1\\.1 "autopsy-ws-corrupt" ka=60 clean · mqtt\\.connect\\.client_id_unportable'));
    expect(r.stdout).toMatch(line('← CONNACK     0x00 Connection Accepted'));
    expect(r.stdout).toMatch(line('→ PUBLISH     d0 q0 r0 autopsy/test "fine" \\(4 B\\)'));
    expect(r.stdout).toMatch(line('→ PINGREQ'));
    expect(r.stdout).toMatch(line('→ PUBLISH     id=26725 d0 q3 r0 autopsy/test "llo" \\(3 B\\) ✗ mqtt\\.publish\\.qos3'));
    expect(lines.at(-1)).toMatch(line('■ closed by broker \\(tcp_fin\\): malformed_packet \\(high\\)'));
  });

  test('QoS 1 and 2 flows show packet ids and flags; MQTT 5 reason codes by name', async () => {
    const r = await run(['packets', join(SAMPLES, 'clean-qos012.pcap'), '--filter', 'type ~ "PUB*"']);
    expect(r.code).toBe(0);
    // Per connection (connections interleave): the publisher's QoS 2 and QoS 1 exchanges.
    const lines = stripAnsi(r.stdout).split('\n').filter((l) => /[→←] [A-Z]/.test(l));
    const flow = (conn: string): string => lines.filter((l) => l.includes(`  ${conn} `)).map((l) => /([→←] [A-Z]+)/.exec(l)![1]).join(', ');
    const q2 = /(C\d+) +→ PUBLISH +id=\d+ d0 q2/.exec(r.stdout)![1]!;
    expect(flow(q2)).toBe('→ PUBLISH, ← PUBREC, → PUBREL, ← PUBCOMP');
    const q1 = /(C\d+) +→ PUBLISH +id=\d+ d0 q1/.exec(r.stdout)![1]!;
    expect(flow(q1)).toBe('→ PUBLISH, ← PUBACK');
    expect(r.stdout).toMatch(/→ PUBLISH {5}id=\d+ d0 q2 r0 autopsy\/test "hello qos 2" \(11 B\)/);
    expect(r.stdout).toMatch(/← PUBREC {6}id=\d+$/m);
    const v5 = await run(['packets', join(SAMPLES, 'size-limit-v5.pcap')]);
    expect(v5.stdout).toMatch(/← DISCONNECT {2}0x95 Packet too large/);
  });

  test('--detail: the field tree with byte ranges from the packet\'s first byte, and each anomaly with its rule', async () => {
    const r = await run(['packets', WS_CORRUPT, '--detail', '--filter', 'severity == error']);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toMatch(/MQTT 3\.1\.1, 21 bytes in frame \d+ \(offsets from the packet's first byte\)/);
    for (const l of ['0        mqtt.hdrflags = 0x36', '0        mqtt.qos = 3', '1        mqtt.len = 19', '2-3      mqtt.topic_len = 12',
      '4-15     mqtt.topic = "autopsy/test"', '16-17    mqtt.msgid = 26725', '18-20    mqtt.msg = 3 B "llo"']) {
      expect(text).toContain(`          ${l}\n`);
    }
    expect(text).toMatch(/✗ mqtt\.publish\.qos3 \(byte 0, frame \d+ \+\d+\): .*\[MQTT-3\.3\.1-4\]/);
  });

  test('--detail nests MQTT 5 properties and subscriptions', async () => {
    const r = await run(['packets', join(SAMPLES, 'clean-v5.pcap'), '--detail', '--filter', 'type == SUBSCRIBE']);
    expect(r.stdout).toContain([
      '          4        mqtt.properties',
      '          4          mqtt.property_len = 0',
      '          5-19     mqtt.subscription',
      '          5-6        mqtt.topic_len = 12',
      '          7-18       mqtt.topic = "autopsy/test"',
      '          19         mqtt.subscription_options = 2',
    ].join('\n'));
  });

  test('--detail withholds the CONNECT password unless --show-credentials', async () => {
    const f = join(SAMPLES, 'connect-refused.pcap');
    const hidden = await run(['packets', f, '--detail', '--filter', 'conn == C1 and type == CONNECT']);
    expect(hidden.stdout).toContain('37-49    mqtt.passwd = 13 B <redacted>');
    const shown = await run(['packets', f, '--detail', '--filter', 'conn == C1 and type == CONNECT', '--show-credentials']);
    expect(shown.stdout).toMatch(/37-49 {4}mqtt\.passwd = 13 B "[^"]+"/);
    expect(shown.stdout).not.toContain('<redacted>');
  });

  test('--hex: the packet bytes (unmasked WebSocket payload) with the bad byte marked', async () => {
    const r = await run(['packets', WS_CORRUPT, '--hex', '--filter', 'severity == error']);
    expect(r.stdout).toContain('          0000 [36] 13  00  0c  61  75  74  6f  70  73  79  2f  74  65  73  74   6...autopsy/test');
    expect(r.stdout).toContain('          0010  68  65  6c  6c  6f');
  });

  test('--ndjson: the packet lines of the NDJSON contract', async () => {
    const r = await run(['packets', WS_CORRUPT, '--ndjson']);
    expect(r.code).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines.map((l) => `${String(l['frame'])} ${(l['mqtt'] as { packetType: string }).packetType}`))
      .toEqual(['8 CONNECT', '10 CONNACK', '11 PUBLISH', '11 PINGREQ', '12 PINGRESP', '14 PUBLISH']);
    const ajv = new Ajv.default({ allErrors: true, strict: false });
    ajv.addSchema(JSON.parse(readFileSync(join(REPO, 'docs/schema/report.schema.json'), 'utf8')) as object, 'report.schema.json');
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO, 'docs/schema/ndjson.schema.json'), 'utf8')) as object);
    for (const l of lines) expect(validate(l), ajv.errorsText(validate.errors)).toBe(true);
  });

  test('colour only on a terminal, and never with --no-color or NO_COLOR; --color forces it', async () => {
    const tty = await run(['packets', WS_CORRUPT], { stdoutTTY: true });
    expect(tty.stdout).toMatch(ANSI);
    expect(tty.stdout).toContain('\u001b[1;31m✗ mqtt.publish.qos3\u001b[0m');
    expect(stripAnsi(tty.stdout)).toBe((await run(['packets', WS_CORRUPT])).stdout);
    expect((await run(['packets', WS_CORRUPT, '--no-color'], { stdoutTTY: true })).stdout).not.toMatch(ANSI);
    expect((await run(['packets', WS_CORRUPT], { stdoutTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(ANSI);
    expect((await run(['packets', WS_CORRUPT, '--color'])).stdout).toMatch(ANSI);
  });

  test('-o FILE gets the lines, stdout nothing; --quiet prints nothing', async () => {
    const out = join(tmp(), 'packets.txt');
    const r = await run(['packets', WS_CORRUPT, '-o', out], { stdoutTTY: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe((await run(['packets', WS_CORRUPT])).stdout);
    const q = await run(['packets', WS_CORRUPT, '--quiet']);
    expect(q).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('stdin', async () => {
    const bytes = readFileSync(WS_CORRUPT);
    async function* chunks(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 61) yield bytes.subarray(i, i + 61);
    }
    const r = await run(['packets', '-'], { stdin: chunks() });
    expect(r.stdout).toBe((await run(['packets', WS_CORRUPT])).stdout);
  });

  test('text from the wire never reaches the terminal raw: escapes in client id, topic and payload are shown escaped', async () => {
    const esc = '\u001b';
    const str = (s: string): number[] => { const b = [...Buffer.from(s, 'utf8')]; return [b.length >> 8, b.length & 0xff, ...b]; };
    const clientId = `evil${esc}]52;c;aGk=\u0007`;
    const connectBody = [...str('MQTT'), 4, 0x02, 0, 60, ...str(clientId)];
    const topic = `a/${esc}[2J/b\u202e`;
    const payload = [...Buffer.from(`x${esc}[31mred\r\n`)];
    const publishBody = [...str(topic), ...payload];
    const conv = new Conversation({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.2', port: 1883 })
      .send('client', Uint8Array.from([0x10, connectBody.length, ...connectBody]))
      .send('server', Uint8Array.from([0x20, 2, 0, 0]))
      .send('client', Uint8Array.from([0x30, publishBody.length, ...publishBody]))
      .close('client');
    const f = join(tmp(), 'hostile.pcap');
    writeFileSync(f, writePcap(conv.frames));
    for (const extra of [[], ['--detail', '--hex']]) {
      const r = await run(['packets', f, ...extra], { stdoutTTY: true });
      expect(r.code).toBe(0);
      const plain = stripAnsi(r.stdout);
      expect(plain).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(plain).toContain('"evil\\e]52;c;aGk=\\x07"');
      expect(plain).toContain('a/\\e[2J/b\\u202e');
      // A payload with control bytes is not text: it is shown as hex.
      expect(plain).toContain('0x781b5b33316d7265640d0a (11 B)');
    }
  });

  test('usage errors: no capture, a bad filter', async () => {
    expect((await run(['packets'])).code).toBe(2);
    const bad = await run(['packets', WS_CORRUPT, '--filter', 'type === PUBLISH']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^mqtt-autopsy: --filter: /);
  });

  test('an unreadable capture is exit 3', async () => {
    const r = await run(['packets', join(tmp(), 'missing.pcap')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no such file/);
  });
});
