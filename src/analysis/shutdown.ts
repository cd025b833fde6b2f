/**
 * `broker_shutdown`: the broker closed every connection it had open at the same moment, with no
 * MQTT-level cause on any of them (a restart, a crash, a deploy). One connection closed by the broker
 * is "unknown"; all of them within a few milliseconds is the broker going away.
 */
import type { Connection } from '../engine/model.js';
import { formatDuration, secondsBetween } from './time.js';
import type { Verdict } from './types.js';
import { firstTransportClose } from './verdict.js';

/** Closes this close together count as one moment. */
export const SHUTDOWN_WINDOW_S = 0.1;

export interface Candidate {
  readonly conn: Connection;
  readonly verdict: Verdict;
}

/** True for a verdict that a shutdown could explain: the broker closed, and nothing in MQTT says why. */
export function couldBeShutdown(v: Verdict, conn?: Connection): boolean {
  // Over TLS nothing but the close is visible, and a verdict with a coded piece of evidence (a TLS
  // alert, a protocol fault) already has its cause: neither says anything about the broker going away.
  if (conn?.transport === 'tls' || v.evidence.some((e) => e.code !== undefined)) return false;
  return v.closedBy === 'broker' && (v.cause === 'unknown' || v.cause === 'network_reset');
}

/**
 * Given broker closes without a cause, and every connection of the run, returns the new verdicts of
 * those that belong to a shutdown: at least two closes within the window, and no other connection to
 * the same broker host left open across that moment.
 */
export function shutdownVerdicts(candidates: readonly Candidate[], all: Iterable<Connection>): Map<Connection, Verdict> {
  const out = new Map<Connection, Verdict>();
  const byHost = new Map<string, { c: Candidate; ts: ReturnType<typeof firstTransportClose> }[]>();
  for (const c of candidates) {
    const close = firstTransportClose(c.conn);
    if (!close) continue;
    const list = byHost.get(c.conn.broker.addr) ?? [];
    list.push({ c, ts: close });
    byHost.set(c.conn.broker.addr, list);
  }
  const conns = [...all];
  for (const [host, list] of byHost) {
    list.sort((a, b) => a.ts!.event.frame - b.ts!.event.frame);
    let i = 0;
    while (i < list.length) {
      let j = i + 1;
      while (j < list.length && secondsBetween(list[i]!.ts!.event.ts, list[j]!.ts!.event.ts) <= SHUTDOWN_WINDOW_S) j++;
      const group = list.slice(i, j);
      i = j;
      if (group.length < 2) continue;
      const t0 = group[0]!.ts!.event.ts;
      const t1 = group[group.length - 1]!.ts!.event.ts;
      const members = new Set(group.map((g) => g.c.conn));
      // Any other connection to this broker that was open at the moment and stayed open: not a shutdown.
      const survivor = conns.find((c) => c.broker.addr === host && !members.has(c) && secondsBetween(c.start, t0) >= 0
        && (!c.closed || secondsBetween(t1, c.end) > SHUTDOWN_WINDOW_S) && firstTransportClose(c) === null);
      if (survivor) continue;
      const span = formatDuration(secondsBetween(t0, t1));
      for (const g of group) {
        const close = g.ts!;
        out.set(g.c.conn, {
          cause: 'broker_shutdown', confidence: 'medium',
          summary: `The broker closed all ${group.length} open connections within ${span} with no MQTT-level cause: a restart or shutdown.`,
          evidence: [
            { frame: close.event.frame, offset: close.offset, note: `broker sent ${close.method === 'tcp_rst' ? 'TCP RST' : close.method === 'tcp_fin' ? 'TCP FIN' : 'WebSocket Close'}` },
            ...group.filter((o) => o !== g).slice(0, 3).map((o) => ({ frame: o.ts!.event.frame, offset: 0, note: `${o.c.conn.id} closed by the broker at the same moment` })),
          ],
          closedBy: 'broker', closeMethod: close.method,
        });
      }
    }
  }
  return out;
}
