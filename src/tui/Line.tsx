/** One terminal row, cut (never wrapped) at the pane's width so every pane keeps its height. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

export interface LineProps {
  readonly width: number;
  readonly children?: ReactNode;
  readonly inverse?: boolean;
  readonly bold?: boolean;
  readonly color?: string | undefined;
  readonly dim?: boolean;
}

export function Line({ width, children, inverse, bold, color, dim }: LineProps): ReactNode {
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text wrap="truncate-end" inverse={inverse === true} bold={bold === true} dimColor={dim === true} {...(color !== undefined ? { color } : {})}>
        {children ?? ' '}
      </Text>
    </Box>
  );
}
