/**
 * IPv4 and IPv6 decoding down to the transport header. Pure: returns the transport payload bounds (by
 * the IP length fields, so Ethernet padding is never mistaken for TCP data) and the addresses.
 * The per-frame form ({@link decodeIpInto}) fills a reused header object and allocates nothing.
 */

export type IpResult =
  | {
      readonly kind: 'ok';
      readonly version: 4 | 6;
      readonly protocol: number;
      /** Source/destination address bytes (4 or 16), views into the frame. */
      readonly src: Uint8Array;
      readonly dst: Uint8Array;
      /** Offset of the transport header in the frame. */
      readonly payloadOffset: number;
      /** Transport length as the IP header declares it (may exceed the captured bytes). */
      readonly payloadLength: number;
      /** Set when this datagram is one fragment of a larger one (RFC 791 §3.2, RFC 8200 §4.5). */
      readonly fragment: IpFragment | null;
    }
  | { readonly kind: 'truncated'; readonly detail: string };

export const IPPROTO_TCP = 6;

export interface IpFragment {
  /** Identification (IPv4 16-bit, IPv6 32-bit). */
  readonly id: number;
  /** Byte offset of this fragment's data in the original payload. */
  readonly offset: number;
  readonly more: boolean;
}

// IPv6 extension headers that may precede TCP (RFC 8200 §4).
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DEST_OPTS = 60;
const AH = 51;

/**
 * The facts of one IP header, written into a caller-owned object that is reused for every frame (the
 * engine's per-frame path allocates nothing here). {@link decodeIp} is the allocating form.
 */
export interface IpHeader {
  version: 4 | 6;
  protocol: number;
  /** Offsets of the source and destination addresses in the frame (4 or 16 bytes each). */
  srcAt: number;
  dstAt: number;
  /** IPv4 addresses as unsigned 32-bit numbers (0 for IPv6). */
  src4: number;
  dst4: number;
  /** Offset of the transport header in the frame. */
  payloadOffset: number;
  /** Transport length as the IP header declares it (may exceed the captured bytes). */
  payloadLength: number;
  /** Set when this datagram is one fragment of a larger one (a fresh object, made only for fragments). */
  fragment: IpFragment | null;
}

export function newIpHeader(): IpHeader {
  return { version: 4, protocol: 0, srcAt: 0, dstAt: 0, src4: 0, dst4: 0, payloadOffset: 0, payloadLength: 0, fragment: null };
}

/** Decodes the IP header starting at `at` in frame `d`. */
export function decodeIp(d: Uint8Array, at: number, version: 4 | 6): IpResult {
  const h = newIpHeader();
  const problem = decodeIpInto(d, at, version, h);
  if (problem !== null) return { kind: 'truncated', detail: problem };
  const n = h.version === 4 ? 4 : 16;
  return {
    kind: 'ok', version: h.version, protocol: h.protocol,
    src: d.subarray(h.srcAt, h.srcAt + n), dst: d.subarray(h.dstAt, h.dstAt + n),
    payloadOffset: h.payloadOffset, payloadLength: h.payloadLength,
    fragment: h.fragment,
  };
}

/** Decodes the IP header at `at` into `out`; returns null, or why the header is truncated. */
export function decodeIpInto(d: Uint8Array, at: number, version: 4 | 6, out: IpHeader): string | null {
  return version === 4 ? decodeIpv4(d, at, out) : decodeIpv6(d, at, out);
}

function decodeIpv4(d: Uint8Array, at: number, out: IpHeader): string | null {
  if (d.length < at + 20) return 'IPv4 header shorter than 20 bytes';
  const ihl = (d[at]! & 0x0f) * 4;
  const totalLength = (d[at + 2]! << 8) | d[at + 3]!;
  if (ihl < 20 || d.length < at + ihl) return `IPv4 header length ${ihl}`;
  // TSO/GSO captures (tcpdump on the sending host) may show total length 0: fall back to the frame.
  const length = totalLength === 0 ? d.length - at : totalLength;
  if (length < ihl) return `IPv4 total length ${totalLength} < header ${ihl}`;
  const flagsFrag = (d[at + 6]! << 8) | d[at + 7]!;
  const moreFragments = (flagsFrag & 0x2000) !== 0;
  const fragOffset = flagsFrag & 0x1fff;
  out.version = 4;
  out.protocol = d[at + 9]!;
  out.srcAt = at + 12;
  out.dstAt = at + 16;
  out.src4 = ((d[at + 12]! << 24) | (d[at + 13]! << 16) | (d[at + 14]! << 8) | d[at + 15]!) >>> 0;
  out.dst4 = ((d[at + 16]! << 24) | (d[at + 17]! << 16) | (d[at + 18]! << 8) | d[at + 19]!) >>> 0;
  out.payloadOffset = at + ihl;
  out.payloadLength = length - ihl;
  out.fragment = moreFragments || fragOffset !== 0
    ? { id: (d[at + 4]! << 8) | d[at + 5]!, offset: fragOffset * 8, more: moreFragments } : null;
  return null;
}

function decodeIpv6(d: Uint8Array, at: number, out: IpHeader): string | null {
  if (d.length < at + 40) return 'IPv6 header shorter than 40 bytes';
  let payloadLength = (d[at + 4]! << 8) | d[at + 5]!;
  let next = d[at + 6]!;
  let pos = at + 40;
  let fragment: IpFragment | null = null;
  // Walk the extension-header chain to the upper-layer protocol.
  for (let hops = 0; hops < 16; hops++) {
    if (next !== HOP_BY_HOP && next !== ROUTING && next !== FRAGMENT && next !== DEST_OPTS && next !== AH) break;
    if (d.length < pos + 8) return 'IPv6 extension header truncated';
    let len: number;
    if (next === FRAGMENT) {
      len = 8;
      const fragOffsetFlags = (d[pos + 2]! << 8) | d[pos + 3]!;
      if ((fragOffsetFlags & 0xfff8) !== 0 || (fragOffsetFlags & 1) !== 0) {
        const id = ((d[pos + 4]! << 24) | (d[pos + 5]! << 16) | (d[pos + 6]! << 8) | d[pos + 7]!) >>> 0;
        fragment = { id, offset: fragOffsetFlags & 0xfff8, more: (fragOffsetFlags & 1) !== 0 };
      }
    } else if (next === AH) {
      len = (d[pos + 1]! + 2) * 4;
    } else {
      len = (d[pos + 1]! + 1) * 8;
    }
    next = d[pos]!;
    pos += len;
    payloadLength -= len;
  }
  if (payloadLength < 0) return 'IPv6 extension headers exceed the payload length';
  out.version = 6;
  out.protocol = next;
  out.srcAt = at + 8;
  out.dstAt = at + 24;
  out.src4 = 0;
  out.dst4 = 0;
  out.payloadOffset = pos;
  out.payloadLength = payloadLength;
  out.fragment = fragment;
  return null;
}

/** Text form of an address: dotted quad, or RFC 5952 IPv6 (longest zero run compressed). */
export function formatAddress(a: Uint8Array): string {
  if (a.length === 4) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((a[i]! << 8) | a[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(':');
  const head = hexes.slice(0, bestStart).join(':');
  const tail = hexes.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** host:port, with brackets around IPv6 hosts. */
export function formatEndpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
