/** Diagnostic codes of the analysis layer. Codes are output schema: never rename one once released. */
import type { DiagSpec } from '../types.js';

export const ANALYSIS_CODES = {
} as const satisfies Record<string, DiagSpec>;
