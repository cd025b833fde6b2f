/** TCP header decoding (RFC 9293 §3.1). Pure: the segment's ports, numbers, flags and payload bounds. */

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence and acknowledgment numbers as unsigned 32-bit values. */
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  /** Offset of the payload in the frame. */
  readonly payloadOffset: number;
  /** Payload length as the IP header declares it. */
  readonly payloadLength: number;
}

/** Decodes the TCP header at `at`; `length` is the transport length from the IP header. */
export function decodeTcp(d: Uint8Array, at: number, length: number): TcpSegment | { readonly error: string } {
  const h = newTcpHeader();
  const error = decodeTcpInto(d, at, length, h);
  return error === null ? h : { error };
}

/** A TCP header summary reused for every frame by the engine (see {@link decodeTcpInto}). */
export type TcpHeader = { -readonly [K in keyof TcpSegment]: TcpSegment[K] };

export function newTcpHeader(): TcpHeader {
  return { srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, payloadOffset: 0, payloadLength: 0 };
}

/**
 * Decodes the TCP header at `at` into `out` (allocation-free: the per-frame path); returns null, or
 * why the header is unusable.
 */
export function decodeTcpInto(d: Uint8Array, at: number, length: number, out: TcpHeader): string | null {
  if (d.length < at + 20 || length < 20) return 'TCP header shorter than 20 bytes';
  const dataOffset = (d[at + 12]! >> 4) * 4;
  if (dataOffset < 20 || dataOffset > length) return `TCP data offset ${dataOffset}`;
  out.srcPort = (d[at]! << 8) | d[at + 1]!;
  out.dstPort = (d[at + 2]! << 8) | d[at + 3]!;
  out.seq = ((d[at + 4]! << 24) | (d[at + 5]! << 16) | (d[at + 6]! << 8) | d[at + 7]!) >>> 0;
  out.ack = ((d[at + 8]! << 24) | (d[at + 9]! << 16) | (d[at + 10]! << 8) | d[at + 11]!) >>> 0;
  out.flags = d[at + 13]!;
  out.window = (d[at + 14]! << 8) | d[at + 15]!;
  out.payloadOffset = at + dataOffset;
  out.payloadLength = length - dataOffset;
  return null;
}

/** Signed distance from `a` to `b` in 32-bit sequence space (RFC 1982 style): positive when b is after a. */
export const seqDiff = (a: number, b: number): number => (b - a) | 0;
/** `a + n` in 32-bit sequence space. */
export const seqAdd = (a: number, n: number): number => (a + n) >>> 0;
