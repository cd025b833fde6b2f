/**
 * Every bound the analyzer keeps, in one place, with its default. Each one has a `limit.*` diagnostic
 * when it is hit, so nothing is dropped silently. The CLI exposes them as options.
 */
export interface Limits {
  /** MQTT packets larger than this (fixed header + Remaining Length) are counted as TRUNCATED, their body skipped. */
  maxPacketSize: number;
  /** Out-of-order TCP bytes held per half-connection before the hole is declared a gap. */
  maxOutOfOrderBytes: number;
  /** Anomalies kept per connection (the rest are counted). */
  maxAnomaliesPerConnection: number;
  /**
   * TCP flows tracked at once. Past it the least recently started flow is evicted: its connection ends
   * as seen so far (verdict from what was captured) and a `limit.flows` diagnostic says so, so that an
   * endless live capture keeps a flat memory.
   */
  maxFlows: number;
  /** Largest compressed WebSocket message buffered for permessage-deflate. */
  maxWsMessage: number;
  /** Largest inflated WebSocket message (a deflate bomb stops here). */
  maxWsInflate: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxPacketSize: 16 * 1024 * 1024,
  maxOutOfOrderBytes: 4 * 1024 * 1024,
  maxAnomaliesPerConnection: 1000,
  maxFlows: 100_000,
  maxWsMessage: 16 * 1024 * 1024,
  maxWsInflate: 64 * 1024 * 1024,
};
