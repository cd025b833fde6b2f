/**
 * Real and raw MQTT clients for the harness, all on loopback:
 *
 * - `mosquitto_pub` / `mosquitto_sub` ({@link mosquittoPub}, {@link startMosquittoSub});
 * - MQTT.js over TCP or WebSocket ({@link mqttJsConnect});
 * - Python paho from Debian's python3 ({@link runPaho}, {@link pahoWsScript});
 * - {@link RawMqttClient}: node:net, writes exact bytes when told to;
 * - {@link RawWsMqttClient}: hand-made HTTP Upgrade and masked frames over node:net, so a test decides
 *   how MQTT bytes are cut into WebSocket frames and which byte is wrong.
 */
import { createHash } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { frame } from '../support/ws-frames.js';
import { PACKET_TYPES, hex, takePackets, type PacketTypeName } from './packets.js';
import { LOOPBACK, exited, onCleanup, requireTool, runTool, spawnTracked, withTimeout, type ToolResult } from './proc.js';

// ---------------------------------------------------------------------------------------------------------
// mosquitto_pub / mosquitto_sub

/** Options shared by mosquitto_pub and mosquitto_sub (each maps to one flag). */
export interface MosquittoClientOptions {
  port: number;
  /** `-V`: 31, 311 or 5. Default 311. */
  version?: '31' | '311' | '5';
  /** `-q` */
  qos?: 0 | 1 | 2;
  /** `-i` client id (set it: without it the id is random and samples are not reproducible). */
  id?: string;
  /** `-k` keep-alive seconds. */
  keepAlive?: number;
  /** `-u` */
  username?: string;
  /** `-P` */
  password?: string;
  /** `-t` */
  topic: string;
  /** MQTT 5 properties, one `-D command name value…` each, e.g. `['publish', 'user-property', 'a', 'b']`. */
  properties?: ReadonlyArray<readonly string[]>;
  /** More arguments, appended as given. */
  extraArgs?: readonly string[];
  /** Kill the client after this long. Default 10 s. */
  timeoutMs?: number;
}

/** The argument list for mosquitto_pub/sub (always `-h 127.0.0.1 -d`, debug output on stdout). */
export function mosquittoArgs(o: MosquittoClientOptions): string[] {
  return [
    '-h', LOOPBACK, '-p', String(o.port), '-d',
    '-V', o.version ?? '311',
    ...(o.qos !== undefined ? ['-q', String(o.qos)] : []),
    ...(o.id !== undefined ? ['-i', o.id] : []),
    ...(o.keepAlive !== undefined ? ['-k', String(o.keepAlive)] : []),
    ...(o.username !== undefined ? ['-u', o.username] : []),
    ...(o.password !== undefined ? ['-P', o.password] : []),
    '-t', o.topic,
    ...(o.properties ?? []).flatMap((p) => ['-D', ...p]),
    ...(o.extraArgs ?? []),
  ];
}

/** Runs `mosquitto_pub … -m message` to completion (a refused CONNECT gives a non-zero `code`). */
export function mosquittoPub(o: MosquittoClientOptions & { message: string }): Promise<ToolResult> {
  return runTool(requireTool('mosquittoPub'), [...mosquittoArgs(o), '-m', o.message], { timeoutMs: o.timeoutMs ?? 10_000 });
}

/** A running mosquitto_sub. */
export interface MosquittoSub {
  /** Resolves when the subscriber printed "received SUBACK" (it is subscribed). */
  readonly subscribed: Promise<void>;
  /** Resolves when it exits by itself (after `count` messages, or `-W` timeout). */
  done(): Promise<ToolResult>;
  /** SIGINT (it then sends DISCONNECT), wait for exit. */
  stop(): Promise<ToolResult>;
}

/**
 * Starts `mosquitto_sub`; with `count` it exits (sending DISCONNECT) after that many messages (`-C`).
 * A `-W` timeout derived from `timeoutMs` keeps it from outliving the test.
 */
export function startMosquittoSub(o: MosquittoClientOptions & { count?: number }): MosquittoSub {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const args = [...mosquittoArgs(o), '-W', String(Math.max(1, Math.ceil(timeoutMs / 1000))),
    ...(o.count !== undefined ? ['-C', String(o.count)] : [])];
  // stdbuf -oL: mosquitto_sub's stdout is a pipe, fully buffered, so "received SUBACK" would only show at exit.
  const child = spawnTracked('/usr/bin/stdbuf', ['-oL', requireTool('mosquittoSub'), ...args]);
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  const exit = exited(child);
  const subscribed = new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      if (/received SUBACK/.test(stdout)) resolve();
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    exit.then(({ code }) => reject(new Error(`harness: mosquitto_sub exited (${code}) before SUBACK:\n${stdout}${stderr}`)), reject);
  });
  subscribed.catch(() => undefined);
  const result = exit.then(({ code, signal }): ToolResult => ({ code, signal, stdout, stderr }));
  const unregister = onCleanup(() => { child.kill('SIGKILL'); });
  const done = async (): Promise<ToolResult> => {
    try {
      return await withTimeout(result, timeoutMs + 2000, `mosquitto_sub ${args.join(' ')}`);
    } finally {
      unregister();
    }
  };
  return {
    subscribed: withTimeout(subscribed, timeoutMs, 'mosquitto_sub SUBACK'),
    done,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return done();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// MQTT.js

/**
 * Connects MQTT.js (`mqtt://127.0.0.1:PORT` or `ws://127.0.0.1:PORT/mqtt`) without reconnects and resolves
 * on CONNACK; rejects on an error, a close or after `connectTimeout` (default 5 s). Registered for cleanup
 * (forced end). End it yourself with `await client.endAsync()` for a clean DISCONNECT.
 */
export async function mqttJsConnect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  if (!/^(mqtt|ws):\/\/(127\.0\.0\.1|\[::1\]):\d+/.test(url)) throw new Error(`harness: loopback URLs only, got ${url}`);
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  const unregister = onCleanup(async () => { await client.endAsync(true); });
  client.once('close', unregister);
  await withTimeout(new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error(`harness: MQTT.js connection to ${url} closed before CONNACK`)));
  }), (opts.connectTimeout ?? 5000) + 1000, `MQTT.js connect to ${url}`);
  return client;
}

// ---------------------------------------------------------------------------------------------------------
// Python paho

/** Runs a Python program with Debian's python3 (the one that has paho-mqtt). */
export function runPaho(script: string, timeoutMs = 10_000): Promise<ToolResult> {
  return runTool(requireTool('python3'), ['-c', script], { timeoutMs });
}

/**
 * A paho (`transport="websockets"`) program: connect to ws://127.0.0.1:PORT/mqtt, subscribe to `topic`,
 * publish `message` at `qos`, wait for it to come back, DISCONNECT. Exits 0 on success.
 */
export function pahoWsScript(o: { port: number; clientId: string; topic: string; message: string; qos?: 0 | 1 | 2; keepAlive?: number }): string {
  const j = JSON.stringify;
  return `
import sys, threading
import paho.mqtt.client as mqtt
got = threading.Event()
subscribed = threading.Event()
c = mqtt.Client(client_id=${j(o.clientId)}, clean_session=True, protocol=mqtt.MQTTv311, transport="websockets")
c.ws_set_options(path="/mqtt")
c.on_subscribe = lambda cl, u, mid, q: subscribed.set()
c.on_message = lambda cl, u, m: got.set()
c.connect("127.0.0.1", ${o.port}, keepalive=${o.keepAlive ?? 30})
c.loop_start()
c.subscribe(${j(o.topic)}, qos=${o.qos ?? 1})
if not subscribed.wait(5): sys.exit("no SUBACK")
c.publish(${j(o.topic)}, ${j(o.message)}, qos=${o.qos ?? 1}).wait_for_publish()
if not got.wait(5): sys.exit("message did not come back")
c.disconnect()
c.loop_stop()
`;
}

// ---------------------------------------------------------------------------------------------------------
// Raw clients

/** How the connection ended, seen from the raw client. */
export interface CloseInfo {
  /** `fin`: the broker closed (we saw end of stream); `rst`: ECONNRESET; `local`: we closed first. */
  by: 'fin' | 'rst' | 'local';
  /** WebSocket close status code the broker sent, if any (raw WebSocket client only). */
  wsCloseCode?: number;
  /** Milliseconds from the client's connect to the close. */
  afterMs: number;
}

/** Incoming MQTT packets queued for `nextPacket` calls. */
class PacketQueue {
  private buf = new Uint8Array(0);
  private packets: Uint8Array[] = [];
  private waiters: Array<{ resolve: (p: Uint8Array) => void; reject: (e: Error) => void }> = [];
  private ended: Error | undefined;

  push(bytes: Uint8Array): void {
    const all = new Uint8Array(this.buf.length + bytes.length);
    all.set(this.buf, 0);
    all.set(bytes, this.buf.length);
    const { packets, rest } = takePackets(all);
    this.buf = Uint8Array.from(rest);
    for (const p of packets) {
      const w = this.waiters.shift();
      if (w) w.resolve(Uint8Array.from(p));
      else this.packets.push(Uint8Array.from(p));
    }
  }

  end(err: Error): void {
    this.ended = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  next(timeoutMs: number): Promise<Uint8Array> {
    const p = this.packets.shift();
    if (p) return Promise.resolve(p);
    if (this.ended) return Promise.reject(this.ended);
    let waiter: { resolve: (p: Uint8Array) => void; reject: (e: Error) => void } | undefined;
    const waiting = new Promise<Uint8Array>((resolve, reject) => {
      waiter = { resolve, reject };
      this.waiters.push(waiter);
    });
    // On timeout, forget the waiter so a later packet goes to the next caller instead of being lost.
    return withTimeout(waiting, timeoutMs, 'next MQTT packet from the broker').catch((e: unknown) => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      throw e;
    });
  }
}

/** Shared socket handling of the two raw clients. */
abstract class RawBase {
  protected readonly packets = new PacketQueue();
  private readonly startedAt = Date.now();
  private closeInfo: Promise<CloseInfo>;
  private closedLocally = false;
  private sawEnd = false;
  private sawReset = false;
  protected wsCloseCode: number | undefined;
  private readonly unregister: () => void;

  protected constructor(readonly socket: Socket) {
    this.localPort = socket.localPort ?? -1;
    socket.setNoDelay(true);
    socket.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'ECONNRESET') this.sawReset = true; });
    socket.on('end', () => { this.sawEnd = true; });
    this.closeInfo = new Promise((resolve) => socket.once('close', () => {
      this.packets.end(new Error('harness: connection closed'));
      resolve({
        by: this.sawReset ? 'rst' : this.closedLocally && !this.sawEnd ? 'local' : 'fin',
        ...(this.wsCloseCode !== undefined ? { wsCloseCode: this.wsCloseCode } : {}),
        afterMs: Date.now() - this.startedAt,
      });
    }));
    this.unregister = onCleanup(() => { if (!socket.destroyed) socket.destroy(); });
    socket.once('close', this.unregister);
  }

  /** The client's local TCP port (to find this connection in the capture and the broker log); kept after the close. */
  readonly localPort: number;

  /** Writes bytes as one `write` (with Nagle off, small writes leave as one TCP segment each). */
  protected writeRaw(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (e) => (e ? reject(e) : resolve())));
  }

  /** The next whole MQTT packet the broker sent (rejects on close or after `timeoutMs`, default 5 s). */
  nextPacket(timeoutMs = 5000): Promise<Uint8Array> {
    return this.packets.next(timeoutMs);
  }

  /** Like {@link nextPacket} but fails unless the packet has the given type. */
  async expectPacket(type: PacketTypeName, timeoutMs = 5000): Promise<Uint8Array> {
    const p = await this.nextPacket(timeoutMs);
    const got = PACKET_TYPES[p[0]! >> 4];
    if (got !== type) throw new Error(`harness: expected ${type} from the broker, got ${got} (${hex(p)})`);
    return p;
  }

  /** Resolves when the connection is closed (by either side); rejects after `timeoutMs` (default 10 s). */
  closed(timeoutMs = 10_000): Promise<CloseInfo> {
    return withTimeout(this.closeInfo, timeoutMs, 'connection close');
  }

  /** Closes our side with a FIN (socket.end) and waits for the close. */
  async end(timeoutMs = 5000): Promise<CloseInfo> {
    this.closedLocally = true;
    this.socket.end();
    return this.closed(timeoutMs);
  }

  /** Aborts with a TCP RST (SO_LINGER 0) and waits for the close. */
  async reset(timeoutMs = 5000): Promise<CloseInfo> {
    this.closedLocally = true;
    this.socket.resetAndDestroy();
    return this.closed(timeoutMs);
  }
}

function tcpConnect(port: number, host: string): Promise<Socket> {
  return withTimeout(new Promise<Socket>((resolve, reject) => {
    const s = netConnect({ port, host });
    s.once('connect', () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  }), 5000, `TCP connect to ${host}:${port}`);
}

/**
 * A raw MQTT-over-TCP client: every byte on the wire is the test's choice.
 *
 * ```ts
 * const c = await RawMqttClient.connect(broker.port);
 * await c.write(connect('raw-1'));
 * await c.expectPacket('CONNACK');
 * await c.write(withFirstByte(subscribe(1, 'a/b', 0), 0x80));
 * const close = await c.closed();      // { by: 'fin', … }
 * ```
 */
export class RawMqttClient extends RawBase {
  private constructor(socket: Socket) {
    super(socket);
    socket.on('data', (d: Buffer) => this.packets.push(new Uint8Array(d)));
  }

  /** Opens a TCP connection to 127.0.0.1:`port`. */
  static async connect(port: number, host = LOOPBACK): Promise<RawMqttClient> {
    return new RawMqttClient(await tcpConnect(port, host));
  }

  /** Writes the bytes in one `write`. */
  write(bytes: Uint8Array): Promise<void> {
    return this.writeRaw(bytes);
  }

  /** Writes the bytes cut at the given chunk sizes (the rest in a last chunk), `gapMs` apart. */
  async writeChunks(bytes: Uint8Array, sizes: readonly number[], gapMs = 20): Promise<void> {
    let p = 0;
    for (const n of [...sizes, bytes.length]) {
      if (p >= bytes.length) break;
      await this.writeRaw(bytes.subarray(p, Math.min(bytes.length, p + n)));
      p += n;
      if (p < bytes.length) await new Promise((r) => setTimeout(r, gapMs));
    }
  }
}

/** The fixed handshake key (RFC 6455 §1.3's example), so the capture is the same every run. */
export const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
/** The masking key of every client frame unless told otherwise. */
export const WS_MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** How {@link RawWsMqttClient.sendMqtt} cuts MQTT bytes into WebSocket frames. */
export interface FrameLayout {
  /**
   * Payload size of each frame, in order; the remainder goes in one last frame. Default: all bytes in one
   * frame. `[3]` with a 12-byte packet gives frames of 3 and 9 bytes; sizes may be 0 (empty frames).
   */
  frameSizes?: readonly number[];
  /**
   * true: one fragmented message (binary, then continuation frames, FIN on the last); false (default):
   * every frame is a complete binary message, the way MQTT.js sends.
   */
  fragmented?: boolean;
  /** true: all frames in one `write` (one TCP segment); default false: one write per frame, `gapMs` apart. */
  coalesce?: boolean;
  /** Delay between frame writes when not coalesced; default 5 ms. */
  gapMs?: number;
  /** Masking key; default {@link WS_MASK}. */
  mask?: Uint8Array;
}

/**
 * A raw MQTT-over-WebSocket client: the HTTP Upgrade written by hand (`Sec-WebSocket-Protocol: mqtt`,
 * fixed key), then masked binary frames laid out as the test says.
 *
 * ```ts
 * const ws = await RawWsMqttClient.connect(broker.wsPort!);
 * await ws.sendMqtt([connect('ws-1')], { frameSizes: [2, 3] });  // one CONNECT in 3 frames
 * await ws.expectPacket('CONNACK');
 * await ws.sendMqtt([withFirstByte(publish('a', 'x'), 0x00)]);   // corrupt byte, perfect frame
 * ```
 */
export class RawWsMqttClient extends RawBase {
  private pending = new Uint8Array(0);
  /** The broker's 101 response head. */
  response = '';
  private closeFrameSeen!: (code: number) => void;
  private readonly closeFrame = new Promise<number>((resolve) => { this.closeFrameSeen = resolve; });

  private constructor(socket: Socket) {
    super(socket);
  }

  /** TCP connect, send the Upgrade request, check the 101 and `Sec-WebSocket-Accept`. */
  static async connect(port: number, opts: { path?: string; protocol?: string | null; host?: string } = {}): Promise<RawWsMqttClient> {
    const host = opts.host ?? LOOPBACK;
    const socket = await tcpConnect(port, host);
    const c = new RawWsMqttClient(socket);
    const protocol = opts.protocol === undefined ? 'mqtt' : opts.protocol;
    const request = [
      `GET ${opts.path ?? '/mqtt'} HTTP/1.1`,
      `Host: ${host}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${WS_KEY}`,
      'Sec-WebSocket-Version: 13',
      ...(protocol !== null ? [`Sec-WebSocket-Protocol: ${protocol}`] : []),
      '', '',
    ].join('\r\n');
    const head = new Promise<Uint8Array>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        c.response = buf.subarray(0, end).toString('latin1');
        resolve(new Uint8Array(buf.subarray(end + 4)));
      };
      socket.on('data', onData);
      socket.once('close', () => reject(new Error(`harness: WebSocket handshake closed: ${buf.toString('latin1')}`)));
    });
    await c.writeRaw(Buffer.from(request, 'latin1'));
    const rest = await withTimeout(head, 5000, 'WebSocket 101 response');
    const accept = createHash('sha1').update(WS_KEY + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    if (!/^HTTP\/1\.1 101/.test(c.response) || !c.response.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`)) {
      throw new Error(`harness: bad WebSocket handshake response:\n${c.response}`);
    }
    socket.on('data', (d: Buffer) => c.onFrames(new Uint8Array(d)));
    if (rest.length) c.onFrames(rest);
    return c;
  }

  /** Server frames → MQTT byte stream (binary/continuation payloads), close code remembered. */
  private onFrames(bytes: Uint8Array): void {
    const all = new Uint8Array(this.pending.length + bytes.length);
    all.set(this.pending, 0);
    all.set(bytes, this.pending.length);
    let p = 0;
    for (;;) {
      if (all.length - p < 2) break;
      const b0 = all[p]!;
      const b1 = all[p + 1]!;
      let len = b1 & 0x7f;
      let q = p + 2;
      if (len === 126) {
        if (all.length - q < 2) break;
        len = (all[q]! << 8) | all[q + 1]!;
        q += 2;
      } else if (len === 127) {
        if (all.length - q < 8) break;
        len = Number(new DataView(all.buffer, all.byteOffset + q, 8).getBigUint64(0));
        q += 8;
      }
      const masked = (b1 & 0x80) !== 0;
      const key = masked ? all.subarray(q, q + 4) : undefined;
      if (masked) q += 4;
      if (all.length - q < len) break;
      const payload = Uint8Array.from(all.subarray(q, q + len));
      if (key) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
      const opcode = b0 & 0x0f;
      if (opcode === 0 || opcode === 1 || opcode === 2) this.packets.push(payload);
      else if (opcode === 8) {
        this.wsCloseCode = payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : 1005;
        this.closeFrameSeen(this.wsCloseCode);
      }
      p = q + len;
    }
    this.pending = Uint8Array.from(all.subarray(p));
  }

  /** Sends one masked frame exactly as given (any opcode, FIN bit, RSV bits 0–7, payload). */
  sendFrame(spec: { opcode?: number; fin?: boolean; rsv?: number; payload: Uint8Array; mask?: Uint8Array }): Promise<void> {
    return this.writeRaw(frame({ opcode: spec.opcode ?? 2, fin: spec.fin ?? true, rsv: spec.rsv ?? 0, payload: spec.payload, mask: spec.mask ?? WS_MASK }));
  }

  /**
   * Sends MQTT packets (concatenated into one byte stream) in masked frames cut as `layout` says: one
   * packet across several frames, several packets in one frame, or both.
   */
  async sendMqtt(packets: readonly Uint8Array[], layout: FrameLayout = {}): Promise<void> {
    const stream = Buffer.concat(packets.map((p) => Buffer.from(p)));
    const cuts: Uint8Array[] = [];
    let p = 0;
    for (const n of layout.frameSizes ?? []) {
      cuts.push(stream.subarray(p, Math.min(stream.length, p + n)));
      p = Math.min(stream.length, p + n);
    }
    if (p < stream.length || cuts.length === 0) cuts.push(stream.subarray(p));
    const mask = layout.mask ?? WS_MASK;
    const frames = cuts.map((payload, i) => frame({
      opcode: layout.fragmented && i > 0 ? 0 : 2,
      fin: layout.fragmented ? i === cuts.length - 1 : true,
      payload,
      mask,
    }));
    if (layout.coalesce) {
      await this.writeRaw(Buffer.concat(frames));
      return;
    }
    for (const [i, f] of frames.entries()) {
      await this.writeRaw(f);
      if (i < frames.length - 1) await new Promise((r) => setTimeout(r, layout.gapMs ?? 5));
    }
  }

  /** Resolves with the status code of the broker's WebSocket Close frame (1005 when it has none); rejects after `timeoutMs`. */
  closeReceived(timeoutMs = 5000): Promise<number> {
    return withTimeout(this.closeFrame, timeoutMs, 'a WebSocket Close frame from the broker');
  }

  /** Sends a masked Close frame with a status code (default 1000). */
  sendClose(code = 1000): Promise<void> {
    return this.sendFrame({ opcode: 8, payload: Uint8Array.of(code >> 8, code & 0xff) });
  }
}
