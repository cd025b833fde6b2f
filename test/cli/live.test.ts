/**
 * `live` without a network: the tcpdump command line, and what the user is told when tcpdump is
 * missing, may not capture, or rejects the interface or the filter (fake tcpdump scripts, and the real
 * tcpdump for its own error messages). The capture itself is tested in test/e2e/live-command.test.ts.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tcpdumpArgs } from '../../src/cli/live.js';
import { run } from './run.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'autopsy-live-cli-'));

/** A fake tcpdump: a shell script that records its arguments (one per line), prints `stderr`, exits `code`. */
function fakeTcpdump(stderr: string, code: number): { bin: string; argsFile: string } {
  const dir = tmp();
  const bin = join(dir, 'tcpdump');
  const argsFile = join(dir, 'args');
  const quoted = `'${stderr.replace(/'/g, "'\\''")}'`;
  writeFileSync(bin, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${argsFile}'; done\nprintf '%s\\n' ${quoted} >&2\nexit ${code}\n`);
  chmodSync(bin, 0o755);
  return { bin, argsFile };
}

describe('the tcpdump command line', () => {
  test('default filter: the MQTT ports and every --port; -B for "any"', () => {
    expect(tcpdumpArgs('any', [], [])).toEqual(['-U', '--immediate-mode', '-w', '-', '-i', 'any', '-B', '16384',
      'tcp port 1883 or tcp port 8883 or tcp port 8080']);
    expect(tcpdumpArgs('eth0', [1884, 1883], [])).toEqual(['-U', '--immediate-mode', '-w', '-', '-i', 'eth0',
      'tcp port 1883 or tcp port 8883 or tcp port 8080 or tcp port 1884']);
  });

  test('a filter given is passed word for word, as arguments, never through a shell', () => {
    expect(tcpdumpArgs('lo', [1884], ['tcp', 'port', '1884', 'and', 'host', '10.0.0.7']))
      .toEqual(['-U', '--immediate-mode', '-w', '-', '-i', 'lo', 'tcp', 'port', '1884', 'and', 'host', '10.0.0.7']);
  });

  test('shell metacharacters reach tcpdump as plain arguments', async () => {
    const dir = tmp();
    const canary = join(dir, 'canary');
    const fake = fakeTcpdump('tcpdump: syntax error in filter expression', 1);
    const words = ['tcp', ';', 'touch', canary, '$(touch', `${canary})`, '`touch', `${canary}\``, '|', 'sh'];
    const r = await run(['live', '-i', 'lo', '--', ...words], { env: { MQTT_AUTOPSY_TCPDUMP: fake.bin } });
    expect(r.code).toBe(2);
    expect(readFileSync(fake.argsFile, 'utf8').trimEnd().split('\n')).toEqual(['-U', '--immediate-mode', '-w', '-', '-i', 'lo', ...words]);
    expect(existsSync(canary)).toBe(false);
  });
});

describe('when tcpdump cannot capture, one clear line', () => {
  test('missing: exit 3, says how to install it', async () => {
    const r = await run(['live', '-i', 'lo'], { env: { MQTT_AUTOPSY_TCPDUMP: join(tmp(), 'no-tcpdump-here') } });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mqtt-autopsy: tcpdump not found \(".*no-tcpdump-here"\): install it \(Debian\/Ubuntu: apt-get install tcpdump\), or set MQTT_AUTOPSY_TCPDUMP to its path\n$/);
  });

  test('no permission (tcpdump\'s own message): exit 3, says how to allow it', async () => {
    const fake = fakeTcpdump("tcpdump: lo: You don't have permission to capture on that device", 1);
    const r = await run(['live', '-i', 'lo'], { env: { MQTT_AUTOPSY_TCPDUMP: fake.bin } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^mqtt-autopsy: tcpdump may not capture on lo \(tcpdump: lo: You don't have permission to capture on that device\): run as root, or let tcpdump capture: sudo setcap cap_net_raw,cap_net_admin=eip/);
    expect(r.stderr.split('\n').length).toBe(2);
  });

  test('tcpdump\'s message is escaped before it reaches the terminal', async () => {
    const fake = fakeTcpdump('tcpdump: \u001b[2Jweird failure', 1);
    const r = await run(['live', '-i', 'lo'], { env: { MQTT_AUTOPSY_TCPDUMP: fake.bin } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('tcpdump stopped before capturing: tcpdump: \\e[2Jweird failure');
    expect(r.stderr).not.toMatch(/\u001b/);
  });

  test('the real tcpdump rejecting the filter: a usage error', async () => {
    const r = await run(['live', '-i', 'lo', '--', 'tcp', 'port', 'banana']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mqtt-autopsy: tcpdump rejected the capture filter: .*/);
  });

  test('the real tcpdump on an interface that does not exist: a usage error', async () => {
    const r = await run(['live', '-i', 'nosuchif0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mqtt-autopsy: tcpdump cannot open interface nosuchif0: .*\(tcpdump -D lists them\)\n$/);
  });

  test('a bad --filter is refused before tcpdump starts', async () => {
    const fake = fakeTcpdump('should not run', 1);
    const r = await run(['live', '-i', 'lo', '--filter', 'typ == PUBLISH'], { env: { MQTT_AUTOPSY_TCPDUMP: fake.bin } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--filter: unknown field "typ"/);
    expect(existsSync(fake.argsFile)).toBe(false);
  });
});
