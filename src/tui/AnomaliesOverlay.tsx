/** The `a` list: every anomaly of the capture (bounded), newest last; Enter goes to its packet. */
import { Box } from 'ink';
import type { ReactNode } from 'react';
import { safeText } from '../bytes/text.js';
import { Line } from './Line.js';
import { PaneHeader } from './PaneHeader.js';
import type { CaptureStore } from './store.js';
import { tint, useTheme } from './theme.js';
import { visibleRange, type Cursor } from './window.js';

export interface AnomaliesOverlayProps {
  readonly store: CaptureStore;
  readonly cursor: Cursor;
  readonly width: number;
  /** Rows including the header. */
  readonly rows: number;
}

export function AnomaliesOverlay({ store, cursor, width, rows }: AnomaliesOverlayProps): ReactNode {
  const theme = useTheme();
  const list = store.anomalies;
  const listRows = Math.max(1, rows - 1);
  const { from, to } = visibleRange(cursor, listRows, list.length);
  const dropped = store.stats.anomaliesDropped;
  const lines: ReactNode[] = [];
  for (let i = from; i < to; i++) {
    const a = list[i]!;
    const selected = i === cursor.index;
    const where = `frame ${a.frame}${a.offset ? ` +${a.offset}` : ''}`;
    lines.push(
      <Line key={i} width={width} inverse={selected} {...tint(theme, a.severity === 'error' ? 'red' : a.severity === 'warn' ? 'yellow' : undefined)}>
        {`${selected ? '> ' : '  '}${where.padEnd(16)} ${(a.conn ?? '—').padEnd(5)} ${(a.dir ?? '').padEnd(3)} ${a.severity.padEnd(5)} ${a.code}  ${safeText(a.detail ?? '')}`}
      </Line>,
    );
  }
  if (list.length === 0) lines.push(<Line key="none" width={width} dim>  no anomaly</Line>);
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      <PaneHeader width={width} number={0} title="ANOMALIES" focused
        facts={`${list.length}${dropped > 0 ? ` (+${dropped} not kept: bound ${store.limits.anomalies})` : ''} · Enter: go to the packet · a/Esc: close`} />
      {lines}
    </Box>
  );
}
