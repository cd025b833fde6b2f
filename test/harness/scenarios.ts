/**
 * Named capture scenarios: each starts a broker and tcpdump, drives real or raw clients, stops
 * everything and leaves `<name>.pcap` and `<name>.broker.log` in a directory.
 *
 * ```ts
 * const r = await record('keepalive-timeout', dir);           // random free ports
 * const s = await record('clean-qos012', 'samples', { brokerPort: 1883, wsPort: 8080 });
 * const entry = manifestEntry(r);                             // what the analyzer must conclude
 * ```
 *
 * Every scenario names the broker log lines that are its ground truth; {@link record} fails when the
 * broker did not log them, so a recording never silently shows something else.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, type Broker, type BrokerOptions } from './broker.js';
import { RawMqttClient, RawWsMqttClient, mosquittoPub, mqttJsConnect, pahoWsScript, runPaho, startMosquittoSub } from './clients.js';
import { inspectCapture, type SeenConnection, type SeenPacket } from './inspect.js';
import { connect, hex, pingreq, publish, subscribe, withFirstByte } from './packets.js';
import { sleep, withTimeout, type ToolResult } from './proc.js';
import { startCapture } from './tcpdump.js';

/** The verdict causes of ARCHITECTURE.md §5. */
export type Cause = 'client_disconnect' | 'client_close' | 'keepalive_timeout' | 'malformed_packet' | 'protocol_violation'
  | 'auth_rejected' | 'session_takeover' | 'server_disconnect' | 'websocket_violation' | 'size_limit' | 'network_reset'
  | 'broker_shutdown' | 'still_open' | 'unknown';

/** `closedBy` of ARCHITECTURE.md §5. */
export type ClosedBy = 'client' | 'broker' | 'unknown' | null;
/** `closeMethod` of ARCHITECTURE.md §5. */
export type CloseMethod = 'mqtt_disconnect' | 'ws_close' | 'tcp_fin' | 'tcp_rst' | null;

/** What the analyzer should conclude about one connection of a sample. */
export interface ConnectionExpectation {
  /** Client id from the CONNECT (null when the connection carried none). */
  clientId: string | null;
  /** The client's ephemeral port: with the broker port it identifies the connection. */
  clientPort: number;
  transport: 'tcp' | 'websocket';
  cause: Cause;
  /** Other causes a reasonable analyzer may give (the wire is ambiguous); see `notes`. */
  alsoAcceptable?: Cause[];
  closedBy: ClosedBy;
  closeMethod: CloseMethod;
  /** The capture frame (1-based) that proves the cause. */
  evidenceFrame: number;
  /** Other frames worth knowing, by name (e.g. `connect`, `connack`, `brokerFin`). */
  keyFrames: Record<string, number>;
  notes: string;
}

/** One `samples/manifest.json` entry. */
export interface ManifestEntry {
  file: string;
  log: string;
  scenario: ScenarioName;
  brokerPort: number;
  wsPort?: number;
  /** The connection the scenario is about. */
  expected: ConnectionExpectation;
  /** Every connection in the capture, in capture order (the focal one included). */
  connections: ConnectionExpectation[];
  /** The broker log lines that are the ground truth (timestamps included). */
  groundTruth: string[];
}

/** What a recording produced. */
export interface RecordResult {
  name: ScenarioName;
  /** Path of `<name>.pcap`. */
  pcap: string;
  /** Path of `<name>.broker.log`. */
  brokerLog: string;
  /** Its text. */
  brokerLogText: string;
  brokerPort: number;
  wsPort?: number;
  /** Observations made while driving (timings, client exit codes). */
  notes: string[];
  /** The log lines that matched the scenario's ground-truth patterns. */
  groundTruth: string[];
}

/** Fixed ports for a recording (default: free ports). */
export interface RecordOptions {
  brokerPort?: number;
  wsPort?: number;
}

interface Context {
  broker: Broker;
  notes: string[];
}

interface Scenario {
  /** One line: what happens. */
  summary: string;
  /** How it is made: exact clients and flags (README). */
  how: string;
  broker?: Omit<BrokerOptions, 'port' | 'websockets' | 'dir'>;
  websockets?: boolean;
  drive(ctx: Context): Promise<void>;
  /** Log lines that must appear (the ground truth). */
  groundTruth: RegExp[];
  /** The analyzer's expected conclusions, read off the capture. */
  expect(conns: SeenConnection[]): { focal: ConnectionExpectation; all: ConnectionExpectation[] };
}

// ---------------------------------------------------------------------------------------------------------
// Expectation helpers

const TOPIC = 'autopsy/test';
const PASSWORD = 'correct-horse';

/** How the transport ended, read off the wire: a DISCONNECT first, else a WebSocket Close, else FIN/RST. */
function closeOf(c: SeenConnection): { closedBy: ClosedBy; closeMethod: CloseMethod; frame: number | undefined } {
  const end = c.firstClose?.frame ?? Infinity;
  const disc = c.packets.find((p) => p.type === 'DISCONNECT' && p.frame <= end);
  if (disc) return { closedBy: disc.dir === 'c2s' ? 'client' : 'broker', closeMethod: 'mqtt_disconnect', frame: disc.frame };
  const wsClose = c.events.find((e) => e.kind === 'ws_close' && e.frame <= end);
  if (wsClose) return { closedBy: wsClose.by === 'client' ? 'client' : 'broker', closeMethod: 'ws_close', frame: wsClose.frame };
  if (c.firstClose) {
    return {
      closedBy: c.firstClose.by === 'client' ? 'client' : 'broker',
      closeMethod: c.firstClose.kind === 'rst' ? 'tcp_rst' : 'tcp_fin',
      frame: c.firstClose.frame,
    };
  }
  return { closedBy: null, closeMethod: null, frame: undefined };
}

function packet(c: SeenConnection, type: SeenPacket['type'], dir?: SeenPacket['dir'], nth = 0): SeenPacket {
  const p = c.packets.filter((x) => x.type === type && (dir === undefined || x.dir === dir))[nth];
  if (!p) throw new Error(`scenario: no ${type}${dir ? ` ${dir}` : ''} #${nth} in connection ${c.clientId ?? c.clientPort}`);
  return p;
}

/** "FIN" or "RST": how the broker ended its side. */
function brokerEnd(c: SeenConnection): string {
  return c.events.find((e) => (e.kind === 'fin' || e.kind === 'rst') && e.by === 'server')?.kind.toUpperCase() ?? 'no close';
}

function firstClose(c: SeenConnection, by: 'client' | 'server'): number | undefined {
  return c.events.find((e) => (e.kind === 'fin' || e.kind === 'rst') && e.by === by)?.frame;
}

/** Common key frames: CONNECT, CONNACK, the first FIN/RST of each side. */
function baseFrames(c: SeenConnection): Record<string, number> {
  const k: Record<string, number> = { syn: c.synFrame };
  const cn = c.packets.find((p) => p.type === 'CONNECT');
  const ca = c.packets.find((p) => p.type === 'CONNACK');
  if (cn) k['connect'] = cn.frame;
  if (ca) k['connack'] = ca.frame;
  const cf = firstClose(c, 'client');
  const sf = firstClose(c, 'server');
  if (cf !== undefined) k['clientClose'] = cf;
  if (sf !== undefined) k['brokerClose'] = sf;
  const cw = c.events.find((e) => e.kind === 'ws_close' && e.by === 'client');
  const sw = c.events.find((e) => e.kind === 'ws_close' && e.by === 'server');
  if (cw) k['clientWsClose'] = cw.frame;
  if (sw) k['brokerWsClose'] = sw.frame;
  return k;
}

/**
 * The expectation for a connection with the default reading: a client DISCONNECT → client_disconnect,
 * a refusing CONNACK → auth_rejected, a client FIN/RST without DISCONNECT → client_close, nothing → still_open.
 */
function generic(c: SeenConnection): ConnectionExpectation {
  const close = closeOf(c);
  const base = { clientId: c.clientId ?? null, clientPort: c.clientPort, transport: c.transport, closedBy: close.closedBy, closeMethod: close.closeMethod, keyFrames: baseFrames(c) };
  const connack = c.packets.find((p) => p.type === 'CONNACK');
  if (connack && connack.reasonCode !== undefined && connack.reasonCode !== 0) {
    return { ...base, cause: 'auth_rejected', evidenceFrame: connack.frame, notes: `CONNACK return/reason code ${connack.reasonCode} (0x${connack.reasonCode.toString(16)})` };
  }
  if (close.closeMethod === 'mqtt_disconnect' && close.closedBy === 'client') {
    return { ...base, cause: 'client_disconnect', evidenceFrame: close.frame!, notes: 'clean DISCONNECT from the client, then the TCP close' };
  }
  if (close.closedBy === 'client') {
    return { ...base, cause: 'client_close', evidenceFrame: close.frame!, notes: 'the client closed the transport without DISCONNECT' };
  }
  if (close.closedBy === null) {
    return { ...base, cause: 'still_open', evidenceFrame: c.packets.at(-1)?.frame ?? c.synFrame, notes: 'no close in the capture' };
  }
  return { ...base, cause: 'unknown', evidenceFrame: close.frame!, notes: 'closed by the broker with no MQTT-level reason in the capture' };
}

function byId(conns: SeenConnection[], id: string, nth = 0): SeenConnection {
  const c = conns.filter((x) => x.clientId === id)[nth];
  if (!c) throw new Error(`scenario: no connection with client id ${id} (#${nth}) in the capture; have ${conns.map((x) => x.clientId).join(', ')}`);
  return c;
}

/** Replaces the generic expectation of the focal connection with a scenario-specific one. */
function withFocal(conns: SeenConnection[], focal: SeenConnection, e: Omit<ConnectionExpectation, 'clientId' | 'clientPort' | 'transport' | 'closedBy' | 'closeMethod' | 'keyFrames'> & { keyFrames?: Record<string, number> }): { focal: ConnectionExpectation; all: ConnectionExpectation[] } {
  const close = closeOf(focal);
  const f: ConnectionExpectation = {
    clientId: focal.clientId ?? null, clientPort: focal.clientPort, transport: focal.transport,
    cause: e.cause, ...(e.alsoAcceptable ? { alsoAcceptable: e.alsoAcceptable } : {}),
    closedBy: close.closedBy, closeMethod: close.closeMethod,
    evidenceFrame: e.evidenceFrame, keyFrames: { ...baseFrames(focal), ...e.keyFrames }, notes: e.notes,
  };
  return { focal: f, all: conns.map((c) => (c === focal ? f : generic(c))) };
}

function genericFocal(conns: SeenConnection[], focal: SeenConnection): { focal: ConnectionExpectation; all: ConnectionExpectation[] } {
  const f = generic(focal);
  return { focal: f, all: conns.map((c) => (c === focal ? f : generic(c))) };
}

function mustSucceed(r: ToolResult, what: string): void {
  if (r.code !== 0) throw new Error(`scenario: ${what} exited ${r.code}:\n${r.stdout}${r.stderr}`);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const connected = (id: string): RegExp => new RegExp(`New client connected from 127\\.0\\.0\\.1:\\d+ as ${esc(id)} `);

// ---------------------------------------------------------------------------------------------------------
// The scenarios

async function cleanQos012(ctx: Context, v: '311' | '5'): Promise<void> {
  const sfx = v === '5' ? '-v5' : '';
  const props5 = (cmd: string): string[][] => (v === '5' ? [[cmd, 'user-property', 'autopsy', cmd]] : []);
  const sub = startMosquittoSub({
    port: ctx.broker.port, version: v, id: `autopsy-sub${sfx}`, topic: TOPIC, qos: 2, count: 3,
    properties: [...props5('connect'), ...(v === '5' ? [['connect', 'session-expiry-interval', '0']] : [])],
  });
  await sub.subscribed;
  for (const qos of [0, 1, 2] as const) {
    mustSucceed(await mosquittoPub({
      port: ctx.broker.port, version: v, id: `autopsy-pub${sfx}-q${qos}`, topic: TOPIC, qos, message: `hello qos ${qos}`,
      properties: v === '5' ? [['publish', 'user-property', 'a', 'b'], ['publish', 'message-expiry-interval', '60'], ['publish', 'content-type', 'text/plain']] : [],
    }), `mosquitto_pub -q ${qos}`);
  }
  const r = await sub.done();
  mustSucceed(r, 'mosquitto_sub');
  ctx.notes.push(`mosquitto_sub exited ${r.code} after 3 messages`);
}

function cleanExpect(sfx: string) {
  return (conns: SeenConnection[]) => genericFocal(conns, byId(conns, `autopsy-sub${sfx}`));
}

function cleanTruth(sfx: string): RegExp[] {
  return [connected(`autopsy-sub${sfx}`), new RegExp(`Received DISCONNECT from autopsy-sub${sfx}$`), new RegExp(`Client autopsy-sub${sfx} disconnected\\.$`),
    ...[0, 1, 2].map((q) => new RegExp(`Client autopsy-pub${sfx}-q${q} disconnected\\.$`))];
}

async function refused(ctx: Context, v: '311' | '5'): Promise<void> {
  const sfx = v === '5' ? '-v5' : '';
  mustSucceed(await mosquittoPub({ port: ctx.broker.port, version: v, id: `autopsy-good${sfx}`, username: 'autopsy', password: PASSWORD, topic: TOPIC, message: 'right password' }),
    'mosquitto_pub with the right password');
  const r = await mosquittoPub({ port: ctx.broker.port, version: v, id: `autopsy-refused${sfx}`, username: 'autopsy', password: 'wrong-password', topic: TOPIC, message: 'never sent' });
  if (r.code === 0) throw new Error('scenario: mosquitto_pub with a wrong password succeeded');
  ctx.notes.push(`mosquitto_pub (wrong password) exited ${r.code}: ${r.stderr.trim().replace(/\n/g, ' / ')}`);
}

function refusedExpect(sfx: string) {
  return (conns: SeenConnection[]) => {
    const c = byId(conns, `autopsy-refused${sfx}`);
    const connack = packet(c, 'CONNACK');
    return withFocal(conns, c, {
      cause: 'auth_rejected', evidenceFrame: connack.frame,
      notes: `CONNACK code ${connack.reasonCode} (0x${(connack.reasonCode ?? 0).toString(16)}) to a CONNECT with a wrong password. ` +
        `Both sides then send FIN within a fraction of a millisecond; which comes first is a race (here: the ${c.firstClose?.by === 'client' ? 'client' : 'broker'}'s), ` +
        'so closedBy may be either in other recordings',
    });
  };
}

/** Raw client: CONNECT, CONNACK, then one corrupted packet; waits for the broker to close. */
async function corruptTcp(ctx: Context, id: string, level: 4 | 5, bad: Uint8Array): Promise<void> {
  const c = await RawMqttClient.connect(ctx.broker.port);
  await c.write(connect(id, { level }));
  await c.expectPacket('CONNACK');
  await sleep(50);
  await c.write(bad);
  ctx.notes.push(`raw client (port ${c.localPort}) sent ${hex(bad)}`);
  if (level === 5) {
    const d = await c.expectPacket('DISCONNECT');
    ctx.notes.push(`broker sent DISCONNECT ${hex(d)}`);
  }
  const close = await c.closed(5000);
  ctx.notes.push(`the connection was closed ${close.afterMs} ms after connect`);
}

function corruptExpect(id: string, alsoAcceptable?: Cause[], extra = '') {
  return (conns: SeenConnection[]) => {
    const c = byId(conns, id);
    // The corrupted packet is the client's last one (the broker closes right after it).
    const bad = c.packets.filter((p) => p.dir === 'c2s').at(-1);
    if (!bad || bad.type === 'CONNECT') throw new Error(`scenario: no corrupted packet after CONNECT in ${id}`);
    const disc = c.packets.find((p) => p.type === 'DISCONNECT' && p.dir === 's2c');
    return withFocal(conns, c, {
      cause: 'malformed_packet', ...(alsoAcceptable ? { alsoAcceptable } : {}), evidenceFrame: bad.frame,
      keyFrames: { corruptPacket: bad.frame, ...(disc ? { brokerDisconnect: disc.frame } : {}) },
      notes: `first byte 0x${bad.firstByte.toString(16).padStart(2, '0')} (packet ${bad.hex}); the broker closes right after it${disc ? ` with DISCONNECT reason 0x${(disc.reasonCode ?? 0).toString(16)}` : ''}.${extra}`,
    });
  };
}

/** Raw WebSocket client: CONNECT, CONNACK, a valid PUBLISH + PINGREQ in one frame, then a PUBLISH with a corrupted first byte. */
async function corruptWs(ctx: Context, id: string, firstByte: number): Promise<void> {
  const ws = await RawWsMqttClient.connect(ctx.broker.wsPort!);
  await ws.sendMqtt([connect(id)]);
  await ws.expectPacket('CONNACK');
  await ws.sendMqtt([publish(TOPIC, 'fine'), pingreq()]);
  await ws.expectPacket('PINGRESP');
  await sleep(50);
  const bad = withFirstByte(publish(TOPIC, 'hello'), firstByte);
  await ws.sendMqtt([bad]);
  ctx.notes.push(`raw WebSocket client (port ${ws.localPort}) sent ${hex(bad)} in one masked binary frame (key 37fa213d)`);
  const close = await ws.closed(5000);
  ctx.notes.push(`the connection was closed ${close.afterMs} ms after connect, ${close.wsCloseCode !== undefined ? `WebSocket Close ${close.wsCloseCode} received` : 'no WebSocket Close frame received'}`);
}

/** Every scenario, by name. */
export const SCENARIOS = {
  'clean-qos012': {
    summary: 'MQTT 3.1.1: a subscriber (QoS 2) receives QoS 0, 1 and 2 publishes from three mosquitto_pub runs; everyone DISCONNECTs cleanly.',
    how: `mosquitto_sub -V 311 -i autopsy-sub -t ${TOPIC} -q 2 -C 3; then mosquitto_pub -V 311 -i autopsy-pub-q{0,1,2} -q {0,1,2} -m "hello qos N".`,
    drive: (ctx) => cleanQos012(ctx, '311'),
    groundTruth: cleanTruth(''),
    expect: cleanExpect(''),
  },
  'clean-v5': {
    summary: 'The same flows in MQTT 5 with properties (CONNECT user property and session expiry; PUBLISH user property, message expiry, content type).',
    how: `mosquitto_sub -V 5 -i autopsy-sub-v5 -q 2 -C 3 -D connect user-property autopsy connect -D connect session-expiry-interval 0; ` +
      'mosquitto_pub -V 5 -i autopsy-pub-v5-q{0,1,2} -D publish user-property a b -D publish message-expiry-interval 60 -D publish content-type text/plain.',
    drive: (ctx) => cleanQos012(ctx, '5'),
    groundTruth: cleanTruth('-v5'),
    expect: cleanExpect('-v5'),
  },
  'connect-refused': {
    summary: 'Password file, allow_anonymous false: one mosquitto_pub with the right password, then one with a wrong password gets CONNACK 5 (not authorised).',
    how: `password file (mosquitto_passwd -c -b passwd autopsy ${PASSWORD}); mosquitto_pub -V 311 -i autopsy-good -u autopsy -P ${PASSWORD}; mosquitto_pub -V 311 -i autopsy-refused -u autopsy -P wrong-password (exits 5).`,
    broker: { users: { autopsy: PASSWORD } },
    drive: (ctx) => refused(ctx, '311'),
    groundTruth: [/Sending CONNACK to 127\.0\.0\.1 \(0, 5\)$/, /Client <unknown> disconnected, not authorised\.$/],
    expect: refusedExpect(''),
  },
  'connect-refused-v5': {
    summary: 'The same in MQTT 5: mosquitto 2.0.11 refuses the wrong password with CONNACK 0x87 (Not authorized), not 0x86 (Bad user name or password).',
    how: `as connect-refused with -V 5 and client ids autopsy-good-v5 / autopsy-refused-v5 (mosquitto_pub exits 135).`,
    broker: { users: { autopsy: PASSWORD } },
    drive: (ctx) => refused(ctx, '5'),
    groundTruth: [/Sending CONNACK to 127\.0\.0\.1 \(0, 135\)$/, /Client <unknown> disconnected, not authorised\.$/],
    expect: refusedExpect('-v5'),
  },
  'corrupt-first-byte-tcp': {
    summary: 'Raw TCP client (3.1.1): CONNECT, CONNACK, then a SUBSCRIBE whose first byte is 0x80 instead of 0x82 (reserved flags wrong); the broker drops it at once.',
    how: 'node:net raw client (test/harness/clients.ts RawMqttClient): CONNECT autopsy-corrupt (3.1.1, keep-alive 60); after CONNACK, SUBSCRIBE id 1 to autopsy/test QoS 0 with byte 0 = 0x80.',
    drive: (ctx) => corruptTcp(ctx, 'autopsy-corrupt', 4, withFirstByte(subscribe(1, TOPIC, 0), 0x80)),
    groundTruth: [/Received SUBSCRIBE from autopsy-corrupt$/, /Client autopsy-corrupt disconnected due to malformed packet\.$/],
    expect: corruptExpect('autopsy-corrupt', undefined, ' Reserved flags of SUBSCRIBE must be 0010 [MQTT-3.8.1-1].'),
  },
  'corrupt-first-byte-tcp-v5': {
    summary: 'The same in MQTT 5: the broker answers the 0x80 SUBSCRIBE with DISCONNECT 0x81 (Malformed Packet), then closes.',
    how: 'raw client: CONNECT autopsy-corrupt-v5 (MQTT 5); after CONNACK, a v5 SUBSCRIBE with byte 0 = 0x80.',
    drive: (ctx) => corruptTcp(ctx, 'autopsy-corrupt-v5', 5, withFirstByte(subscribe(1, TOPIC, 0, 5), 0x80)),
    groundTruth: [/Client autopsy-corrupt-v5 disconnected due to malformed packet\.$/],
    expect: corruptExpect('autopsy-corrupt-v5', ['server_disconnect'], ' The broker DISCONNECT carries reason 0x81; server_disconnect (with 0x81 in the evidence) is an acceptable reading.'),
  },
  'corrupt-type0-tcp': {
    summary: 'Raw TCP client (3.1.1): after CONNACK, the same SUBSCRIBE bytes with first byte 0x00 (reserved packet type 0); mosquitto logs a protocol error and closes.',
    how: 'raw client: CONNECT autopsy-type0; after CONNACK, SUBSCRIBE bytes with byte 0 = 0x00.',
    drive: (ctx) => corruptTcp(ctx, 'autopsy-type0', 4, withFirstByte(subscribe(1, TOPIC, 0), 0x00)),
    groundTruth: [/Client autopsy-type0 disconnected due to protocol error\.$/],
    expect: corruptExpect('autopsy-type0', ['protocol_violation'],
      ' Type 0 is reserved/forbidden (MQTT 5 treats it as Malformed, 0x81) but mosquitto 2.0.11 logs "protocol error" (and sends 0x82 to v5 clients): protocol_violation is an acceptable reading.'),
  },
  'keepalive-timeout': {
    summary: 'Raw TCP client: CONNECT with keep-alive 2 s, CONNACK, then silence; mosquitto closes it (FIN only) after 1.5 × keep-alive on its coarse tick.',
    how: 'raw client: CONNECT autopsy-ka (3.1.1, keep-alive 2); never sends again; closes its side when the broker FIN arrives.',
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(connect('autopsy-ka', { keepAlive: 2 }));
      await c.expectPacket('CONNACK');
      const close = await c.closed(12_000);
      ctx.notes.push(`the broker closed the silent client ${(close.afterMs / 1000).toFixed(2)} s after connect (keep-alive 2 s)`);
    },
    groundTruth: [/Client autopsy-ka has exceeded timeout, disconnecting\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-ka');
      const last = c.packets.filter((p) => p.dir === 'c2s').at(-1)!;
      const fin = c.events.find((e) => e.by === 'server' && e.kind === 'fin')!;
      const gap = fin.ts - last.ts;
      return withFocal(conns, c, {
        cause: 'keepalive_timeout', evidenceFrame: fin.frame, keyFrames: { lastClientPacket: last.frame },
        notes: `keep-alive 2 s; the last client packet is the CONNECT; the broker FIN comes ${gap.toFixed(3)} s later ` +
          '(≥ 1.5 × keep-alive, on mosquitto\'s coarse tick); no DISCONNECT',
      });
    },
  },
  'session-takeover': {
    summary: 'MQTT.js (TCP, 3.1.1) connects as autopsy-takeover and idles; mosquitto_pub connects with the same client id; the broker closes the older connection (FIN only).',
    how: 'MQTT.js 5 mqtt://127.0.0.1:PORT clientId autopsy-takeover, reconnectPeriod 0; then mosquitto_pub -V 311 -i autopsy-takeover -m takeover.',
    drive: async (ctx) => {
      const old = await mqttJsConnect(`mqtt://127.0.0.1:${ctx.broker.port}`, { clientId: 'autopsy-takeover', protocolVersion: 4, keepalive: 60 });
      const closed = new Promise<void>((r) => old.once('close', () => r()));
      await sleep(200);
      mustSucceed(await mosquittoPub({ port: ctx.broker.port, id: 'autopsy-takeover', topic: TOPIC, message: 'takeover' }), 'mosquitto_pub (takeover)');
      await withTimeout(closed, 5000, 'the old MQTT.js connection to be closed');
      ctx.notes.push('the older MQTT.js connection saw its close');
    },
    groundTruth: [/Client autopsy-takeover already connected, closing old connection\.$/],
    expect: (conns) => {
      const old = byId(conns, 'autopsy-takeover', 0);
      const newer = byId(conns, 'autopsy-takeover', 1);
      return withFocal(conns, old, {
        cause: 'session_takeover', evidenceFrame: packet(newer, 'CONNECT').frame,
        keyFrames: { newerConnect: packet(newer, 'CONNECT').frame },
        notes: `a second connection (client port ${newer.clientPort}) sent CONNECT with the same client id; the broker closes the older one with a bare FIN`,
      });
    },
  },
  'ws-clean': {
    summary: 'MQTT.js over WebSocket (ws://127.0.0.1:PORT/mqtt, 3.1.1): connect, subscribe QoS 1, publish QoS 1, receive it, end with DISCONNECT.',
    how: 'MQTT.js 5 (Node, ws package) clientId autopsy-ws: subscribeAsync autopsy/test QoS 1, publishAsync QoS 1, wait for the message, endAsync().',
    websockets: true,
    drive: async (ctx) => {
      const c = await mqttJsConnect(`ws://127.0.0.1:${ctx.broker.wsPort!}/mqtt`, { clientId: 'autopsy-ws', protocolVersion: 4 });
      const got = new Promise<void>((r) => c.once('message', () => r()));
      await c.subscribeAsync(TOPIC, { qos: 1 });
      await c.publishAsync(TOPIC, 'hello over websocket', { qos: 1 });
      await withTimeout(got, 5000, 'MQTT.js to receive its own message');
      await c.endAsync();
      await sleep(100);
    },
    groundTruth: [connected('autopsy-ws'), /Received DISCONNECT from autopsy-ws$/, /Client autopsy-ws disconnected\.$/],
    expect: (conns) => genericFocal(conns, byId(conns, 'autopsy-ws')),
  },
  'ws-paho-clean': {
    summary: 'Python paho 1.6.1 over WebSocket (transport="websockets", 3.1.1): subscribe QoS 1, publish QoS 1, receive it, DISCONNECT.',
    how: '/usr/bin/python3 -c (test/harness/clients.ts pahoWsScript): client id autopsy-paho, ws path /mqtt, keep-alive 30.',
    websockets: true,
    drive: async (ctx) => {
      mustSucceed(await runPaho(pahoWsScript({ port: ctx.broker.wsPort!, clientId: 'autopsy-paho', topic: TOPIC, message: 'hello from paho' })), 'paho');
      await sleep(100);
    },
    groundTruth: [connected('autopsy-paho'), /Received DISCONNECT from autopsy-paho$/, /Client autopsy-paho disconnected\.$/],
    expect: (conns) => genericFocal(conns, byId(conns, 'autopsy-paho')),
  },
  'ws-corrupt-first-byte': {
    summary: 'Raw WebSocket client: CONNECT, a valid PUBLISH + PINGREQ in one frame, then a PUBLISH whose first byte is 0x36 (QoS 3) inside a perfectly masked binary frame; mosquitto drops the client with a bare FIN.',
    how: 'raw WebSocket client (hand-made Upgrade, Sec-WebSocket-Protocol: mqtt, mask key 37fa213d): CONNECT autopsy-ws-corrupt; PUBLISH autopsy/test "fine" + PINGREQ in one frame; PUBLISH "hello" with byte 0 = 0x36 instead of 0x30.',
    websockets: true,
    drive: (ctx) => corruptWs(ctx, 'autopsy-ws-corrupt', 0x36),
    groundTruth: [/Invalid QoS in PUBLISH from autopsy-ws-corrupt, disconnecting\.$/, /Client autopsy-ws-corrupt closed its connection\.$/],
    expect: corruptExpect('autopsy-ws-corrupt', undefined, ' PUBLISH QoS 3 is malformed [MQTT-3.3.1-4]. Over WebSocket mosquitto still logs "closed its connection" after the "Invalid QoS" line.'),
  },
  'ws-corrupt-type0': {
    summary: 'As ws-corrupt-first-byte, but the PUBLISH first byte becomes 0x00 (type 0): the broker log says only "closed its connection", as if the client had left.',
    how: 'raw WebSocket client as in ws-corrupt-first-byte, client id autopsy-ws-type0, corrupted byte 0x00.',
    websockets: true,
    drive: (ctx) => corruptWs(ctx, 'autopsy-ws-type0', 0x00),
    groundTruth: [/Client autopsy-ws-type0 closed its connection\.$/],
    expect: corruptExpect('autopsy-ws-type0', ['protocol_violation'],
      ' The broker log blames the client ("closed its connection") but the capture shows the broker\'s FIN right after the bad byte: the log is misleading here.'),
  },
  'client-close': {
    summary: 'Raw TCP client: CONNECT, CONNACK, PINGREQ/PINGRESP, then a TCP FIN without DISCONNECT.',
    how: 'raw client: CONNECT autopsy-close (3.1.1); PINGREQ; socket.end().',
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(connect('autopsy-close'));
      await c.expectPacket('CONNACK');
      await c.write(pingreq());
      await c.expectPacket('PINGRESP');
      await sleep(50);
      await c.end();
    },
    groundTruth: [/Client autopsy-close closed its connection\.$/],
    expect: (conns) => genericFocal(conns, byId(conns, 'autopsy-close')),
  },
  'size-limit': {
    summary: 'Broker max_packet_size 1024: a raw 3.1.1 client publishes a 2 KB PUBLISH; mosquitto closes at once (RST, since the payload is still unread).',
    how: 'broker max_packet_size 1024; raw client CONNECT autopsy-big (3.1.1), then PUBLISH autopsy/test with a 2000-byte payload (one write).',
    broker: { maxPacketSize: 1024 },
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(connect('autopsy-big'));
      await c.expectPacket('CONNACK');
      await c.write(publish(TOPIC, 'x'.repeat(2000)));
      await c.closed(5000);
    },
    groundTruth: [/Client autopsy-big disconnected due to oversize packet\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-big');
      const big = packet(c, 'PUBLISH', 'c2s');
      return withFocal(conns, c, {
        cause: 'size_limit', evidenceFrame: big.frame, keyFrames: { bigPublish: big.frame },
        notes: `PUBLISH of ${big.hex.length / 2} bytes against max_packet_size 1024 (an MQTT 3.1.1 client is not told the limit); ` +
          `the broker closes with ${brokerEnd(c)} right after it (RST because the rest of the packet is still unread in its socket)`,
      });
    },
  },
  'size-limit-v5': {
    summary: 'The same in MQTT 5: CONNACK advertises Maximum Packet Size 1024; the raw client ignores it; the broker sends DISCONNECT 0x95 (Packet too large) and resets.',
    how: 'broker max_packet_size 1024; raw client CONNECT autopsy-big-v5 (MQTT 5), then a 2000-byte-payload PUBLISH. (mosquitto_pub -V 5 would not send it: libmosquitto honours the CONNACK limit.)',
    broker: { maxPacketSize: 1024 },
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(connect('autopsy-big-v5', { level: 5 }));
      await c.expectPacket('CONNACK');
      await c.write(publish(TOPIC, 'x'.repeat(2000), { level: 5 }));
      const d = await c.expectPacket('DISCONNECT');
      await c.closed(5000);
      ctx.notes.push(`broker sent DISCONNECT ${hex(d)}`);
    },
    groundTruth: [/Client autopsy-big-v5 disconnected due to oversize packet\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-big-v5');
      const big = packet(c, 'PUBLISH', 'c2s');
      const disc = packet(c, 'DISCONNECT', 's2c');
      return withFocal(conns, c, {
        cause: 'size_limit', alsoAcceptable: ['server_disconnect'], evidenceFrame: big.frame,
        keyFrames: { bigPublish: big.frame, brokerDisconnect: disc.frame },
        notes: `PUBLISH of ${big.hex.length / 2} bytes over the CONNACK Maximum Packet Size 1024; broker DISCONNECT reason 0x${(disc.reasonCode ?? 0).toString(16)} then ${brokerEnd(c)}`,
      });
    },
  },
  'broker-shutdown': {
    summary: 'Two idle MQTT.js clients (3.1.1 and 5.0, TCP); the broker is stopped (SIGTERM) and closes both at the same moment with a bare FIN (no DISCONNECT 0x8B from 2.0.11).',
    how: 'MQTT.js clientIds autopsy-idle-311 and autopsy-idle-v5, reconnectPeriod 0; then SIGTERM to mosquitto.',
    drive: async (ctx) => {
      const a = await mqttJsConnect(`mqtt://127.0.0.1:${ctx.broker.port}`, { clientId: 'autopsy-idle-311', protocolVersion: 4 });
      const b = await mqttJsConnect(`mqtt://127.0.0.1:${ctx.broker.port}`, { clientId: 'autopsy-idle-v5', protocolVersion: 5 });
      const closed = Promise.all([a, b].map((c) => new Promise<void>((r) => c.once('close', () => r()))));
      await sleep(200);
      await ctx.broker.stop();
      await withTimeout(closed, 5000, 'both clients to see the close');
    },
    groundTruth: [connected('autopsy-idle-311'), connected('autopsy-idle-v5'), /mosquitto version 2\.0\.11 terminating$/],
    expect: (conns) => {
      const all = conns.map((c) => withFocal(conns, c, {
        cause: 'broker_shutdown', evidenceFrame: firstClose(c, 'server')!,
        notes: 'the broker closed every open connection at the same moment with no MQTT-level cause (SIGTERM)',
      }).focal);
      return { focal: all[0]!, all };
    },
  },
} satisfies Record<string, Scenario>;

/** Scenario names. */
export type ScenarioName = keyof typeof SCENARIOS;

/** All scenario names, in the order they are documented. */
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** The README text of a scenario. */
export function describeScenario(name: ScenarioName): { summary: string; how: string; broker: BrokerOptions; websockets: boolean } {
  const s: Scenario = SCENARIOS[name];
  return { summary: s.summary, how: s.how, broker: s.broker ?? {}, websockets: s.websockets ?? false };
}

/**
 * Records scenario `name` into `dir` (`<name>.pcap`, `<name>.broker.log`): broker on 127.0.0.1 (free
 * ports unless given), tcpdump on lo filtered on the broker ports, the clients, then tcpdump and the
 * broker are stopped (also when driving fails). Throws if a ground-truth log line is missing.
 */
export async function record(name: ScenarioName, dir: string, opts: RecordOptions = {}): Promise<RecordResult> {
  const s: Scenario = SCENARIOS[name];
  mkdirSync(dir, { recursive: true });
  const broker = await startBroker({
    ...s.broker,
    ...(opts.brokerPort !== undefined ? { port: opts.brokerPort } : {}),
    ...(s.websockets ? { websockets: opts.wsPort ?? true } : {}),
  });
  const pcap = join(dir, `${name}.pcap`);
  const brokerLog = join(dir, `${name}.broker.log`);
  const notes: string[] = [];
  let logText = '';
  try {
    const capture = await startCapture(pcap, { ports: [broker.port, ...(broker.wsPort !== undefined ? [broker.wsPort] : [])] });
    try {
      await withTimeout(s.drive({ broker, notes }), 20_000, `scenario ${name}`);
    } finally {
      await capture.stop();
    }
  } finally {
    logText = await broker.stop();
    writeFileSync(brokerLog, logText);
  }
  const groundTruth = groundTruthLines(name, logText);
  return {
    name, pcap, brokerLog, brokerLogText: logText, brokerPort: broker.port,
    ...(broker.wsPort !== undefined ? { wsPort: broker.wsPort } : {}),
    notes, groundTruth,
  };
}

/** The log lines matching scenario `name`'s ground-truth patterns; throws naming the first one missing. */
export function groundTruthLines(name: ScenarioName, logText: string): string[] {
  const s: Scenario = SCENARIOS[name];
  const lines = logText.split('\n');
  return s.groundTruth.map((re) => {
    const line = lines.find((l) => re.test(l));
    if (line === undefined) throw new Error(`scenario ${name}: the broker log has no line matching ${re}:\n${logText}`);
    return line;
  });
}

/**
 * The manifest entry of a recording: reads the capture (tshark's TCP fields, see inspect.ts) and applies
 * the scenario's expectations. `file` and `log` are the base names.
 */
export function manifestEntry(r: RecordResult): ManifestEntry {
  const s: Scenario = SCENARIOS[r.name];
  const conns = inspectCapture(r.pcap);
  const { focal, all } = s.expect(conns);
  return {
    file: `${r.name}.pcap`, log: `${r.name}.broker.log`, scenario: r.name, brokerPort: r.brokerPort,
    ...(r.wsPort !== undefined ? { wsPort: r.wsPort } : {}),
    expected: focal, connections: all, groundTruth: r.groundTruth,
  };
}
