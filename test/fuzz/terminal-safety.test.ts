/**
 * Terminal safety (issue 10): text from the wire never reaches stdout raw. A capture whose topics,
 * client ids, usernames, payloads, will topics, reason strings, user properties and WebSocket close
 * reasons carry screen clears, cursor moves, OSC 52 clipboard writes, OSC 8 hyperlinks, bidi overrides
 * and C1 CSI goes through every output of the CLI, in-process (`main(argv, io)`), with colour off (not a
 * TTY): no ESC (0x1b), no other C0 control but newline, no C1 control, no bidi or invisible format
 * character may appear in what is printed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { runCli } from '../support/cli.js';
import { hostileCaptureFile } from './hostile-capture.js';

/** C0 (but \n), DEL, C1, and the bidi / invisible format characters (LRM, RLM, ALM, LRE…RLO, LRI…PDI, ZW*, BOM, LS/PS). */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/;

function firstUnsafe(text: string): string | null {
  const m = UNSAFE.exec(text);
  if (!m) return null;
  return `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 60), m.index + 20))}`;
}

let capture = '';
beforeAll(() => { capture = hostileCaptureFile(); });
afterAll(() => { rmSync(dirname(capture), { recursive: true, force: true }); });

const FORMATS: readonly [string, readonly string[]][] = [
  ['analyze (table)', ['analyze']],
  ['analyze --json', ['analyze', '--json']],
  ['analyze --ndjson', ['analyze', '--ndjson']],
  ['analyze --show-credentials', ['analyze', '--show-credentials']],
  ['explain', ['explain']],
  ['flow', ['flow']],
  ['packets', ['packets']],
  ['packets --ndjson', ['packets', '--ndjson']],
  ['packets --detail', ['packets', '--detail']],
  ['packets --hex', ['packets', '--hex']],
  ['packets --detail --hex --show-credentials', ['packets', '--detail', '--hex', '--show-credentials']],
];

describe('no raw escape sequence from the capture reaches the terminal', () => {
  test('the capture does carry them (and decodes: 3 connections)', async () => {
    const r = await runCli(['analyze', capture, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { connections: { clientId: string | null }[] };
    expect(doc.connections).toHaveLength(3);
    // JSON keeps the data exact (escaped as JSON): the client ids hold ESC and U+202E.
    expect(doc.connections.map((c) => c.clientId).join('')).toMatch(/\u001b\[2J/);
    expect(doc.connections.map((c) => c.clientId).join('')).toMatch(/\u202e/);
  });

  test.each(FORMATS)('%s', async (_name, argv) => {
    const r = await runCli([...argv.slice(0, 1), capture, ...argv.slice(1)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(firstUnsafe(r.stdout)).toBeNull();
    expect(firstUnsafe(r.stderr)).toBeNull();
  });

  test.each([['C1'], ['C2'], ['C3']])('explain and flow of %s alone', async (conn) => {
    for (const mode of ['explain', 'flow']) {
      const r = await runCli([mode, capture, '--conn', conn]);
      expect(r.code, r.stderr).toBe(0);
      expect(firstUnsafe(r.stdout)).toBeNull();
    }
  });
});
