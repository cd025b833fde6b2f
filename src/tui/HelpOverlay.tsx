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
    'Filter (/): the --filter expressions of the CLI, or quick-search words.',
    '  expressions: type == PUBLISH and qos >= 1 · topic ~ "sensors/+/temp" · severity >= warn · cause == keepalive_timeout',
    '               fields: conn clientid username addr transport dir type topic code cause port qos id frame severity time',
    '  words:       publish · topic:sensors/# · !type:PINGREQ · has:error · code:mqtt.publish (all must match; ! negates)',
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
