/** FilterGate: what a streaming output sees for a filter, in which order, and when. */
import { describe, expect, test } from 'vitest';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import type { MqttPacket } from '../mqtt/types.js';
import { parseFilter } from './filter.js';
import { FilterGate, type SelectedEvents } from './gate.js';
import type { Verdict } from './types.js';

const ts = { sec: 1_700_000_000, nsec: 0, precision: 'us' as const };

function conn(id: string, clientId: string): Connection {
  return { id, clientId, username: null, client: { addr: '10.0.0.1', port: 40000 }, broker: { addr: '10.0.0.2', port: 1883 },
    transport: 'tcp', packets: {}, anomalies: [], start: ts, end: ts, firstFrame: 1, lastFrame: 9 } as unknown as Connection;
}

function publish(c: Connection, frame: number, topic: string, anomalies: Anomaly[] = []): PacketEvent {
  const packet = { type: 'PUBLISH', topic, qos: 0, dup: false, retain: false, properties: [], payload: { offset: 0, length: 0 },
    typeCode: 3, flags: 0, remainingLength: 0, headerLength: 2, at: { offset: 0, length: 2 } } as unknown as MqttPacket;
  return { conn: c, dir: 'c2s', packet, frame, frames: [frame], ts, bytes: Uint8Array.of(0x30, 0), anomalies, ref: {} as PacketEvent['ref'] };
}

function anomaly(c: Connection | null, code: Anomaly['code'], severity: Anomaly['severity']): Anomaly {
  return { code, severity, conn: c?.id ?? null, dir: null, frame: 5, offset: 0, length: 1, ts };
}

const verdict = (cause: Verdict['cause']): Verdict => ({ cause, confidence: 'high', summary: '', evidence: [], closedBy: null, closeMethod: null });

function recorder(): { out: SelectedEvents; log: string[] } {
  const log: string[] = [];
  return {
    log,
    out: {
      connection: (c) => log.push(`connection ${c.id}`),
      packet: (e) => log.push(`packet ${e.conn.id} #${e.frame}`),
      anomaly: (a, on) => log.push(`anomaly ${a.conn ?? '-'} ${a.code}${on ? ` on #${on.frame}` : ''}`),
      verdict: (c, v) => log.push(`verdict ${c.id} ${v.cause}`),
    },
  };
}

describe('FilterGate', () => {
  test('without a filter: everything, connections as they open, anomalies tied to their packet', () => {
    const { out, log } = recorder();
    const gate = new FilterGate(null, out);
    const c1 = conn('C1', 'a');
    gate.connectionOpened(c1);
    const bad = anomaly(c1, 'mqtt.publish.qos3', 'error');
    gate.anomaly(bad);
    gate.packet(publish(c1, 3, 't', [bad]));
    gate.anomaly(anomaly(c1, 'tcp.gap', 'warn'));
    gate.settle();
    gate.verdict(c1, verdict('malformed_packet'));
    expect(log).toEqual(['connection C1', 'anomaly C1 mqtt.publish.qos3 on #3', 'packet C1 #3', 'anomaly C1 tcp.gap', 'verdict C1 malformed_packet']);
  });

  test('a connection line only before its first selected record; an anomaly carries its packet\'s fields', () => {
    const { out, log } = recorder();
    const gate = new FilterGate(parseFilter('topic ~ "sensors/#"'), out);
    const c1 = conn('C1', 'a');
    const c2 = conn('C2', 'b');
    gate.connectionOpened(c1);
    gate.connectionOpened(c2);
    gate.packet(publish(c1, 3, 'other/x'));
    const dup = anomaly(c2, 'mqtt.publish.dup_qos0', 'error');
    gate.anomaly(dup);
    gate.packet(publish(c2, 4, 'sensors/t', [dup]));
    gate.anomaly(anomaly(c2, 'tcp.gap', 'warn'));
    gate.settle();
    expect(log).toEqual(['connection C2', 'anomaly C2 mqtt.publish.dup_qos0 on #4', 'packet C2 #4']);
  });

  test('with cause: held until the verdict, then decided in order (bytes copied)', () => {
    const { out, log } = recorder();
    const gate = new FilterGate(parseFilter('cause == keepalive_timeout'), out);
    const c1 = conn('C1', 'a');
    const c2 = conn('C2', 'b');
    gate.connectionOpened(c1);
    gate.connectionOpened(c2);
    const e = publish(c1, 3, 't');
    gate.packet(e);
    gate.packet(publish(c2, 4, 't'));
    e.bytes[0] = 0xff; // the engine's view is reused
    expect(log).toEqual([]);
    gate.verdict(c2, verdict('client_disconnect'));
    expect(log).toEqual([]);
    let held: PacketEvent | undefined;
    const spy: SelectedEvents = { ...out, packet: (p) => { held = p; out.packet(p); } };
    const g2 = new FilterGate(parseFilter('cause == keepalive_timeout'), spy);
    g2.connectionOpened(c1);
    const e2 = publish(c1, 7, 't');
    g2.packet(e2);
    e2.bytes[0] = 0xff;
    g2.finish({ connections: [{ conn: c1, verdict: verdict('keepalive_timeout') }], captureAnomalies: [], byType: {}, mqttPackets: 1,
      anomalyCounts: { error: 0, warn: 0, note: 0 }, verdicts: {} });
    expect(log).toEqual(['connection C1', 'packet C1 #7', 'verdict C1 keepalive_timeout']);
    expect(held?.bytes[0]).toBe(0x30);
  });

  test('capture-level anomalies have no connection', () => {
    const { out, log } = recorder();
    const gate = new FilterGate(parseFilter('severity >= warn and not conn ~ "C*"'), out);
    gate.anomaly(anomaly(null, 'capture.truncated_record', 'warn'));
    gate.settle();
    expect(log).toEqual(['anomaly - capture.truncated_record']);
  });
});
