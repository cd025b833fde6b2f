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
import { freePort, startBroker, type Broker, type BrokerOptions } from './broker.js';
import { RawMqttClient, RawWsMqttClient, mosquittoPub, mqttJsConnect, pahoWsScript, runPaho, startMosquittoSub } from './clients.js';
import { inspectCapture, type SeenConnection, type SeenEvent, type SeenPacket, type SeenWsFrame } from './inspect.js';
import { PACKET_TYPES as PACKET_NAME, connect, disconnect, hex, pingreq, publish, subscribe, withFirstByte } from './packets.js';
import { sleep, withTimeout, type ToolResult } from './proc.js';
import { startCapture, type Capture } from './tcpdump.js';
import { startWsProxy } from './ws-proxy.js';

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
  /** The harness's WebSocket proxy (ws library) in front of the broker's WebSocket listener, when the scenario has one. */
  proxyPort?: number;
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
  proxyPort?: number;
  /** Observations made while driving (timings, client exit codes). */
  notes: string[];
  /** The log lines that matched the scenario's ground-truth patterns. */
  groundTruth: string[];
}

/** Fixed ports for a recording (default: free ports). */
export interface RecordOptions {
  brokerPort?: number;
  wsPort?: number;
  /** Port of the WebSocket proxy (scenarios with `proxy`). */
  proxyPort?: number;
}

interface Context {
  broker: Broker;
  notes: string[];
  /** The proxy's port, for scenarios with `proxy`. */
  proxyPort?: number;
  /** Starts tcpdump (idempotent). {@link record} calls it before `drive` unless the scenario has `lateCapture`. */
  startCapture(): Promise<void>;
}

interface Scenario {
  /** One line: what happens. */
  summary: string;
  /** How it is made: exact clients and flags (README). */
  how: string;
  broker?: Omit<BrokerOptions, 'port' | 'websockets' | 'dir'>;
  websockets?: boolean;
  /** A WebSocket proxy port is allocated (ctx.proxyPort) and captured too. Implies `websockets`. */
  proxy?: boolean;
  /** `drive` starts the capture itself (ctx.startCapture()), e.g. after CONNECT/CONNACK. */
  lateCapture?: boolean;
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
  // Without a SYN in the capture (it started mid-connection), the first frame seen instead.
  const k: Record<string, number> = c.midstream ? { firstFrame: c.synFrame } : { syn: c.synFrame };
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
  if (close.closedBy === 'client' && close.closeMethod === 'tcp_rst') {
    return { ...base, cause: 'network_reset', evidenceFrame: close.frame!, notes: 'the client reset the connection (RST) without DISCONNECT' };
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

// ---------------------------------------------------------------------------------------------------------
// Helpers of the scenarios added for issues 4 and 6

const WILL_TOPIC = 'autopsy/will';

/** The first WebSocket frame of a connection matching `pred`. */
function wsFrame(c: SeenConnection, pred: (f: SeenWsFrame) => boolean, what: string): SeenWsFrame {
  const f = c.wsFrames?.find(pred);
  if (!f) throw new Error(`scenario: no WebSocket frame (${what}) in connection ${c.clientId ?? c.clientPort}`);
  return f;
}

/** The only connection of a capture (scenarios with one client). */
function only(conns: SeenConnection[]): SeenConnection {
  if (conns.length !== 1) throw new Error(`scenario: expected one connection, the capture has ${conns.length}`);
  return conns[0]!;
}

/** The first capture frame that carried client bytes (for connections that never sent a whole MQTT packet). */
function firstClientData(c: SeenConnection): number {
  const f = c.dataFrames.c2s[0];
  if (f === undefined) throw new Error(`scenario: connection ${c.clientPort} carried no client bytes`);
  return f;
}

/** The first FIN or RST of one side. */
function firstCloseEvent(c: SeenConnection, by: 'client' | 'server'): SeenEvent {
  const e = c.events.find((x) => (x.kind === 'fin' || x.kind === 'rst') && x.by === by);
  if (!e) throw new Error(`scenario: no ${by} FIN/RST in connection ${c.clientId ?? c.clientPort}`);
  return e;
}

/** The broker's first transport close (WebSocket Close, FIN or RST), by frame. */
function brokerFirstClose(c: SeenConnection): SeenEvent {
  const e = c.events.find((x) => x.by === 'server');
  if (!e) throw new Error(`scenario: the broker never closed connection ${c.clientId ?? c.clientPort}`);
  return e;
}

/** Raw WebSocket client: CONNECT, CONNACK, PINGREQ/PINGRESP, then one bad frame; the broker must fail the connection with Close 1002. */
async function wsViolation(ctx: Context, id: string, bad: { opcode?: number; rsv?: number }, what: string): Promise<void> {
  const ws = await RawWsMqttClient.connect(ctx.broker.wsPort!);
  await ws.sendMqtt([connect(id)]);
  await ws.expectPacket('CONNACK');
  await ws.sendMqtt([pingreq()]);
  await ws.expectPacket('PINGRESP');
  await sleep(50);
  await ws.sendFrame({ ...bad, payload: pingreq() });
  ctx.notes.push(`raw WebSocket client (port ${ws.localPort}) sent ${what} carrying a PINGREQ (c0 00)`);
  const code = await ws.closeReceived(5000);
  if (code !== 1002) throw new Error(`scenario: expected WebSocket Close 1002 for ${what}, got ${code}`);
  // Answer the Close as RFC 6455 §5.5.1 asks (echoing the status); without it mosquitto waits ~5 s before its FIN.
  await ws.sendClose(code);
  const close = await ws.closed(8000);
  ctx.notes.push(`the broker answered with WebSocket Close ${code}; the client echoed it and the broker closed the TCP connection ${close.afterMs} ms after connect (${close.by.toUpperCase()})`);
}

function wsViolationExpect(id: string, pred: (f: SeenWsFrame) => boolean, what: string, code: string) {
  return (conns: SeenConnection[]) => {
    const c = byId(conns, id);
    const bad = wsFrame(c, (f) => f.by === 'client' && pred(f), what);
    const close = brokerFirstClose(c);
    if (close.kind !== 'ws_close' || close.code !== 1002) throw new Error(`scenario: the broker's first close is ${close.kind} ${String(close.code)}, not WebSocket Close 1002`);
    const listed = c.packets.some((p) => p.dir === 'c2s' && p.frame === bad.frame);
    const fin = firstCloseEvent(c, 'server');
    return withFocal(conns, c, {
      cause: 'websocket_violation', evidenceFrame: bad.frame, keyFrames: { badWsFrame: bad.frame },
      notes: `${what} (byte 0 0x${((bad.fin ? 0x80 : 0) | (bad.rsv << 4) | bad.opcode).toString(16)}, a PINGREQ inside${bad.rsv ? ', no extension negotiated' : ''}); ` +
        `the broker fails the connection with WebSocket Close 1002 (protocol error, reason "${close.reason ?? ''}") in frame ${close.frame}; ` +
        `the client echoes the Close and the broker ends with ${fin.kind.toUpperCase()} ${((fin.ts - close.ts) * 1000).toFixed(1)} ms after its Close; ` +
        `its log only says "closed its connection". The analyzer should flag ${code} on frame ${bad.frame}. ` +
        (listed
          ? 'The PINGREQ inside the bad frame is on the wire (a data frame, so it is listed as a client packet) but the broker never processed it: its log has only the first PINGREQ, and no PINGRESP follows.'
          : 'A reserved opcode is not a data frame, so the PINGREQ inside is not MQTT data (and the broker never logged it).'),
    });
  };
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
  'keepalive-timeout-ws': {
    summary: 'Raw WebSocket client: CONNECT with keep-alive 2 s, CONNACK, then silence; mosquitto drops it on its coarse keep-alive tick, and over WebSocket its log only says "closed its connection".',
    how: 'raw WebSocket client (hand-made Upgrade, mask key 37fa213d): CONNECT autopsy-ka-ws (3.1.1, keep-alive 2) in one binary frame; never sends again; closes its side when the broker closes.',
    websockets: true,
    drive: async (ctx) => {
      const ws = await RawWsMqttClient.connect(ctx.broker.wsPort!);
      await ws.sendMqtt([connect('autopsy-ka-ws', { keepAlive: 2 })]);
      await ws.expectPacket('CONNACK');
      const close = await ws.closed(12_000);
      ctx.notes.push(`the broker closed the silent WebSocket client ${(close.afterMs / 1000).toFixed(2)} s after connect (keep-alive 2 s), ` +
        `${close.wsCloseCode !== undefined ? `WebSocket Close ${close.wsCloseCode}` : 'no WebSocket Close frame'}`);
    },
    groundTruth: [/New client connected from 127\.0\.0\.1:\d+ as autopsy-ka-ws \(p2, c1, k2\)\.$/, /Client autopsy-ka-ws closed its connection\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-ka-ws');
      const last = c.packets.filter((p) => p.dir === 'c2s').at(-1)!;
      const close = brokerFirstClose(c);
      return withFocal(conns, c, {
        cause: 'keepalive_timeout', evidenceFrame: close.frame, keyFrames: { lastClientPacket: last.frame },
        notes: `keep-alive 2 s; the last client packet is the CONNECT; the broker's ${close.kind === 'ws_close' ? `WebSocket Close ${String(close.code)}` : close.kind.toUpperCase()} comes ${(close.ts - last.ts).toFixed(3)} s later ` +
          '(≥ 1.5 × keep-alive, on mosquitto\'s coarse tick); no DISCONNECT. The broker log says only "closed its connection", ' +
          'as for every WebSocket drop, so the timing in the capture is the only witness; the log\'s "(p2, c1, k2)" confirms keep-alive 2.',
      });
    },
  },
  'second-connect': {
    summary: 'Raw TCP client (3.1.1): CONNECT, CONNACK, then a second CONNECT on the same connection; mosquitto calls it a protocol error and closes.',
    how: 'raw client: CONNECT autopsy-second (3.1.1, keep-alive 60); after CONNACK, the same CONNECT bytes again [MQTT-3.1.0-2].',
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(connect('autopsy-second'));
      await c.expectPacket('CONNACK');
      await sleep(50);
      await c.write(connect('autopsy-second'));
      const close = await c.closed(5000);
      ctx.notes.push(`the broker closed the connection (${close.by.toUpperCase()}) ${close.afterMs} ms after connect`);
    },
    groundTruth: [connected('autopsy-second'), /Bad client autopsy-second sending multiple CONNECT messages\.$/, /Client autopsy-second disconnected due to protocol error\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-second');
      const second = packet(c, 'CONNECT', 'c2s', 1);
      return withFocal(conns, c, {
        cause: 'protocol_violation', evidenceFrame: second.frame, keyFrames: { secondConnect: second.frame },
        notes: `a second CONNECT on the connection [MQTT-3.1.0-2] (3.1.1: the server MUST treat it as a protocol violation and disconnect); ` +
          `the broker closes with ${brokerEnd(c)} right after it, no CONNACK to the second one`,
      });
    },
  },
  'first-not-connect': {
    summary: 'Raw TCP client: the first packet on a new connection is a PUBLISH, no CONNECT; mosquitto calls it a protocol error and closes.',
    how: 'raw client: PUBLISH autopsy/test "no connect first" (QoS 0, 3.1.1 encoding) as the very first bytes [MQTT-3.1.0-1].',
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(publish(TOPIC, 'no connect first'));
      const close = await c.closed(5000);
      ctx.notes.push(`raw client (port ${c.localPort}) sent a PUBLISH first; the broker closed (${close.by.toUpperCase()}) ${close.afterMs} ms after connect`);
    },
    groundTruth: [/New connection from 127\.0\.0\.1:\d+ on port \d+\.$/, /Client <unknown> disconnected due to protocol error\.$/],
    expect: (conns) => {
      const c = only(conns);
      const pub = packet(c, 'PUBLISH', 'c2s');
      return withFocal(conns, c, {
        cause: 'protocol_violation', evidenceFrame: pub.frame, keyFrames: { firstPacket: pub.frame },
        notes: `the first client packet is a PUBLISH (${pub.hex.slice(0, 8)}…), not CONNECT [MQTT-3.1.0-1]; no client id, no CONNACK; the broker closes with ${brokerEnd(c)}`,
      });
    },
  },
  'http-to-mqtt-port': {
    summary: 'A plain HTTP request (`GET / HTTP/1.1`) sent to the MQTT port: mosquitto reads "G" (0x47) as the first byte of a packet that is not CONNECT, calls it a protocol error and drops the connection.',
    how: 'node:net raw client to the MQTT (TCP) port: one write of "GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n" (35 bytes, no Upgrade header), then wait for the close.',
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1'));
      const close = await c.closed(5000);
      ctx.notes.push(`the broker closed the HTTP client (${close.by.toUpperCase()}) ${close.afterMs} ms after connect`);
    },
    groundTruth: [/New connection from 127\.0\.0\.1:\d+ on port \d+\.$/, /Client <unknown> disconnected due to protocol error\.$/],
    expect: (conns) => {
      const c = only(conns);
      const req = firstClientData(c);
      return withFocal(conns, c, {
        cause: 'protocol_violation', alsoAcceptable: ['malformed_packet'], evidenceFrame: req, keyFrames: { httpRequest: req },
        notes: `the client's first bytes are "GET " (47 45 54 20), an HTTP request on the MQTT port (wrong transport, catalog c-7): ` +
          `as MQTT, 0x47 would be a PUBACK with reserved flags 0111, never a CONNECT; the broker gives up after the first byte and closes with ${brokerEnd(c)} ` +
          '(RST when the rest of the request is still unread). No MQTT packet, no client id; transport is tcp (nothing was upgraded). ' +
          'mosquitto logs "protocol error" (first packet not CONNECT); read as MQTT, the byte is also a reserved-flags violation, so malformed_packet is an acceptable reading.',
      });
    },
  },
  'session-takeover-v5': {
    summary: 'MQTT 5 takeover: MQTT.js (TCP, 5.0) connects as autopsy-takeover-v5 and idles; mosquitto_pub -V 5 connects with the same client id; mosquitto 2.0.11 closes the older connection with a bare FIN, no DISCONNECT 0x8E.',
    how: 'MQTT.js 5 mqtt://127.0.0.1:PORT clientId autopsy-takeover-v5, protocolVersion 5, reconnectPeriod 0; then mosquitto_pub -V 5 -i autopsy-takeover-v5 -m takeover.',
    drive: async (ctx) => {
      const old = await mqttJsConnect(`mqtt://127.0.0.1:${ctx.broker.port}`, { clientId: 'autopsy-takeover-v5', protocolVersion: 5, keepalive: 60 });
      let disconnectReason: number | undefined;
      old.on('disconnect', (p) => { disconnectReason = p.reasonCode ?? 0; });
      const closed = new Promise<void>((r) => old.once('close', () => r()));
      await sleep(200);
      mustSucceed(await mosquittoPub({ port: ctx.broker.port, version: '5', id: 'autopsy-takeover-v5', topic: TOPIC, message: 'takeover' }), 'mosquitto_pub -V 5 (takeover)');
      await withTimeout(closed, 5000, 'the old MQTT.js connection to be closed');
      ctx.notes.push(disconnectReason === undefined ? 'the older MQTT.js (v5) connection was closed without a DISCONNECT'
        : `the older MQTT.js (v5) connection received DISCONNECT 0x${disconnectReason.toString(16)}`);
    },
    groundTruth: [/Client autopsy-takeover-v5 already connected, closing old connection\.$/],
    expect: (conns) => {
      const old = byId(conns, 'autopsy-takeover-v5', 0);
      const newer = byId(conns, 'autopsy-takeover-v5', 1);
      const disc = old.packets.find((p) => p.type === 'DISCONNECT' && p.dir === 's2c');
      return withFocal(conns, old, {
        cause: 'session_takeover', ...(disc ? { alsoAcceptable: ['server_disconnect' as Cause] } : {}), evidenceFrame: packet(newer, 'CONNECT').frame,
        keyFrames: { newerConnect: packet(newer, 'CONNECT').frame, ...(disc ? { brokerDisconnect: disc.frame } : {}) },
        notes: `a second connection (client port ${newer.clientPort}, MQTT 5) sent CONNECT with the same client id; ` +
          (disc ? `the broker sent DISCONNECT 0x${(disc.reasonCode ?? 0).toString(16)} to the older one, then ${brokerEnd(old)}`
            : `the broker closes the older one with a bare ${brokerEnd(old)}: mosquitto 2.0.11 sends no DISCONNECT 0x8E (Session taken over) to an MQTT 5 client`),
      });
    },
  },
  'client-rst': {
    summary: 'Raw TCP client: CONNECT, CONNACK, PINGREQ/PINGRESP, then the client resets the connection (RST, SO_LINGER 0) without DISCONNECT.',
    how: 'raw client: CONNECT autopsy-rst (3.1.1); PINGREQ; socket.resetAndDestroy().',
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(connect('autopsy-rst'));
      await c.expectPacket('CONNACK');
      await c.write(pingreq());
      await c.expectPacket('PINGRESP');
      await sleep(50);
      await c.reset();
      await ctx.broker.waitForLog(/Client autopsy-rst (closed its connection|disconnected)/, 5000).catch(() => undefined);
    },
    groundTruth: [connected('autopsy-rst'), /Client autopsy-rst closed its connection\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-rst');
      const rst = c.events.find((e) => e.kind === 'rst' && e.by === 'client');
      if (!rst) throw new Error('scenario: no client RST in client-rst');
      return withFocal(conns, c, {
        cause: 'network_reset', evidenceFrame: rst.frame, keyFrames: { clientRst: rst.frame },
        notes: 'the client sent RST with no DISCONNECT and no MQTT-level cause (an aborting client looks the same on the wire as a reset from the path); ' +
          'mosquitto logs it as "closed its connection", like a FIN',
      });
    },
  },
  'will-after-abrupt-close': {
    summary: 'A client with a Last Will (topic autopsy/will, QoS 1) closes its TCP connection without DISCONNECT; mosquitto publishes the will to a mosquitto_sub subscribed to autopsy/will, and that delivery is in the capture.',
    how: `mosquitto_sub -V 311 -i autopsy-will-sub -t ${WILL_TOPIC} -q 1 -C 1; raw client CONNECT autopsy-will (3.1.1) with will topic ${WILL_TOPIC}, payload "autopsy-will went away", will QoS 1; PINGREQ; socket.end() (FIN, no DISCONNECT).`,
    drive: async (ctx) => {
      const sub = startMosquittoSub({ port: ctx.broker.port, id: 'autopsy-will-sub', topic: WILL_TOPIC, qos: 1, count: 1 });
      await sub.subscribed;
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(connect('autopsy-will', { will: { topic: WILL_TOPIC, payload: 'autopsy-will went away', qos: 1 } }));
      await c.expectPacket('CONNACK');
      await c.write(pingreq());
      await c.expectPacket('PINGRESP');
      await sleep(50);
      await c.end();
      const r = await sub.done();
      mustSucceed(r, 'mosquitto_sub (will)');
      ctx.notes.push(`mosquitto_sub received the will and exited ${r.code}: ${r.stdout.split('\n').filter((l) => !/^Client|^Subscribed/.test(l) && l.trim()).join(' / ')}`);
    },
    groundTruth: [connected('autopsy-will-sub'), connected('autopsy-will'), /Client autopsy-will closed its connection\.$/,
      /Sending PUBLISH to autopsy-will-sub \(d0, q1, r0, m\d+, 'autopsy\/will', \.\.\. \(22 bytes\)\)$/, /Received DISCONNECT from autopsy-will-sub$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-will');
      const sub = byId(conns, 'autopsy-will-sub');
      const will = sub.packets.find((p) => p.type === 'PUBLISH' && p.dir === 's2c');
      if (!will) throw new Error('scenario: the will PUBLISH to the subscriber is not in the capture');
      const close = closeOf(c);
      return withFocal(conns, c, {
        cause: close.closeMethod === 'tcp_rst' ? 'network_reset' : 'client_close', evidenceFrame: close.frame!,
        keyFrames: { willPublish: will.frame },
        notes: `the client closed with ${close.closeMethod === 'tcp_rst' ? 'RST' : 'FIN'} and no DISCONNECT; the broker then published its will ` +
          `(autopsy/will, QoS 1) to autopsy-will-sub in frame ${will.frame}, ${((will.ts - c.firstClose!.ts) * 1000).toFixed(1)} ms after the client's ${close.closeMethod === 'tcp_rst' ? 'RST' : 'FIN'}: ` +
          'the broker itself treated the close as abnormal',
      });
    },
  },
  'midstream-capture': {
    summary: 'The capture starts after CONNECT/CONNACK: a long-lived raw client (3.1.1) then publishes QoS 1, pings and DISCONNECTs. No SYN, no CONNECT in the capture.',
    how: 'raw client: CONNECT autopsy-midstream (3.1.1, keep-alive 60), CONNACK; only then tcpdump starts; PUBLISH autopsy/test QoS 1 id 7, PUBACK; PINGREQ, PINGRESP; DISCONNECT; FIN.',
    lateCapture: true,
    drive: async (ctx) => {
      const c = await RawMqttClient.connect(ctx.broker.port);
      await c.write(connect('autopsy-midstream'));
      await c.expectPacket('CONNACK');
      await sleep(100);
      await ctx.startCapture();
      await sleep(100);
      await c.write(publish(TOPIC, 'after the capture started', { qos: 1, messageId: 7 }));
      await c.expectPacket('PUBACK');
      await c.write(pingreq());
      await c.expectPacket('PINGRESP');
      await c.write(disconnect());
      await c.closed(5000);
      ctx.notes.push(`tcpdump started after the CONNACK; client port ${c.localPort}`);
    },
    groundTruth: [connected('autopsy-midstream'), /Received PUBLISH from autopsy-midstream \(d0, q1, r0, m7, 'autopsy\/test', \.\.\. \(25 bytes\)\)$/,
      /Received DISCONNECT from autopsy-midstream$/, /Client autopsy-midstream disconnected\.$/],
    expect: (conns) => {
      const c = only(conns);
      if (!c.midstream || c.packets.some((p) => p.type === 'CONNECT')) throw new Error('scenario: midstream-capture has a SYN or a CONNECT');
      const disc = packet(c, 'DISCONNECT', 'c2s');
      return withFocal(conns, c, {
        cause: 'client_disconnect', evidenceFrame: disc.frame, keyFrames: { publish: packet(c, 'PUBLISH', 'c2s').frame },
        notes: 'the capture has no SYN and no CONNECT (tcpdump started after CONNACK), so there is no client id and no keep-alive: ' +
          'the analyzer must tell client from broker by the port (the broker listens on the MQTT port; the client\'s is ephemeral) ' +
          'and infer the version from the packets seen (PUBLISH QoS 1, PUBACK, PINGREQ, DISCONNECT e0 00 read the same in 3.1.1 and 5.0); ' +
          'the client then DISCONNECTs cleanly (the log names it autopsy-midstream)',
      });
    },
  },
  'reconnect-storm': {
    summary: 'Reconnect storm: six raw TCP connections with the same client id autopsy-storm within about a second; each new CONNECT makes the broker close the previous connection (takeover); the last one DISCONNECTs.',
    how: 'raw clients, one after another about 150 ms apart: CONNECT autopsy-storm (3.1.1, keep-alive 30), CONNACK; the broker closes the older connection; the sixth sends DISCONNECT.',
    drive: async (ctx) => {
      let prev: RawMqttClient | undefined;
      const t0 = Date.now();
      for (let i = 0; i < 6; i++) {
        const c = await RawMqttClient.connect(ctx.broker.port);
        await c.write(connect('autopsy-storm', { keepAlive: 30 }));
        await c.expectPacket('CONNACK');
        if (prev) await prev.closed(3000);
        prev = c;
        if (i < 5) await sleep(150);
      }
      await prev!.write(disconnect());
      await prev!.closed(5000);
      ctx.notes.push(`six connections as autopsy-storm in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    },
    // In log order: the first connect, then five times "closing old connection" + the newer connect.
    groundTruth: [connected('autopsy-storm'),
      ...Array.from({ length: 5 }, () => [/Client autopsy-storm already connected, closing old connection\.$/, connected('autopsy-storm')]).flat(),
      /Received DISCONNECT from autopsy-storm$/],
    expect: (conns) => {
      const storm = conns.filter((c) => c.clientId === 'autopsy-storm');
      if (storm.length !== 6) throw new Error(`scenario: expected 6 autopsy-storm connections, have ${storm.length}`);
      const span = packet(storm[5]!, 'CONNECT').ts - packet(storm[0]!, 'CONNECT').ts;
      const all = storm.map((c, i) => {
        if (i === 5) return genericFocal(conns, c).focal;
        const next = storm[i + 1]!;
        return withFocal(conns, c, {
          cause: 'session_takeover', evidenceFrame: packet(next, 'CONNECT').frame, keyFrames: { newerConnect: packet(next, 'CONNECT').frame },
          notes: `connection ${i + 1} of 6 as autopsy-storm (all six CONNECTs within ${span.toFixed(3)} s: a reconnect storm); ` +
            `the next one (client port ${next.clientPort}) sent CONNECT with the same id and the broker closed this one with a bare ${brokerEnd(c)}`,
        }).focal;
      });
      return { focal: all[0]!, all };
    },
  },
  'ws-deflate': {
    summary: 'MQTT.js over WebSocket with permessage-deflate, through a ws-library proxy (perMessageDeflate, threshold 0) in front of the broker\'s WebSocket listener: subscribe, publish QoS 1, receive it, DISCONNECT. The client↔proxy leg carries compressed frames (RSV1); the proxy↔broker leg is plain.',
    how: 'test/harness/ws-proxy.ts on 127.0.0.1:PROXY (ws 8, perMessageDeflate { threshold: 0 }, subprotocol mqtt) relaying each message to ws://127.0.0.1:WS/mqtt; ' +
      'MQTT.js clientId autopsy-deflate to ws://127.0.0.1:PROXY/mqtt with wsOptions.perMessageDeflate { threshold: 0 }: subscribeAsync autopsy/test QoS 1, publishAsync a 240-byte repetitive payload QoS 1, wait for it, endAsync(). ' +
      'The capture covers the broker, WebSocket and proxy ports.',
    proxy: true,
    drive: async (ctx) => {
      const proxy = await startWsProxy({ port: ctx.proxyPort!, upstream: `ws://127.0.0.1:${ctx.broker.wsPort!}/mqtt`, perMessageDeflate: { threshold: 0 } });
      try {
        const c = await mqttJsConnect(`ws://127.0.0.1:${ctx.proxyPort!}/mqtt`, { clientId: 'autopsy-deflate', protocolVersion: 4, wsOptions: { perMessageDeflate: { threshold: 0 } } });
        const got = new Promise<void>((r) => c.once('message', () => r()));
        await c.subscribeAsync(TOPIC, { qos: 1 });
        await c.publishAsync(TOPIC, 'deflate me '.repeat(24).slice(0, 240), { qos: 1 });
        await withTimeout(got, 5000, 'MQTT.js to receive its own message through the proxy');
        await c.endAsync();
        await sleep(200);
        const leg = proxy.legs[0];
        if (!leg || !/permessage-deflate/.test(leg.extensions)) throw new Error(`scenario: permessage-deflate was not negotiated (extensions: ${String(leg?.extensions)})`);
        ctx.notes.push(`proxy ↔ MQTT.js agreed "Sec-WebSocket-Extensions: ${leg.extensions}"; the proxy relayed ${leg.relayed.c2s} messages to the broker and ${leg.relayed.s2c} back`);
      } finally {
        await proxy.close();
      }
    },
    groundTruth: [connected('autopsy-deflate'), /Received PUBLISH from autopsy-deflate \(d0, q1, r0, m\d+, 'autopsy\/test', \.\.\. \(240 bytes\)\)$/,
      /Received DISCONNECT from autopsy-deflate$/, /Client autopsy-deflate disconnected\.$/],
    expect: (conns) => {
      const legs = conns.filter((c) => c.clientId === 'autopsy-deflate');
      const client = legs.find((c) => /permessage-deflate/.test(c.wsExtensions ?? ''));
      if (legs.length !== 2 || !client) throw new Error('scenario: expected a deflated client leg and a plain broker leg');
      const compressed = client.wsFrames!.filter((f) => f.compressed);
      if (compressed.length === 0) throw new Error('scenario: no compressed frame on the client leg');
      const g = generic(client);
      const f: ConnectionExpectation = {
        ...g, keyFrames: { ...g.keyFrames, firstCompressedFrame: compressed[0]!.frame },
        notes: `${g.notes}. The client ↔ proxy leg agreed "${client.wsExtensions!}": ${compressed.length} of its ${client.wsFrames!.length} WebSocket frames are compressed (RSV1), ` +
          `${compressed.filter((x) => x.by === 'client').length} from the client; MQTT must be inflated per direction with context takeover. ` +
          'The proxy ↔ broker leg (same client id) carries the same MQTT packets uncompressed.',
      };
      return { focal: f, all: conns.map((c) => (c === client ? f : generic(c))) };
    },
  },
  'ws-split-frames': {
    summary: 'Raw WebSocket client (3.1.1): CONNECT split over 7 frames (one TCP segment each, one empty); SUBSCRIBE + PUBLISH + PINGREQ in one frame; a fragmented message whose frames cut packets in the middle; DISCONNECT in 2 frames. Every packet reaches the broker.',
    how: 'raw WebSocket client, client id autopsy-ws-split: CONNECT cut into frames of 1, 1, 0, 2, 3, 5 bytes and the rest (one write each); ' +
      'then one frame holding SUBSCRIBE autopsy/test QoS 0 + PUBLISH QoS 1 id 2 + PINGREQ; then PUBLISH QoS 1 id 3 + PINGREQ + PUBLISH QoS 0 as one fragmented message (binary + 3 continuation frames of 5, 17, 3 bytes and the rest) in a single write; DISCONNECT as frames of 1 + 1 byte.',
    websockets: true,
    drive: async (ctx) => {
      const ws = await RawWsMqttClient.connect(ctx.broker.wsPort!);
      await ws.sendMqtt([connect('autopsy-ws-split')], { frameSizes: [1, 1, 0, 2, 3, 5] });
      await ws.expectPacket('CONNACK');
      const collect = async (n: number): Promise<string[]> => {
        const got: string[] = [];
        for (let i = 0; i < n; i++) got.push(PACKET_NAME[(await ws.nextPacket(5000))[0]! >> 4]!);
        return got.sort();
      };
      await ws.sendMqtt([subscribe(1, TOPIC, 0), publish(TOPIC, 'three packets, one frame', { qos: 1, messageId: 2 }), pingreq()]);
      const a = await collect(4);
      await ws.sendMqtt([publish(TOPIC, 'straddles frames', { qos: 1, messageId: 3 }), pingreq(), publish(TOPIC, 'and another')],
        { frameSizes: [5, 17, 3], fragmented: true, coalesce: true });
      const b = await collect(4);
      ctx.notes.push(`the broker answered ${a.join(', ')} and then ${b.join(', ')}`);
      await ws.sendMqtt([disconnect()], { frameSizes: [1] });
      await ws.closed(5000);
    },
    groundTruth: [connected('autopsy-ws-split'), /Received SUBSCRIBE from autopsy-ws-split$/,
      /Received PUBLISH from autopsy-ws-split \(d0, q1, r0, m2, 'autopsy\/test', \.\.\. \(24 bytes\)\)$/, /Received PINGREQ from autopsy-ws-split$/,
      /Received PUBLISH from autopsy-ws-split \(d0, q1, r0, m3, 'autopsy\/test', \.\.\. \(16 bytes\)\)$/, /Received PINGREQ from autopsy-ws-split$/,
      /Received PUBLISH from autopsy-ws-split \(d0, q0, r0, m0, 'autopsy\/test', \.\.\. \(11 bytes\)\)$/,
      /Received DISCONNECT from autopsy-ws-split$/, /Client autopsy-ws-split disconnected\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-ws-split');
      const cn = packet(c, 'CONNECT', 'c2s');
      const shared = c.packets.filter((p) => p.dir === 'c2s' && p.type === 'SUBSCRIBE')[0]!;
      const g = generic(c);
      const f: ConnectionExpectation = {
        ...g, keyFrames: { ...g.keyFrames, connectFirstFrame: cn.frames[0]!, sharedFrame: shared.frame },
        notes: `${g.notes}. The CONNECT spans capture frames ${cn.frames.join(', ')} (7 WebSocket frames, one of them empty, one TCP segment each); SUBSCRIBE, PUBLISH and PINGREQ share one WebSocket frame (capture frame ${shared.frame}); ` +
          'a fragmented message cuts PUBLISH/PINGREQ/PUBLISH mid-packet. The client\'s packets, decoded from the joined payload, are exactly the ones the broker logged.',
      };
      return { focal: f, all: conns.map((x) => (x === c ? f : generic(x))) };
    },
  },
  'ws-rsv-bits': {
    summary: 'Raw WebSocket client: after CONNECT/CONNACK and a PINGREQ, a binary frame with RSV1 set although no extension was negotiated; mosquitto fails the connection with WebSocket Close 1002 "rsv bits", and sends its FIN only about 5 s after the client echoed the Close.',
    how: 'raw WebSocket client, client id autopsy-ws-rsv: CONNECT, PINGREQ, then a masked binary frame with RSV1 set (byte 0 = 0xc2) carrying a PINGREQ; when the broker\'s Close 1002 arrives the client echoes it (Close 1002).',
    websockets: true,
    drive: (ctx) => wsViolation(ctx, 'autopsy-ws-rsv', { rsv: 4 }, 'a binary frame with RSV1 set'),
    groundTruth: [connected('autopsy-ws-rsv'), /Received PINGREQ from autopsy-ws-rsv$/, /Client autopsy-ws-rsv closed its connection\.$/],
    expect: wsViolationExpect('autopsy-ws-rsv', (f) => f.rsv !== 0, 'a binary frame with RSV1 set', 'ws.frame.rsv_bits'),
  },
  'ws-unknown-opcode': {
    summary: 'Raw WebSocket client: after CONNECT/CONNACK and a PINGREQ, a frame with the reserved opcode 0x3; mosquitto fails the connection with WebSocket Close 1002 "bad opc" and closes TCP as soon as the client echoes the Close.',
    how: 'raw WebSocket client, client id autopsy-ws-opcode: CONNECT, PINGREQ, then a masked frame with opcode 3 (reserved non-control, byte 0 = 0x83) carrying a PINGREQ; when the broker\'s Close 1002 arrives the client echoes it (Close 1002).',
    websockets: true,
    drive: (ctx) => wsViolation(ctx, 'autopsy-ws-opcode', { opcode: 3 }, 'a frame with reserved opcode 0x3'),
    groundTruth: [connected('autopsy-ws-opcode'), /Received PINGREQ from autopsy-ws-opcode$/, /Client autopsy-ws-opcode closed its connection\.$/],
    expect: wsViolationExpect('autopsy-ws-opcode', (f) => f.opcode === 3, 'a frame with reserved opcode 0x3', 'ws.frame.unknown_opcode'),
  },
  'ws-text-frame': {
    summary: 'Raw WebSocket client: a PUBLISH QoS 1 sent in a text frame (opcode 1) instead of binary [MQTT-6.0.0-1]; mosquitto 2.0.11 tolerates it (logs the PUBLISH, sends PUBACK), and the client ends with DISCONNECT.',
    how: 'raw WebSocket client, client id autopsy-ws-text: CONNECT (binary); PUBLISH autopsy/test "mqtt in a text frame" QoS 1 id 1 in one masked text frame (byte 0 = 0x81); PINGREQ and DISCONNECT in binary frames.',
    websockets: true,
    drive: async (ctx) => {
      const ws = await RawWsMqttClient.connect(ctx.broker.wsPort!);
      await ws.sendMqtt([connect('autopsy-ws-text')]);
      await ws.expectPacket('CONNACK');
      await ws.sendFrame({ opcode: 1, payload: publish(TOPIC, 'mqtt in a text frame', { qos: 1, messageId: 1 }) });
      await ws.expectPacket('PUBACK');
      await ws.sendMqtt([pingreq()]);
      await ws.expectPacket('PINGRESP');
      await ws.sendMqtt([disconnect()]);
      const close = await ws.closed(5000);
      ctx.notes.push(`the broker answered the text-frame PUBLISH with PUBACK; after DISCONNECT it closed (${close.by.toUpperCase()})`);
    },
    groundTruth: [connected('autopsy-ws-text'), /Received PUBLISH from autopsy-ws-text \(d0, q1, r0, m1, 'autopsy\/test', \.\.\. \(20 bytes\)\)$/,
      /Sending PUBACK to autopsy-ws-text \(m1, rc0\)$/, /Received DISCONNECT from autopsy-ws-text$/, /Client autopsy-ws-text disconnected\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-ws-text');
      const text = wsFrame(c, (f) => f.by === 'client' && f.opcode === 1, 'text frame');
      const g = generic(c);
      const f: ConnectionExpectation = {
        ...g, keyFrames: { ...g.keyFrames, textFrame: text.frame },
        notes: `${g.notes}. The PUBLISH in frame ${text.frame} travels in a text frame, which [MQTT-6.0.0-1] forbids (the receiver MUST close): ` +
          `mosquitto 2.0.11 does not close, it logs the PUBLISH and sends PUBACK; the analyzer should still flag ws.mqtt.text_frame on frame ${text.frame} without changing the verdict`,
      };
      return { focal: f, all: conns.map((x) => (x === c ? f : generic(x))) };
    },
  },
  'ws-client-close': {
    summary: 'Raw WebSocket client: CONNECT, CONNACK, PINGREQ/PINGRESP, then a WebSocket Close 1000 without MQTT DISCONNECT; the broker answers the Close and ends the TCP connection.',
    how: 'raw WebSocket client, client id autopsy-ws-close: CONNECT, PINGREQ, then a masked Close frame with status 1000 (88 82 …); waits for the broker to close.',
    websockets: true,
    drive: async (ctx) => {
      const ws = await RawWsMqttClient.connect(ctx.broker.wsPort!);
      await ws.sendMqtt([connect('autopsy-ws-close')]);
      await ws.expectPacket('CONNACK');
      await ws.sendMqtt([pingreq()]);
      await ws.expectPacket('PINGRESP');
      await sleep(50);
      await ws.sendClose(1000);
      const close = await ws.closed(5000).catch(async () => ws.end());
      ctx.notes.push(`after the client's Close 1000 the broker ${close.wsCloseCode !== undefined ? `answered Close ${close.wsCloseCode}` : 'sent no Close'} and the connection ended (${close.by.toUpperCase()}, ${close.afterMs} ms after connect)`);
    },
    groundTruth: [connected('autopsy-ws-close'), /Client autopsy-ws-close closed its connection\.$/],
    expect: (conns) => {
      const c = byId(conns, 'autopsy-ws-close');
      const g = generic(c);
      const f: ConnectionExpectation = { ...g, notes: 'the client sent WebSocket Close 1000 (normal closure) with no MQTT DISCONNECT: client_close by ws_close; evidence is the client\'s Close frame' };
      return { focal: f, all: conns.map((x) => (x === c ? f : generic(x))) };
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
  return { summary: s.summary, how: s.how, broker: s.broker ?? {}, websockets: (s.websockets ?? false) || (s.proxy ?? false) };
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
    ...(s.websockets || s.proxy ? { websockets: opts.wsPort ?? true } : {}),
  });
  const pcap = join(dir, `${name}.pcap`);
  const brokerLog = join(dir, `${name}.broker.log`);
  const notes: string[] = [];
  let logText = '';
  let proxyPort: number | undefined;
  try {
    proxyPort = s.proxy ? opts.proxyPort ?? await freePort() : undefined;
    const ports = [broker.port, ...(broker.wsPort !== undefined ? [broker.wsPort] : []), ...(proxyPort !== undefined ? [proxyPort] : [])];
    let capture: Promise<Capture> | undefined;
    const start = async (): Promise<void> => { await (capture ??= startCapture(pcap, { ports })); };
    try {
      if (!s.lateCapture) await start();
      await withTimeout(s.drive({ broker, notes, startCapture: start, ...(proxyPort !== undefined ? { proxyPort } : {}) }), 20_000, `scenario ${name}`);
      if (!capture) throw new Error(`scenario ${name}: drive never started the capture`);
    } finally {
      if (capture) await (await capture).stop();
    }
  } finally {
    logText = await broker.stop();
    writeFileSync(brokerLog, logText);
  }
  const groundTruth = groundTruthLines(name, logText);
  return {
    name, pcap, brokerLog, brokerLogText: logText, brokerPort: broker.port,
    ...(broker.wsPort !== undefined ? { wsPort: broker.wsPort } : {}),
    ...(proxyPort !== undefined ? { proxyPort } : {}),
    notes, groundTruth,
  };
}

/**
 * The log lines matching scenario `name`'s ground-truth patterns, each pattern taking the first matching
 * line not already taken (so a pattern listed 5 times needs 5 such lines); throws naming the first one missing.
 */
export function groundTruthLines(name: ScenarioName, logText: string): string[] {
  const s: Scenario = SCENARIOS[name];
  const lines = logText.split('\n');
  const taken = new Set<number>();
  return s.groundTruth.map((re) => {
    const i = lines.findIndex((l, j) => !taken.has(j) && re.test(l));
    if (i < 0) throw new Error(`scenario ${name}: the broker log has no (further) line matching ${re}:\n${logText}`);
    taken.add(i);
    return lines[i]!;
  });
}

/**
 * The manifest entry of a recording: reads the capture (tshark's TCP fields, see inspect.ts) and applies
 * the scenario's expectations. `file` and `log` are the base names.
 */
export function manifestEntry(r: RecordResult): ManifestEntry {
  const s: Scenario = SCENARIOS[r.name];
  const conns = inspectCapture(r.pcap, serverPorts(r));
  const { focal, all } = s.expect(conns);
  return {
    file: `${r.name}.pcap`, log: `${r.name}.broker.log`, scenario: r.name, brokerPort: r.brokerPort,
    ...(r.wsPort !== undefined ? { wsPort: r.wsPort } : {}),
    ...(r.proxyPort !== undefined ? { proxyPort: r.proxyPort } : {}),
    expected: focal, connections: all, groundTruth: r.groundTruth,
  };
}

/** The listening ports of a recording (broker, WebSocket, proxy): the server side of every connection. */
export function serverPorts(r: { brokerPort: number; wsPort?: number; proxyPort?: number }): number[] {
  return [r.brokerPort, ...(r.wsPort !== undefined ? [r.wsPort] : []), ...(r.proxyPort !== undefined ? [r.proxyPort] : [])];
}
