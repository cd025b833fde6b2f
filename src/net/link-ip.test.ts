import { describe, expect, test } from 'vitest';
import { hex } from '../bytes/hex.js';
import { decodeIp, formatAddress } from './ip.js';
import { decodeLink, LINKTYPE } from './link.js';
import { decodeTcp, TCP_ACK, TCP_PSH } from './tcp.js';

const ipv4Tcp = hex`
  45 00 00 2c  00 01 40 00  40 06 00 00   # IPv4, IHL 5, total length 44, TCP
  7f 00 00 01  7f 00 00 02                # 127.0.0.1 → 127.0.0.2
  c0 00 07 5b  00 00 00 01  00 00 00 02   # ports 49152 → 1883, seq 1, ack 2
  50 18 ff ff  00 00 00 00                # data offset 5, PSH|ACK, window 65535
  c0 00 ff ff                             # PINGREQ + 2 bytes
`;

const cases: { name: string; linkType: number; prefix: Uint8Array; offset: number }[] = [
  { name: 'Ethernet', linkType: LINKTYPE.ETHERNET, prefix: hex`000000000001 000000000002 0800`, offset: 14 },
  { name: '802.1Q', linkType: LINKTYPE.ETHERNET, prefix: hex`000000000001 000000000002 8100 03f0 0800`, offset: 18 },
  { name: 'QinQ', linkType: LINKTYPE.ETHERNET, prefix: hex`000000000001 000000000002 88a8 0001 8100 0002 0800`, offset: 22 },
  { name: 'Linux SLL', linkType: LINKTYPE.LINUX_SLL, prefix: hex`0000 0304 0006 000000000000 0000 0800`, offset: 16 },
  { name: 'Linux SLL2', linkType: LINKTYPE.LINUX_SLL2, prefix: hex`0800 0000 00000001 0304 00 06 000000000000 0000`, offset: 20 },
  { name: 'NULL little-endian', linkType: LINKTYPE.NULL, prefix: hex`02000000`, offset: 4 },
  { name: 'NULL big-endian', linkType: LINKTYPE.NULL, prefix: hex`00000002`, offset: 4 },
  { name: 'LOOP', linkType: LINKTYPE.LOOP, prefix: hex`00000002`, offset: 4 },
  { name: 'raw IP (101)', linkType: LINKTYPE.RAW, prefix: hex``, offset: 0 },
  { name: 'raw IPv4 (228)', linkType: LINKTYPE.IPV4, prefix: hex``, offset: 0 },
];

describe('link → IPv4 → TCP', () => {
  test.each(cases)('$name', ({ linkType, prefix, offset }) => {
    const frame = new Uint8Array([...prefix, ...ipv4Tcp, 0, 0, 0, 0]); // trailing Ethernet-style padding
    const link = decodeLink(linkType, frame);
    expect(link).toEqual({ kind: 'ip', offset, version: 4 });
    const ip = decodeIp(frame, offset, 4);
    if (ip.kind !== 'ok') throw new Error(ip.detail);
    expect(formatAddress(ip.src)).toBe('127.0.0.1');
    expect(ip.payloadLength).toBe(24); // by the IP total length: the padding is not TCP data
    const tcp = decodeTcp(frame, ip.payloadOffset, ip.payloadLength);
    expect(tcp).toMatchObject({ srcPort: 49152, dstPort: 1883, seq: 1, ack: 2, flags: TCP_PSH | TCP_ACK, payloadLength: 4 });
  });

  test('short and foreign frames are reported, not thrown', () => {
    expect(decodeLink(LINKTYPE.ETHERNET, hex`0000`)).toEqual({ kind: 'truncated' });
    expect(decodeLink(LINKTYPE.ETHERNET, hex`000000000001 000000000002 0806 0001`)).toEqual({ kind: 'other' });
    expect(decodeLink(147, hex`00`)).toEqual({ kind: 'unsupported' });
    expect(decodeIp(hex`45 00 00`, 0, 4)).toMatchObject({ kind: 'truncated' });
    expect(decodeTcp(hex`00 01 02`, 0, 3)).toHaveProperty('error');
  });
});

describe('IPv6', () => {
  test('extension headers are walked to TCP and addresses are RFC 5952 text', () => {
    const pkt = hex`
      60 00 00 00  00 1c 00 40                          # IPv6, payload 28, next = hop-by-hop
      00000000000000000000000000000001                  # ::1
      20010db8000000000000000000000001                  # 2001:db8::1
      06 00 00 00 00 00 00 00                           # hop-by-hop (8 bytes), next = TCP
      c0 00 07 5b 00 00 00 01 00 00 00 00 50 10 ff ff 00 00 00 00
    `;
    const ip = decodeIp(pkt, 0, 6);
    if (ip.kind !== 'ok') throw new Error(ip.detail);
    expect(ip.protocol).toBe(6);
    expect(ip.payloadLength).toBe(20);
    expect(formatAddress(ip.src)).toBe('::1');
    expect(formatAddress(ip.dst)).toBe('2001:db8::1');
  });
});
