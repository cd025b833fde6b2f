/**
 * IPv4 and IPv6 decoding down to the transport header. Pure: returns the transport payload bounds (by
 * the IP length fields, so Ethernet padding is never mistaken for TCP data) and the addresses.
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
      readonly fragment: boolean;
    }
  | { readonly kind: 'truncated'; readonly detail: string };

export const IPPROTO_TCP = 6;

// IPv6 extension headers that may precede TCP (RFC 8200 §4).
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DEST_OPTS = 60;
const AH = 51;

/** Decodes the IP header starting at `at` in frame `d`. */
export function decodeIp(d: Uint8Array, at: number, version: 4 | 6): IpResult {
  return version === 4 ? decodeIpv4(d, at) : decodeIpv6(d, at);
}

function decodeIpv4(d: Uint8Array, at: number): IpResult {
  if (d.length < at + 20) return { kind: 'truncated', detail: 'IPv4 header shorter than 20 bytes' };
  const ihl = (d[at]! & 0x0f) * 4;
  const totalLength = (d[at + 2]! << 8) | d[at + 3]!;
  if (ihl < 20 || d.length < at + ihl) return { kind: 'truncated', detail: `IPv4 header length ${ihl}` };
  // TSO/GSO captures (tcpdump on the sending host) may show total length 0: fall back to the frame.
  const length = totalLength === 0 ? d.length - at : totalLength;
  if (length < ihl) return { kind: 'truncated', detail: `IPv4 total length ${totalLength} < header ${ihl}` };
  const flagsFrag = (d[at + 6]! << 8) | d[at + 7]!;
  const moreFragments = (flagsFrag & 0x2000) !== 0;
  const fragOffset = flagsFrag & 0x1fff;
  return {
    kind: 'ok',
    version: 4,
    protocol: d[at + 9]!,
    src: d.subarray(at + 12, at + 16),
    dst: d.subarray(at + 16, at + 20),
    payloadOffset: at + ihl,
    payloadLength: length - ihl,
    fragment: moreFragments || fragOffset !== 0,
  };
}

function decodeIpv6(d: Uint8Array, at: number): IpResult {
  if (d.length < at + 40) return { kind: 'truncated', detail: 'IPv6 header shorter than 40 bytes' };
  let payloadLength = (d[at + 4]! << 8) | d[at + 5]!;
  let next = d[at + 6]!;
  let pos = at + 40;
  let fragment = false;
  // Walk the extension-header chain to the upper-layer protocol.
  for (let hops = 0; hops < 16; hops++) {
    if (next !== HOP_BY_HOP && next !== ROUTING && next !== FRAGMENT && next !== DEST_OPTS && next !== AH) break;
    if (d.length < pos + 8) return { kind: 'truncated', detail: 'IPv6 extension header truncated' };
    let len: number;
    if (next === FRAGMENT) {
      len = 8;
      const fragOffsetFlags = (d[pos + 2]! << 8) | d[pos + 3]!;
      if ((fragOffsetFlags & 0xfff8) !== 0 || (fragOffsetFlags & 1) !== 0) fragment = true;
    } else if (next === AH) {
      len = (d[pos + 1]! + 2) * 4;
    } else {
      len = (d[pos + 1]! + 1) * 8;
    }
    next = d[pos]!;
    pos += len;
    payloadLength -= len;
  }
  if (payloadLength < 0) return { kind: 'truncated', detail: 'IPv6 extension headers exceed the payload length' };
  return {
    kind: 'ok',
    version: 6,
    protocol: next,
    src: d.subarray(at + 8, at + 24),
    dst: d.subarray(at + 24, at + 40),
    payloadOffset: pos,
    payloadLength,
    fragment,
  };
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
