/** Pane 2: the selected connection's packets, virtualized — only the visible rows are read from the table. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { safeText } from '../bytes/text.js';
import { packetCells, packetColumns, packetHeader } from './format.js';
import { COLUMN_TITLES_MIN_ROWS, itemRows } from './layout.js';
import { Line } from './Line.js';
import { PaneHeader } from './PaneHeader.js';
import type { CaptureStore, ConnEntry } from './store.js';
import { tint, useTheme } from './theme.js';
import type { PacketList } from './view.js';
import { visibleRange, type Cursor } from './window.js';

export interface PacketsPaneProps {
  readonly entry: ConnEntry | null;
  readonly list: PacketList;
  readonly store: CaptureStore;
  readonly cursor: Cursor;
  readonly rows: number;
  readonly width: number;
  readonly focused: boolean;
  readonly filter: string;
  readonly follow: boolean;
}

export function PacketsPane({ entry, list, store, cursor, rows, width, focused, filter, follow }: PacketsPaneProps): ReactNode {
  const theme = useTheme();
  const columns = packetColumns(width - 2, entry?.packets.length ?? 0);
  const titles = rows >= COLUMN_TITLES_MIN_ROWS;
  const { from, to } = visibleRange(cursor, itemRows(rows), list.count);
  const lines: ReactNode[] = [];
  if (titles) lines.push(<Line key="titles" width={width} dim>{`  ${packetHeader(columns)}`}</Line>);
  if (entry !== null) {
    for (let p = from; p < to; p++) {
      const row = entry.packets.row(list.indexAt(p));
      if (row === null) continue;
      const selected = p === cursor.index;
      const text = `${selected ? '> ' : '  '}${packetCells(row, entry, columns)}`;
      lines.push(
        <Box key={row.index} width={width} height={1} overflow="hidden">
          <Text wrap="truncate-end" inverse={selected && focused} {...tint(theme, row.hasError ? 'red' : row.anomalies.length > 0 ? 'yellow' : row.dir === 's2c' ? 'cyan' : undefined)}>
            {text}
          </Text>
        </Box>,
      );
    }
  }
  if (entry === null) lines.push(<Line key="none" width={width} dim>  select a connection</Line>);
  else if (list.count === 0) lines.push(<Line key="none" width={width} dim>{entry.packets.length === 0 ? '  no MQTT packet yet' : '  no packet matches the filter'}</Line>);
  const facts: string[] = [];
  if (entry !== null) {
    const t = entry.packets;
    facts.push(entry.conn.id, list.count === t.kept ? `${t.kept}` : `${list.count} of ${t.kept}`);
    if (t.first > 0) facts.push(`first ${t.first} not kept (memory bound ${store.limits.maxRows} rows)`);
  }
  if (filter) facts.push(`filter: ${safeText(filter)}`);
  if ((list.pending ?? 0) > 0) facts.push(`filtering… ${list.pending} rows to go`);
  if (follow && store.readState === 'reading') facts.push('following');
  return (
    <Box flexDirection="column" height={rows + 1} width={width} overflow="hidden">
      <PaneHeader width={width} number={2} title="PACKETS" focused={focused} facts={facts.join(' · ')} />
      {lines}
    </Box>
  );
}
