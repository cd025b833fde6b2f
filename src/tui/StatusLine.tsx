/** The top line: what is read, how far, how fast, and whether reading goes on. */
import type { ReactNode } from 'react';
import { safeText } from '../bytes/text.js';
import { bytesText } from './format.js';
import { Line } from './Line.js';
import type { CaptureStore } from './store.js';
import { tint, useTheme } from './theme.js';

export function statusText(store: CaptureStore): string {
  const s = store.stats;
  const state = store.readState === 'reading' ? `reading · ${Math.round(store.rate())} pkt/s`
    : store.readState === 'eof' ? 'end of capture'
      : store.readState === 'stopped' ? 'reading stopped'
        : `read error: ${safeText(store.error ?? '')}`;
  // Memory bounds, said when they bite (limits.ts).
  const dropped = (s.rowsDropped > 0 ? ` · ${s.rowsDropped} oldest rows dropped` : '')
    + (store.bytes.evicted > 0 ? ` · bytes kept for the newest ${store.limits.keptPackets} packets` : '');
  return `mqtt-autopsy · ${state} · ${s.packets} MQTT packets · ${store.connections.length} conn · ${s.anomalies} anomalies${dropped} · `
    + `${s.frames} frames · ${bytesText(s.bytesRead)} read · ${safeText(store.source)}`;
}

export function StatusLine({ store, width }: { readonly store: CaptureStore; readonly width: number }): ReactNode {
  const theme = useTheme();
  const text = statusText(store);
  const help = '  ? help  q quit';
  const room = Math.max(0, width - help.length);
  return (
    <Line width={width} bold {...tint(theme, store.readState === 'error' ? 'red' : undefined)}>
      {[...text].length > room ? `${[...text].slice(0, Math.max(0, room - 1)).join('')}…${help}` : `${text.padEnd(room)}${help}`}
    </Line>
  );
}
