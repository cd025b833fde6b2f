/**
 * The verdict for one connection: who closed it, how, and why, with evidence that points at frames and
 * byte offsets. Each cause is a small pure rule over the connection's facts; the first rule that
 * recognizes the ending wins, in the order of how directly the capture proves it.
 */
import type { Connection, PacketRef, Anomaly, CloseEvent } from '../engine/model.js';
import { diagSpec } from '../diag/registry.js';
import type { Dir } from '../diag/types.js';
import { reasonCodeName } from '../mqtt/reason-codes.js';
import { closeCodeName } from '../ws/session.js';
import { formatDuration, secondsBetween } from './time.js';
import type { ClosedBy, CloseMethod, Evidence, Verdict } from './types.js';

/** What the rules may know about other connections (the client-id index). */
export interface CrossConnection {
  /** Connections that sent CONNECT with this client id, in order. */
  byClientId(clientId: string): readonly Connection[];
}

/** The first transport close (WebSocket Close frame, TCP FIN or RST) and who made it. */
export interface TransportClose {
  readonly by: 'client' | 'broker';
  readonly method: 'ws_close' | 'tcp_fin' | 'tcp_rst';
  readonly event: CloseEvent;
  /** Byte offset in the frame (the Close frame's header), 0 for TCP flags. */
  readonly offset: number;
  /** WebSocket close status and reason, for `ws_close`. */
  readonly wsCode?: number | null;
  readonly wsReason?: string;
}

/** Tolerance for "at or after 1.5 × keep-alive": brokers check on a coarse tick, captures jitter. */
const KEEPALIVE_SLACK = 0.95;
/** How soon after another connection's CONNECT a close still counts as its takeover. */
const TAKEOVER_WINDOW_S = 2;
/** A PUBLISH this large, answered by an immediate close, points at a size limit. */
const LARGE_PUBLISH = 1024;

type Rule = (c: Connection, close: TransportClose | null, x: CrossConnection) => Verdict | null;

/** The earliest FIN or RST of either side (by frame number, which is capture order). */
export function firstTransportClose(c: Connection): TransportClose | null {
  const candidates: TransportClose[] = [];
  const add = (by: 'client' | 'broker', dir: Dir): void => {
    const h = c.half[dir];
    if (h.fin) candidates.push({ by, method: 'tcp_fin', event: h.fin, offset: 0 });
    if (h.rst) candidates.push({ by, method: 'tcp_rst', event: h.rst, offset: 0 });
    const wsClose = c.ws?.closes.find((x) => x.dir === dir);
    if (wsClose) {
      candidates.push({ by, method: 'ws_close', event: { frame: wsClose.frame, ts: wsClose.ts }, offset: wsClose.offset,
        wsCode: wsClose.code, wsReason: wsClose.reason });
    }
  };
  add('client', 'c2s');
  add('broker', 's2c');
  // Capture order; at the same frame the WebSocket Close (inside the payload) comes before the TCP flags.
  candidates.sort((a, b) => a.event.frame - b.event.frame || rank(a.method) - rank(b.method));
  return candidates[0] ?? null;
}

function rank(m: TransportClose['method']): number {
  return m === 'ws_close' ? 0 : m === 'tcp_fin' ? 1 : 2;
}

function closeName(close: TransportClose): string {
  if (close.method === 'ws_close') {
    const code = close.wsCode ?? null;
    const name = code !== null ? closeCodeName(code) : undefined;
    return `WebSocket Close ${code ?? '(no status)'}${name ? ` ${name}` : ''}${close.wsReason ? ` "${close.wsReason}"` : ''}`;
  }
  return close.method === 'tcp_fin' ? 'TCP FIN' : 'TCP RST';
}

function v(cause: Verdict['cause'], confidence: Verdict['confidence'], summary: string, evidence: Evidence[],
  closedBy: ClosedBy | null, closeMethod: CloseMethod | null): Verdict {
  return { cause, confidence, summary, evidence, closedBy, closeMethod };
}

function packetEvidence(p: PacketRef, note: string): Evidence {
  // The frame is the one Wireshark shows the packet in (its last byte). The byte offset is the packet's
  // first byte when that byte is in the same frame; a packet spread over frames is pointed at as a whole.
  return { frame: p.frame, offset: p.firstFrame === p.frame ? p.frameOffset : 0, note };
}

function closeEvidence(close: TransportClose): Evidence {
  return { frame: close.event.frame, offset: close.offset, note: `${close.by} sent ${closeName(close)}` };
}

function anomalyEvidence(a: Anomaly): Evidence {
  const note = `${diagSpec(a.code).summary}${a.detail ? ` (${a.detail})` : ''}`;
  const ws = a.websocket
    ? `; inside a masked WebSocket frame: payload byte ${a.websocket.payloadOffset} is 0x${a.websocket.byte.toString(16).padStart(2, '0')}, on the wire 0x${a.websocket.wireByte.toString(16).padStart(2, '0')}`
    : '';
  return { frame: a.frame, offset: a.offset, code: a.code, note: note + ws, ...(a.websocket ? { websocket: a.websocket } : {}) };
}

function versionOf(c: Connection): number {
  return c.mqttVersion ?? 4;
}

function codeText(c: Connection, type: 'CONNACK' | 'DISCONNECT', code: number): string {
  const name = reasonCodeName(type, versionOf(c), code);
  return `0x${code.toString(16).padStart(2, '0')}${name ? ` (${name})` : ''}`;
}

/** The client said goodbye with DISCONNECT [MQTT-3.14]. */
const clientDisconnect: Rule = (c) => {
  const d = c.disconnects.find((p) => p.dir === 'c2s');
  if (!d) return null;
  const rc = d.reasonCode !== undefined && d.reasonCode !== 0 ? ` with reason ${codeText(c, 'DISCONNECT', d.reasonCode)}` : '';
  return v('client_disconnect', 'high', `The client sent DISCONNECT${rc} and the connection closed normally.`,
    [packetEvidence(d, 'client DISCONNECT')], 'client', 'mqtt_disconnect');
};

/** The broker refused the CONNECT in its CONNACK (3.1.1 §3.2.2.3, 5.0 §3.2.2.2). */
const connectRefused: Rule = (c, close) => {
  const ack = c.connack;
  if (!ack || ack.reasonCode === undefined) return null;
  const refused = versionOf(c) === 5 ? ack.reasonCode >= 0x80 : ack.reasonCode !== 0;
  if (!refused) return null;
  const code = codeText(c, 'CONNACK', ack.reasonCode);
  let summary = `The broker refused the CONNECT with CONNACK ${code}`;
  // mosquitto ≥ 2.0.12 answers a keep-alive it does not allow with 0x02 "identifier rejected".
  if (versionOf(c) < 5 && ack.reasonCode === 2 && c.keepAlive !== null && c.keepAlive === 0) {
    summary += '; note that mosquitto ≥ 2.0.12 reports keep-alive 0 (or above max_keepalive) as "identifier rejected"';
  }
  const evidence = [packetEvidence(ack, `CONNACK ${code}`)];
  if (close) evidence.push(closeEvidence(close));
  return v('auth_rejected', 'high', `${summary}.`, evidence, close?.by ?? 'broker', close?.method ?? null);
};

/** An MQTT 5 DISCONNECT from the broker names its reason (5.0 §3.14.2.1). */
const serverDisconnect: Rule = (c, _close, x) => {
  const d = c.disconnects.find((p) => p.dir === 's2c');
  if (!d) return null;
  const rc = d.reasonCode ?? 0;
  const code = codeText(c, 'DISCONNECT', rc);
  const ev = [packetEvidence(d, `broker DISCONNECT ${code}`)];
  const lastClient = c.half.c2s.lastPacket;
  if (rc === 0x81 || rc === 0x82) {
    const bad = lastClientError(c, d.frame);
    if (bad) ev.unshift(anomalyEvidence(bad));
    const cause = rc === 0x81 || (bad && diagSpec(bad.code).group === 'malformed') ? 'malformed_packet' : 'protocol_violation';
    return v(cause, 'high', `The broker sent DISCONNECT ${code}${bad ? ` right after the client's ${describe(c, bad)}` : ''}.`, ev, 'broker', 'mqtt_disconnect');
  }
  if (rc === 0x8d) return v('keepalive_timeout', 'high', `The broker sent DISCONNECT ${code}.`, ev, 'broker', 'mqtt_disconnect');
  if (rc === 0x8e) {
    const other = takeoverBy(c, d.ts, x);
    return v('session_takeover', 'high', `The broker sent DISCONNECT ${code}${other ? `: ${other.conn.id} connected as "${c.clientId}"` : ''}.`,
      other ? [...ev, packetEvidence(other.connect, `${other.conn.id} CONNECT with the same client id`)] : ev, 'broker', 'mqtt_disconnect');
  }
  if (rc === 0x95) {
    if (lastClient) ev.unshift(packetEvidence(lastClient, `client ${lastClient.type}, Remaining Length ${lastClient.remainingLength}`));
    return v('size_limit', 'high', `The broker sent DISCONNECT ${code}${lastClient ? ` after a ${lastClient.type} of ${lastClient.remainingLength} bytes` : ''}.`, ev, 'broker', 'mqtt_disconnect');
  }
  return v('server_disconnect', 'high', `The broker sent DISCONNECT ${code}.`, ev, 'broker', 'mqtt_disconnect');
};

/** Nothing closed the connection before the capture ended. */
const stillOpen: Rule = (c, close) => {
  if (close) return null;
  return v('still_open', 'high', `The connection was still open when the capture ended (last frame ${c.lastFrame}).`, [], null, null);
};

/** The broker closed right after a client packet that breaks a rule ([MQTT-4.8.0-1]: the receiver MUST close). */
const brokerClosedAfterBadPacket: Rule = (c, close) => {
  if (!close || close.by !== 'broker') return null;
  const bad = lastClientError(c, close.event.frame);
  if (!bad) return null;
  const cause = bad.code.startsWith('ws.') ? 'websocket_violation'
    : diagSpec(bad.code).group === 'malformed' ? 'malformed_packet' : 'protocol_violation';
  return v(cause, 'high',
    `The broker closed the connection (${closeName(close)}) right after the client's ${describe(c, bad)}.`,
    [anomalyEvidence(bad), closeEvidence(close)], 'broker', close.method);
};

/** The client went silent for 1.5 × keep-alive and the broker closed [MQTT-3.1.2-24]. */
const keepaliveTimeout: Rule = (c, close) => {
  if (!close || close.by !== 'broker') return null;
  const ka = c.serverKeepAlive ?? c.keepAlive;
  if (!ka) return null;
  const last = c.half.c2s.lastPacket;
  if (!last) return null;
  const silent = secondsBetween(last.ts, close.event.ts);
  if (silent < 1.5 * ka * KEEPALIVE_SLACK) return null;
  return v('keepalive_timeout', 'high',
    `Keep-alive ${ka} s, client silent ${formatDuration(silent)} after its last packet (${last.type}), broker closed (limit 1.5 × ${ka} = ${formatDuration(1.5 * ka)}).`,
    [packetEvidence(last, `last client packet (${last.type})`), closeEvidence(close)], 'broker', close.method);
};

/** Another connection logged in with the same client id just before the broker closed this one [MQTT-3.1.4-2]. */
const sessionTakeover: Rule = (c, close, x) => {
  if (!close || close.by !== 'broker') return null;
  const other = takeoverBy(c, close.event.ts, x);
  if (!other) return null;
  const gap = secondsBetween(other.connect.ts, close.event.ts);
  return v('session_takeover', 'high',
    `${other.conn.id} connected as "${c.clientId}" (frame ${other.connect.frame}); the broker closed ${c.id} ${formatDuration(gap)} later.`,
    [packetEvidence(other.connect, `${other.conn.id} CONNECT with the same client id`), closeEvidence(close)], 'broker', close.method);
};

/** The broker closed after a CONNECT it never answered (3.1.1 [MQTT-3.1.4-1]). */
const connectUnanswered: Rule = (c, close) => {
  if (!close || close.by !== 'broker' || !c.connect || c.connack) return null;
  return v('protocol_violation', 'medium',
    'The broker closed the connection after the CONNECT without sending CONNACK: it judged the CONNECT unacceptable.',
    [packetEvidence(c.connect, 'CONNECT never answered'), closeEvidence(close)], 'broker', close.method);
};

/** The client closed the transport without DISCONNECT. */
const clientClose: Rule = (_c, close) => {
  if (!close || close.by !== 'client' || close.method === 'tcp_rst') return null;
  return v('client_close', 'high', `The client closed the connection (${closeName(close)}) without sending DISCONNECT.`,
    [closeEvidence(close)], 'client', close.method);
};

/** The client spoke another protocol (HTTP, TLS) to the MQTT port: c-7, wrong transport. */
const wrongTransport: Rule = (c, close) => {
  const a = c.anomalies.find((x) => x.code === 'mqtt.stream.not_mqtt');
  if (!a) return null;
  return v('protocol_violation', 'high', `The client sent ${a.detail ?? 'something that is not MQTT'}; the ${close ? `${close.by} closed the connection (${closeName(close)})` : 'connection stayed open'}.`,
    [anomalyEvidence(a), ...(close ? [closeEvidence(close)] : [])], close?.by ?? null, close?.method ?? null);
};

/** The broker refused the WebSocket upgrade (RFC 6455 §4.2.2): MQTT never started. */
const upgradeRefused: Rule = (c, close) => {
  if (!c.ws || c.ws.status === null || c.ws.status === 101) return null;
  const a = c.anomalies.find((x) => x.code === 'ws.handshake.rejected');
  return v('websocket_violation', 'high', `The broker refused the WebSocket upgrade with HTTP ${c.ws.status}${a?.detail ? ` ("${a.detail}")` : ''}.`,
    [...(a ? [anomalyEvidence(a)] : []), ...(close ? [closeEvidence(close)] : [])], close?.by ?? 'broker', close?.method ?? null);
};

/**
 * The broker closed at once after a large PUBLISH with no other cause: a size limit (mosquitto's
 * message_size_limit / max_packet_size, AWS IoT's 128 KB). In MQTT 5 the CONNACK's Maximum Packet Size
 * makes it certain; in 3.x the broker cannot say so, hence medium confidence.
 */
const sizeLimit: Rule = (c, close) => {
  if (!close || close.by !== 'broker') return null;
  const last = c.half.c2s.lastPacket;
  if (!last || last.type !== 'PUBLISH') return null;
  const after = secondsBetween(last.ts, close.event.ts);
  const size = last.remainingLength;
  const max = c.maximumPacketSize;
  const over = max !== null && size + 5 > max;
  if (!over && (size < LARGE_PUBLISH || after > 1)) return null;
  return v('size_limit', over ? 'high' : 'medium',
    over
      ? `The client sent a PUBLISH of ${size} bytes, over the Maximum Packet Size ${max} the broker announced; the broker closed (${closeName(close)}).`
      : `The broker closed (${closeName(close)}) ${formatDuration(after)} after a ${size}-byte PUBLISH with no other cause: most likely a broker size limit (message_size_limit / max_packet_size).`,
    [packetEvidence(last, `PUBLISH, Remaining Length ${size}`), closeEvidence(close)], 'broker', close.method);
};

/** A reset with no MQTT-level cause in sight. */
const networkReset: Rule = (_c, close) => {
  if (!close || close.method !== 'tcp_rst') return null;
  return v('network_reset', 'medium', `The ${close.by} reset the TCP connection (RST) with no MQTT-level cause in the capture.`,
    [closeEvidence(close)], close.by, 'tcp_rst');
};

const unknown: Rule = (c, close) => {
  const looked = 'looked for DISCONNECT, CONNACK refusal, a bad client packet, keep-alive silence and a client-id takeover';
  if (!close) return v('unknown', 'low', `No ending found (${looked}).`, [], 'unknown', null);
  const ka = c.serverKeepAlive ?? c.keepAlive;
  const last = c.half.c2s.lastPacket;
  const silence = last ? `; client silent ${formatDuration(secondsBetween(last.ts, close.event.ts))}${ka ? ` (keep-alive ${ka} s)` : ''}` : '';
  return v('unknown', 'low', `The ${close.by} closed the connection (${closeName(close)}) with no cause in the capture${silence}; ${looked}.`,
    [closeEvidence(close)], close.by, close.method);
};

const RULES: readonly Rule[] = [
  clientDisconnect, wrongTransport, upgradeRefused, connectRefused, serverDisconnect, stillOpen, brokerClosedAfterBadPacket,
  keepaliveTimeout, sessionTakeover, connectUnanswered, sizeLimit, clientClose, networkReset, unknown,
];

/** The verdict for a connection whose ending is known (or the capture ended). */
export function verdictFor(c: Connection, x: CrossConnection): Verdict {
  if (c.transport === 'tls') return tlsVerdict(c);
  const close = firstTransportClose(c);
  for (const rule of RULES) {
    const verdict = rule(c, close, x);
    if (verdict) return verdict;
  }
  /* c8 ignore next */
  return v('unknown', 'low', 'No rule matched.', [], null, null);
}

/** MQTT over TLS: only the handshake is readable; a cleartext alert says why it failed. */
function tlsVerdict(c: Connection): Verdict {
  const close = firstTransportClose(c);
  const t = c.tls;
  const hello = t ? `${t.sni ? `SNI ${t.sni}, ` : ''}${t.alpn.length ? `ALPN ${t.alpn.join('/')}, ` : ''}TLS ${t.selected ?? t.offered.join('/')}` : 'TLS';
  const alert = c.anomalies.find((a) => a.code === 'tls.alert');
  if (alert) {
    const by = alert.dir === 'c2s' ? 'client' : 'broker';
    return v('unknown', 'medium', `The TLS handshake failed: the ${by} sent ${alert.detail ?? 'an alert'} (${hello}); MQTT never started. Check certificates and CA on both sides.`,
      [anomalyEvidence(alert), ...(close ? [closeEvidence(close)] : [])], close?.by ?? by, close?.method ?? null);
  }
  return close
    ? v('unknown', 'low', `MQTT over TLS (${hello}): the traffic is encrypted, so only the transport close can be seen.`, [closeEvidence(close)], close.by, close.method)
    : v('still_open', 'medium', `MQTT over TLS (${hello}), still open when the capture ended.`, [], null, null);
}

/** The latest error the client's bytes showed before `closeFrame`, if no clean client packet followed it. */
function lastClientError(c: Connection, closeFrame: number): Anomaly | null {
  const lastClean = c.half.c2s.lastPacket && c.half.c2s.lastPacket.errors.length === 0 ? c.half.c2s.lastPacket.frame : 0;
  let found: Anomaly | null = null;
  for (const a of c.anomalies) {
    if (a.dir !== 'c2s' || a.severity !== 'error' || a.frame > closeFrame || a.frame < lastClean) continue;
    const group = diagSpec(a.code).group;
    if (group !== 'malformed' && group !== 'protocol' && group !== 'sequence') continue;
    if (!found) found = a; // the first error is the one that made the broker stop reading
  }
  return found;
}

/** "SUBSCRIBE in frame 8 broke MQTT-3.8.1-1: first byte 0x80: …" — the packet, the rule and the bytes. */
function describe(c: Connection, a: Anomaly): string {
  const packet = c.recent.find((p) => p.errors.includes(a));
  const spec = diagSpec(a.code);
  const what = packet ? `${packet.type} in frame ${a.frame}` : `bytes in frame ${a.frame}`;
  const rule = spec.spec ? ` [${spec.spec}]` : '';
  return `${what} (${a.detail ?? spec.summary})${rule}`;
}

function takeoverBy(c: Connection, closeTs: CloseEvent['ts'], x: CrossConnection): { conn: Connection; connect: PacketRef } | null {
  if (c.clientId === null || c.clientId === '' || !c.connect) return null;
  const mine = c.connect;
  for (const other of x.byClientId(c.clientId)) {
    if (other === c || !other.connect) continue;
    const after = secondsBetween(mine.ts, other.connect.ts);
    const beforeClose = secondsBetween(other.connect.ts, closeTs);
    if (after > 0 && beforeClose >= 0 && beforeClose <= TAKEOVER_WINDOW_S) return { conn: other, connect: other.connect };
  }
  return null;
}

