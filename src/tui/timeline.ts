/**
 * The keep-alive strip of one connection: its packets on a time axis one line wide, with the
 * deadline the broker enforces — 1.5 × Keep Alive after the client's last packet [MQTT-3.1.2-24] —
 * and the close. Symbols (ASCII, so NO_COLOR and any font show them): `c` client packet, `p` PINGREQ,
 * `r` PINGRESP, `s` other broker packet, `D` deadline, `X` close, `-` nothing. Pure.
 */
import type { Connection } from '../engine/model.js';
import type { PacketTable } from './packet-table.js';

/** Priority when several events share a cell (a later one in this list wins). */
const ORDER = '-scrpDX';

export interface TimelineStrip {
  /** The strip, exactly `width` cells. */
  readonly strip: string;
  /** Seconds at the strip's right edge (relative to the connection's start). */
  readonly span: number;
  /** One line explaining the deadline and the close. */
  readonly legend: string;
}

function secondsOf(ts: { sec: number; nsec: number }): number {
  return ts.sec + ts.nsec / 1e9;
}

/** Seconds, compact: 0.224s, 5.7s, 90s, 1h02m. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const a = Math.abs(s);
  if (a < 1) return `${s.toFixed(3)}s`;
  if (a < 10) return `${s.toFixed(1)}s`;
  if (a < 3600) return `${Math.round(s)}s`;
  const h = Math.floor(a / 3600);
  return `${s < 0 ? '-' : ''}${h}h${String(Math.floor((a % 3600) / 60)).padStart(2, '0')}m`;
}

/** The earliest FIN or RST of either side, with who sent it. */
export function closeOf(conn: Connection): { t: number; what: string } | null {
  let best: { t: number; what: string } | null = null;
  const candidates = [
    ['client FIN', conn.half.c2s.fin], ['client RST', conn.half.c2s.rst],
    ['broker FIN', conn.half.s2c.fin], ['broker RST', conn.half.s2c.rst],
  ] as const;
  for (const [what, ev] of candidates) {
    if (ev === null) continue;
    const t = secondsOf(ev.ts);
    if (best === null || t < best.t) best = { t, what };
  }
  return best;
}

/** The keep-alive in force: MQTT 5 Server Keep Alive overrides the client's [MQTT-3.1.2-21]. */
export function effectiveKeepAlive(conn: Connection): number | null {
  return conn.serverKeepAlive ?? conn.keepAlive;
}

export function timelineStrip(conn: Connection, table: PacketTable, width: number): TimelineStrip {
  const w = Math.max(4, width);
  const t0 = secondsOf(conn.start);
  const close = closeOf(conn);
  const end = close?.t ?? secondsOf(conn.end);
  const ka = effectiveKeepAlive(conn);

  // Last client packet at or before the close: the deadline runs from it.
  let lastClient: number | null = null;
  for (let i = table.length - 1; i >= table.first; i--) {
    if (table.dirOf(i) !== 'c2s') continue;
    const t = table.seconds(i);
    if (t <= end) { lastClient = t; break; }
  }
  const deadline = ka !== null && ka > 0 && lastClient !== null ? lastClient + 1.5 * ka : null;
  // Show the deadline on the strip when it is near (within twice the span); otherwise only say where it is.
  const spanEnd = Math.max(end, deadline !== null && deadline - t0 <= 2 * Math.max(end - t0, 1e-3) ? deadline : end) - t0;
  const span = spanEnd > 0 ? spanEnd : 1e-3;
  const cells = new Array<string>(w).fill('-');
  const put = (t: number, ch: string): void => {
    const i = Math.min(w - 1, Math.max(0, Math.floor(((t - t0) / span) * (w - 1) + 0.5)));
    if (ORDER.indexOf(ch) > ORDER.indexOf(cells[i]!)) cells[i] = ch;
  };
  for (let i = table.first; i < table.length; i++) {
    const type = table.typeOf(i);
    const c2s = table.dirOf(i) === 'c2s';
    put(table.seconds(i), type === 'PINGREQ' ? 'p' : type === 'PINGRESP' ? 'r' : c2s ? 'c' : 's');
  }
  if (deadline !== null && deadline - t0 <= span) put(deadline, 'D');
  if (close !== null) put(close.t, 'X');

  const parts: string[] = [];
  if (ka === null) parts.push('keep-alive unknown (no CONNECT seen)');
  else if (ka === 0) parts.push('keep-alive 0 (off)');
  else if (deadline !== null && lastClient !== null) {
    parts.push(`KA ${ka}s: deadline D = last client packet +${formatSeconds(lastClient - t0)} + 1.5×${ka}s = +${formatSeconds(deadline - t0)}`
      + (deadline - t0 > span ? ' (off the strip)' : ''));
  } else parts.push(`KA ${ka}s, no client packet`);
  parts.push(close !== null ? `X ${close.what} +${formatSeconds(close.t - t0)}` : conn.closed ? 'closed (capture ended)' : 'open');
  if (table.first > 0) parts.push(`first ${table.first} packets not kept`);
  return { strip: cells.join(''), span, legend: parts.join(' · ') };
}
