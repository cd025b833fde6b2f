import { test } from 'vitest';
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/App.js';
import { loadStore } from './support.js';
test('perf', async () => {
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  const store = await loadStore('/tmp/bulk1m.pcap');
  const t1 = performance.now();
  global.gc?.();
  const m1 = process.memoryUsage();
  console.log('load ms', Math.round(t1 - t0), 'packets', store.stats.packets, 'heap MB', ((m1.heapUsed - m0.heapUsed) / 1e6).toFixed(1), 'ab MB', ((m1.arrayBuffers - m0.arrayBuffers) / 1e6).toFixed(1), 'rss', (m1.rss/1e6).toFixed(0));
  const r = render(createElement(App, { store, color: false, showCredentials: false, size: { cols: 100, rows: 30 } }));
  const wait = async (ok: (f: string) => boolean) => { const d = Date.now() + 10000; while (!ok(r.lastFrame() ?? '') && Date.now() < d) await new Promise((x) => setImmediate(x)); };
  await wait((f) => f.includes('CONNECTIONS'));
  r.stdin.write('\r');
  await wait((f) => f.includes('▸ 2 PACKETS'));
  for (const k of ['G', 'k', '\u001b[5~', 'g', '\u001b[6~', 'G']) {
    const before = r.lastFrame();
    const a = performance.now();
    r.stdin.write(k);
    await wait((f) => f !== before);
    console.log('key', JSON.stringify(k), Math.round(performance.now() - a), 'ms');
  }
  const a = performance.now(); r.stdin.write('/'); r.stdin.write('topic:sensors/7/+');
  await wait((f) => f.includes('1000 of 1000003'));
  console.log('filter', Math.round(performance.now() - a), 'ms');
  console.log(r.lastFrame()!.split('\n').slice(0, 12).join('\n'));
  r.unmount();
}, 120000);
