/** Diagnostic codes of the ws layer. Codes are output schema: never rename one once released. */
import type { DiagSpec } from '../types.js';

export const WS_CODES = {
} as const satisfies Record<string, DiagSpec>;
