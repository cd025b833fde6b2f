/**
 * The detail pane's model: the selected packet decoded again in detail mode (a collecting FieldSink,
 * as Wireshark re-dissects the selected frame), its anomalies, and the byte marks for the hex dump —
 * over the MQTT bytes, or over the capture frame as on the wire (for WebSocket: masked). Pure.
 */
import { previewBytes, safeText } from '../bytes/text.js';
import { diagSpec } from '../diag/registry.js';
import type { Span } from '../diag/types.js';
import type { Anomaly } from '../engine/model.js';
import { decodePacket } from '../mqtt/decode.js';
import { PACKET_TYPE_NAMES, type FieldSink, type ProtocolLevel } from '../mqtt/types.js';
import type { KeptPacket } from './byte-cache.js';
import { MARK_ANOMALY, MARK_FIELD, type HiddenRange, type MarkRange } from './hex.js';
import type { PacketRow } from './packet-table.js';

/** One field (or group) of the decoded packet; offsets relative to the packet's first byte. */
export interface FieldNode {
  readonly depth: number;
  readonly name: string;
  readonly value: string | number | boolean | null;
  readonly offset: number;
  readonly length: number;
  readonly group: boolean;
}

export type DetailRow =
  | { readonly kind: 'anomaly'; readonly anomaly: Anomaly; readonly at: Span | null }
  | { readonly kind: 'field'; readonly field: FieldNode };

/** Field names whose bytes are credentials: hidden unless --show-credentials (ARCHITECTURE.md §5). */
export function isCredential(name: string): boolean {
  return name === 'mqtt.passwd' || name.endsWith('.authenticationData');
}

/** Decodes `bytes` (one whole packet) in detail mode into a flat, depth-annotated field list. */
export function decodeFields(bytes: Uint8Array, level: ProtocolLevel): FieldNode[] {
  const out: FieldNode[] = [];
  let depth = 0;
  const sink: FieldSink = {
    field(name, at, value) { out.push({ depth, name, value, offset: at.offset, length: at.length, group: false }); },
    begin(name, at) { out.push({ depth, name, value: null, offset: at.offset, length: at.length, group: true }); depth++; },
    end() { depth = Math.max(0, depth - 1); },
  };
  decodePacket(bytes, 0, { protocolLevel: level }, sink);
  return out;
}

/** Where an anomaly's bytes sit in the packet (its stream span minus the packet's stream offset). */
export function anomalySpan(a: Anomaly, row: PacketRow): Span | null {
  if (a.streamOffset === undefined) return null;
  const offset = a.streamOffset - row.streamOffset;
  if (offset < 0 || offset >= row.size) return null;
  return { offset, length: Math.max(1, Math.min(a.length, row.size - offset)) };
}

/** Anomalies first (they are why you opened the packet), then the field tree. */
export function detailRows(row: PacketRow, kept: KeptPacket | undefined): DetailRow[] {
  const rows: DetailRow[] = row.anomalies.map((anomaly) => ({ kind: 'anomaly', anomaly, at: anomalySpan(anomaly, row) }));
  if (kept) for (const field of decodeFields(kept.bytes, row.level)) rows.push({ kind: 'field', field });
  return rows;
}

const HEX_VALUED = new Set(['mqtt.hdrflags', 'mqtt.conflags', 'mqtt.conack.flags', 'mqtt.subscription_options', 'mqtt.property_id']);

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** A field's text: short name and value, wire text escaped, credentials withheld. */
export function fieldText(f: FieldNode, bytes: Uint8Array | null, showCredentials: boolean): string {
  const name = f.name.startsWith('mqtt.') ? f.name.slice(5) : f.name;
  const indent = '  '.repeat(f.depth);
  if (f.group) return `${indent}${name} (${f.length} B)`;
  let value: string;
  const v = f.value;
  if (isCredential(f.name) && !showCredentials) value = `<redacted> (${f.length} B)`;
  else if (typeof v === 'string') value = `"${safeText(v)}"`;
  else if (typeof v === 'boolean') value = v ? 'true' : 'false';
  else if (typeof v === 'number') {
    value = HEX_VALUED.has(f.name) ? hex2(v) : String(v);
    if (f.name === 'mqtt.msgtype') value += ` ${PACKET_TYPE_NAMES[v] ?? ''}`;
  } else if (bytes !== null && f.length > 0) {
    value = `(${f.length} B) ${previewBytes(bytes.subarray(f.offset, f.offset + f.length), 24)}`;
  } else {
    value = `(${f.length} B)`;
  }
  return `${indent}${name} = ${value}`;
}

/** An anomaly's line: code, severity, summary and detail, and for a masked WebSocket byte both values. */
export function anomalyText(a: Anomaly): string {
  const spec = diagSpec(a.code);
  const ws = a.websocket
    ? ` · payload byte ${a.websocket.payloadOffset} = ${hex2(a.websocket.byte)}, on the wire ${hex2(a.websocket.wireByte)} (masked)`
    : '';
  return `✗ ${a.code} (${a.severity}) frame ${a.frame} +${a.offset}${ws}: ${safeText(a.detail ?? spec.summary)}`;
}

/** The packet's credential bytes, hidden unless --show-credentials. */
export function credentialRanges(rows: readonly DetailRow[], showCredentials: boolean): HiddenRange[] {
  if (showCredentials) return [];
  return rows.flatMap((r) => (r.kind === 'field' && isCredential(r.field.name) && r.field.length > 0
    ? [{ offset: r.field.offset, length: r.field.length }] : []));
}

/** Marks over the MQTT bytes: every anomaly's bytes, and the selected row's. */
export function payloadMarks(rows: readonly DetailRow[], selected: number): MarkRange[] {
  const marks: MarkRange[] = [];
  for (const r of rows) if (r.kind === 'anomaly' && r.at) marks.push({ ...r.at, bit: MARK_ANOMALY });
  const sel = rows[selected];
  if (sel?.kind === 'field') marks.push({ offset: sel.field.offset, length: sel.field.length, bit: MARK_FIELD });
  else if (sel?.kind === 'anomaly' && sel.at) marks.push({ ...sel.at, bit: MARK_FIELD });
  return marks;
}

/** The wire frame to show for a packet: the frame of its first anomaly when kept, else the last kept one. */
export function wireFrameOf(row: PacketRow, kept: KeptPacket): number | null {
  for (const a of row.anomalies) if (kept.frames.has(a.frame)) return a.frame;
  if (kept.frames.has(row.frame)) return row.frame;
  let last: number | null = null;
  for (const f of kept.frames.keys()) last = last === null || f > last ? f : last;
  return last;
}

/**
 * Whether packet byte i sits at frame byte `row.frameOffset + i` (the packet lies in one frame, in one
 * piece). Checked on the bytes, not assumed: over TCP they must be equal; over WebSocket they must
 * differ by a 4-byte-periodic XOR (one masking key, RFC 6455 §5.3) — a frame header in between breaks it.
 */
export function wireContiguous(row: PacketRow, bytes: Uint8Array, frame: Uint8Array, masked: boolean): boolean {
  if (row.firstFrame !== row.frame) return false;
  const start = row.frameOffset;
  if (start + bytes.length > frame.length) return false;
  if (masked && bytes.length <= 4) return false; // too short to tell a mask from a header
  for (let i = 0; i < bytes.length; i++) {
    const x = frame[start + i]! ^ bytes[i]!;
    if (masked ? i >= 4 && x !== (frame[start + i - 4]! ^ bytes[i - 4]!) : x !== 0) return false;
  }
  return true;
}

/** Marks over a wire frame: anomalies located in it (exact, from the engine) and, when mapped, the selected field. */
export function wireMarks(rows: readonly DetailRow[], selected: number, frameNo: number, fieldBase: number | null): MarkRange[] {
  const marks: MarkRange[] = [];
  for (const r of rows) {
    if (r.kind === 'anomaly' && r.anomaly.frame === frameNo) marks.push({ offset: r.anomaly.offset, length: r.anomaly.length, bit: MARK_ANOMALY });
  }
  const sel = rows[selected];
  if (fieldBase !== null && sel?.kind === 'field') marks.push({ offset: fieldBase + sel.field.offset, length: sel.field.length, bit: MARK_FIELD });
  return marks;
}
