/**
 * End to end in a real terminal: the built CLI runs in tmux (Debian `tmux`), keys go in with
 * send-keys, the screen comes back with capture-pane. On the recorded corrupted-first-byte-over-
 * WebSocket capture it opens the connection, the bad packet, and checks the screen shows the verdict,
 * the field tree and the marked byte. Every wait polls the screen with a deadline; the tmux server
 * (a private socket) is killed after each test, so nothing can hang or leak.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { REPO } from '../support/cli.js';
import { sampleExpectation } from './support.js';

const HAS_TMUX = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const BUILT = existsSync(resolve(REPO, 'dist/cli/main.js'));
const SOCKET = `mqtt-autopsy-e2e-${process.pid}`;
const SKIP = !HAS_TMUX ? 'Debian tmux is not installed (apt-get install tmux)' : !BUILT ? 'dist/ is missing: npm run build first (npm test does)' : null;
const BAD_FRAME = sampleExpectation('ws-corrupt-first-byte.pcap').evidenceFrame;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { cwd: REPO, encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  return r.stdout;
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'tui');
}

/** Polls the screen until `ok` holds (bounded; the last screen is in the error). */
async function screenWhere(ok: (s: string) => boolean, what: string, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  let s = '';
  while (Date.now() < deadline) {
    s = screen();
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`screen never showed ${what} within ${ms} ms:\n${s}`);
}

function start(command: string): void {
  tmux('new-session', '-d', '-s', 'tui', '-x', '120', '-y', '40', command);
  // Keep the pane after the program ends so its exit status (and any error) can be read.
  tmux('set-option', '-t', 'tui', 'remain-on-exit', 'on');
}

async function exitedWith(): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [dead, status, signal] = tmux('display-message', '-p', '-t', 'tui', '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}')
      .trim().split('|');
    // tmux may mark the pane dead a moment before it records how the process ended.
    if (dead === '1' && (status !== '' || signal !== '')) return signal ? `signal ${signal}` : status ?? '';
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the TUI did not exit:\n${screen()}`);
}

afterEach(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { timeout: 5000 });
});

describe.skipIf(SKIP !== null)(`tui in tmux${SKIP !== null ? ` — skipped: ${SKIP}` : ''}`, () => {
  test('a capture file: connection → bad packet → verdict, field tree, marked byte; wire view; q quits', async () => {
    start('node bin/mqtt-autopsy.js tui samples/ws-corrupt-first-byte.pcap');
    await screenWhere((s) => s.includes('end of capture') && s.includes('autopsy-ws-corrupt'), 'the connection');
    tmux('send-keys', '-t', 'tui', 'Enter');
    await screenWhere((s) => s.includes('▸ 2 PACKETS'), 'the packets pane focused');
    tmux('send-keys', '-t', 'tui', 'G');
    await screenWhere((s) => /> +6 .*PUBLISH q3 +26725 autopsy\/test/.test(s), 'the bad PUBLISH selected');
    tmux('send-keys', '-t', 'tui', 'Enter');
    const s = await screenWhere((x) => x.includes(`▸ 3 DETAIL  #6 PUBLISH · frame ${BAD_FRAME}`), 'the detail of the bad packet');
    expect(s).toContain('4 VERDICT  C1 · malformed_packet (high) · closed by broker (tcp_fin)');
    expect(s).toMatch(/✗ mqtt\.publish\.qos3 \(error\) frame \d+ \+72 · payload byte \d+ = 0x36, on the wire 0x01 \(masked\)/);
    expect(s).toContain('hdrflags = 0x36');
    expect(s).toContain('qos = 3');
    expect(s).toContain('topic = "autopsy/test"');
    expect(s).toMatch(/0000\{36\}13 00 0c 61 75 74 6f 70 73 79 2f 74 65 73 74/); // the marked byte
    tmux('send-keys', '-t', 'tui', 'w');
    const wire = await screenWhere((x) => x.includes(`frame ${BAD_FRAME} as on the wire (masked)`), 'the wire view');
    expect(wire).toMatch(/0040 .*<01>/); // the same byte, masked, as the capture holds it
    tmux('send-keys', '-t', 'tui', 'q');
    expect(await exitedWith()).toBe('0');
  });

  test('capture on stdin, keys from the terminal: evidence → its packet; Ctrl-C after EOF quits', async () => {
    start('cat samples/ws-corrupt-first-byte.pcap | node bin/mqtt-autopsy.js tui -');
    await screenWhere((s) => s.includes('end of capture') && s.includes('autopsy-ws-corrupt'), 'the connection');
    tmux('send-keys', '-t', 'tui', '4');
    await screenWhere((s) => s.includes('▸ 4 VERDICT'), 'the verdict pane focused');
    tmux('send-keys', '-t', 'tui', 'Enter');
    const s = await screenWhere((x) => x.includes('▸ 3 DETAIL  #6 PUBLISH'), 'the evidence packet');
    expect(s).toMatch(/0000\{36\}13/);
    tmux('send-keys', '-t', 'tui', 'C-c');
    expect(await exitedWith()).toBe('0');
  });

  test('80×24: the screen fits and the verdict shows', async () => {
    tmux('new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24', 'node bin/mqtt-autopsy.js tui samples/keepalive-timeout.pcap');
    tmux('set-option', '-t', 'tui', 'remain-on-exit', 'on');
    const s = await screenWhere((x) => x.includes('end of capture') && x.includes('keepalive_timeout'), 'the verdict');
    expect(s).toMatch(/0s \[[-csrpDX]*c[-csrpDX]*D[-csrpDX]*X\]/); // client packet, then the deadline, then the close
    tmux('send-keys', '-t', 'tui', 'q');
    expect(await exitedWith()).toBe('0');
  });
});
