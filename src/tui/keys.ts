/**
 * Keys → actions, pure. Arrows and j/k move, PgUp/PgDn and Home/End (g/G) jump, Tab/Shift-Tab change
 * pane, Enter opens (connection → packets → detail; evidence → its packet), `/` filters the focused
 * list, `w` switches the hex dump between the MQTT bytes and the wire frame, `f` follows new packets,
 * `a` the capture's anomalies, `?` help, `q` quits, Ctrl-C stops reading (a second one quits).
 */
import type { Action, UiState } from './state.js';

/** The part of ink's Key that is used (so tests need not build a whole Key). */
export interface KeyLike {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly tab?: boolean;
  readonly shift?: boolean;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
}

/** Printable text only: a pasted escape sequence must not reach the filter line. */
function printable(input: string): string {
  return [...input].filter((ch) => ch >= ' ' && ch !== '\u007f' && !(ch >= '\u0080' && ch <= '\u009f')).join('');
}

export function keyToAction(input: string, key: KeyLike, s: UiState): Action | null {
  if (key.ctrl === true && input === 'c') return { type: 'interrupt' };
  if (s.editing) {
    if (key.return === true) return { type: 'filterCommit' };
    if (key.escape === true) return { type: 'filterCancel' };
    // Terminals send DEL (0x7f) for Backspace; ink reports it as `delete` on some, `backspace` on others.
    if (key.backspace === true || key.delete === true) return { type: 'filterBackspace' };
    if (key.ctrl === true || key.meta === true || key.tab === true || key.upArrow === true || key.downArrow === true) return null;
    const text = printable(input);
    return text === '' ? null : { type: 'filterInput', text };
  }
  if (s.help) return input === 'q' ? { type: 'quit' } : { type: 'closeOverlay' };
  if (key.upArrow === true) return { type: 'move', delta: -1 };
  if (key.downArrow === true) return { type: 'move', delta: 1 };
  if (key.pageUp === true) return { type: 'page', dir: -1 };
  if (key.pageDown === true) return { type: 'page', dir: 1 };
  if (key.home === true) return { type: 'home' };
  if (key.end === true) return { type: 'end' };
  if (key.tab === true) return { type: 'cycleFocus', dir: key.shift === true ? -1 : 1 };
  if (key.return === true) return { type: 'enter' };
  if (key.escape === true) return { type: 'closeOverlay' };
  if (key.rightArrow === true) return { type: 'cycleFocus', dir: 1 };
  if (key.leftArrow === true) return { type: 'cycleFocus', dir: -1 };
  switch (input) {
    case 'j': return { type: 'move', delta: 1 };
    case 'k': return { type: 'move', delta: -1 };
    case 'g': return { type: 'home' };
    case 'G': return { type: 'end' };
    case '/': return { type: 'filterStart' };
    case '?': return { type: 'help' };
    case 'w': return { type: 'toggleHex' };
    case 'a': return { type: 'anomalies' };
    case 'f': return { type: 'follow' };
    case 'q': return { type: 'quit' };
    case '1': return { type: 'focus', pane: 'connections' };
    case '2': return { type: 'focus', pane: 'packets' };
    case '3': return { type: 'focus', pane: 'detail' };
    case '4': return { type: 'focus', pane: 'evidence' };
    default: return null;
  }
}

/** The key list for the help overlay and the README, one line each. */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move in the focused pane'],
  ['PgUp PgDn', 'a page up / down'],
  ['Home End  g G', 'first / last row (G on packets: follow new packets)'],
  ['Tab  Shift-Tab  ← →', 'next / previous pane (1-4 jump to a pane)'],
  ['Enter', 'open: connection → packets → detail; on evidence: jump to its packet'],
  ['/', 'filter the focused list (Enter keeps it, Esc restores)'],
  ['w', 'hex dump: MQTT bytes ↔ capture frame as on the wire'],
  ['a', 'anomalies of the whole capture (Enter: go to its packet; a or Esc closes)'],
  ['f', 'follow new packets (live)'],
  ['?', 'this help (any key closes it)'],
  ['q', 'quit'],
  ['Ctrl-C', 'stop reading (live); the UI stays open; again to quit'],
];
