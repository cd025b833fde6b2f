/**
 * End to end in a real terminal: the built CLI runs in tmux (Debian `tmux`), keys go in with
 * send-keys, the screen comes back with capture-pane. On the recorded corrupted-first-byte-over-
 * WebSocket capture it opens the connection, the bad packet, and checks the screen shows the verdict,
 * the field tree and the marked byte. Every wait polls the screen with a deadline; the tmux server
 * (a private socket) is killed after each test, so nothing can hang or leak.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { REPO } from '../support/cli.js';
import { sampleExpectation } from './support.js';

const HAS_TMUX = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const BUILT = existsSync(resolve(REPO, 'dist/cli/main.js'));
/**
 * A fresh tmux server per test, on a socket in a directory of its own (removed after the test): a new
 * server on a socket whose old server is still exiting can die at start, and tmux leaves socket files.
 */
let dir = '';
const SKIP = !HAS_TMUX ? 'Debian tmux is not installed (apt-get install tmux)' : !BUILT ? 'dist/ is missing: npm run build first (npm test does)' : null;
const BAD_FRAME = sampleExpectation('ws-corrupt-first-byte.pcap').evidenceFrame;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-S', join(dir, 'socket'), '-f', '/dev/null', ...args], { cwd: REPO, encoding: 'utf8', timeout: 5000 });
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

/**
 * Runs `command` in a new 120×40 session (or the given size). The shell prints the exit status after
 * it and keeps the pane: tmux's own pane_dead flag can lag (the exited process may sit unreaped).
 */
function start(command: string, cols = 120, rows = 40): void {
  dir = mkdtempSync(join(tmpdir(), 'mqtt-autopsy-tmux-'));
  const reported = command.includes('[exit $?]') ? command : `${command}; echo "[exit $?]"`;
  tmux('new-session', '-d', '-s', 'tui', '-x', String(cols), '-y', String(rows), `${reported}; sleep 60`);
}

/** The exit status the shell printed once the TUI ended (bounded wait). */
async function exitedWith(): Promise<string> {
  const s = await screenWhere((x) => /\[exit \d+\]/.test(x), 'the TUI exiting');
  return /\[exit (\d+)\]/.exec(s)![1]!;
}

afterEach(() => {
  if (dir === '') return;
  spawnSync('tmux', ['-S', join(dir, 'socket'), 'kill-server'], { timeout: 5000 });
  rmSync(dir, { recursive: true, force: true });
  dir = '';
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
    start('node bin/mqtt-autopsy.js tui samples/keepalive-timeout.pcap', 80, 24);
    const s = await screenWhere((x) => x.includes('end of capture') && x.includes('keepalive_timeout'), 'the verdict');
    expect(s).toMatch(/0s \[[-csrpDX]*c[-csrpDX]*D[-csrpDX]*X\]/); // client packet, then the deadline, then the close
    tmux('send-keys', '-t', 'tui', 'q');
    expect(await exitedWith()).toBe('0');
  });

  test('live: packets arrive while the UI runs; keys work during the read; Ctrl-C stops reading and keeps the UI; q quits', async () => {
    // The status is printed as soon as the TUI ends, not when the feeder (still holding the pipe) does.
    start('node test/tui/slow-feed.mjs samples/clean-qos012.pcap 60 5000 | { node bin/mqtt-autopsy.js tui -; echo "[exit $?]"; }');
    const first = await screenWhere((s) => /reading · \d+ pkt\/s · [1-9]\d* MQTT packets/.test(s), 'packets arriving');
    const count = (s: string): number => Number(/· (\d+) MQTT packets/.exec(s)![1]);
    tmux('send-keys', '-t', 'tui', '2');
    await screenWhere((s) => s.includes('▸ 2 PACKETS'), 'the packets pane focused during the read');
    await screenWhere((s) => count(s) > count(first), 'more packets');
    tmux('send-keys', '-t', 'tui', 'C-c');
    const stopped = await screenWhere((s) => s.includes('reading stopped'), 'reading stopped');
    expect(stopped).toContain('autopsy-sub');
    tmux('send-keys', '-t', 'tui', 'q');
    expect(await exitedWith()).toBe('0');
  });
});
