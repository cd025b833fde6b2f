/** Parsing of option values that commander hands us as strings. Errors are UsageErrors (exit 2). */
import type { PortRole } from '../engine/engine.js';
import type { ProtocolLevel } from '../mqtt/types.js';
import { UsageError } from './io.js';

/** `--port N[:mqtt|:ws|:tls]`, repeatable. */
export function parsePort(value: string, previous: Map<number, PortRole> | undefined): Map<number, PortRole> {
  const m = /^(\d{1,5})(?::(mqtt|ws|tls))?$/.exec(value.trim());
  const port = m ? Number(m[1]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new UsageError(`--port expects N or N:mqtt|N:ws|N:tls with 1 ≤ N ≤ 65535, got "${value}"`);
  }
  const out = new Map(previous ?? []);
  out.set(port, (m[2] as PortRole | undefined) ?? 'mqtt');
  return out;
}

/** `--assume-version 3.1|3.1.1|5|5.0|3|4`. */
export function parseVersion(value: string): ProtocolLevel {
  const v = value.trim();
  if (v === '3.1' || v === '3') return 3;
  if (v === '3.1.1' || v === '4') return 4;
  if (v === '5' || v === '5.0') return 5;
  throw new UsageError(`--assume-version expects 3.1, 3.1.1 or 5.0, got "${value}"`);
}

/** A size with an optional k/M/G suffix (powers of 1024). */
export function parseSize(value: string): number {
  const m = /^(\d+)([kKmMgG]?)[bB]?$/.exec(value.trim());
  if (!m) throw new UsageError(`expected a size like 65536, 64k or 16M, got "${value}"`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * mult;
  if (n < 1 || n > 268_435_455 + 5) throw new UsageError(`size out of range: "${value}"`);
  return n;
}
