/**
 * `explain`: the story of one connection in a few lines — who, the verdict, the packets in order, the
 * keep-alive timeline, and each piece of evidence with the offending bytes marked (for WebSocket, both
 * the masked bytes on the wire and the unmasked payload).
 */
import { copyBytes } from '../bytes/hex.js';
import type { Verdict, Evidence } from '../analysis/types.js';
import { storyItems, type Story, type StoryItem } from '../analysis/story.js';
import { formatDuration, secondsBetween } from '../analysis/time.js';
import { safeText } from '../bytes/text.js';
import { diagSpec } from '../diag/registry.js';
import type { Connection } from '../engine/model.js';
import { REQUIRED_FLAGS } from '../mqtt/fixed-header.js';
import { PACKET_TYPE_NAMES } from '../mqtt/types.js';
import { endpoint, versionName } from './fields.js';
import { hexDump } from './hexdump.js';
import { packetLabel } from './label.js';
import { isoTime } from './time.js';

export interface ExplainOptions {
  readonly color: boolean;
  /** Captured bytes of the evidence frames, when the capture could be read again. */
  readonly frames: ReadonlyMap<number, Uint8Array>;
  /** Show CONNECT passwords in hex dumps (masked with '*' bytes otherwise). */
  readonly showCredentials?: boolean;
}

const bits = (b: number): string => `${b.toString(2).padStart(8, '0').slice(0, 4)} ${b.toString(2).padStart(8, '0').slice(4)}`;

/** "0x36 = 0011 0110 → PUBLISH, DUP 0, QoS 3, RETAIN 0": byte 0 of a fixed header read as the spec reads it. */
export function describeFirstByte(b: number): string {
  const type = b >> 4;
  const flags = b & 0x0f;
  const name = PACKET_TYPE_NAMES[type]!;
  const meaning = type === 3
    ? `PUBLISH, DUP ${(flags >> 3) & 1}, QoS ${(flags >> 1) & 3}, RETAIN ${flags & 1}`
    : `${name}, flags ${flags.toString(2).padStart(4, '0')}`;
  return `0x${b.toString(16).padStart(2, '0')} = ${bits(b)} → ${meaning}`;
}

function arrow(dir: 'c2s' | 's2c'): string {
  return dir === 'c2s' ? '→' : '←';
}

function itemLine(c: Connection, it: StoryItem): string {
  const t = it.ts ? `+${secondsBetween(c.start, it.ts).toFixed(6)}` : '';
  const head = `  ${t.padStart(12)}  frame ${String(it.frame).padEnd(6)}`;
  switch (it.kind) {
    case 'packet': {
      const marks = it.anomalies.filter((a) => a.severity !== 'note').map((a) => ` ✗ ${a.code}`).join('');
      return `${head} ${arrow(it.dir)} ${packetLabel(it.packet, c.mqttVersion ?? 4)}${marks}`;
    }
    case 'anomaly':
      return `${head} ! ${it.anomaly.code}${it.anomaly.detail ? ` (${safeText(it.anomaly.detail)})` : ''}`;
    case 'close': {
      const who = it.dir === 'c2s' ? 'client' : 'broker';
      const what = it.what === 'fin' ? 'TCP FIN' : it.what === 'rst' ? 'TCP RST' : `WebSocket Close ${safeText(it.detail ?? '')}`;
      return `${head} ${arrow(it.dir)} ${what} (${who})`;
    }
  }
}

function keepaliveLines(c: Connection, s: Story): string[] {
  const k = s.keepalive;
  const ka = c.serverKeepAlive ?? c.keepAlive;
  const parts: string[] = [];
  if (ka === null) parts.push('no CONNECT seen, keep-alive unknown');
  else if (ka === 0) parts.push('keep-alive 0 (off)');
  else parts.push(`keep-alive ${ka} s${c.serverKeepAlive !== null ? ' (Server Keep Alive)' : ''}, the broker may close after 1.5 × ${ka} = ${formatDuration(1.5 * ka)} of client silence`);
  parts.push(`${k.clientPackets} client packet${k.clientPackets === 1 ? '' : 's'}`);
  if (k.longestGap) parts.push(`longest client silence ${formatDuration(k.longestGap.seconds)} (frames ${k.longestGap.fromFrame} → ${k.longestGap.toFrame})`);
  if (k.pingreqs > 0) {
    const rtts = [...k.pingRtts].sort((a, b) => a - b);
    const median = rtts.length ? formatDuration(rtts[Math.floor(rtts.length / 2)]!) : 'n/a';
    parts.push(`${k.pingreqs} PINGREQ, ${k.pingresps} PINGRESP (median round trip ${median})`);
  }
  const closeTs = [c.half.s2c.fin, c.half.s2c.rst, c.half.c2s.fin, c.half.c2s.rst].filter((x) => x !== null)
    .sort((a, b) => a!.frame - b!.frame)[0];
  if (closeTs && k.lastClient) parts.push(`closed ${formatDuration(secondsBetween(k.lastClient.ts, closeTs.ts))} after the client's last packet`);
  return [`Keep-alive: ${parts.join('; ')}.`];
}

function evidenceLines(e: Evidence, i: number, s: Story | undefined, o: ExplainOptions): string[] {
  const lines = [`  ${i + 1}. frame ${e.frame}${e.offset ? `, byte ${e.offset}` : ''}: ${e.code ? `${e.code} — ` : ''}${safeText(e.note)}`];
  const spec = e.code ? diagSpec(e.code).spec : undefined;
  if (spec) lines.push(`     rule: ${spec}`);
  const pkt = s ? storyItems(s).find((x) => x.kind === 'packet' && x.bytes && x.anomalies.some((a) => a.frame === e.frame && a.offset === e.offset && a.code === e.code)) : undefined;
  const anomaly = pkt?.kind === 'packet' ? pkt.anomalies.find((a) => a.code === e.code && a.offset === e.offset) : undefined;
  const firstByte = anomaly?.websocket ? anomaly.websocket.byte : pkt?.kind === 'packet' && anomaly && anomaly.streamOffset === pkt.packet.at.offset ? pkt.bytes![0] : undefined;
  if (firstByte !== undefined && e.code && /^mqtt\.(header|publish\.qos3|publish\.dup)/.test(e.code)) {
    lines.push(`     first byte seen:     ${describeFirstByte(firstByte)}`);
    const type = firstByte >> 4;
    const required = REQUIRED_FLAGS[type];
    if (e.code === 'mqtt.header.reserved_flags' && required !== undefined && required >= 0) {
      lines.push(`     first byte expected: ${describeFirstByte((type << 4) | required)}`);
    }
  }
  const frame = maskPasswords(o.frames.get(e.frame), e.frame, s, o);
  if (frame && (e.offset > 0 || e.code)) {
    lines.push(`     ${anomaly?.websocket ? 'on the wire (masked WebSocket frame)' : 'bytes'} in frame ${e.frame}, offset ${e.offset}:`);
    for (const l of hexDump(frame, { mark: new Set([e.offset]), color: o.color, context: 2 })) lines.push(`       ${l}`);
  }
  if (anomaly?.websocket && pkt?.kind === 'packet' && pkt.bytes) {
    const at = anomaly.websocket.payloadOffset - pkt.packet.at.offset;
    lines.push(`     unmasked WebSocket payload (client stream offset ${anomaly.websocket.payloadOffset}; 0x${anomaly.websocket.wireByte.toString(16).padStart(2, '0')} on the wire is 0x${anomaly.websocket.byte.toString(16).padStart(2, '0')}):`);
    for (const l of hexDump(pkt.bytes, { mark: new Set([at]), base: pkt.packet.at.offset, color: o.color, context: 1 })) lines.push(`       ${l}`);
  }
  return lines;
}

/**
 * A frame dump must not leak a CONNECT password: where a CONNECT's password bytes appear in the frame,
 * they are replaced by '*' (0x2a) unless --show-credentials.
 */
function maskPasswords(frame: Uint8Array | undefined, frameNo: number, s: Story | undefined, o: ExplainOptions): Uint8Array | undefined {
  if (!frame || !s || o.showCredentials) return frame;
  let out = frame;
  for (const it of storyItems(s)) {
    if (it.kind !== 'packet' || it.frame !== frameNo || it.packet.type !== 'CONNECT' || !it.packet.password || !it.bytes) continue;
    const at = it.packet.password.offset - it.packet.at.offset;
    const pw = it.bytes.subarray(at, at + it.packet.password.length);
    if (pw.length === 0) continue;
    for (let i = 0; i + pw.length <= out.length; i++) {
      let same = true;
      for (let k = 0; k < pw.length && same; k++) same = out[i + k] === pw[k];
      if (same) {
        if (out === frame) out = copyBytes(frame);
        out.fill(0x2a, i, i + pw.length);
      }
    }
  }
  return out;
}

export function renderExplain(c: Connection, v: Verdict, s: Story | undefined, o: ExplainOptions): string {
  const out: string[] = [];
  const transport = c.transport === 'websocket' ? ' over WebSocket' : c.transport === 'tls' ? ' over TLS' : '';
  out.push(`${c.id}  MQTT ${versionName(c.mqttVersion) ?? '?'}${c.versionSource && c.versionSource !== 'connect' ? ` (${c.versionSource})` : ''}${transport}  ${endpoint(c.client)} → ${endpoint(c.broker)}`
    + `${c.clientId !== null ? `  client id "${safeText(c.clientId)}"` : ''}`);
  out.push(`    ${isoTime(c.start)} → ${isoTime(c.end)}, frames ${c.firstFrame}–${c.lastFrame}, ${c.mqttPackets} MQTT packets`);
  out.push('');
  const verdict = `${v.cause} (${v.confidence})`;
  out.push(`Verdict: ${o.color ? `\u001b[1m${verdict}\u001b[0m` : verdict}${v.closedBy ? `, closed by ${v.closedBy}${v.closeMethod ? ` (${v.closeMethod})` : ''}` : ''}`);
  out.push(`  ${safeText(v.summary)}`);
  if (s) {
    out.push('');
    out.push('Story:');
    const items = storyItems(s);
    items.slice(0, s.head.length).forEach((it) => out.push(itemLine(c, it)));
    if (s.omitted > 0) out.push(`  … ${s.omitted} more events …`);
    items.slice(s.head.length).forEach((it) => out.push(itemLine(c, it)));
    out.push('');
    out.push(...keepaliveLines(c, s));
  }
  if (v.evidence.length > 0) {
    out.push('');
    out.push('Evidence:');
    v.evidence.forEach((e, i) => out.push(...evidenceLines(e, i, s, o)));
  }
  return `${out.join('\n')}\n`;
}
