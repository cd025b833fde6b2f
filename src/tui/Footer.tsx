/** The bottom line: the filter being typed, else the last notice, else the main keys. */
import type { ReactNode } from 'react';
import { safeText } from '../bytes/text.js';
import type { RowQuery } from './query.js';
import { Line } from './Line.js';
import type { UiState } from './state.js';
import { tint, useTheme } from './theme.js';

export interface FooterProps {
  readonly state: UiState;
  readonly width: number;
  /** The compiled filter of the list being filtered (for its grammar and error). */
  readonly filter: RowQuery | null;
}

export function Footer({ state, width, filter }: FooterProps): ReactNode {
  const theme = useTheme();
  if (state.editing) {
    const text = state.filters[state.editing.target];
    const how = filter?.error ? `  ${safeText(filter.error)}` : filter?.grammar === 'expression' ? '  (expression)'
      : filter?.grammar === 'words' ? '  (words)' : '';
    return (
      <Line width={width} {...tint(theme, filter?.error ? 'yellow' : undefined)}>
        {`/ ${state.editing.target}: ${safeText(text)}█   Enter keep · Esc cancel${how}`}
      </Line>
    );
  }
  if (state.notice !== null) return <Line width={width}>{`  ${state.notice}`}</Line>;
  return (
    <Line width={width} dim>
      {'  ↑↓/jk move · Tab pane · Enter open · / filter · w wire/bytes · a anomalies · ? help · q quit'}
    </Line>
  );
}
