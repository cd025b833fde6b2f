/** A pane's title line: its number (the key that focuses it), name and facts; inverse when focused. */
import type { ReactNode } from 'react';
import { Line } from './Line.js';

export interface PaneHeaderProps {
  readonly width: number;
  readonly number: number;
  readonly title: string;
  readonly focused: boolean;
  readonly facts?: string;
}

export function PaneHeader({ width, number, title, focused, facts }: PaneHeaderProps): ReactNode {
  const text = `${focused ? '▸' : ' '} ${number} ${title}${facts ? `  ${facts}` : ''}`;
  return <Line width={width} inverse={focused} bold>{text.padEnd(width)}</Line>;
}
