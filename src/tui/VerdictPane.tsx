/**
 * Pane 4: the selected connection's keep-alive strip, its verdict and the evidence; Enter on an
 * evidence item jumps to the packet in its frame.
 */
import { Box, Text } from 'ink';
import { useMemo, type ReactNode } from 'react';
import { safeText } from '../bytes/text.js';
import { causeColor } from './format.js';
import type { Layout } from './layout.js';
import { Line } from './Line.js';
import type { ConnEntry } from './store.js';
import { tint, useTheme } from './theme.js';
import { formatSeconds, timelineStrip } from './timeline.js';
import { visibleRange, type Cursor } from './window.js';

export interface VerdictPaneProps {
  readonly entry: ConnEntry | null;
  readonly cursor: Cursor;
  readonly layout: Layout;
  readonly focused: boolean;
  /** Changes whenever the store does (the strip is recomputed then, not on every key). */
  readonly revision: number;
}

/** Words of `text` in lines of at most `width` characters, at most `max` lines (the last cut with …). */
export function wrapText(text: string, width: number, max: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/)) {
    if (cur !== '' && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur === '' ? word : `${cur} ${word}`;
  }
  if (cur !== '') lines.push(cur);
  if (lines.length > max) {
    const kept = lines.slice(0, max);
    kept[max - 1] = `${kept[max - 1]!.slice(0, Math.max(0, width - 1))}…`;
    return kept;
  }
  return lines;
}

export function VerdictPane({ entry, cursor, layout: l, focused, revision }: VerdictPaneProps): ReactNode {
  const theme = useTheme();
  const width = l.cols;
  const stripWidth = Math.max(10, width - 20);
  const strip = useMemo(() => (entry === null ? null : timelineStrip(entry.conn, entry.packets, stripWidth)),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the store mutates in place; revision says when
    [entry, stripWidth, revision]);
  const v = entry?.verdict ?? null;
  const facts = entry === null ? '' : v === null
    ? `${entry.conn.id} · ${entry.conn.closed ? 'verdict pending' : 'open: no verdict yet'}`
    : `${entry.conn.id} · ${v.cause} (${v.confidence})${v.closedBy ? ` · closed by ${v.closedBy}${v.closeMethod ? ` (${v.closeMethod})` : ''}` : ''}`;
  const head = `${focused ? '▸' : ' '} 4 VERDICT  `;
  const summary = v === null ? [] : wrapText(safeText(v.summary), width - 2, l.summary);
  const { from, to } = visibleRange(cursor, l.evidence, v?.evidence.length ?? 0);
  const evidence: ReactNode[] = [];
  for (let i = from; i < to && v !== null; i++) {
    const e = v.evidence[i]!;
    const selected = i === cursor.index;
    evidence.push(
      <Line key={i} width={width} inverse={selected && focused}>
        {`${selected ? '> ' : '  '}frame ${e.frame}${e.offset ? ` +${e.offset}` : ''}${e.code ? `  ${e.code}` : ''}  ${safeText(e.note)}`}
      </Line>,
    );
  }
  if (evidence.length === 0) evidence.push(<Line key="none" width={width} dim>{entry === null ? '' : '  no evidence yet'}</Line>);
  return (
    <Box flexDirection="column" width={width} height={3 + l.summary + l.evidence} overflow="hidden">
      <Box width={width} height={1} overflow="hidden">
        <Text wrap="truncate-end" inverse={focused} bold>
          {head}
          <Text {...tint(theme, causeColor(v?.cause ?? null))}>{facts}</Text>
          {' '.repeat(Math.max(0, width - head.length - facts.length))}
        </Text>
      </Box>
      <Line width={width}>{strip === null ? ' ' : `  0s [${strip.strip}] +${formatSeconds(strip.span)}`}</Line>
      <Line width={width} dim>{strip === null ? ' ' : `  ${strip.legend} · c client p PINGREQ r PINGRESP s broker D deadline X close`}</Line>
      <Box flexDirection="column" height={l.summary} overflow="hidden">
        {summary.length > 0 ? summary.map((s, i) => <Line key={i} width={width}>{`  ${s}`}</Line>) : <Line width={width}> </Line>}
      </Box>
      <Box flexDirection="column" height={l.evidence} overflow="hidden">{evidence}</Box>
    </Box>
  );
}
