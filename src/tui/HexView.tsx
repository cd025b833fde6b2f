/** Hex lines with their marks: the selected field inverse, anomalies red (bold without colour); brackets always. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { MARK_ANOMALY, MARK_FIELD, type HexLine } from './hex.js';
import { tint, useTheme } from './theme.js';

export interface HexViewProps {
  /** The lines to show (already windowed). */
  readonly lines: readonly HexLine[];
  readonly rows: number;
  readonly width: number;
}

export function HexView({ lines, rows, width }: HexViewProps): ReactNode {
  const theme = useTheme();
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      {lines.slice(0, rows).map((l) => (
        <Box key={l.offset} width={width} height={1} overflow="hidden">
          <Text wrap="truncate-end">
            {l.segments.map((s, i) => (s.mark === 0 ? s.text : (
              <Text key={i} inverse={(s.mark & MARK_FIELD) !== 0} bold={(s.mark & MARK_ANOMALY) !== 0}
                {...tint(theme, (s.mark & MARK_ANOMALY) !== 0 ? 'red' : undefined)}>{s.text}</Text>
            )))}
          </Text>
        </Box>
      ))}
    </Box>
  );
}
