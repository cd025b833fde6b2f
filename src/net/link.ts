/**
 * Link-layer decoding: find the network-layer payload of a captured frame. Pure and allocation-free:
 * returns where the IP header starts and which IP version it is, or why it could not.
 */

/** LINKTYPE_* values we decode (tcpdump.org/linktypes.html). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OLD: 12,
  RAW_OLD2: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type LinkResult =
  | { readonly kind: 'ip'; readonly offset: number; readonly version: 4 | 6 }
  | { readonly kind: 'other' }        // a frame that carries no IP (ARP, LLDP, …): not a problem
  | { readonly kind: 'truncated' }
  | { readonly kind: 'unsupported' };

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;

const OTHER: LinkResult = { kind: 'other' };
const TRUNCATED: LinkResult = { kind: 'truncated' };
const UNSUPPORTED: LinkResult = { kind: 'unsupported' };

/**
 * The 'ip' answers, made once: only a handful of (offset, version) pairs exist (link headers are at
 * most a few dozen bytes), and this runs for every frame, so no object is allocated per frame.
 */
const IP_RESULTS: LinkResult[] = [];

function ip(offset: number, version: 4 | 6): LinkResult {
  const i = offset * 2 + (version === 6 ? 1 : 0);
  return IP_RESULTS[i] ??= Object.freeze({ kind: 'ip', offset, version });
}

/** Follows 802.1Q / QinQ tags from the EtherType at `typeAt` to the IP header. */
function fromEtherType(d: Uint8Array, typeAt: number): LinkResult {
  let at = typeAt;
  for (let tags = 0; tags < 8; tags++) {
    if (d.length < at + 2) return TRUNCATED;
    const etherType = (d[at]! << 8) | d[at + 1]!;
    if (etherType === ETHERTYPE_IPV4) return ip(at + 2, 4);
    if (etherType === ETHERTYPE_IPV6) return ip(at + 2, 6);
    if (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_QINQ_OLD) {
      at += 4; // TCI (2 bytes) then the inner EtherType
      continue;
    }
    return OTHER;
  }
  return OTHER;
}

/** BSD NULL/LOOP address family → IP version; NULL is host byte order, so both orders are tried. */
function fromFamily(family: number): 4 | 6 | null {
  if (family === 2) return 4;
  // AF_INET6 differs per OS: 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
  if (family === 10 || family === 24 || family === 28 || family === 30) return 6;
  return null;
}

function rawIp(d: Uint8Array, at: number): LinkResult {
  if (d.length <= at) return TRUNCATED;
  const v = d[at]! >> 4;
  return v === 4 ? ip(at, 4) : v === 6 ? ip(at, 6) : OTHER;
}

/** Finds the IP header inside a frame of the given link type. */
export function decodeLink(linkType: number, d: Uint8Array): LinkResult {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      if (d.length < 14) return TRUNCATED;
      return fromEtherType(d, 12);
    case LINKTYPE.LINUX_SLL:
      // 16-byte cooked header; protocol type at offset 14.
      if (d.length < 16) return TRUNCATED;
      return fromEtherType(d, 14);
    case LINKTYPE.LINUX_SLL2:
      // 20-byte cooked header v2; protocol type at offset 0.
      if (d.length < 20) return TRUNCATED;
      {
        const r = fromEtherType(d, 0);
        return r.kind === 'ip' ? ip(20, r.version) : r;
      }
    case LINKTYPE.NULL: {
      if (d.length < 4) return TRUNCATED;
      const le = d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24);
      const be = (d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!;
      const v = fromFamily(le) ?? fromFamily(be);
      return v === null ? OTHER : ip(4, v);
    }
    case LINKTYPE.LOOP: {
      if (d.length < 4) return TRUNCATED;
      const v = fromFamily((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!);
      return v === null ? OTHER : ip(4, v);
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OLD:
    case LINKTYPE.RAW_OLD2:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return rawIp(d, 0);
    default:
      return UNSUPPORTED;
  }
}
