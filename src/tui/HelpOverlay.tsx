/** The `?` screen: the keys, the filter grammar and the memory bounds. Any key closes it. */
import { Box } from 'ink';
import type { ReactNode } from 'react';
import { bytesText } from './format.js';
import { KEY_HELP } from './keys.js';
import type { TuiLimits } from './limits.js';
import { Line } from './Line.js';

export function helpLines(limits: TuiLimits): string[] {
  const keyWidth = Math.max(...KEY_HELP.map(([k]) => k.length)) + 2;
  return [
    'mqtt-autopsy tui — keys',
    '',
    ...KEY_HELP.map(([k, what]) => `  ${k.padEnd(keyWidth)}${what}`),
    '',
    'Filter (/): space-separated terms, all must match; !term negates; plain words search the whole row.',
    '  packets:     type:PUBLISH  topic:sensors/+/temp  dir:c2s  id:7  frame:14  code:mqtt.publish  has:error',
    '  connections: conn:C3  client:10.0.0.5  clientid:dev-  cause:keepalive  transport:ws  version:5.0  has:anomaly',
    '',
    `Memory: packet summaries up to ${limits.maxRows} rows; bytes of the newest ${limits.keptPackets} packets`,
    `(${bytesText(limits.keptBytes)}) plus ${limits.pinnedPackets} packets with anomalies. Older bytes are dropped, and the detail pane says so.`,
    '',
    'Any key closes this help.',
  ];
}

export function HelpOverlay({ limits, width, rows }: { readonly limits: TuiLimits; readonly width: number; readonly rows: number }): ReactNode {
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      {helpLines(limits).map((l, i) => <Line key={i} width={width} bold={i === 0}>{l === '' ? ' ' : l}</Line>)}
    </Box>
  );
}
