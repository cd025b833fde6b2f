/** Pane 1: one row per connection (client id, client, transport, version, duration, packets, verdict, anomalies). */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { safeText } from '../bytes/text.js';
import { causeColor, connectionCells, connectionHeader } from './format.js';
import { COLUMN_TITLES_MIN_ROWS, itemRows } from './layout.js';
import { Line } from './Line.js';
import { PaneHeader } from './PaneHeader.js';
import type { ConnEntry } from './store.js';
import { tint, useTheme } from './theme.js';
import { visibleRange, type Cursor } from './window.js';

export interface ConnectionsPaneProps {
  readonly entries: readonly ConnEntry[];
  readonly total: number;
  readonly cursor: Cursor;
  /** Content rows (a column header takes one of them when there are four or more). */
  readonly rows: number;
  readonly width: number;
  readonly focused: boolean;
  readonly filter: string;
}

export function ConnectionsPane({ entries, total, cursor, rows, width, focused, filter }: ConnectionsPaneProps): ReactNode {
  const theme = useTheme();
  const inner = width - 2;
  const titles = rows >= COLUMN_TITLES_MIN_ROWS;
  const listRows = itemRows(rows);
  const { from, to } = visibleRange(cursor, listRows, entries.length);
  const count = entries.length === total ? `${total}` : `${entries.length} of ${total}`;
  const lines: ReactNode[] = [];
  if (titles) lines.push(<Line key="titles" width={width} dim>{`  ${connectionHeader(inner)}`}</Line>);
  for (let p = from; p < to; p++) {
    const e = entries[p]!;
    const selected = p === cursor.index;
    const cells = connectionCells(e, inner);
    lines.push(
      <Box key={e.conn.id} width={width} height={1} overflow="hidden">
        <Text wrap="truncate-end" inverse={selected && focused}>
          {selected ? '> ' : '  '}{cells.before}
          <Text {...tint(theme, causeColor(e.verdict?.cause ?? null))} bold={e.verdict !== null && e.verdict.cause !== 'client_disconnect'}>
            {cells.verdict}
          </Text>
          {cells.after}
        </Text>
      </Box>,
    );
  }
  if (entries.length === 0) lines.push(<Line key="none" width={width} dim>{total === 0 ? '  no MQTT connection yet' : '  no connection matches the filter'}</Line>);
  return (
    <Box flexDirection="column" height={rows + 1} width={width} overflow="hidden">
      <PaneHeader width={width} number={1} title="CONNECTIONS" focused={focused} facts={`${count}${filter ? ` · filter: ${safeText(filter)}` : ''}`} />
      {lines}
    </Box>
  );
}
