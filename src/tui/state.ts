/**
 * The TUI's state and its reducer. Pure: `reduce(state, action, view)` returns the next state from
 * the action and what the view answers about the data (list lengths, where a frame is); it renders
 * nothing and touches no terminal. Keys become actions in keys.ts; ink only renders (house style §1.9).
 */
import { keyToAction, type KeyLike } from './keys.js';
import { assertNever, layout, paneRows, PANES, type Layout, type Pane, type Size } from './layout.js';
import { fit, moveBy, moveTo, START, type Cursor } from './window.js';

export type ListPane = 'connections' | 'packets';
export type HexMode = 'payload' | 'wire';

export interface UiState {
  readonly size: Size;
  readonly focus: Pane;
  readonly cursors: Readonly<Record<Pane, Cursor>>;
  /** Filter text per list (the grammar is in filter.ts). */
  readonly filters: Readonly<Record<ListPane, string>>;
  /** The filter line is open on `target`; `before` is restored by Esc. */
  readonly editing: { readonly target: ListPane; readonly before: string } | null;
  readonly help: boolean;
  /** The capture-wide anomalies list is open over the panes (`a`). */
  readonly anomalies: boolean;
  readonly anomalyCursor: Cursor;
  /** The hex dump shows the MQTT packet bytes (unmasked) or the capture frame as on the wire. */
  readonly hex: HexMode;
  /** The packets cursor stays on the newest packet as packets arrive (live). */
  readonly follow: boolean;
  readonly quit: boolean;
  /** Ctrl-C presses so far (the app stops reading on the first, quits when nothing is being read). */
  readonly interrupts: number;
  /** One line telling what the last action did when it is not obvious. */
  readonly notice: string | null;
}

export type Action =
  | { readonly type: 'resize'; readonly size: Size }
  | { readonly type: 'move'; readonly delta: number }
  | { readonly type: 'page'; readonly dir: 1 | -1 }
  | { readonly type: 'home' }
  | { readonly type: 'end' }
  | { readonly type: 'focus'; readonly pane: Pane }
  | { readonly type: 'cycleFocus'; readonly dir: 1 | -1 }
  | { readonly type: 'enter' }
  | { readonly type: 'filterStart' }
  | { readonly type: 'filterInput'; readonly text: string }
  | { readonly type: 'filterBackspace' }
  | { readonly type: 'filterCommit' }
  | { readonly type: 'filterCancel' }
  | { readonly type: 'help' }
  | { readonly type: 'anomalies' }
  | { readonly type: 'closeOverlay' }
  | { readonly type: 'toggleHex' }
  | { readonly type: 'follow' }
  | { readonly type: 'select'; readonly pane: Pane; readonly index: number }
  | { readonly type: 'data' }
  | { readonly type: 'interrupt' }
  | { readonly type: 'quit' }
  /** A key press, mapped to an action against the state at that moment (keys.ts). */
  | { readonly type: 'key'; readonly input: string; readonly key: KeyLike };

/** What the reducer may ask about the data, for the state it is building. */
export interface UiView {
  /** Rows in `pane`'s list for state `s` (filtered connections; the selected connection's filtered packets…). */
  count(s: UiState, pane: Pane): number;
  /** The selected packet has anomalies. */
  hasAnomalies(s: UiState): boolean;
  /** Entries in the capture-wide anomalies list. */
  anomalyCount(): number;
  /** Where anomaly `i` of that list is: its connection (null for capture-level ones) and frame. */
  anomalyTarget(i: number): { readonly conn: string | null; readonly frame: number } | null;
  /** Position of connection `id` in the (filtered) connections list. */
  connectionPosition(s: UiState, id: string): number | null;
  /** Row of the detail list showing anomaly `i` of the capture-wide list (0 when it is not there). */
  detailRowOfAnomaly(s: UiState, i: number): number;
  /** Frame of evidence item `i` of the selected connection's verdict. */
  evidenceFrame(s: UiState, i: number): number | null;
  /** Position in the packets list of the packet that shows `frame` (exact, or the packet before it). */
  locateFrame(s: UiState, frame: number): { readonly position: number; readonly exact: boolean } | null;
}

export function initialState(size: Size): UiState {
  return {
    size, focus: 'connections',
    cursors: { connections: START, packets: START, detail: START, evidence: START },
    filters: { connections: '', packets: '' }, editing: null, help: false, anomalies: false, anomalyCursor: START, hex: 'payload', follow: false,
    quit: false, interrupts: 0, notice: null,
  };
}

function layoutOf(s: UiState, view: UiView): Layout {
  return layout(s.size, s.focus, { connections: view.count(s, 'connections'), evidence: view.count(s, 'evidence'),
    packets: view.count(s, 'packets'), anomalyLine: view.hasAnomalies(s) });
}

/** Panes below `pane` whose selection depends on it. */
const DEPENDENTS: Record<Pane, readonly Pane[]> = {
  connections: ['packets', 'detail', 'evidence'],
  packets: ['detail'],
  detail: [],
  evidence: [],
};

function withCursor(s: UiState, pane: Pane, c: Cursor): UiState {
  const prev = s.cursors[pane];
  if (prev === c) return s;
  const cursors: Record<Pane, Cursor> = { ...s.cursors, [pane]: c };
  if (prev.index !== c.index) for (const d of DEPENDENTS[pane]) cursors[d] = START;
  return { ...s, cursors };
}

/** Every cursor clamped to its list, in dependency order (a parent's clamp resets its children). */
function refit(s: UiState, view: UiView): UiState {
  let out = s;
  for (const pane of PANES) {
    const l = layoutOf(out, view);
    out = withCursor(out, pane, fit(out.cursors[pane], paneRows(l, pane), view.count(out, pane)));
  }
  return out;
}

function moveFocused(s: UiState, view: UiView, to: (c: Cursor, rows: number, count: number) => Cursor): UiState {
  const l = layoutOf(s, view);
  const pane = s.focus;
  const next = withCursor(s, pane, to(s.cursors[pane], paneRows(l, pane), view.count(s, pane)));
  const follow = pane === 'packets' ? next.cursors.packets.index >= view.count(next, 'packets') - 1 && s.follow : s.follow;
  return refit({ ...next, follow, notice: null }, view);
}

function focusTo(s: UiState, view: UiView, pane: Pane): UiState {
  return refit({ ...s, focus: pane, notice: null }, view);
}

/** Enter on an evidence item: select the packet that shows its frame (clearing a packet filter that hides it). */
function jumpToEvidence(s: UiState, view: UiView): UiState {
  const frame = view.evidenceFrame(s, s.cursors.evidence.index);
  if (frame === null) return s;
  let base = s;
  let at = view.locateFrame(base, frame);
  if ((at === null || !at.exact) && s.filters.packets !== '') {
    const unfiltered: UiState = { ...s, filters: { ...s.filters, packets: '' } };
    const again = view.locateFrame(unfiltered, frame);
    if (again !== null && (at === null || again.exact)) {
      base = unfiltered;
      at = again;
    }
  }
  if (at === null) return { ...s, notice: `frame ${frame}: no MQTT packet of this connection is kept` };
  const cursors = { ...base.cursors, packets: { index: at.position, top: at.position }, detail: START };
  const notice = at.exact ? `frame ${frame}` : `frame ${frame} carries no MQTT packet: showing the packet before it`;
  return refit({ ...base, cursors, focus: 'detail', follow: false, notice }, view);
}

function enter(s: UiState, view: UiView): UiState {
  switch (s.focus) {
    case 'connections': return focusTo(s, view, 'packets');
    case 'packets': return focusTo(s, view, 'detail');
    case 'detail': return s;
    case 'evidence': return jumpToEvidence(s, view);
    default: return assertNever(s.focus);
  }
}

function filterTarget(s: UiState): ListPane {
  return s.focus === 'connections' ? 'connections' : 'packets';
}

function setFilter(s: UiState, view: UiView, target: ListPane, text: string): UiState {
  if (s.filters[target] === text) return s;
  // A new filter changes what each position means: start the list (and its dependents) over.
  const cursors: Record<Pane, Cursor> = { ...s.cursors, [target]: START };
  for (const d of DEPENDENTS[target]) cursors[d] = START;
  return refit({ ...s, filters: { ...s.filters, [target]: text }, cursors }, view);
}

/** Rows of the anomalies overlay: the screen minus status, footer and its header. */
function overlayRows(s: UiState): number {
  return Math.max(1, layout(s.size, s.focus, { connections: 1, evidence: 1, anomalyLine: false }).rows - 3);
}

function moveAnomaly(s: UiState, view: UiView, to: (c: Cursor, rows: number, count: number) => Cursor): UiState {
  return { ...s, anomalyCursor: to(s.anomalyCursor, overlayRows(s), view.anomalyCount()), notice: null };
}

/** Enter on the anomalies list: its connection (clearing a filter that hides it), its packet, its detail row. */
function jumpToAnomaly(s: UiState, view: UiView): UiState {
  const i = s.anomalyCursor.index;
  const target = view.anomalyTarget(i);
  if (target === null) return s;
  if (target.conn === null) return { ...s, notice: `frame ${target.frame}: a capture-level anomaly (no connection)` };
  let base: UiState = { ...s, anomalies: false };
  let position = view.connectionPosition(base, target.conn);
  if (position === null && base.filters.connections !== '') {
    base = { ...base, filters: { ...base.filters, connections: '' } };
    position = view.connectionPosition(base, target.conn);
  }
  if (position === null) return { ...s, notice: `${target.conn} is not in the list` };
  base = withCursor(base, 'connections', { index: position, top: position });
  base = { ...base, filters: { ...base.filters, packets: '' }, follow: false };
  const at = view.locateFrame(base, target.frame);
  if (at === null) return refit({ ...base, focus: 'connections', notice: `${target.conn}: no packet of frame ${target.frame} is kept` }, view);
  base = withCursor(base, 'packets', { index: at.position, top: at.position });
  base = { ...base, focus: 'detail', notice: at.exact ? `${target.conn} frame ${target.frame}` : `${target.conn} frame ${target.frame}: no MQTT packet, showing the one before` };
  return refit(withCursor(base, 'detail', { index: view.detailRowOfAnomaly(base, i), top: 0 }), view);
}

export function reduce(s: UiState, a: Action, view: UiView): UiState {
  if (s.anomalies) {
    switch (a.type) {
      case 'move': return moveAnomaly(s, view, (c, rows, count) => moveBy(c, a.delta, rows, count));
      case 'page': return moveAnomaly(s, view, (c, rows, count) => moveBy(c, a.dir * Math.max(1, rows - 1), rows, count));
      case 'home': return moveAnomaly(s, view, (c, rows, count) => moveTo(c, 0, rows, count));
      case 'end': return moveAnomaly(s, view, (c, rows, count) => moveTo(c, count - 1, rows, count));
      case 'enter': return jumpToAnomaly(s, view);
      case 'cycleFocus': case 'focus': case 'filterStart': case 'toggleHex': case 'follow': return s;
      default: break;
    }
  }
  switch (a.type) {
    case 'resize': return refit({ ...s, size: a.size }, view);
    case 'move': return moveFocused(s, view, (c, rows, count) => moveBy(c, a.delta, rows, count));
    case 'page': return moveFocused(s, view, (c, rows, count) => moveBy(c, a.dir * Math.max(1, rows - 1), rows, count));
    case 'home': return moveFocused(s, view, (c, rows, count) => moveTo(c, 0, rows, count));
    case 'end': {
      const next = moveFocused(s, view, (c, rows, count) => moveTo(c, count - 1, rows, count));
      return s.focus === 'packets' ? { ...next, follow: true } : next;
    }
    case 'focus': return focusTo(s, view, a.pane);
    case 'cycleFocus': {
      const i = PANES.indexOf(s.focus);
      return focusTo(s, view, PANES[(i + a.dir + PANES.length) % PANES.length]!);
    }
    case 'enter': return enter(s, view);
    case 'filterStart': {
      const target = filterTarget(s);
      return { ...s, editing: { target, before: s.filters[target] }, focus: target, notice: null };
    }
    case 'filterInput':
      return s.editing ? setFilter(s, view, s.editing.target, s.filters[s.editing.target] + a.text) : s;
    case 'filterBackspace':
      return s.editing ? setFilter(s, view, s.editing.target, [...s.filters[s.editing.target]].slice(0, -1).join('')) : s;
    case 'filterCommit': return s.editing ? { ...s, editing: null } : s;
    case 'filterCancel':
      return s.editing ? { ...setFilter(s, view, s.editing.target, s.editing.before), editing: null } : s;
    case 'help': return { ...s, help: !s.help };
    case 'anomalies': return { ...s, anomalies: !s.anomalies, help: false, notice: null };
    case 'closeOverlay': return { ...s, help: false, anomalies: false, notice: null };
    case 'toggleHex': return { ...s, hex: s.hex === 'payload' ? 'wire' : 'payload' };
    case 'follow': {
      const follow = !s.follow;
      if (!follow) return { ...s, follow };
      const count = view.count(s, 'packets');
      return refit(withCursor({ ...s, follow }, 'packets', { index: count - 1, top: s.cursors.packets.top }), view);
    }
    case 'select': {
      const l = layoutOf(s, view);
      return refit(withCursor({ ...s, notice: null }, a.pane, moveTo(s.cursors[a.pane], a.index, paneRows(l, a.pane), view.count(s, a.pane))), view);
    }
    case 'data': {
      if (!s.follow) return refit(s, view);
      const count = view.count(s, 'packets');
      return refit(withCursor(s, 'packets', { index: count - 1, top: s.cursors.packets.top }), view);
    }
    case 'interrupt': return { ...s, interrupts: s.interrupts + 1 };
    case 'quit': return { ...s, quit: true };
    case 'key': return reduceKey(s, a.input, a.key, view);
    default: return assertNever(a);
  }
}

/** A key: plain text typed fast (or pasted) arrives as one string, so outside the filter line each character counts. */
function reduceKey(s: UiState, input: string, key: KeyLike, view: UiView): UiState {
  const plain = !s.editing && input.length > 1 && !key.ctrl && !key.meta && !key.escape && [...input].every((ch) => ch >= ' ');
  const chunks = plain ? [...input] : [input];
  let out = s;
  for (const ch of chunks) {
    const action = keyToAction(ch, key, out);
    if (action !== null) out = reduce(out, action, view);
    if (out.quit) break;
  }
  return out;
}
