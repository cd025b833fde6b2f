/**
 * decodePacket: one whole MQTT packet (fixed header + body) → the packet record and its diagnostics.
 * Body decoding is "complete" (3.1.1 §2.2.3, 5.0 §2.1.4): the Remaining Length says where the packet
 * ends, so running out of bytes inside it is `mqtt.body.short` (malformed), never "wait for more", and
 * bytes left after the last field are `mqtt.body.trailing_bytes`.
 *
 * Never throws on wire input. Every Span is in stream coordinates (`streamOffset` = offset of bytes[0])
 * and lies inside the given bytes. Bulk mode (no FieldSink) builds no field records.
 */
import { diag, type Diagnostic } from '../diag/types.js';
import { decodeConnack } from './connack.js';
import { decodeConnect } from './connect.js';
import { ByteCursor } from './cursor.js';
import { decodeDisconnectOrAuth } from './disconnect.js';
import { checkFixedHeader, publishQos } from './fixed-header.js';
import { frameAt, PACKET_TYPE, type Framing } from './framing.js';
import { decodePubAck } from './pub-ack.js';
import { decodePublish } from './publish.js';
import { decodeSuback, decodeSubscribe } from './subscribe.js';
import { NO_FIELDS, PACKET_TYPE_NAMES, type DecodeContext, type Decoded, type FieldSink, type MqttPacket,
  type PacketHeader, type ProtocolLevel } from './types.js';
import { decodeUnsuback, decodeUnsubscribe } from './unsubscribe.js';

/** A framed fixed header, as {@link frameAt} returns it. */
export type Frame = Extract<Framing, { kind: 'frame' }>;

/**
 * Decodes `bytes`, which should hold exactly one packet. `streamOffset` is the stream offset of
 * bytes[0]; `ctx` gives the connection's protocol level (CONNECT is read by the level it declares).
 */
export function decodePacket(bytes: Uint8Array, streamOffset: number, ctx: DecodeContext, fields: FieldSink = NO_FIELDS): Decoded {
  const f = frameAt(bytes, 0);
  if (f.kind === 'frame') return decodeFrame(bytes, streamOffset, f, ctx.protocolLevel, fields);
  return undecodable(bytes, streamOffset, f);
}

/**
 * Decodes a packet whose fixed header was already framed at bytes[0] (the stream decoder's path,
 * which framed it to find the packet's end).
 */
export function decodeFrame(bytes: Uint8Array, streamOffset: number, f: Frame, level: ProtocolLevel,
  fields: FieldSink = NO_FIELDS): Decoded {
  const total = f.headerLength + f.remainingLength;
  const end = total < bytes.length ? total : bytes.length;
  const cur = new ByteCursor(bytes, streamOffset, f.headerLength, end, fields);
  const { typeCode, flags, headerLength, remainingLength } = f;
  if (cur.detail) headerFields(cur, f);
  checkFixedHeader(cur, typeCode, flags, level);
  if (!f.minimal) {
    cur.report('mqtt.header.remaining_length_not_minimal', 1, headerLength - 1,
      `Remaining Length ${remainingLength} encoded in ${headerLength - 1} bytes`);
  }
  if (bytes.length < total) {
    cur.report('mqtt.header.remaining_length_mismatch', 0, bytes.length,
      `the fixed header declares ${total} bytes, ${bytes.length} were given`);
  }
  const h: PacketHeader = { typeCode, flags, remainingLength, headerLength, at: { offset: streamOffset, length: end } };
  const packet = decodeBody(cur, h, level);
  if (cur.short) {
    if (!cur.shortExplained) {
      cur.report('mqtt.body.short', cur.shortAt, end - cur.shortAt,
        `${packet.type} field at byte ${cur.shortAt} needs ${cur.shortWanted} bytes, ${end - cur.shortAt} left`);
    }
  } else if (cur.pos < end) {
    cur.report('mqtt.body.trailing_bytes', cur.pos, end - cur.pos, `${end - cur.pos} bytes after the last ${packet.type} field`);
  }
  if (bytes.length > total) {
    cur.report('mqtt.header.remaining_length_mismatch', total, bytes.length - total,
      `the fixed header declares ${total} bytes, ${bytes.length} were given`);
  }
  return { packet, diags: cur.diags };
}

function decodeBody(cur: ByteCursor, h: PacketHeader, level: ProtocolLevel): MqttPacket {
  switch (h.typeCode) {
    case PACKET_TYPE.CONNECT: return decodeConnect(cur, h);
    case PACKET_TYPE.CONNACK: return decodeConnack(cur, h, level);
    case PACKET_TYPE.PUBLISH: return decodePublish(cur, h, level);
    case PACKET_TYPE.PUBACK: return decodePubAck(cur, h, level, 'PUBACK');
    case PACKET_TYPE.PUBREC: return decodePubAck(cur, h, level, 'PUBREC');
    case PACKET_TYPE.PUBREL: return decodePubAck(cur, h, level, 'PUBREL');
    case PACKET_TYPE.PUBCOMP: return decodePubAck(cur, h, level, 'PUBCOMP');
    case PACKET_TYPE.SUBSCRIBE: return decodeSubscribe(cur, h, level);
    case PACKET_TYPE.SUBACK: return decodeSuback(cur, h, level);
    case PACKET_TYPE.UNSUBSCRIBE: return decodeUnsubscribe(cur, h, level);
    case PACKET_TYPE.UNSUBACK: return decodeUnsuback(cur, h, level);
    case PACKET_TYPE.PINGREQ: return {
      typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
      type: 'PINGREQ',
    };
    case PACKET_TYPE.PINGRESP: return {
      typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
      type: 'PINGRESP',
    };
    case PACKET_TYPE.DISCONNECT: return decodeDisconnectOrAuth(cur, h, level, 'DISCONNECT');
    case PACKET_TYPE.AUTH: return decodeDisconnectOrAuth(cur, h, level, 'AUTH');
    default:
      // Type 0 is reserved (reported on the fixed header); there is no layout to read its body with.
      cur.pos = cur.end;
      return {
        typeCode: h.typeCode, flags: h.flags, remainingLength: h.remainingLength, headerLength: h.headerLength, at: h.at,
        type: 'RESERVED',
      };
  }
}

/** Detail mode: the fixed header's fields, under Wireshark's names. */
function headerFields(cur: ByteCursor, f: Frame): void {
  cur.field('mqtt.hdrflags', 0, 1, (f.typeCode << 4) | f.flags);
  cur.field('mqtt.msgtype', 0, 1, f.typeCode);
  if (f.typeCode === PACKET_TYPE.PUBLISH) {
    cur.field('mqtt.dupflag', 0, 1, (f.flags & 0x08) !== 0);
    cur.field('mqtt.qos', 0, 1, publishQos(f.flags));
    cur.field('mqtt.retain', 0, 1, (f.flags & 0x01) !== 0);
  } else {
    cur.field('mqtt.hdr_reserved', 0, 1, f.flags);
  }
  cur.field('mqtt.len', 1, f.headerLength - 1, f.remainingLength);
}

/**
 * Bytes whose fixed header cannot be framed (empty, cut inside the Remaining Length, or a 5-byte
 * Remaining Length): a TRUNCATED record (nothing decoded, the packet still counts) with the reason.
 */
function undecodable(bytes: Uint8Array, streamOffset: number, f: Exclude<Framing, Frame>): Decoded {
  const typeCode = bytes.length > 0 ? bytes[0]! >>> 4 : 0;
  const flags = bytes.length > 0 ? bytes[0]! & 0x0f : 0;
  const headerLength = f.kind === 'bad-length' ? f.headerBytes : bytes.length;
  const d = f.kind === 'bad-length'
    ? diag('mqtt.header.remaining_length_too_long', streamOffset, headerLength, 'the 4th Remaining Length byte has the continuation bit set')
    : diag('mqtt.body.short', streamOffset, bytes.length, `fixed header incomplete: ${bytes.length} bytes`);
  const packet: MqttPacket = {
    typeCode, flags, remainingLength: 0, headerLength, at: { offset: streamOffset, length: bytes.length },
    type: 'TRUNCATED', declaredType: PACKET_TYPE_NAMES[typeCode]!, skipped: bytes.length - headerLength,
  };
  return { packet, diags: [d] };
}

/**
 * The record of a packet whose body is not decoded (larger than the size limit, or cut by a stream
 * gap): the fixed header's own checks plus `reason`, and a TRUNCATED record that still counts as a
 * packet of its declared type. `header` holds the fixed header bytes only.
 */
export function decodeTruncated(header: Uint8Array, streamOffset: number, f: Frame, level: ProtocolLevel, skipped: number,
  reason: Diagnostic): Decoded {
  const cur = new ByteCursor(header, streamOffset, f.headerLength, f.headerLength);
  checkFixedHeader(cur, f.typeCode, f.flags, level);
  if (!f.minimal) {
    cur.report('mqtt.header.remaining_length_not_minimal', 1, f.headerLength - 1,
      `Remaining Length ${f.remainingLength} encoded in ${f.headerLength - 1} bytes`);
  }
  const packet: MqttPacket = {
    typeCode: f.typeCode, flags: f.flags, remainingLength: f.remainingLength, headerLength: f.headerLength,
    at: { offset: streamOffset, length: f.headerLength + f.remainingLength },
    type: 'TRUNCATED', declaredType: PACKET_TYPE_NAMES[f.typeCode]!, skipped,
  };
  return { packet, diags: [...cur.diags, reason] };
}
