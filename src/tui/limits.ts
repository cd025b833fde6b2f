/**
 * The TUI's own memory bounds, in one place. The engine's limits (engine/limits.ts) bound decoding;
 * these bound what the UI keeps so it can be browsed: packet summaries, packet bytes and wire frames.
 * Each bound, when hit, is shown in the UI (status line, packets header or detail pane), never silent.
 */
export interface TuiLimits {
  /** Packet summary rows kept across all connections; above it the oldest block of the largest connection is dropped. */
  readonly maxRows: number;
  /** Rows per block of a packet table (the unit summaries are dropped in). */
  readonly blockRows: number;
  /** Packets whose bytes (and wire frames) are kept for the detail pane, newest first. */
  readonly keptPackets: number;
  /** Total bytes of kept packet bytes and frames. */
  readonly keptBytes: number;
  /** Packets with an anomaly whose bytes stay kept however old (the evidence must stay inspectable). */
  readonly pinnedPackets: number;
  /** Recent capture frames held (as views) so a packet can keep a copy of the frames that carried it. */
  readonly recentFrames: number;
  /** Wire frames copied per packet (a large PUBLISH spanning more frames keeps its last ones). */
  readonly framesPerPacket: number;
  /** Packets per connection whose anomaly lists are kept (the rest keep a mark and a count). */
  readonly anomalyRowsPerConnection: number;
  /** Anomalies kept for the capture-wide anomalies list. */
  readonly anomalies: number;
  /** Distinct topic strings shared between rows (dedup only: a topic past the cap is kept per row). */
  readonly topicPool: number;
}

export const DEFAULT_TUI_LIMITS: TuiLimits = {
  maxRows: 2_000_000,
  blockRows: 65_536,
  keptPackets: 20_000,
  keptBytes: 64 * 1024 * 1024,
  pinnedPackets: 1_000,
  recentFrames: 256,
  framesPerPacket: 8,
  anomalyRowsPerConnection: 10_000,
  anomalies: 10_000,
  topicPool: 65_536,
};
