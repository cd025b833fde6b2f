/**
 * The composition of the decoding layers for one run: capture records in, the model out through
 * EngineEvents. Synchronous from here down (the only await is the file read above it): link → IP →
 * TCP flow table → per-half reassembly → MQTT stream decoding → connection facts.
 */
import type { CaptureDiagnostic, CaptureRecord, Timestamp } from '../capture/types.js';
import { diagSpec, type DiagCode } from '../diag/registry.js';
import type { Diagnostic, Dir } from '../diag/types.js';
import { MqttStreamDecoder } from '../mqtt/stream.js';
import { frameAt } from '../mqtt/framing.js';
import { inferProtocolLevel } from '../mqtt/infer-version.js';
import { levelName } from '../mqtt/protocol-level.js';
import type { Decoded, MqttPacket, ProtocolLevel } from '../mqtt/types.js';
import { decodeIpInto, formatAddress, IPPROTO_TCP, newIpHeader } from '../net/ip.js';
import { FlowTable4 } from '../net/flow-table.js';
import { decodeLink } from '../net/link.js';
import { TcpHalfReassembler, type ReassemblyNotice } from '../net/reassembly.js';
import type { ChunkOrigin, EndReason, GapReason, StreamSink } from '../net/stream.js';
import { decodeTcpInto, newTcpHeader, TCP_ACK, TCP_RST, TCP_SYN } from '../net/tcp.js';
import { newTlsFacts, TlsSniffer } from '../net/tls.js';
import { FragmentReassembler } from '../net/fragments.js';
import { looksLikeConnect, looksLikeTls } from './detect.js';
import { looksLikeUpgrade } from '../ws/http.js';
import { WsDecoder, type WsControlFrame } from '../ws/decoder.js';
import { newWsSession, type WsSession } from '../ws/session.js';
import type { Limits } from './limits.js';
import type { Anomaly, Connection, Endpoint, EngineEvents, HalfFacts, Orientation, PacketRef, WsFacts } from './model.js';
import { OffsetIndex } from './offsets.js';
import { newSession, sessionStep, type Session } from './session.js';

export type PortRole = 'mqtt' | 'ws' | 'tls';

export interface EngineOptions {
  readonly limits: Limits;
  /** Ports whose traffic is decoded as the given protocol whatever its content (tshark's `-d`). */
  readonly ports: ReadonlyMap<number, PortRole>;
  /** Protocol level for connections whose CONNECT was not captured. */
  readonly assumeVersion: ProtocolLevel | null;
  /** Let a decoder exception escape (tests) instead of turning it into an `internal.exception` anomaly. */
  readonly rethrow?: boolean;
}

/** Ports that carry MQTT by convention (IANA 1883, 8883 for TLS). */
export const DEFAULT_PORTS: ReadonlyMap<number, PortRole> = new Map<number, PortRole>([
  [1883, 'mqtt'],
  [8883, 'tls'],
]);

const RECENT_PACKETS = 16;

/** The anomalies of the (usual) packet that has none: one shared empty list, not one per packet. */
const NO_ANOMALIES: readonly Anomaly[] = Object.freeze([]);

interface Flow {
  kind: 'pending' | 'mqtt' | 'tls' | 'ignored';
  /** Endpoint that sent the first segment we saw. */
  readonly a: Endpoint;
  readonly b: Endpoint;
  /** IPv6: "addr/port" of `a` (the key the direction is told by); '' for IPv4, told by aIp4 and a.port. */
  readonly aKey: string;
  readonly aIp4: number;
  /** The flow's key in its table, to evict it: IPv6 key string, or the IPv4 4-tuple. */
  readonly key6: string;
  readonly tuple4: readonly [number, number, number, number] | null;
  /** Which endpoint sent a SYN without ACK (the client), if seen. */
  synFromA: boolean | null;
  readonly firstTs: Timestamp;
  readonly firstFrame: number;
  conn: Connection | null;
  clientIsA: boolean;
  pipes: Record<Dir, HalfPipe> | null;
}

function emptyWsFacts(): WsFacts {
  return { status: null, subprotocol: null, deflate: false, path: null, closes: [], frames: { c2s: 0, s2c: 0 } };
}

function emptyHalf(): HalfFacts {
  return { fin: null, rst: null, bytes: 0, gapBytes: 0, retransmissions: 0, packets: 0, lastPacket: null };
}

export class Engine {
  /** IPv4 flows by their numeric 4-tuple (no key string per segment); IPv6 flows by a key string. */
  private readonly flows4 = new FlowTable4<Flow>();
  private readonly flows6 = new Map<string, Flow>();
  /** Every flow in the tables, in first-seen order: the order `finish` ends them in. */
  private readonly flows = new Set<Flow>();
  /** Header summaries reused for every frame (the per-frame path allocates no header objects). */
  private readonly ipHeader = newIpHeader();
  private readonly tcpHeader = newTcpHeader();
  private nextConnId = 1;
  private readonly unsupportedLinks = new Set<number>();
  private readonly fragments = new FragmentReassembler();
  /** Counters for the summary. */
  readonly stats = { frames: 0, ipFrames: 0, tcpSegments: 0, nonIpFrames: 0, ignoredFlows: 0, evictedFlows: 0 };

  constructor(
    private readonly opts: EngineOptions,
    private readonly events: EngineEvents,
  ) {}

  /** A problem with the capture file itself (not tied to a connection). */
  captureDiagnostic(d: CaptureDiagnostic): void {
    this.events.anomaly({
      code: d.code, severity: diagSpec(d.code).severity, conn: null, dir: null,
      frame: d.frame ?? 0, offset: 0, length: 0, ts: null,
      ...(d.detail !== undefined ? { detail: `${d.detail} (file offset ${d.fileOffset})` } : { detail: `file offset ${d.fileOffset}` }),
    });
  }

  push(r: CaptureRecord): void {
    this.stats.frames++;
    try {
      this.decode(r);
    } catch (e) {
      // A throw from a decoder is a bug; the run goes on and says where it happened.
      if (this.opts.rethrow) throw e;
      this.frameAnomaly('internal.exception', r, e instanceof Error ? e.message : String(e));
    }
  }

  private decode(r: CaptureRecord): void {
    const link = decodeLink(r.linkType, r.data);
    if (link.kind !== 'ip') {
      if (link.kind === 'unsupported' && !this.unsupportedLinks.has(r.linkType)) {
        this.unsupportedLinks.add(r.linkType);
        this.frameAnomaly('capture.unsupported_link', r, `link type ${r.linkType}`);
      } else if (link.kind === 'truncated') {
        this.frameAnomaly('net.link.truncated', r);
      } else {
        this.stats.nonIpFrames++;
      }
      return;
    }
    const ip = this.ipHeader;
    const ipProblem = decodeIpInto(r.data, link.offset, link.version, ip);
    if (ipProblem !== null) {
      this.frameAnomaly('net.ip.truncated', r, ipProblem);
      return;
    }
    this.stats.ipFrames++;
    if (ip.protocol !== IPPROTO_TCP) return;
    let data = r.data;
    let tcpAt = ip.payloadOffset;
    let tcpLength = ip.payloadLength;
    if (ip.fragment) {
      // A fragmented datagram: hold its pieces; TCP sees it once whole (offsets then point into the
      // reassembled datagram, the frame is the one that completed it).
      const key = `${addrKeyAt(r.data, ip.srcAt, ip.version)}>${addrKeyAt(r.data, ip.dstAt, ip.version)}/${ip.protocol}/${ip.fragment.id}`;
      const end = Math.min(r.data.length, ip.payloadOffset + ip.payloadLength);
      const res = this.fragments.add(key, ip.fragment, r.data.subarray(Math.min(ip.payloadOffset, end), end), r.ts.sec + r.ts.nsec / 1e9, r.frame);
      if (res.kind === 'dropped') this.fragmentDropped(res.frame, res.reason);
      if (res.kind !== 'complete') return;
      data = res.payload;
      tcpAt = 0;
      tcpLength = res.payload.length;
    }
    if ((this.stats.frames & 1023) === 0) {
      for (const x of this.fragments.expire(r.ts.sec + r.ts.nsec / 1e9)) this.fragmentDropped(x.frame, x.reason);
    }
    const tcp = this.tcpHeader;
    const tcpProblem = decodeTcpInto(data, tcpAt, tcpLength, tcp);
    if (tcpProblem !== null) {
      this.frameAnomaly('net.tcp.bad_header', r, tcpProblem);
      return;
    }
    this.stats.tcpSegments++;
    const isSyn = (tcp.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    const v4 = ip.version === 4;
    // IPv6 keys stay strings (rare); IPv4 flows are found by the numbers themselves.
    const srcKey = v4 ? '' : `${addrKeyAt(r.data, ip.srcAt, 6)}/${tcp.srcPort}`;
    const dstKey = v4 ? '' : `${addrKeyAt(r.data, ip.dstAt, 6)}/${tcp.dstPort}`;
    const key6 = v4 ? '' : srcKey < dstKey ? `${srcKey}-${dstKey}` : `${dstKey}-${srcKey}`;

    let flow = v4 ? this.flows4.get(ip.src4, tcp.srcPort, ip.dst4, tcp.dstPort) : this.flows6.get(key6);
    if (flow && isSyn && flow.conn?.closed) {
      // Port reuse: a new SYN on a 4-tuple whose connection has closed starts a new connection.
      if (v4) this.flows4.delete(ip.src4, tcp.srcPort, ip.dst4, tcp.dstPort);
      else this.flows6.delete(key6);
      this.flows.delete(flow);
      flow = undefined;
    }
    if (!flow) {
      const n = v4 ? 4 : 16;
      flow = {
        kind: 'pending',
        a: { addr: formatAddress(r.data.subarray(ip.srcAt, ip.srcAt + n)), port: tcp.srcPort },
        b: { addr: formatAddress(r.data.subarray(ip.dstAt, ip.dstAt + n)), port: tcp.dstPort },
        aKey: srcKey, aIp4: ip.src4, key6, tuple4: v4 ? [ip.src4, tcp.srcPort, ip.dst4, tcp.dstPort] : null,
        synFromA: null, firstTs: r.ts, firstFrame: r.frame,
        conn: null, clientIsA: true, pipes: null,
      };
      if (v4) this.flows4.set(ip.src4, tcp.srcPort, ip.dst4, tcp.dstPort, flow);
      else this.flows6.set(key6, flow);
      this.flows.add(flow);
      if (this.flows.size > this.opts.limits.maxFlows) this.evictOldest(r);
    }
    const fromA = v4 ? ip.src4 === flow.aIp4 && tcp.srcPort === flow.a.port : srcKey === flow.aKey;
    if (isSyn && flow.synFromA === null) flow.synFromA = fromA;
    if (flow.kind === 'ignored') return;

    const payloadEnd = Math.min(data.length, tcp.payloadOffset + tcp.payloadLength);
    const payload = data.subarray(Math.min(tcp.payloadOffset, payloadEnd), payloadEnd);
    if (flow.kind === 'pending') this.classify(flow, fromA, tcp.srcPort, tcp.dstPort, payload, r);
    if (!flow.pipes || !flow.conn) return; // still pending, or just ignored

    const conn = flow.conn;
    const dir: Dir = fromA === flow.clientIsA ? 'c2s' : 's2c';
    conn.end = r.ts;
    conn.lastFrame = r.frame;
    const pipe = flow.pipes[dir];
    // The ACK number tells the other direction which of its bytes were received: a hole below it was
    // lost by the capture, not the network.
    if (tcp.flags & TCP_ACK) flow.pipes[dir === 'c2s' ? 's2c' : 'c2s'].reassembler.acked(tcp.ack);
    if (tcp.flags & TCP_RST) conn.half[dir].rst ??= { frame: r.frame, ts: r.ts };
    pipe.reassembler.segment({
      seq: tcp.seq, flags: tcp.flags, payload, length: tcp.payloadLength,
      frame: r.frame, frameOffset: tcp.payloadOffset, ts: r.ts,
    });
    if (tcp.flags & TCP_RST) {
      // A reset ends both directions at once.
      flow.pipes[dir === 'c2s' ? 's2c' : 'c2s'].reassembler.finish();
    }
    this.maybeClosed(flow);
  }

  private fragmentDropped(frame: number, reason: string): void {
    this.events.anomaly({ code: 'net.ip.fragment_incomplete', severity: 'warn', conn: null, dir: null, frame, offset: 0,
      length: 0, ts: null, detail: reason });
  }

  /**
   * Drops the oldest flow (Set order is creation order): an open connection ends as seen so far, with a
   * `limit.flows` note on it; the flow's reassembly state and buffers are freed.
   */
  private evictOldest(r: CaptureRecord): void {
    const oldest = this.flows.values().next().value;
    if (!oldest) return;
    this.flows.delete(oldest);
    if (oldest.tuple4) this.flows4.delete(oldest.tuple4[0], oldest.tuple4[1], oldest.tuple4[2], oldest.tuple4[3]);
    else this.flows6.delete(oldest.key6);
    this.stats.evictedFlows++;
    const conn = oldest.conn;
    if (this.stats.evictedFlows === 1 || (conn && !conn.closed)) {
      const a: Anomaly = { code: 'limit.flows', severity: 'warn', conn: conn?.id ?? null, dir: null, frame: r.frame, offset: 0, length: 0,
        ts: r.ts, detail: `more than ${this.opts.limits.maxFlows} TCP flows open; evicted the oldest${conn ? ` (${conn.id})` : ''}` };
      if (conn && !conn.closed) this.emit(conn, a);
      else this.events.anomaly(a);
    }
    if (conn && !conn.closed && oldest.pipes) {
      oldest.pipes.c2s.reassembler.finish();
      oldest.pipes.s2c.reassembler.finish();
      this.maybeClosed(oldest, true);
    }
    oldest.pipes = null;
  }

  /** Ends every open stream (end of capture) and reports the connections still open. */
  finish(): void {
    for (const x of this.fragments.pending()) this.fragmentDropped(x.frame, x.reason);
    for (const flow of this.flows) {
      if (!flow.pipes || !flow.conn || flow.conn.closed) continue;
      flow.pipes.c2s.reassembler.finish();
      flow.pipes.s2c.reassembler.finish();
      this.maybeClosed(flow, true);
    }
  }

  /** Decides whether a flow is MQTT, TLS or something to ignore, and which side is the client. */
  private classify(flow: Flow, fromA: boolean, srcPort: number, dstPort: number, payload: Uint8Array, r: CaptureRecord): void {
    const ports = this.opts.ports;
    let clientIsA: boolean | null = null;
    let orientation: Orientation = 'port';
    let role: PortRole | undefined;
    if (flow.synFromA !== null) {
      clientIsA = flow.synFromA;
      orientation = 'syn';
      role = ports.get(clientIsA ? flow.b.port : flow.a.port);
    } else if (ports.has(dstPort)) {
      clientIsA = fromA;
      role = ports.get(dstPort);
    } else if (ports.has(srcPort)) {
      clientIsA = !fromA;
      role = ports.get(srcPort);
    }
    if (role === undefined) {
      // Not a known port: decide on the first payload bytes (an MQTT CONNECT from the client).
      if (payload.length === 0) return;
      const senderIsClient = clientIsA === null ? true : fromA === clientIsA;
      if (senderIsClient && looksLikeConnect(payload)) {
        role = 'mqtt';
        if (clientIsA === null) { clientIsA = fromA; orientation = 'content'; }
      } else if (senderIsClient && looksLikeUpgrade(payload)) {
        // An HTTP upgrade to WebSocket on any port: MQTT over WebSocket is decided by the subprotocol later.
        role = 'ws';
        if (clientIsA === null) { clientIsA = fromA; orientation = 'content'; }
      } else {
        flow.kind = 'ignored';
        this.stats.ignoredFlows++;
        return;
      }
    }
    if (clientIsA === null) clientIsA = fromA;
    if (role === 'tls' || (payload.length > 0 && looksLikeTls(payload))) role = 'tls';
    flow.kind = role === 'tls' ? 'tls' : 'mqtt';
    flow.clientIsA = clientIsA;
    const transport = role === 'tls' ? 'tls' : role === 'ws' ? 'websocket' : 'tcp';
    const conn = this.openConnection(flow, orientation, transport, r);
    flow.conn = conn;
    const shared: Shared = { session: newSession(), ws: transport === 'websocket' ? newWsSession() : null };
    conn.session = shared.session.facts;
    const c2s = new HalfPipe(this, conn, 'c2s', shared);
    const s2c = new HalfPipe(this, conn, 's2c', shared);
    c2s.otherHalfGap = () => { s2c.sawGap = true; };
    s2c.otherHalfGap = () => { c2s.sawGap = true; };
    flow.pipes = { c2s, s2c };
  }

  private openConnection(flow: Flow, orientation: Orientation, transport: Connection['transport'], r: CaptureRecord): Connection {
    const conn: Connection = {
      id: `C${this.nextConnId++}`,
      client: flow.clientIsA ? flow.a : flow.b,
      broker: flow.clientIsA ? flow.b : flow.a,
      transport, orientation,
      handshakeSeen: flow.synFromA !== null,
      mqttVersion: null, versionSource: null, clientId: null, username: null, keepAlive: null, serverKeepAlive: null,
      maximumPacketSize: null,
      start: flow.firstTs, firstFrame: flow.firstFrame, end: r.ts, lastFrame: r.frame,
      packets: {}, mqttPackets: 0,
      half: { c2s: emptyHalf(), s2c: emptyHalf() },
      connect: null, connack: null, disconnects: [], recent: [], session: null, tls: transport === 'tls' ? newTlsFacts() : null, ws: transport === 'websocket' ? emptyWsFacts() : null,
      anomalies: [], anomaliesDropped: 0, closed: false,
    };
    this.events.connectionOpened(conn);
    if (!conn.handshakeSeen) {
      this.emit(conn, { code: 'tcp.midstream', severity: 'note', conn: conn.id, dir: null, frame: r.frame,
        offset: 0, length: 0, ts: r.ts, detail: `orientation by ${orientation}` });
    }
    return conn;
  }

  private maybeClosed(flow: Flow, atEnd = false): void {
    const conn = flow.conn;
    if (!conn || conn.closed || !flow.pipes) return;
    if (atEnd || (flow.pipes.c2s.reassembler.isEnded && flow.pipes.s2c.reassembler.isEnded)) {
      conn.closed = true;
      for (const dir of ['c2s', 's2c'] as const) {
        const st = flow.pipes[dir].reassembler.stats;
        conn.half[dir].bytes = st.bytes;
        conn.half[dir].gapBytes = st.gapBytes;
        conn.half[dir].retransmissions = st.retransmissions;
      }
      this.events.connectionClosed(conn);
      // Both streams have ended: the decoders and offset indexes will never be fed again. The flow
      // stays (port reuse, data after close) but only with what those need.
      flow.pipes.c2s.release();
      flow.pipes.s2c.release();
    }
  }

  private frameAnomaly(code: DiagCode, r: CaptureRecord, detail?: string): void {
    this.events.anomaly({ code, severity: diagSpec(code).severity, conn: null, dir: null, frame: r.frame, offset: 0,
      length: 0, ts: r.ts, ...(detail !== undefined ? { detail } : {}) });
  }

  /** Records an anomaly on its connection (bounded) and reports it. */
  emit(conn: Connection, a: Anomaly): void {
    if (conn.anomalies.length < this.opts.limits.maxAnomaliesPerConnection) conn.anomalies.push(a);
    else conn.anomaliesDropped++;
    this.events.anomaly(a);
  }

  get options(): EngineOptions {
    return this.opts;
  }

  get eventSink(): EngineEvents {
    return this.events;
  }
}

/** What a client stream that is not MQTT starts with: an HTTP request, or a TLS handshake. */
function otherProtocol(b: Uint8Array): string | null {
  if (looksLikeTls(b)) return 'a TLS ClientHello: a TLS client on the plain MQTT listener (use the TLS port, or plain MQTT)';
  const head = new TextDecoder('latin1').decode(b.subarray(0, Math.min(b.length, 64)));
  const m = /^(GET|POST|PUT|HEAD|OPTIONS|DELETE|PATCH|CONNECT) (\S+) HTTP\/1\.[01]/.exec(head);
  if (m) return `an HTTP request "${m[1]} ${m[2]!.slice(0, 40)}": a WebSocket or HTTP client on the plain MQTT listener (use the WebSocket port)`;
  return null;
}

/** Identity of the address at `at` in `d` for string keys (IPv4 as its number, IPv6 as text). */
function addrKeyAt(d: Uint8Array, at: number, version: 4 | 6): string {
  if (version === 4) return String(((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0);
  return formatAddress(d.subarray(at, at + 16));
}

/** What the two directions of a connection share. */
interface Shared {
  readonly session: Session;
  readonly ws: WsSession | null;
}

/**
 * One direction of one MQTT connection: reassembled TCP bytes → (WebSocket frames →) offset index →
 * MQTT stream decoder, and the packets' facts onto the connection. The same code serves both directions.
 */
class HalfPipe implements StreamSink {
  readonly reassembler: TcpHalfReassembler;
  /** TCP stream offsets → frames. */
  private readonly tcpIndex = new OffsetIndex();
  /** Offsets of the stream MQTT is decoded from → frames (the TCP index itself, or one for the WebSocket payload). */
  private readonly mqttIndex: OffsetIndex;
  private decoder: MqttStreamDecoder | null;
  private ws: WsDecoder | null;
  private tls: TlsSniffer | null;
  private readonly session: Session;
  /** The client's first bytes were another protocol (HTTP, TLS): nothing more is decoded this way. */
  private notMqtt = false;
  /** How the version was inferred, for the note on the first packet. */
  private inference: string | null = null;
  /** A gap was seen in either direction (pairing is then no proof of anything). */
  sawGap = false;
  private readonly ctx: { protocolLevel: ProtocolLevel } = { protocolLevel: 4 };
  otherHalfGap: () => void = () => {};

  constructor(
    private readonly engine: Engine,
    private readonly conn: Connection,
    private readonly dir: Dir,
    shared: Shared,
  ) {
    this.session = shared.session;
    const limits = engine.options.limits;
    this.reassembler = new TcpHalfReassembler(this, (n) => this.notice(n), limits.maxOutOfOrderBytes);
    this.decoder = conn.transport === 'tls' ? null : new MqttStreamDecoder(
      // One context object per direction, refreshed per packet (the decoder reads it at once).
      () => { this.ctx.protocolLevel = this.protocolLevel(); return this.ctx; },
      { packet: (d: Decoded, bytes: Uint8Array) => this.packet(d, bytes), diagnostic: (d: Diagnostic) => this.diagnostic(d, this.mqttIndex) },
      { maxPacketSize: limits.maxPacketSize },
    );
    this.mqttIndex = shared.ws ? new OffsetIndex() : this.tcpIndex;
    this.tls = conn.tls ? new TlsSniffer(conn.tls, dir === 'c2s') : null;
    this.ws = shared.ws ? new WsDecoder(dir, shared.ws, {
      payload: (bytes, wsOffset, tcpOffset, mask, inflated) => {
        const at = this.tcpIndex.locate(tcpOffset);
        if (at) this.mqttIndex.add(wsOffset, bytes.length, at.frame, at.frameOffset, at.ts, mask, inflated);
        this.feedMqtt(bytes, wsOffset);
      },
      gap: (wsOffset, length) => this.decoder?.gap(wsOffset, length),
      frame: (h) => {
        this.conn.ws!.frames[this.dir]++;
        this.engine.eventSink.wsFrame?.(this.conn, this.dir, h);
      },
      control: (f) => this.wsControl(f),
      handshake: (session) => this.wsHandshake(session),
      diagnostic: (d) => this.diagnostic(d, this.tcpIndex),
    }, { maxCompressedMessage: limits.maxWsMessage, maxInflatedMessage: limits.maxWsInflate },
    conn.handshakeSeen ? 'http' : 'auto') : null;
  }

  /**
   * The connection is closed and both streams ended (the reassembler calls no sink method after its
   * end): drop the decoders and the offset indexes, so that a closed connection keeps only its facts
   * (memory stays flat however many connections a long capture holds).
   */
  release(): void {
    this.decoder = null;
    this.ws = null;
    this.tls = null;
    this.tcpIndex.clear();
    this.mqttIndex.clear();
    // The session machine's tables are done with too (conn.session keeps the facts for the report).
    this.session.inflight[this.dir].clear();
    this.session.topicAliases[this.dir].clear();
    this.session.subscribeFilters.clear();
  }

  data(bytes: Uint8Array, offset: number, origin: ChunkOrigin): void {
    this.tcpIndex.add(offset, bytes.length, origin.frame, origin.frameOffset, origin.ts);
    if (this.ws) this.ws.data(bytes, offset);
    else if (this.tls) this.feedTls(bytes, offset);
    else this.feedMqtt(bytes, offset);
  }

  private feedTls(bytes: Uint8Array, offset: number): void {
    const facts = this.conn.tls!;
    const before = facts.alerts.length;
    this.tls!.data(bytes, offset);
    for (const a of facts.alerts.slice(before)) {
      this.diagnostic({ code: 'tls.alert', at: { offset: a.streamOffset, length: 7 },
        detail: `${a.level} alert ${a.description} (${a.code}) from the ${this.dir === 'c2s' ? 'client' : 'broker'}` }, this.tcpIndex);
    }
  }

  /** MQTT bytes of this direction; the first ones decide the version when no CONNECT was captured. */
  private feedMqtt(bytes: Uint8Array, offset: number): void {
    if (this.notMqtt) return;
    if (offset === 0 && this.dir === 'c2s' && !this.ws && this.conn.handshakeSeen) {
      const other = otherProtocol(bytes);
      if (other) {
        // c-7 "wrong transport": the client does not speak MQTT on this port; decoding its bytes as
        // MQTT would only produce noise, so say what it is and stop.
        this.notMqtt = true;
        this.diagnostic({ code: 'mqtt.stream.not_mqtt', at: { offset: 0, length: Math.min(bytes.length, 16) }, detail: other }, this.tcpIndex);
        return;
      }
    }
    if (this.conn.versionSource === null && this.engine.options.assumeVersion === null && bytes.length > 0 && bytes[0] !== 0x10) {
      this.inferVersion(bytes);
    }
    this.decoder?.data(bytes, offset);
  }

  /**
   * A stream that does not open with CONNECT (the capture started late, or a rotated file): frame the
   * whole packets at hand and keep the grammar (3.1.1 or 5.0) they decode under with fewer errors.
   */
  private inferVersion(bytes: Uint8Array): void {
    const packets: Uint8Array[] = [];
    let pos = 0;
    while (packets.length < 16) {
      const f = frameAt(bytes, pos);
      if (f.kind !== 'frame' || pos + f.headerLength + f.remainingLength > bytes.length) break;
      packets.push(bytes.subarray(pos, pos + f.headerLength + f.remainingLength));
      pos += f.headerLength + f.remainingLength;
    }
    if (packets.length === 0) return;
    const guess = inferProtocolLevel(packets);
    this.conn.mqttVersion = guess.level;
    this.conn.versionSource = 'inferred';
    this.inference = `inferred ${levelName(guess.level)} from ${packets.length} packet${packets.length === 1 ? '' : 's'} `
      + `(errors as 3.1.1: ${guess.errors.v311}, as 5.0: ${guess.errors.v5})`;
  }

  gap(offset: number, length: number, reason: GapReason): void {
    this.sawGap = true;
    this.otherHalfGap();
    const at = this.tcpIndex.locate(offset);
    this.engine.emit(this.conn, {
      code: 'tcp.gap', severity: 'warn', conn: this.conn.id, dir: this.dir,
      // Located at the last byte received before the hole (the hole itself is in no frame).
      frame: at?.frame ?? this.conn.lastFrame, offset: at ? at.frameOffset : 0, length, ts: at?.ts ?? null,
      streamOffset: offset, detail: `${length} bytes missing (${reason === 'snaplen' ? 'cut by the capture snaplen' : reason === 'limit' ? 'out-of-order limit' : 'not captured'})`,
    });
    if (this.ws) this.ws.gap(offset, length);
    else if (this.tls) this.tls.gap();
    else this.decoder?.gap(offset, length);
  }

  end(reason: EndReason, origin: ChunkOrigin | null): void {
    this.ws?.end();
    this.decoder?.end();
    const half = this.conn.half[this.dir];
    if (origin && reason === 'fin') half.fin ??= { frame: origin.frame, ts: origin.ts };
    if (origin && reason === 'rst') half.rst ??= { frame: origin.frame, ts: origin.ts };
  }

  private wsHandshake(session: WsSession): void {
    const facts = this.conn.ws!;
    facts.status = session.status;
    facts.subprotocol = session.subprotocol;
    facts.deflate = session.deflate !== null;
    if (session.request) facts.path = session.request.startLine.split(' ')[1] ?? null;
  }

  private wsControl(f: WsControlFrame): void {
    if (f.header.opcode !== 8) return;
    const at = this.tcpIndex.locate(f.header.tcpOffset);
    this.conn.ws!.closes.push({
      dir: this.dir, code: f.closeCode ?? null, reason: f.closeReason ?? '',
      frame: at?.frame ?? this.conn.lastFrame, offset: at?.frameOffset ?? 0, ts: at?.ts ?? this.conn.end,
    });
  }

  private protocolLevel(): ProtocolLevel {
    const conn = this.conn;
    if (conn.mqttVersion !== null) return conn.mqttVersion;
    const assumed = this.engine.options.assumeVersion;
    conn.mqttVersion = assumed ?? 4;
    conn.versionSource = 'assumed';
    return conn.mqttVersion;
  }

  private notice(n: ReassemblyNotice): void {
    this.engine.emit(this.conn, {
      code: n.code, severity: diagSpec(n.code).severity, conn: this.conn.id, dir: this.dir,
      frame: n.frame, offset: n.frameOffset, length: n.length, ts: null, ...(n.detail !== undefined ? { detail: n.detail } : {}),
    });
  }

  /** Resolves a diagnostic to its frame; `packet` (bytes and stream offset) lets a masked wire byte be shown. */
  private locate(d: Diagnostic, index: OffsetIndex, packet?: { bytes: Uint8Array; offset: number }): Anomaly {
    const at = index.locate(d.at.offset);
    const value = packet ? packet.bytes[d.at.offset - packet.offset] : undefined;
    const websocket = at?.maskByte != null && value !== undefined
      ? { websocket: { payloadOffset: d.at.offset, byte: value, wireByte: value ^ at.maskByte } } : {};
    return {
      ...websocket,
      code: d.code, severity: diagSpec(d.code).severity, conn: this.conn.id, dir: this.dir,
      frame: at?.frame ?? this.conn.lastFrame, offset: at?.frameOffset ?? 0, length: d.at.length, ts: at?.ts ?? null,
      streamOffset: d.at.offset, ...(d.detail !== undefined ? { detail: d.detail } : {}),
    };
  }

  private diagnostic(d: Diagnostic, index: OffsetIndex): void {
    this.engine.emit(this.conn, this.locate(d, index));
  }

  private packet(d: Decoded, bytes: Uint8Array): void {
    const conn = this.conn;
    const p = d.packet;
    const isFirstPacket = conn.mqttPackets === 0;
    this.applySession(p);
    if (isFirstPacket && (conn.versionSource === 'assumed' || conn.versionSource === 'inferred')) {
      d = { packet: p, diags: [...d.diags, { code: 'mqtt.version.assumed', at: { offset: p.at.offset, length: 1 },
        detail: this.inference ?? `decoded as ${levelName(conn.mqttVersion ?? 4)}${this.engine.options.assumeVersion !== null ? ' (--assume-version)' : ''}` }] };
    }
    const start = p.at.offset;
    const index = this.mqttIndex;
    // The entries holding the packet's last and first byte, found once, read without FramePoint objects.
    const li = index.find(start + p.at.length - 1);
    const fi = li < 0 ? -1 : index.find(start);
    const lastFrame = li < 0 ? conn.lastFrame : index.frameAt(li);
    const lastTs = li < 0 ? conn.end : index.tsAt(li);
    let codes = sessionStep(this.session, p, {
      dir: this.dir, ts: lastTs, frame: lastFrame,
      handshakeSeen: conn.handshakeSeen, protocolLevel: conn.mqttVersion ?? 4,
    });
    // Pairing needs the whole conversation: without the handshake or with lost bytes, a missing request is no proof.
    if (codes.length > 0) {
      codes = codes.filter((c) => !((c === 'mqtt.sequence.orphan_ack' || c === 'mqtt.sequence.wrong_ack')
        && (!conn.handshakeSeen || !this.session.sawConnect || this.sawGap)));
    }
    let diags: readonly Diagnostic[] = codes.length > 0
      ? [...d.diags, ...codes.map((code): Diagnostic => ({ code, at: { offset: p.at.offset, length: 1 } }))] : d.diags;
    if (p.type === 'CONNACK' && this.dir === 's2c' && isRefusal(p.reasonCode, conn.mqttVersion ?? 4)) {
      // The reason code byte: fixed header, then the acknowledge flags byte.
      diags = [...diags, { code: 'mqtt.connack.refused', at: { offset: p.at.offset + p.headerLength + 1, length: 1 },
        detail: `code 0x${p.reasonCode.toString(16).padStart(2, '0')}` }];
    }

    const frames = index.framesOf(start, p.at.length);
    const anomalies = diags.length === 0 ? NO_ANOMALIES : diags.map((x) => this.locate(x, index, { bytes, offset: start }));
    const type = p.type;
    const ref: { -readonly [K in keyof PacketRef]: PacketRef[K] } = {
      type, dir: this.dir, frame: lastFrame, ts: lastTs,
      frameOffset: fi < 0 ? 0 : index.frameOffsetAt(fi, start), firstFrame: fi < 0 ? conn.lastFrame : index.frameAt(fi),
      remainingLength: p.remainingLength,
      errors: anomalies.length === 0 ? NO_ANOMALIES : anomalies.filter((a) => a.severity === 'error'),
    };
    const reasonCode = reasonCodeOf(p);
    if (reasonCode !== undefined) ref.reasonCode = reasonCode;
    conn.mqttPackets++;
    conn.packets[type] = (conn.packets[type] ?? 0) + 1;
    const half = conn.half[this.dir];
    half.packets++;
    half.lastPacket = ref;
    if (type === 'CONNECT' && this.dir === 'c2s' && conn.connect === null) conn.connect = ref;
    if (type === 'CONNACK' && this.dir === 's2c' && conn.connack === null) conn.connack = ref;
    if (type === 'DISCONNECT') conn.disconnects.push(ref);
    conn.recent.push(ref);
    if (conn.recent.length > RECENT_PACKETS) conn.recent.shift();

    for (const a of anomalies) this.engine.emit(conn, a);
    this.engine.eventSink.packet({
      conn, dir: this.dir, packet: p, frame: ref.frame, frames: frames.length > 0 ? frames : [ref.frame],
      ts: ref.ts, bytes, anomalies, ref,
    });
    index.prune(start + p.at.length);
    if (this.ws) this.tcpIndex.prune(this.tcpIndex.lastOffset());
  }

  /** Connection-level facts from CONNECT and CONNACK. */
  private applySession(p: MqttPacket): void {
    const conn = this.conn;
    if (p.type === 'CONNECT' && this.dir === 'c2s' && conn.clientId === null) {
      const level = p.protocolLevel & 0x7f; // bit 7 is the bridge flag
      if (level === 3 || level === 4 || level === 5) {
        conn.mqttVersion = level;
        conn.versionSource = 'connect';
      }
      conn.clientId = p.clientId;
      conn.username = p.username ?? null;
      conn.keepAlive = p.keepAlive;
    } else if (p.type === 'CONNACK' && this.dir === 's2c') {
      const ska = p.properties.find((x) => x.id === 0x13);
      if (ska && typeof ska.value === 'number') conn.serverKeepAlive = ska.value;
      const mps = p.properties.find((x) => x.id === 0x27);
      if (mps && typeof mps.value === 'number') conn.maximumPacketSize = mps.value;
    }
  }
}

/** 3.x: any non-zero return code refuses; 5.0: reason codes ≥ 0x80 are failures. */
export function isRefusal(code: number, level: number): boolean {
  return level === 5 ? code >= 0x80 : code !== 0;
}

function reasonCodeOf(p: MqttPacket): number | undefined {
  return 'reasonCode' in p ? p.reasonCode : undefined;
}

