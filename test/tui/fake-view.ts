/** A UiView over plain numbers, for reducer tests that need no capture. */
import type { Pane } from '../../src/tui/layout.js';
import type { UiState, UiView } from '../../src/tui/state.js';

export interface FakeData {
  connections: number;
  /** Packets per connection (index = connection position). */
  packets: number[];
  /** Detail rows of any selected packet. */
  detail: number;
  /** Evidence frames of every connection's verdict. */
  evidence: number[];
  /** Frame of packet position i (unfiltered): i + 1 by default. */
  frameOf?: (i: number) => number;
  /** The capture-wide anomalies list: connection id (C1 = connection 0) and frame. */
  anomalies?: { conn: string | null; frame: number }[];
}

export function fakeView(d: FakeData): UiView {
  const frameOf = d.frameOf ?? ((i: number) => i + 1);
  /** A non-empty packet filter keeps even positions only. */
  const positions = (s: UiState): number[] => {
    const n = d.packets[s.cursors.connections.index] ?? 0;
    const all = Array.from({ length: n }, (_, i) => i);
    return s.filters.packets === '' ? all : all.filter((i) => i % 2 === 0);
  };
  return {
    count(s: UiState, pane: Pane): number {
      switch (pane) {
        case 'connections': return s.filters.connections === '' ? d.connections : Math.min(1, d.connections);
        case 'packets': return s.filters.packets === '' ? d.packets[s.cursors.connections.index] ?? 0 : positions(s).length;
        case 'detail': return (d.packets[s.cursors.connections.index] ?? 0) > 0 ? d.detail : 0;
        case 'evidence': return d.evidence.length;
        default: return 0;
      }
    },
    hasAnomalies: () => false,
    anomalyCount: () => d.anomalies?.length ?? 0,
    anomalyTarget: (i) => d.anomalies?.[i] ?? null,
    connectionPosition: (s, id) => {
      const n = Number(id.slice(1)) - 1;
      return s.filters.connections !== '' && n > 0 ? null : n >= 0 && n < d.connections ? n : null;
    },
    detailRowOfAnomaly: () => 1,
    evidenceFrame: (_s, i) => d.evidence[i] ?? null,
    locateFrame(s, frame) {
      const list = positions(s);
      let best: { position: number; exact: boolean } | null = null;
      list.forEach((packet, position) => {
        const f = frameOf(packet);
        if (f === frame) {
          if (best === null || !best.exact) best = { position, exact: true };
        } else if (f < frame && (best === null || !best.exact)) best = { position, exact: false };
      });
      return best;
    },
  };
}
