/** Diagnostic codes of the limits layer. Codes are output schema: never rename one once released. */
import type { DiagSpec } from '../types.js';

export const LIMIT_CODES = {
  'limit.mqtt.packet_size': { group: 'limit', severity: 'warn',
    summary: 'Packet larger than --max-packet-size; its body was skipped (still counted)' },
  'limit.tcp.out_of_order': { group: 'limit', severity: 'warn',
    summary: 'Too many out-of-order bytes were held for a half-connection; the hole was declared a gap' },
  'limit.flows': { group: 'limit', severity: 'warn',
    summary: 'More TCP flows than the flow limit were open at once; the oldest were evicted and their connections ended as seen so far' },
  'internal.exception': { group: 'internal', severity: 'error',
    summary: 'A decoder raised an exception (a bug in mqtt-autopsy); the connection was analysed up to that point' },
} as const satisfies Record<string, DiagSpec>;
