#!/usr/bin/env node
/**
 * Live latency (issue 9, point 5): from the moment a packet is captured to the moment its NDJSON line
 * comes out of `mqtt-autopsy analyze - --ndjson`, with a real broker on loopback.
 *
 *   node bench/live-latency.js [--rate 200] [--seconds 20] [--qos 1] [--payload 64]
 *
 * Starts mosquitto on 127.0.0.1 (a free port, throw-away config), `tcpdump -i lo -U --immediate-mode
 * -w - tcp port P` piped into the built CLI (exactly the README's live pipeline), and one MQTT client
 * (a raw socket, Nagle off) that publishes at a steady rate. For every `packet` line the latency is
 * (time the line was read from the CLI's stdout) − (the packet's capture timestamp, the `ts` field:
 * the kernel's clock when the packet crossed lo). So it covers tcpdump's write, the pipe, our read,
 * decode, analysis, the write of the line and the pipe back. Needs root (tcpdump), mosquitto, tcpdump.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(REPO, 'bin', 'mqtt-autopsy.js');

const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? Number(args[i + 1]) : d; };
const RATE = opt('--rate', 200);
const SECONDS = opt('--seconds', 20);
const QOS = opt('--qos', 1);
const PAYLOAD = opt('--payload', 64);

const now = () => performance.timeOrigin + performance.now(); // ms since the epoch, sub-ms resolution
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function str(s) {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

function packet(first, body) {
  const len = [];
  let n = body.length;
  do { let d = n % 128; n = Math.floor(n / 128); if (n > 0) d |= 0x80; len.push(d); } while (n > 0);
  return Buffer.concat([Buffer.from([first, ...len]), body]);
}

/** ISO-8601 with µs or ns → ms since the epoch (fractional). */
function isoMs(ts) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  const base = Date.parse(`${m[1]}Z`);
  return base + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'autopsy-latency-'));
  const port = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
  const children = [];
  const cleanup = () => { for (const c of children) c.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); };
  process.on('exit', cleanup);
  try {
    const broker = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    children.push(broker);
    const tcpdump = spawn('tcpdump', ['-i', 'lo', '-U', '--immediate-mode', '-s', '0', '-n', '-B', '8192', '-Z', 'root', '-w', '-',
      `tcp port ${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(tcpdump);
    await new Promise((resolve, reject) => {
      let err = '';
      tcpdump.stderr.on('data', (d) => { err += d; if (/listening on/.test(err)) resolve(); });
      tcpdump.on('exit', () => reject(new Error(`tcpdump: ${err}`)));
    });
    const cli = spawn(process.execPath, [BIN, 'analyze', '-', '--ndjson', '--port', String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(cli);
    tcpdump.stdout.pipe(cli.stdin);
    const latencies = [];
    const byType = new Map();
    createInterface({ input: cli.stdout }).on('line', (l) => {
      const at = now();
      const j = JSON.parse(l);
      if (j.type !== 'packet') return;
      const ms = at - isoMs(j.ts);
      latencies.push(ms);
      const t = j.mqtt.packetType;
      byType.set(t, (byType.get(t) ?? 0) + 1);
    });
    await sleep(300); // broker up

    const sock = connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    sock.on('data', () => {});
    sock.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str('latency-probe')])));
    await sleep(200);
    const payload = Buffer.alloc(PAYLOAD, 0x61);
    const total = Math.round(RATE * SECONDS);
    const t0 = now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      const id = (i % 65535) + 1;
      const head = QOS > 0 ? Buffer.concat([str('bench/latency'), Buffer.from([id >> 8, id & 0xff])]) : str('bench/latency');
      sock.write(packet(0x30 | (QOS << 1), Buffer.concat([head, payload])));
    }
    sock.write(packet(0xe0, Buffer.alloc(0)));
    sock.end();
    await sleep(1500);
    tcpdump.kill('SIGINT');
    await new Promise((resolve) => cli.on('exit', resolve));

    latencies.sort((a, b) => a - b);
    const n = latencies.length;
    const mean = latencies.reduce((a, b) => a + b, 0) / n;
    console.log(`live latency, capture timestamp → NDJSON line read (tcpdump -U --immediate-mode | analyze - --ndjson), mosquitto on lo`);
    console.log(`${n} packet lines (${[...byType].map(([t, c]) => `${t} ${c}`).join(', ')}), ${RATE} PUBLISH/s QoS ${QOS} for ${SECONDS} s, payload ${PAYLOAD} B`);
    console.log(`median ${pct(latencies, 50).toFixed(2)} ms, p90 ${pct(latencies, 90).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms, `
      + `max ${latencies[n - 1].toFixed(2)} ms, mean ${mean.toFixed(2)} ms`);
  } finally {
    cleanup();
  }
}

await main();
