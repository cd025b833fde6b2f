/**
 * Proves the capture harness works for real: a live mosquitto, tcpdump on lo, real and raw clients.
 * Needs root (tcpdump), mosquitto, mosquitto-clients, tcpdump, tshark and python3-paho-mqtt; a missing
 * tool fails the test with the package to install (nothing is skipped).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startBroker } from './broker.js';
import { RawMqttClient, RawWsMqttClient, mosquittoPub } from './clients.js';
import { inspectCapture, tsharkMqttPairs } from './inspect.js';
import { connect, disconnect, hex, pingreq, subscribe } from './packets.js';
import { TOOLS, onCleanup, requireTool, sleep, useHarnessCleanup, type ToolName } from './proc.js';
import { SCENARIO_NAMES, manifestEntry, record } from './scenarios.js';
import { startCapture, startCaptureStream } from './tcpdump.js';

useHarnessCleanup('all');

/** A temp directory, removed after the file's tests. */
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'autopsy-harness-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('system tools', () => {
  test.each(Object.keys(TOOLS) as ToolName[])('%s is installed', (tool) => {
    expect(requireTool(tool)).toBe(TOOLS[tool]);
  });
});

describe('clean-qos012, live', () => {
  test('the capture holds every QoS 0/1/2 packet type and the log the connects and disconnects', async () => {
    const r = await record('clean-qos012', tmp());
    const types = new Set(tsharkMqttPairs(r.pcap, [r.brokerPort]).map((p) => p.split(':')[1]));
    for (const t of ['CONNECT', 'CONNACK', 'SUBSCRIBE', 'SUBACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'DISCONNECT']) {
      expect(types, `tshark sees no ${t} in ${r.pcap}`).toContain(t);
    }
    expect(r.brokerLogText).toMatch(/New client connected from 127\.0\.0\.1:\d+ as autopsy-sub \(p2, c1, k60\)\./);
    expect(r.brokerLogText).toMatch(/Client autopsy-sub disconnected\./);
    for (const q of [0, 1, 2]) expect(r.brokerLogText).toMatch(new RegExp(`Client autopsy-pub-q${q} disconnected\\.`));
    expect(readFileSync(r.brokerLog, 'utf8')).toBe(r.brokerLogText);
    // The test-side inspector agrees with tshark frame by frame.
    const ours = inspectCapture(r.pcap).flatMap((c) => c.packets.map((p) => `${p.frame}:${p.type}`));
    expect([...ours].sort()).toEqual([...tsharkMqttPairs(r.pcap, [r.brokerPort])].sort());
    const m = manifestEntry(r);
    expect(m.connections).toHaveLength(4);
    expect(m.connections.every((c) => c.cause === 'client_disconnect' && c.closeMethod === 'mqtt_disconnect')).toBe(true);
  });
});

describe('broker', () => {
  test('writes the asked-for configuration and listens on 127.0.0.1 only, WebSocket listener included', async () => {
    const b = await startBroker({ websockets: true, users: { u: 'p' }, maxKeepalive: 30, messageSizeLimit: 4096, maxPacketSize: 8192 });
    const conf = readFileSync(b.configPath, 'utf8');
    for (const line of ['allow_anonymous false', `password_file ${b.dir}/passwd`, 'max_keepalive 30', 'message_size_limit 4096',
      'max_packet_size 8192', 'log_type all', 'log_timestamp_format %Y-%m-%dT%H:%M:%S', `listener ${b.port} 127.0.0.1`,
      `listener ${b.wsPort!} 127.0.0.1`, 'protocol websockets', 'socket_domain ipv4']) {
      expect(conf).toContain(line);
    }
    const listen = readFileSync('/proc/net/tcp', 'utf8').split('\n').map((l) => l.trim().split(/\s+/))
      .filter((f) => f[3] === '0A').map((f) => f[1]!);
    for (const port of [b.port, b.wsPort!]) {
      const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
      expect(listen).toContain(`0100007F:${hexPort}`);
      expect(listen).not.toContain(`00000000:${hexPort}`);
    }
    const good = await mosquittoPub({ port: b.port, id: 'h-good', username: 'u', password: 'p', topic: 't', message: 'm' });
    expect(good.code, good.stderr).toBe(0);
    const bad = await mosquittoPub({ port: b.port, id: 'h-bad', username: 'u', password: 'nope', topic: 't', message: 'm' });
    expect(bad.code).toBe(5);
    const log = await b.stop();
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: mosquitto version 2\.0\.11 running$/m);
    expect(log).toMatch(/Sending CONNACK to 127\.0\.0\.1 \(0, 5\)/);
    expect(await b.stop()).toBe(log);
  });

  test('a busy fixed port is a clear error', async () => {
    const b = await startBroker();
    await expect(startBroker({ port: b.port })).rejects.toThrow(/Address already in use/);
  });
});

describe('raw clients', () => {
  test('TCP: exact bytes in, the broker\'s packets out, the broker\'s close seen', async () => {
    const b = await startBroker();
    const c = await RawMqttClient.connect(b.port);
    await c.writeChunks(connect('h-raw', { keepAlive: 30 }), [1, 3]);
    expect(hex(await c.expectPacket('CONNACK'))).toBe('20020000');
    await c.write(pingreq());
    expect(hex(await c.expectPacket('PINGRESP'))).toBe('d000');
    await c.write(Uint8Array.of(0x00, 0x00));
    expect((await c.closed(5000)).by).toBe('fin');
    await b.waitForLog(/Client h-raw disconnected due to protocol error\./);
  });

  test('WebSocket: hand-made Upgrade, one packet across frames, packets sharing a frame, a fragmented message', async () => {
    const b = await startBroker({ websockets: true });
    const cap = await startCapture(join(tmp(), 'ws.pcap'), { ports: [b.port, b.wsPort!] });
    const ws = await RawWsMqttClient.connect(b.wsPort!);
    expect(ws.response).toMatch(/^HTTP\/1\.1 101/);
    expect(ws.response).toMatch(/Sec-WebSocket-Protocol: mqtt/i);
    await ws.sendMqtt([connect('h-ws')], { frameSizes: [1, 0, 4] });
    await ws.expectPacket('CONNACK');
    await ws.sendMqtt([subscribe(1, 'a/b', 1), pingreq()]);
    await ws.expectPacket('SUBACK');
    await ws.expectPacket('PINGRESP');
    await ws.sendMqtt([pingreq(), pingreq()], { frameSizes: [1, 2], fragmented: true, coalesce: true });
    await ws.expectPacket('PINGRESP');
    await ws.expectPacket('PINGRESP');
    await ws.sendMqtt([disconnect()]);
    await ws.closed(5000);
    await sleep(50);
    const file = await cap.stop();
    expect(cap.stats()?.droppedByKernel).toBe(0);
    const [conn] = inspectCapture(file);
    expect(conn?.transport).toBe('websocket');
    expect(conn?.clientId).toBe('h-ws');
    expect(conn?.packets.filter((p) => p.dir === 'c2s').map((p) => p.type))
      .toEqual(['CONNECT', 'SUBSCRIBE', 'PINGREQ', 'PINGREQ', 'PINGREQ', 'DISCONNECT']);
    const connectFrames = conn!.packets[0]!.frames;
    expect(connectFrames.length).toBeGreaterThanOrEqual(3); // 1 + 0 + 4 + rest bytes, one write per frame
    const log = await b.stop();
    expect(log).toMatch(/Received DISCONNECT from h-ws/);
  });
});

describe('tcpdump', () => {
  test('the streaming variant writes pcap to stdout as packets arrive', async () => {
    const b = await startBroker();
    const cap = await startCaptureStream({ ports: [b.port] });
    const chunks: Buffer[] = [];
    cap.stdout.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<void>((r) => cap.stdout.once('end', () => r()));
    const r = await mosquittoPub({ port: b.port, id: 'h-stream', topic: 't', message: 'm' });
    expect(r.code).toBe(0);
    // Immediate mode: the packets are on the pipe before tcpdump stops.
    for (let i = 0; i < 50 && Buffer.concat(chunks).length < 24 + 10 * 16; i++) await sleep(20);
    const live = Buffer.concat(chunks);
    expect(live.length).toBeGreaterThan(24 + 10 * 16);
    await cap.stop();
    await ended;
    const all = Buffer.concat(chunks);
    expect(all.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(all.readUInt32LE(20)).toBe(1); // LINKTYPE_ETHERNET on lo
  });

  test('a missing interface is a clear error', async () => {
    await expect(startCapture(join(tmp(), 'x.pcap'), { ports: [1], iface: 'no-such-if0' })).rejects.toThrow(/harness: tcpdump/);
  });
});

describe.concurrent('every scenario records, with its broker-log ground truth', () => {
  test.each(SCENARIO_NAMES.filter((n) => n !== 'clean-qos012'))('%s', async (name) => {
    const r = await record(name, tmp());
    expect(r.groundTruth.length).toBeGreaterThan(0);
    const m = manifestEntry(r);
    expect(m.expected.evidenceFrame).toBeGreaterThan(0);
    const conns = inspectCapture(r.pcap);
    if (conns.every((c) => c.transport === 'tcp')) {
      // The inspector and tshark agree on every MQTT packet (tshark does not decode MQTT inside WebSocket).
      const ours = conns.flatMap((c) => c.packets.map((p) => `${p.frame}:${p.type}`));
      expect([...ours].sort()).toEqual([...tsharkMqttPairs(r.pcap, [r.brokerPort])].sort());
    }
  });
});
