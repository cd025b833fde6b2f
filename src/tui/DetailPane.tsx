/**
 * Pane 3: the selected packet decoded again in detail mode — its anomalies, then its field tree — and
 * a hex dump (MQTT bytes, or the capture frame as on the wire with `w`) where the selected field and
 * every anomaly are marked.
 */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { KeptPacket } from './byte-cache.js';
import {
  anomalyText, credentialRanges, fieldText, payloadMarks, wireContiguous, wireFrameOf, wireMarks, type DetailRow,
} from './detail.js';
import { bytesText } from './format.js';
import { firstMarkedLine, hexLines, hexTop, lineCount, MARK_ANOMALY, MARK_FIELD, type HiddenRange, type MarkRange } from './hex.js';
import { HexView } from './HexView.js';
import type { Layout } from './layout.js';
import { Line } from './Line.js';
import type { PacketRow } from './packet-table.js';
import { PaneHeader } from './PaneHeader.js';
import type { HexMode } from './state.js';
import type { CaptureStore, ConnEntry } from './store.js';
import { tint, useTheme } from './theme.js';
import { visibleRange, type Cursor } from './window.js';

export interface DetailPaneProps {
  readonly store: CaptureStore;
  readonly entry: ConnEntry | null;
  readonly row: PacketRow | null;
  readonly rows: readonly DetailRow[];
  readonly cursor: Cursor;
  readonly layout: Layout;
  readonly hex: HexMode;
  readonly focused: boolean;
  readonly showCredentials: boolean;
}

interface HexModel {
  readonly bytes: Uint8Array;
  readonly marks: readonly MarkRange[];
  readonly hidden: readonly HiddenRange[];
  readonly focusLine: number | null;
  readonly title: string;
}

function hexModel(p: DetailPaneProps, row: PacketRow, kept: KeptPacket): HexModel | string {
  const selected = p.cursor.index;
  const hidden = credentialRanges(p.rows, p.showCredentials);
  if (p.hex === 'payload') {
    const marks = payloadMarks(p.rows, selected);
    const size = kept.bytes.length;
    const ws = p.entry?.conn.transport === 'websocket';
    return {
      bytes: kept.bytes, marks, hidden,
      focusLine: firstMarkedLine(marks, MARK_FIELD, size) ?? firstMarkedLine(marks, MARK_ANOMALY, size),
      title: `MQTT bytes${ws ? ' (unmasked)' : ''}, ${bytesText(size)}`,
    };
  }
  const frameNo = wireFrameOf(row, kept);
  const frame = frameNo === null ? undefined : kept.frames.get(frameNo);
  if (frameNo === null || frame === undefined) return 'the capture frames of this packet were not kept';
  const masked = p.entry?.conn.transport === 'websocket' && row.dir === 'c2s';
  const mapped = frameNo === row.frame && wireContiguous(row, kept.bytes, frame, masked);
  if (hidden.length > 0 && !mapped) return 'wire view withheld: the packet carries credentials (--show-credentials shows them)';
  const marks = wireMarks(p.rows, selected, frameNo, mapped ? row.frameOffset : null);
  return {
    bytes: frame, marks, hidden: hidden.map((h) => ({ offset: row.frameOffset + h.offset, length: h.length })),
    focusLine: firstMarkedLine(marks, MARK_FIELD, frame.length) ?? firstMarkedLine(marks, MARK_ANOMALY, frame.length)
      ?? Math.floor(row.frameOffset / 16),
    title: `frame ${frameNo} as on the wire${masked ? ' (masked)' : ''}${mapped ? '' : ', fields not mapped'}`,
  };
}

/** Only the hex lines that fit, around the marked bytes. */
function visibleHex(m: HexModel, rows: number): ReturnType<typeof hexLines> {
  const top = hexTop(lineCount(m.bytes), rows, m.focusLine);
  return hexLines(m.bytes, m.marks, m.hidden, 0, top, top + rows);
}

export function DetailPane(p: DetailPaneProps): ReactNode {
  const theme = useTheme();
  const { layout: l, row, focused } = p;
  const kept = row === null ? undefined : p.store.bytes.get(row.seq);
  const fieldsWidth = l.fieldsWidth;
  const facts: string[] = [];
  if (row !== null) {
    facts.push(`#${row.index + 1} ${row.type}`, `frame ${row.frame}${row.firstFrame !== row.frame ? ` (from ${row.firstFrame})` : ''}`);
  }
  const model = row !== null && kept !== undefined ? hexModel(p, row, kept) : null;
  if (model !== null && typeof model !== 'string') facts.push(`hex: ${model.title} (w)`, '[..] field <..> anomaly');

  const fieldLines: ReactNode[] = [];
  const { from, to } = visibleRange(p.cursor, l.fieldRows, p.rows.length);
  for (let i = from; i < to; i++) {
    const r = p.rows[i]!;
    const selected = i === p.cursor.index;
    const text = r.kind === 'anomaly' ? `✗ ${r.anomaly.code} (${r.anomaly.severity})` : fieldText(r.field, kept?.bytes ?? null, p.showCredentials);
    fieldLines.push(
      <Box key={i} width={fieldsWidth} height={1} overflow="hidden">
        <Text wrap="truncate-end" inverse={selected && focused} bold={r.kind === 'anomaly'}
          {...tint(theme, r.kind === 'anomaly' ? (r.anomaly.severity === 'error' ? 'red' : 'yellow') : undefined)}>
          {selected ? '> ' : '  '}{text}
        </Text>
      </Box>,
    );
  }
  if (row === null) fieldLines.push(<Line key="none" width={fieldsWidth} dim>  select a packet</Line>);
  else if (kept === undefined) {
    const b = p.store.bytes.limits;
    fieldLines.push(<Line key="gone" width={fieldsWidth} dim>
      {`  bytes not kept: memory holds the newest ${b.keptPackets} packets (${bytesText(b.keptBytes)}) and ${b.pinnedPackets} with anomalies`}
    </Line>);
  }

  let anomaly: ReactNode = null;
  if (l.anomalyLine && row !== null && row.anomalies.length > 0) {
    const sel = p.rows[p.cursor.index];
    const a = sel?.kind === 'anomaly' ? sel.anomaly : row.anomalies[0]!;
    anomaly = (
      <Line width={l.cols} bold {...tint(theme, a.severity === 'error' ? 'red' : 'yellow')}>
        {`  ${anomalyText(a)}`}
      </Line>
    );
  }

  let hex: ReactNode = null;
  if (model !== null) {
    hex = typeof model === 'string'
      ? <Line width={l.hexWidth} dim>{`  ${model}`}</Line>
      : <HexView lines={visibleHex(model, l.hexRows)} rows={l.hexRows} width={l.hexWidth} />;
  }
  return (
    <Box flexDirection="column" height={l.detail + 1} width={l.cols} overflow="hidden">
      <PaneHeader width={l.cols} number={3} title="DETAIL" focused={focused} facts={facts.join(' · ')} />
      {anomaly}
      <Box flexDirection={l.sideBySide ? 'row' : 'column'} height={l.detail - (anomaly === null ? 0 : 1)} overflow="hidden">
        <Box flexDirection="column" width={fieldsWidth} height={l.fieldRows} overflow="hidden">{fieldLines}</Box>
        {l.sideBySide ? <Box width={1}><Text> </Text></Box> : null}
        <Box flexDirection="column" width={l.hexWidth} height={l.hexRows} overflow="hidden">{hex}</Box>
      </Box>
    </Box>
  );
}
