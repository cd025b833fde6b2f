/** Diagnostic codes of the net layer. Codes are output schema: never rename one once released. */
import type { DiagSpec } from '../types.js';

export const NET_CODES = {
  'net.link.truncated': { group: 'malformed', severity: 'note',
    summary: 'A frame is too short for its link-layer header' },
  'net.ip.truncated': { group: 'malformed', severity: 'note',
    summary: 'An IP header is truncated or its length fields are inconsistent' },
  'net.ip.fragment_incomplete': { group: 'reassembly', severity: 'warn', spec: 'RFC 791 §3.2; RFC 8200 §4.5',
    summary: 'An IP datagram\'s fragments never all arrived (or exceeded the reassembly bounds); its payload is lost' },
  'net.tcp.bad_header': { group: 'malformed', severity: 'note',
    summary: 'A TCP header is truncated or its data offset is invalid' },
  'tls.alert': { group: 'protocol', severity: 'error', spec: 'RFC 8446 §6; RFC 5246 §7.2',
    summary: 'A TLS alert was sent in cleartext during the handshake (e.g. unknown_ca, bad_certificate): the TLS session failed' },
  'tcp.gap': { group: 'reassembly', severity: 'warn',
    summary: 'Bytes are missing from the TCP stream (lost by the capture or never sent); decoding after them resynchronizes' },
  'tcp.retransmission': { group: 'reassembly', severity: 'note',
    summary: 'A segment repeats bytes already received (retransmission); the first copy was kept' },
  'tcp.overlap.inconsistent': { group: 'reassembly', severity: 'warn',
    summary: 'A retransmitted or overlapping segment carries different bytes than the first copy; the first copy was kept' },
  'tcp.midstream': { group: 'assumption', severity: 'note',
    summary: 'The capture starts after the TCP handshake; client and broker were inferred from ports or content' },
  'tcp.data_after_close': { group: 'sequence', severity: 'warn',
    summary: 'Data arrived after this side had already sent FIN or RST' },
} as const satisfies Record<string, DiagSpec>;
