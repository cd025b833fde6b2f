/**
 * The model the engine builds while it reads: connections with their facts, MQTT packets and located
 * anomalies. Analysis rules and reports read these; nothing here knows how it will be shown.
 */
import type { Timestamp } from '../capture/types.js';
import type { DiagCode } from '../diag/registry.js';
import type { Dir, Severity } from '../diag/types.js';
import type { MqttPacket, PacketTypeName, ProtocolLevel } from '../mqtt/types.js';
import type { SessionFacts } from './session.js';
import type { TlsFacts } from '../net/tls.js';
import type { WsFrameHeader } from '../ws/decoder.js';

export interface Endpoint {
  readonly addr: string;
  readonly port: number;
}

export type Transport = 'tcp' | 'websocket' | 'tls';
export type VersionSource = 'connect' | 'inferred' | 'assumed';
/** How we know which side is the client: its SYN, a well-known/forced port, or it sent CONNECT. */
export type Orientation = 'syn' | 'port' | 'content';

/** A TCP FIN or RST, or an end of capture, on one side. */
export interface CloseEvent {
  readonly frame: number;
  readonly ts: Timestamp;
}

export interface HalfFacts {
  fin: CloseEvent | null;
  rst: CloseEvent | null;
  bytes: number;
  gapBytes: number;
  retransmissions: number;
  packets: number;
  /** The last MQTT packet this side sent. */
  lastPacket: PacketRef | null;
}

/** A short reference to one MQTT packet, kept per connection for the verdict (not the whole packet). */
export interface PacketRef {
  readonly type: PacketTypeName | 'TRUNCATED';
  readonly dir: Dir;
  readonly frame: number;
  readonly ts: Timestamp;
  /** Offset of the packet's first byte in the frame that carries it. */
  readonly frameOffset: number;
  readonly firstFrame: number;
  readonly remainingLength: number;
  /** Error-severity diagnostics on this packet, in order. */
  readonly errors: readonly Anomaly[];
  readonly reasonCode?: number;
}

export interface Connection {
  readonly id: string;
  readonly client: Endpoint;
  readonly broker: Endpoint;
  transport: Transport;
  readonly orientation: Orientation;
  /** False when the capture started after the handshake. */
  readonly handshakeSeen: boolean;
  mqttVersion: ProtocolLevel | null;
  versionSource: VersionSource | null;
  clientId: string | null;
  username: string | null;
  keepAlive: number | null;
  /** MQTT 5 Server Keep Alive from CONNACK, which overrides keepAlive [MQTT-3.1.2-21]. */
  serverKeepAlive: number | null;
  /** MQTT 5 Maximum Packet Size the broker announced in CONNACK (0x27). */
  maximumPacketSize: number | null;
  readonly start: Timestamp;
  readonly firstFrame: number;
  end: Timestamp;
  lastFrame: number;
  packets: Partial<Record<PacketTypeName | 'TRUNCATED', number>>;
  mqttPackets: number;
  readonly half: Record<Dir, HalfFacts>;
  connect: PacketRef | null;
  connack: PacketRef | null;
  /** DISCONNECT packets (by either side), in order. */
  disconnects: PacketRef[];
  /** The last few packets, oldest first (bounded). */
  recent: PacketRef[];
  /** Request/response pairing, in-flight ids, subscriptions and will (null for TLS). */
  session: SessionFacts | null;
  /** What the TLS handshake shows in cleartext, when transport is `tls`. */
  tls: TlsFacts | null;
  /** WebSocket facts when transport is `websocket`. */
  ws: WsFacts | null;
  anomalies: Anomaly[];
  anomaliesDropped: number;
  closed: boolean;
}

export interface WsCloseFact {
  readonly dir: Dir;
  readonly code: number | null;
  readonly reason: string;
  readonly frame: number;
  readonly offset: number;
  readonly ts: Timestamp;
}

export interface WsFacts {
  /** HTTP status of the upgrade response (101 on success), null if not seen. */
  status: number | null;
  subprotocol: string | null;
  deflate: boolean;
  path: string | null;
  /** Close frames in order (the first one tells who closed first). */
  closes: WsCloseFact[];
  frames: Record<Dir, number>;
}

/** A diagnostic resolved to the capture: the frame and the byte offset in it that a user can open. */
export interface Anomaly {
  readonly code: DiagCode;
  readonly severity: Severity;
  readonly conn: string | null;
  readonly dir: Dir | null;
  readonly frame: number;
  /** Byte offset inside `frame` (Wireshark's byte view), or 0 when the anomaly is about the whole frame. */
  readonly offset: number;
  readonly length: number;
  readonly ts: Timestamp | null;
  readonly detail?: string;
  /** Offset in the reassembled stream (TCP or WebSocket payload) of that direction, when there is one. */
  readonly streamOffset?: number;
  /**
   * For MQTT bytes carried in masked WebSocket frames: the byte's offset in the unmasked payload stream,
   * its value there, and the masked value as it appears on the wire at `frame`/`offset`.
   */
  readonly websocket?: { readonly payloadOffset: number; readonly byte: number; readonly wireByte: number };
}

export interface PacketEvent {
  readonly conn: Connection;
  readonly dir: Dir;
  readonly packet: MqttPacket;
  /** The frame that carries the packet's last byte (where Wireshark shows it). */
  readonly frame: number;
  /** Every frame that carried bytes of the packet, ascending. */
  readonly frames: readonly number[];
  readonly ts: Timestamp;
  /** The packet's bytes (a view: copy to keep). */
  readonly bytes: Uint8Array;
  readonly anomalies: readonly Anomaly[];
  readonly ref: PacketRef;
}

/** What the engine tells whoever listens (analysis, then reports), as soon as it knows it. */
export interface EngineEvents {
  connectionOpened(conn: Connection): void;
  packet(event: PacketEvent): void;
  anomaly(anomaly: Anomaly): void;
  connectionClosed(conn: Connection): void;
  /** Every WebSocket frame header, for listeners that want the frame level (optional). */
  wsFrame?(conn: Connection, dir: Dir, header: WsFrameHeader): void;
}
