/**
 * The one registry of diagnostic codes (Wireshark's ei_register_info, Zeek's weirds). Codes are output
 * schema: never rename one once released. `--list-diagnostics` and docs/diagnostics.md come from here.
 * Code names are `<layer>.<subject>.<problem>`; each layer keeps its codes in `codes/<layer>.ts` so that
 * the layers can grow them independently, and this file joins them into one table.
 */
import type { DiagSpec } from './types.js';
import { CAPTURE_CODES } from './codes/capture.js';
import { NET_CODES } from './codes/net.js';
import { WS_CODES } from './codes/ws.js';
import { MQTT_CODES } from './codes/mqtt.js';
import { ANALYSIS_CODES } from './codes/analysis.js';
import { LIMIT_CODES } from './codes/limits.js';

export const DIAGNOSTICS = {
  ...CAPTURE_CODES,
  ...NET_CODES,
  ...WS_CODES,
  ...MQTT_CODES,
  ...ANALYSIS_CODES,
  ...LIMIT_CODES,
} as const satisfies Record<string, DiagSpec>;

export type DiagCode = keyof typeof DIAGNOSTICS;

export function diagSpec(code: DiagCode): DiagSpec {
  return DIAGNOSTICS[code];
}

/** Every registered code, in registry order. */
export function allDiagCodes(): DiagCode[] {
  return Object.keys(DIAGNOSTICS) as DiagCode[];
}
