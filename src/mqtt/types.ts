/**
 * Decoded MQTT control packets, named with the spec's own words. A packet is a discriminated union on
 * `type`; every packet also carries its fixed header facts and where it sits in its stream.
 */
import type { Diagnostic, Span } from '../diag/types.js';

/** Protocol level as it appears in CONNECT: 3 = 3.1 (MQIsdp), 4 = 3.1.1, 5 = 5.0. */
export type ProtocolLevel = 3 | 4 | 5;

export type PacketTypeName =
  | 'RESERVED' | 'CONNECT' | 'CONNACK' | 'PUBLISH' | 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP'
  | 'SUBSCRIBE' | 'SUBACK' | 'UNSUBSCRIBE' | 'UNSUBACK' | 'PINGREQ' | 'PINGRESP' | 'DISCONNECT' | 'AUTH';

/** Index = the 4-bit control packet type of the fixed header (3.1.1 Table 2.1, 5.0 Table 2-1). */
export const PACKET_TYPE_NAMES: readonly PacketTypeName[] = [
  'RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP',
  'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH',
];

export type QoS = 0 | 1 | 2;

/** One MQTT 5 property, in wire order (User Property and Subscription Identifier may repeat). */
export interface Property {
  readonly id: number;
  /** The spec's name in camelCase, e.g. `sessionExpiryInterval`, `userProperty`. */
  readonly name: string;
  /** number for integer types; string for UTF-8 strings; [key, value] for string pairs; Uint8Array for binary data. */
  readonly value: number | string | readonly [string, string] | Uint8Array;
  readonly at: Span;
}

export interface Will {
  readonly qos: QoS;
  readonly retain: boolean;
  readonly topic: string;
  readonly payload: Span;
  readonly properties: readonly Property[];
}

export interface Subscription {
  readonly topicFilter: string;
  /** Requested QoS (bits 1-0 of the options byte). */
  readonly qos: number;
  /** MQTT 5 only. */
  readonly noLocal?: boolean;
  readonly retainAsPublished?: boolean;
  readonly retainHandling?: number;
}

/** Facts every packet has, from its fixed header. */
export interface PacketHeader {
  /** The 4-bit type field. */
  readonly typeCode: number;
  /** The low nibble of byte 0. */
  readonly flags: number;
  readonly remainingLength: number;
  /** Fixed header length in bytes (1 + length of the Remaining Length encoding). */
  readonly headerLength: number;
  /** Where the whole packet (header + body) sits in its stream. */
  readonly at: Span;
  /**
   * Set on the packet where framing resumed after a resync (a gap, or a Remaining Length longer than
   * 4 bytes): its start was found by scanning for a plausible fixed header, not by the previous
   * packet's length, so it is a well-founded guess rather than a certainty. Absent otherwise.
   */
  readonly resynced?: true;
}

export type MqttBody =
  | { readonly type: 'CONNECT'; readonly protocolName: string; readonly protocolLevel: number; readonly bridge: boolean;
      readonly cleanStart: boolean; readonly keepAlive: number; readonly clientId: string;
      readonly will?: Will; readonly username?: string; readonly password?: Span;
      readonly reservedFlag: boolean; readonly properties: readonly Property[] }
  | { readonly type: 'CONNACK'; readonly sessionPresent: boolean; readonly reasonCode: number;
      readonly properties: readonly Property[] }
  | { readonly type: 'PUBLISH'; readonly dup: boolean; readonly qos: number; readonly retain: boolean;
      /** The topic as sent; empty when an MQTT 5 Topic Alias stands for it. */
      readonly topic: string; readonly packetId?: number; readonly properties: readonly Property[];
      readonly payload: Span }
  | { readonly type: 'PUBACK' | 'PUBREC' | 'PUBREL' | 'PUBCOMP'; readonly packetId: number;
      /** Absent in 3.x and in MQTT 5's short form (Remaining Length 2 means Success). */
      readonly reasonCode?: number; readonly properties: readonly Property[] }
  | { readonly type: 'SUBSCRIBE'; readonly packetId: number; readonly subscriptions: readonly Subscription[];
      readonly properties: readonly Property[] }
  | { readonly type: 'SUBACK'; readonly packetId: number; readonly reasonCodes: readonly number[];
      readonly properties: readonly Property[] }
  | { readonly type: 'UNSUBSCRIBE'; readonly packetId: number; readonly topicFilters: readonly string[];
      readonly properties: readonly Property[] }
  | { readonly type: 'UNSUBACK'; readonly packetId: number; readonly reasonCodes: readonly number[];
      readonly properties: readonly Property[] }
  | { readonly type: 'PINGREQ' | 'PINGRESP' }
  | { readonly type: 'DISCONNECT' | 'AUTH'; readonly reasonCode?: number; readonly properties: readonly Property[] }
  /** Type 0: nothing to decode. */
  | { readonly type: 'RESERVED' }
  /**
   * Remaining Length above the packet-size limit (diagnostic `limit.mqtt.packet_size`), or a packet a
   * stream gap fell into (`mqtt.stream.packet_cut`): the body was skipped, the packet still counts.
   */
  | { readonly type: 'TRUNCATED'; readonly declaredType: PacketTypeName; readonly skipped: number };

export type MqttPacket = PacketHeader & MqttBody;

/** The packet of one type, e.g. `PacketOf<'PUBLISH'>`. */
export type PacketOf<T extends MqttBody['type']> = PacketHeader & Extract<MqttBody, { readonly type: T }>;
export type ConnectPacket = PacketOf<'CONNECT'>;
export type PublishPacket = PacketOf<'PUBLISH'>;

/** A record under construction inside a decoder (readonly removed); callers only ever see the readonly type. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Result of decoding one packet body: the packet plus everything wrong with it. Never throws. */
export interface Decoded {
  readonly packet: MqttPacket;
  readonly diags: readonly Diagnostic[];
}

/** What the body decoders need to know about the connection. */
export interface DecodeContext {
  readonly protocolLevel: ProtocolLevel;
}

/**
 * Records a decoded field and the bytes it came from; used only in detail mode (the TUI and
 * `packets --detail`). Bulk decoding passes NO_FIELDS and pays nothing.
 */
export interface FieldSink {
  field(name: string, at: Span, value: string | number | boolean | null): void;
  /** Opens a group (e.g. one property, one subscription); `end()` closes it. */
  begin(name: string, at: Span): void;
  end(): void;
}

export const NO_FIELDS: FieldSink = { field() {}, begin() {}, end() {} };
