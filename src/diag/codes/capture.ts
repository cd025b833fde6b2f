/** Diagnostic codes of the capture layer. Codes are output schema: never rename one once released. */
import type { DiagSpec } from '../types.js';

export const CAPTURE_CODES = {
  'capture.truncated_record': { group: 'capture', severity: 'warn',
    summary: 'The capture file ends in the middle of a record; everything before it was decoded' },
  'capture.snaplen_truncated': { group: 'capture', severity: 'note',
    summary: 'A record was captured shorter than it was on the wire (caplen < origlen); the missing bytes are treated as lost, not malformed' },
  'capture.caplen_too_large': { group: 'capture', severity: 'error',
    summary: 'A record claims more captured bytes than the file allows; the rest of the file could not be read' },
  'capture.pcapng.bad_block': { group: 'capture', severity: 'error',
    summary: 'A pcapng block has an impossible length or a trailing length that differs; reading stopped there',
    spec: 'draft-ietf-opsawg-pcapng §3.1' },
  'capture.pcapng.unknown_interface': { group: 'capture', severity: 'warn',
    summary: 'A pcapng packet block names an interface that no Interface Description Block declared; the packet was skipped',
    spec: 'draft-ietf-opsawg-pcapng §4.3' },
  'capture.gzip.corrupt': { group: 'capture', severity: 'warn',
    summary: 'The gzip-compressed input is corrupt or cut short; everything decompressed before the damage was decoded' },
  'capture.unsupported_link': { group: 'undecoded', severity: 'note',
    summary: 'Records with a link type this tool does not decode were counted and skipped' },
} as const satisfies Record<string, DiagSpec>;
