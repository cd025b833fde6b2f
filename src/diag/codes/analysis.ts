/**
 * Codes of the session machine (engine/session.ts) and of the analysis across connections. Codes are
 * output schema: never rename one once released.
 */
import type { DiagSpec } from '../types.js';

export const ANALYSIS_CODES = {
  'mqtt.stream.not_mqtt': { group: 'protocol', severity: 'error', spec: 'MQTT-3.1.0-1',
    summary: 'The client does not speak MQTT on this connection (its first bytes are HTTP or TLS): the wrong transport for this port' },
  'mqtt.sequence.before_connack': { group: 'sequence', severity: 'error', spec: 'MQTT-3.2.0-1',
    summary: 'The broker sent a packet before its CONNACK (the first packet from the server must be CONNACK)' },
  'mqtt.sequence.client_before_connack': { group: 'sequence', severity: 'note', spec: '3.1.1 §3.1.4; 5.0 §3.1.4 (allowed)',
    summary: 'The client sent packets before the broker\'s CONNACK (allowed, but they are lost if the CONNECT is refused)' },
  'mqtt.sequence.second_connack': { group: 'sequence', severity: 'error', spec: 'MQTT-3.2.0-2 (5.0)',
    summary: 'The broker sent a second CONNACK on the same connection' },
  'mqtt.sequence.orphan_ack': { group: 'sequence', severity: 'warn', spec: '3.1.1 §4.3; 5.0 §4.3 (reason 0x92 Packet Identifier not found)',
    summary: 'An acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK) for a Packet Identifier not in flight' },
  'mqtt.sequence.packet_id_in_use': { group: 'sequence', severity: 'error', spec: 'MQTT-2.3.1-2 (3.1.1); MQTT-2.2.1-3 (5.0)',
    summary: 'A new QoS>0 PUBLISH, SUBSCRIBE or UNSUBSCRIBE reuses a Packet Identifier that is still in flight' },
  'mqtt.sequence.wrong_ack': { group: 'sequence', severity: 'error', spec: '3.1.1 §4.3.2, §4.3.3',
    summary: 'The acknowledgement does not fit the QoS of the PUBLISH (PUBACK for QoS 2, PUBREC for QoS 1)' },
  'mqtt.sequence.receive_maximum_exceeded': { group: 'protocol', severity: 'error', spec: 'MQTT-3.3.4-7, MQTT-3.3.4-9 (5.0)',
    summary: 'More unacknowledged QoS>0 PUBLISH packets in flight than the receiver\'s Receive Maximum' },
  'mqtt.sequence.qos_not_supported': { group: 'protocol', severity: 'error', spec: 'MQTT-3.2.2-11 (5.0)',
    summary: 'The client published at a QoS above the Maximum QoS the broker announced in CONNACK' },
  'mqtt.sequence.retain_not_supported': { group: 'protocol', severity: 'error', spec: 'MQTT-3.2.2-14 (5.0)',
    summary: 'The client published with RETAIN although the broker announced Retain Available 0' },
  'mqtt.sequence.packet_too_large': { group: 'protocol', severity: 'error', spec: 'MQTT-3.2.2-15 (client), MQTT-3.1.2-24 (server) (5.0)',
    summary: 'A packet larger than the Maximum Packet Size its receiver announced' },
  'mqtt.sequence.subscription_id_from_client': { group: 'protocol', severity: 'error', spec: 'MQTT-3.3.4-6 (5.0)',
    summary: 'A PUBLISH from the client carries a Subscription Identifier (only the server may send one)' },
  'mqtt.sequence.topic_alias_invalid': { group: 'protocol', severity: 'error', spec: 'MQTT-3.3.2-7, MQTT-3.3.2-8, MQTT-3.3.2-9..12 (5.0)',
    summary: 'Topic Alias 0, above the receiver\'s Topic Alias Maximum, or an empty topic with an alias never set in this direction' },
  'mqtt.sequence.dup_retransmission': { group: 'sequence', severity: 'note', spec: 'MQTT-3.3.1-1',
    summary: 'A PUBLISH was sent again with DUP set (the sender did not get its acknowledgement in time)' },
  'mqtt.client.reconnect_storm': { group: 'sequence', severity: 'warn',
    summary: 'The same client id connected again and again in a short time (a reconnect loop, or two clients fighting over one id)' },
  'limit.mqtt.inflight': { group: 'limit', severity: 'warn',
    summary: 'More Packet Identifiers in flight than tracked per direction; the oldest were forgotten' },
} as const satisfies Record<string, DiagSpec>;
