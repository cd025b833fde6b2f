#!/usr/bin/env node
/**
 * Does sharding by connection over worker threads pay on this machine? (issue 9, point 4)
 *
 *   node bench/shard-probe.js FILE [--workers 1,2] [--runs 3]
 *
 * A probe, not the product: the main thread reads the classic pcap (the same 1 MiB fs stream as
 * `analyze`), finds each record's IPv4/TCP 4-tuple and copies the record into the batch of the worker
 * that owns the connection (a direction-independent hash, so both directions of a connection go to the
 * same worker); full 1 MiB batches are transferred (not copied) to the workers. Each worker runs the
 * real pipeline from dist/ (capture parser → Engine → Analyzer, JSON mode: no per-packet output) on
 * its share and returns its counts. This measures the best case for sharding: it leaves out what an
 * identical output would add (keeping the capture's frame numbers, numbering connections in global
 * first-seen order, re-running the cross-connection rules — takeover, broker shutdown, reconnect
 * storms — on the merged model, and serialising the per-packet NDJSON events back in frame order).
 * Records that are not IPv4/TCP go to worker 0.
 */
import { createReadStream } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const BATCH = 1 << 20;

function mix(h) {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return h >>> 0;
}

async function runMain(file, nWorkers) {
  const t0 = performance.now();
  const workers = [];
  const done = [];
  for (let i = 0; i < nWorkers; i++) {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { role: 'shard' } });
    workers.push(w);
    done.push(new Promise((resolve, reject) => { w.on('message', resolve); w.on('error', reject); }));
  }
  const batches = workers.map(() => ({ buf: new Uint8Array(BATCH), n: 0 }));
  const flush = (i) => {
    const b = batches[i];
    if (b.n === 0) return;
    const out = b.buf.subarray(0, b.n);
    workers[i].postMessage(out, [out.buffer]);
    batches[i] = { buf: new Uint8Array(BATCH), n: 0 };
  };
  let header = null;
  let carry = new Uint8Array(0);
  let records = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    let data = chunk;
    if (carry.length > 0) {
      data = new Uint8Array(carry.length + chunk.length);
      data.set(carry, 0);
      data.set(chunk, carry.length);
    }
    let p = 0;
    if (header === null) {
      header = data.slice(0, 24);
      for (const w of workers) w.postMessage(header);
      p = 24;
    }
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    while (p + 16 <= data.length) {
      const capLen = dv.getUint32(p + 8, true);
      if (p + 16 + capLen > data.length) break;
      const f = p + 16;
      let shard = 0;
      // Ethernet, IPv4, TCP: hash of the unordered endpoint pair.
      if (nWorkers > 1 && capLen >= 54 && data[f + 12] === 0x08 && data[f + 13] === 0x00 && data[f + 23] === 6) {
        const ihl = (data[f + 14] & 0x0f) * 4;
        const a = dv.getUint32(f + 26, false) ^ (dv.getUint16(f + 14 + ihl, false) << 16);
        const b = dv.getUint32(f + 30, false) ^ (dv.getUint16(f + 16 + ihl, false) << 16);
        shard = ((mix(a) ^ mix(b)) >>> 0) % nWorkers;
      }
      const len = 16 + capLen;
      const bt = batches[shard];
      if (bt.n + len > BATCH) flush(shard);
      batches[shard].buf.set(data.subarray(p, p + len), batches[shard].n);
      batches[shard].n += len;
      records++;
      p += len;
    }
    carry = data.slice(p);
  }
  for (let i = 0; i < nWorkers; i++) { flush(i); workers[i].postMessage(null); }
  const results = await Promise.all(done);
  for (const w of workers) await w.terminate();
  const wall = (performance.now() - t0) / 1000;
  return { wall, records, connections: results.reduce((n, r) => n + r.connections, 0), packets: results.reduce((n, r) => n + r.packets, 0) };
}

async function runShard() {
  const dist = new URL('../dist/', import.meta.url);
  const { CaptureParser } = await import(new URL('capture/parser.js', dist).href);
  const { Engine, DEFAULT_PORTS } = await import(new URL('engine/engine.js', dist).href);
  const { DEFAULT_LIMITS } = await import(new URL('engine/limits.js', dist).href);
  const { Analyzer } = await import(new URL('analysis/analyzer.js', dist).href);
  const silent = { connectionOpened() {}, packet() {}, anomaly() {}, connectionClosed() {}, verdict() {} };
  const analyzer = new Analyzer(silent);
  const engine = new Engine({ limits: DEFAULT_LIMITS, ports: new Map(DEFAULT_PORTS), assumeVersion: null }, analyzer);
  const parser = new CaptureParser({ record: (r) => engine.push(r), diagnostic: (d) => engine.captureDiagnostic(d) });
  parentPort.on('message', (m) => {
    if (m !== null) { parser.push(m); return; }
    parser.end();
    engine.finish();
    const r = analyzer.result();
    parentPort.postMessage({ connections: r.connections.length, packets: r.mqttPackets });
  });
}

if (!isMainThread && workerData?.role === 'shard') {
  await runShard();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const args = process.argv.slice(3);
  const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
  const counts = opt('--workers', '1,2').split(',').map(Number);
  const runs = Number(opt('--runs', '3'));
  const samples = new Map(counts.map((n) => [n, []]));
  let last = null;
  for (let r = 0; r < runs; r++) {
    for (const n of counts) {
      last = await runMain(file, n);
      samples.get(n).push(last.wall);
      process.stderr.write(`run ${r + 1}: ${n} worker(s) ${last.wall.toFixed(2)} s, ${last.connections} connections, ${last.packets} MQTT packets\n`);
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const n of counts) console.log(`${n} worker(s): median ${med(samples.get(n)).toFixed(2)} s over ${runs} runs`);
}
