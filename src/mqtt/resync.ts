/**
 * Finding packet boundaries again after framing was lost (a stream gap, or a Remaining Length with a
 * 5th byte). A position is a plausible packet start when (1) its first byte is valid for the
 * connection's protocol level (the same rules decoding applies), (2) its Remaining Length is well
 * formed, within the size limit and within the bounds the packet type allows, and (3) the packet is
 * followed by another plausible fixed header — or ends exactly at a boundary (a gap or the end of the
 * stream) where nothing can follow.
 *
 * Pure, and deliberately chunking-independent: a position is decided only when all the bytes the rule
 * looks at are present, or at a true boundary; otherwise the answer is "need more". The stream decoder
 * therefore skips the same bytes however its input was split.
 */
import { headerProblem, publishQos } from './fixed-header.js';
import { frameAt, PACKET_TYPE, type Framing } from './framing.js';

type Frame = Extract<Framing, { kind: 'frame' }>;

export const CANDIDATE_NO = 0;
export const CANDIDATE_YES = 1;
export const CANDIDATE_NEED_MORE = 2;
export type Candidate = typeof CANDIDATE_NO | typeof CANDIDATE_YES | typeof CANDIDATE_NEED_MORE;

/**
 * Whether the Remaining Length is one the packet type can have at `level`: at least its fixed
 * variable header plus one minimal payload item, and exactly that for the fixed-size packets
 * (PINGREQ 0; 3.x PUBACK 2; …). Used only to judge resync candidates, never to reject a decoded packet.
 */
function remainingLengthFits(f: Frame, level: number): boolean {
  const rl = f.remainingLength;
  const v5 = level >= 5 ? 1 : 0;
  switch (f.typeCode) {
    case PACKET_TYPE.CONNECT: return rl >= 12; // "MQTT" name (6) + level + flags + keep alive (2) + client id length (2)
    case PACKET_TYPE.CONNACK: return v5 ? rl >= 3 : rl === 2;
    case PACKET_TYPE.PUBLISH: return rl >= 2 + (publishQos(f.flags) > 0 ? 2 : 0) + v5;
    case PACKET_TYPE.PUBACK: case PACKET_TYPE.PUBREC: case PACKET_TYPE.PUBREL: case PACKET_TYPE.PUBCOMP:
      return v5 ? rl >= 2 : rl === 2;
    case PACKET_TYPE.SUBSCRIBE: return rl >= 6 + v5; // id + filter length + 1 byte + options
    case PACKET_TYPE.SUBACK: return rl >= 3 + v5;
    case PACKET_TYPE.UNSUBSCRIBE: return rl >= 5 + v5;
    case PACKET_TYPE.UNSUBACK: return v5 ? rl >= 4 : rl === 2;
    case PACKET_TYPE.PINGREQ: case PACKET_TYPE.PINGRESP: return rl === 0;
    case PACKET_TYPE.DISCONNECT: return v5 ? true : rl === 0;
    case PACKET_TYPE.AUTH: return v5 === 1;
    default: return false;
  }
}

/** A framed header that could start a real packet at `level` within `maxPacketSize`. */
export function plausibleFrame(f: Frame, level: number, maxPacketSize: number): boolean {
  return headerProblem(f.typeCode, f.flags, level) === null
    && f.headerLength + f.remainingLength <= maxPacketSize
    && remainingLengthFits(f, level);
}

/** A first byte that could start a real packet (used when only it is known, at a boundary). */
function plausibleFirstByte(b0: number, level: number): boolean {
  return headerProblem(b0 >>> 4, b0 & 0x0f, level) === null;
}

/**
 * Decides whether bytes[p] starts a packet. `end` is the end of the bytes present; `atBoundary` says
 * nothing follows them (a gap or the end of the stream) rather than "more may come".
 */
export function candidateAt(bytes: Uint8Array, p: number, end: number, level: number, maxPacketSize: number,
  atBoundary: boolean): Candidate {
  const f = frameAt(bytes, p, end);
  if (f.kind === 'need') return atBoundary ? CANDIDATE_NO : CANDIDATE_NEED_MORE;
  if (f.kind === 'bad-length' || !plausibleFrame(f, level, maxPacketSize)) return CANDIDATE_NO;
  const next = p + f.headerLength + f.remainingLength;
  if (next >= end) {
    if (!atBoundary) return CANDIDATE_NEED_MORE;
    return next === end ? CANDIDATE_YES : CANDIDATE_NO;
  }
  const g = frameAt(bytes, next, end);
  if (g.kind === 'need') {
    if (!atBoundary) return CANDIDATE_NEED_MORE;
    return plausibleFirstByte(bytes[next]!, level) ? CANDIDATE_YES : CANDIDATE_NO;
  }
  // The following packet is only looked at, never held, so it may be larger than the limit (a TRUNCATED one).
  return g.kind === 'frame' && plausibleFrame(g, level, Infinity) ? CANDIDATE_YES : CANDIDATE_NO;
}
