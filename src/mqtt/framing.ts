/**
 * Fixed-header framing (3.1.1 §2.2, 5.0 §2.1): byte 0 = packet type (bits 7-4) + flags (bits 3-0),
 * then the Remaining Length as a 1–4 byte Variable Byte Integer. Streaming: "need more bytes" is a
 * normal answer. Pure and allocation-free for the two non-frame answers.
 *
 * A fourth length byte with the continuation bit set cannot be framed past [MQTT-1.5.5-1]: the caller
 * must resynchronize. A non-minimal encoding frames fine and is flagged (`minimal: false`).
 */
import { readVarint, varintByteCount, varintSize, varintValue, VARINT_NEED_MORE } from './varint.js';

/** 4-bit control packet types (3.1.1 Table 2.1, 5.0 Table 2-1). */
export const PACKET_TYPE = {
  RESERVED: 0, CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7,
  SUBSCRIBE: 8, SUBACK: 9, UNSUBSCRIBE: 10, UNSUBACK: 11, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14, AUTH: 15,
} as const;

/** One byte of type+flags and at most four Remaining Length bytes. */
export const MAX_HEADER_LENGTH = 5;

export type Framing =
  /** Not enough bytes yet to read the whole fixed header. */
  | { readonly kind: 'need' }
  /** The Remaining Length has a 5th byte: malformed, the stream cannot be framed from here. */
  | { readonly kind: 'bad-length'; readonly headerBytes: number }
  | {
      readonly kind: 'frame';
      readonly typeCode: number;
      readonly flags: number;
      /** 1 + the number of Remaining Length bytes. */
      readonly headerLength: number;
      readonly remainingLength: number;
      /** False when the Remaining Length uses more bytes than its value needs. */
      readonly minimal: boolean;
    };

const NEED: Framing = Object.freeze({ kind: 'need' });
const BAD_LENGTH: Framing = Object.freeze({ kind: 'bad-length', headerBytes: MAX_HEADER_LENGTH });

/** Reads the fixed header at `bytes[pos]`, looking no further than `end`. Never consumes, never throws. */
export function frameAt(bytes: Uint8Array, pos: number, end: number = bytes.length): Framing {
  if (pos >= end) return NEED;
  const packed = readVarint(bytes, pos + 1, end);
  if (packed === VARINT_NEED_MORE) return NEED;
  if (packed < 0) return BAD_LENGTH;
  const b0 = bytes[pos]!;
  const remainingLength = varintValue(packed);
  const lengthBytes = varintByteCount(packed);
  return {
    kind: 'frame',
    typeCode: b0 >>> 4,
    flags: b0 & 0x0f,
    headerLength: 1 + lengthBytes,
    remainingLength,
    minimal: lengthBytes === varintSize(remainingLength),
  };
}
