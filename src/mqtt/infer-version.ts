/**
 * Protocol level inference for a connection whose CONNECT was not captured (Wireshark's
 * `ei_unknown_version` case): the first packets of either direction are decoded with the 3.1.1 and
 * the 5.0 grammar, and the grammar with fewer error diagnostics wins; a tie goes to 3.1.1, the more
 * common level. The two grammars differ mostly where 5.0 inserts a Property Length, so a 3.1.1
 * PUBLISH read as 5.0 trips over its payload, and a 5.0 SUBSCRIBE read as 3.1.1 over its properties.
 *
 * Framing does not depend on the level, so the packets' bytes are the ones the stream decoder handed
 * out with whatever level it was assuming. The caller marks the result `versionSource: "inferred"`.
 */
import { diagSpec } from '../diag/registry.js';
import { decodePacket } from './decode.js';
import type { DecodeContext } from './types.js';

export interface VersionGuess {
  readonly level: 4 | 5;
  /** Error diagnostics the sample produced under each grammar. */
  readonly errors: { readonly v311: number; readonly v5: number };
}

const V311: DecodeContext = { protocolLevel: 4 };
const V5: DecodeContext = { protocolLevel: 5 };

/** Guesses 3.1.1 or 5.0 from whole packets (each element one packet, fixed header included). */
export function inferProtocolLevel(packets: Iterable<Uint8Array>): VersionGuess {
  let v311 = 0;
  let v5 = 0;
  for (const bytes of packets) {
    v311 += errorCount(bytes, V311);
    v5 += errorCount(bytes, V5);
  }
  return { level: v5 < v311 ? 5 : 4, errors: { v311, v5 } };
}

function errorCount(bytes: Uint8Array, ctx: DecodeContext): number {
  let n = 0;
  for (const d of decodePacket(bytes, 0, ctx).diags) if (diagSpec(d.code).severity === 'error') n++;
  return n;
}
