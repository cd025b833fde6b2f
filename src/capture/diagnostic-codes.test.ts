/** The capture layer's diagnostic union and the registry stay in step. */
import { expect, test } from 'vitest';
import { CAPTURE_CODES } from '../diag/codes/capture.js';
import type { CaptureDiagnostic } from './types.js';

/** Registered in codes/capture.ts but emitted by the engine, not by this layer. */
type EngineOnly = 'capture.unsupported_link';
type Registered = Exclude<keyof typeof CAPTURE_CODES, EngineOnly>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

test('CaptureDiagnostic code union equals the registered capture codes', () => {
  const inSync: Same<Registered, CaptureDiagnostic['code']> = true;
  const everyCode: Record<CaptureDiagnostic['code'], true> = {
    'capture.truncated_record': true, 'capture.snaplen_truncated': true, 'capture.caplen_too_large': true,
    'capture.pcapng.bad_block': true, 'capture.pcapng.unknown_interface': true, 'capture.gzip.corrupt': true,
  };
  expect(inSync).toBe(true);
  for (const code of Object.keys(everyCode)) expect(CAPTURE_CODES).toHaveProperty([code]);
});
