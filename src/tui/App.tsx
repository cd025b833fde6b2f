/**
 * The TUI's root: wires the store (data, mutated by the reader), the pure reducer (UI state) and the
 * panes. Keys go to the reducer as actions; the only effects here are quitting, stopping the reader
 * on Ctrl-C, and following the terminal's size.
 */
import { Box, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useReducer, type ReactNode } from 'react';
import { AnomaliesOverlay } from './AnomaliesOverlay.js';
import { ConnectionsPane } from './ConnectionsPane.js';
import { DetailPane } from './DetailPane.js';
import { Footer } from './Footer.js';
import { HelpOverlay } from './HelpOverlay.js';
import { layout, type Size } from './layout.js';
import { PacketsPane } from './PacketsPane.js';
import { initialState, reduce, type Action, type UiState } from './state.js';
import { StatusLine } from './StatusLine.js';
import type { CaptureStore } from './store.js';
import { ThemeContext } from './theme.js';
import { useRevision } from './use-revision.js';
import { VerdictPane } from './VerdictPane.js';
import { StoreView } from './view.js';

export interface AppProps {
  readonly store: CaptureStore;
  readonly color: boolean;
  readonly showCredentials: boolean;
  /** Terminal size at start (then followed through the stdout's resize events). */
  readonly size: Size;
  /** Ctrl-C while the capture is still being read: stop reading (the UI stays). */
  readonly onInterrupt?: () => void;
  /** Called once when the user quits, before ink exits. */
  readonly onQuit?: () => void;
}

export function App({ store, color, showCredentials, size, onInterrupt, onQuit }: AppProps): ReactNode {
  const view = useMemo(() => new StoreView(store), [store]);
  const [state, dispatch] = useReducer((s: UiState, a: Action) => reduce(s, a, view), size, initialState);
  const revision = useRevision(store);
  const { exit } = useApp();
  const { stdout } = useStdout();

  useEffect(() => { dispatch({ type: 'data' }); }, [revision]);

  useEffect(() => {
    const resized = (): void => {
      if (stdout.columns > 0 && stdout.rows > 0) dispatch({ type: 'resize', size: { cols: stdout.columns, rows: stdout.rows } });
    };
    stdout.on('resize', resized);
    return () => { stdout.off('resize', resized); };
  }, [stdout]);

  useEffect(() => {
    if (state.interrupts === 0) return;
    if (store.readState === 'reading' && onInterrupt) onInterrupt();
    else dispatch({ type: 'quit' });
    // Only a new Ctrl-C should act.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.interrupts]);

  useEffect(() => {
    if (!state.quit) return;
    onQuit?.();
    exit();
  }, [state.quit, exit, onQuit]);

  useInput((input, key) => { dispatch({ type: 'key', input, key }); });

  // A filter over a long list is scanned a slice per render: keep rendering until it is done.
  const [, rescan] = useReducer((n: number) => n + 1, 0);
  const filtering = view.filtering(state);
  useEffect(() => {
    if (filtering === 0) return undefined;
    const t = setTimeout(() => { rescan(); dispatch({ type: 'data' }); }, 0);
    return () => { clearTimeout(t); };
  });

  view.advance(state);
  const entries = view.connections(state);
  const l = layout(state.size, state.focus, { connections: entries.length, evidence: view.count(state, 'evidence'),
    packets: view.count(state, 'packets'), anomalyLine: view.hasAnomalies(state) });
  const entry = view.selectedEntry(state);
  const editingFilter = state.editing ? view.query(state, state.editing.target) : null;

  return (
    <ThemeContext.Provider value={{ color }}>
      <Box flexDirection="column" width={l.cols} height={l.rows} overflow="hidden">
        <StatusLine store={store} width={l.cols} />
        {state.help ? <HelpOverlay limits={store.limits} width={l.cols} rows={l.rows - 2} />
          : state.anomalies ? <AnomaliesOverlay store={store} cursor={state.anomalyCursor} width={l.cols} rows={l.rows - 2} /> : (
          <>
            <ConnectionsPane entries={entries} total={store.connections.length} cursor={state.cursors.connections}
              rows={l.connections} width={l.cols} focused={state.focus === 'connections'} filter={state.filters.connections} />
            <PacketsPane entry={entry} list={view.packets(state)} store={store} cursor={state.cursors.packets} rows={l.packets}
              width={l.cols} focused={state.focus === 'packets'} filter={state.filters.packets} follow={state.follow} />
            <DetailPane store={store} entry={entry} row={view.selectedRow(state)} rows={view.detail(state)}
              cursor={state.cursors.detail} layout={l} hex={state.hex} focused={state.focus === 'detail'} showCredentials={showCredentials} />
            <VerdictPane entry={entry} cursor={state.cursors.evidence} layout={l} focused={state.focus === 'evidence'} revision={revision} />
          </>
        )}
        <Footer state={state} width={l.cols} filter={editingFilter} />
      </Box>
    </ThemeContext.Provider>
  );
}
