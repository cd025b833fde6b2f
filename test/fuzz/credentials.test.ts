/**
 * Credentials (issue 10, ARCHITECTURE.md §5): CONNECT passwords and MQTT 5 Authentication Data (property
 * 0x16, in CONNECT and in AUTH) are redacted in every output format unless `--show-credentials`. The
 * capture (hostile-capture.ts) carries marker secrets; each format is searched for them as text, as hex
 * (the way a hex dump or a JSON byte field would show them) and as base64.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { runCli } from '../support/cli.js';
import { hostileCaptureFile, SECRETS } from './hostile-capture.js';

let capture = '';
beforeAll(() => { capture = hostileCaptureFile(); });
afterAll(() => { rmSync(dirname(capture), { recursive: true, force: true }); });

/** Every way a secret could show: text, lower/upper hex (plain and spaced, as in hex dumps), base64. */
function leaks(out: string): string[] {
  const found: string[] = [];
  const flat = out.replace(/\s+/g, ' ');
  for (const [name, secret] of Object.entries(SECRETS)) {
    const b = Buffer.from(secret);
    const hex = b.toString('hex');
    const spaced = [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    // The middle of the secret: enough to be unmistakable, short enough to survive a line break in a hex dump.
    const middle = secret.slice(4, 14);
    const forms = [secret, middle, hex, hex.toUpperCase(), spaced, spaced.toUpperCase(), b.toString('base64').slice(0, 16)];
    for (const f of forms) if (out.includes(f) || flat.includes(f)) found.push(`${name} as ${JSON.stringify(f)}`);
  }
  return found;
}

const FORMATS: readonly [string, readonly string[]][] = [
  ['analyze (table)', ['analyze']],
  ['analyze --json', ['analyze', '--json']],
  ['analyze --ndjson', ['analyze', '--ndjson']],
  ['explain', ['explain']],
  ['flow', ['flow']],
  ['packets', ['packets']],
  ['packets --ndjson', ['packets', '--ndjson']],
  ['packets --detail', ['packets', '--detail']],
  ['packets --hex', ['packets', '--hex']],
  ['packets --detail --hex', ['packets', '--detail', '--hex']],
];

describe('credentials are redacted unless --show-credentials', () => {
  test.each(FORMATS)('%s shows no password or AUTH data', async (_name, argv) => {
    const r = await runCli([argv[0]!, capture, ...argv.slice(1)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(leaks(r.stdout)).toEqual([]);
    expect(leaks(r.stderr)).toEqual([]);
  });

  test('the redaction is visible: the fields are there, marked <redacted>', async () => {
    const r = await runCli(['packets', capture, '--ndjson']);
    expect(r.stdout).toContain('<redacted>');
    const d = await runCli(['packets', capture, '--detail']);
    expect(d.stdout).toContain('<redacted>');
  });

  test('--show-credentials shows the CONNECT password and the AUTH data in the packet outputs', async () => {
    const nd = await runCli(['packets', capture, '--ndjson', '--show-credentials']);
    expect(nd.code, nd.stderr).toBe(0);
    const detail = await runCli(['packets', capture, '--detail', '--show-credentials']);
    const both = nd.stdout + detail.stdout;
    for (const secret of [SECRETS.password311, SECRETS.password5, SECRETS.passwordWs]) expect(both).toContain(secret);
    expect(leaks(both).some((l) => l.startsWith('authData'))).toBe(true);
    expect(leaks(both).some((l) => l.startsWith('authDataAuthPacket'))).toBe(true);
  });
});
