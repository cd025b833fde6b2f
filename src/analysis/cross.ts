/**
 * Facts across connections that no single connection shows: reconnect storms (the same client id
 * connecting again and again) and wills the broker delivered after an abrupt close (evidence that the
 * broker itself saw the close as abnormal).
 */
import type { Timestamp } from '../capture/types.js';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import { formatDuration, secondsBetween } from './time.js';
import type { Evidence } from './types.js';

/** This many CONNECTs with one client id … */
export const STORM_COUNT = 5;
/** … within this many seconds make a storm. */
export const STORM_WINDOW_S = 10;
/** A will delivered this soon after the close is that close's will. */
const WILL_WINDOW_S = 5;
const MAX_WATCHED_WILLS = 1000;
const MAX_IDS = 100_000;

interface WatchedWill {
  readonly conn: Connection;
  readonly topic: string;
  readonly closed: Timestamp;
}

export class CrossConnectionFacts {
  /** Recent CONNECT times per client id (the last STORM_COUNT). */
  private readonly connects = new Map<string, { ts: Timestamp; conn: string }[]>();
  /** Ids already reported, so a storm is one anomaly, not one per reconnect. */
  private readonly stormReported = new Map<string, Timestamp>();
  private readonly wills: WatchedWill[] = [];
  readonly willDelivered = new Map<Connection, Evidence>();

  /** Returns a storm anomaly when this CONNECT makes one. */
  onConnect(e: PacketEvent, clientId: string): Anomaly | null {
    if (clientId === '') return null;
    let list = this.connects.get(clientId);
    if (!list) {
      if (this.connects.size >= MAX_IDS) this.connects.delete(this.connects.keys().next().value!);
      list = [];
      this.connects.set(clientId, list);
    }
    list.push({ ts: e.ts, conn: e.conn.id });
    if (list.length > STORM_COUNT) list.shift();
    if (list.length < STORM_COUNT) return null;
    const span = secondsBetween(list[0]!.ts, e.ts);
    const last = this.stormReported.get(clientId);
    if (span > STORM_WINDOW_S || (last && secondsBetween(last, e.ts) < STORM_WINDOW_S)) return null;
    this.stormReported.set(clientId, e.ts);
    return {
      // The CONNECT's first byte: its frame and the offset there (the packet may span frames).
      code: 'mqtt.client.reconnect_storm', severity: 'warn', conn: e.conn.id, dir: 'c2s', frame: e.ref.firstFrame,
      offset: e.ref.frameOffset, length: 1, ts: e.ts,
      detail: `${STORM_COUNT} connections as "${clientId}" in ${formatDuration(span)} (about every ${formatDuration(span / (STORM_COUNT - 1))}): ${list.map((x) => x.conn).join(', ')}`,
    };
  }

  /** A connection ended without the client's DISCONNECT: watch for its will being delivered. */
  watchWill(conn: Connection): void {
    const will = conn.session?.will;
    if (!will || this.wills.length >= MAX_WATCHED_WILLS) return;
    if (conn.disconnects.some((d) => d.dir === 'c2s')) return;
    this.wills.push({ conn, topic: will.topic, closed: conn.end });
  }

  /** A PUBLISH from the broker on the will topic, to another connection, soon after the close. */
  onPublish(e: PacketEvent): void {
    if (this.wills.length === 0 || e.dir !== 's2c' || e.packet.type !== 'PUBLISH') return;
    const topic = e.packet.topic;
    for (let i = this.wills.length - 1; i >= 0; i--) {
      const w = this.wills[i]!;
      const after = secondsBetween(w.closed, e.ts);
      if (after > WILL_WINDOW_S) { this.wills.splice(i, 1); continue; }
      if (w.topic === topic && w.conn !== e.conn && after >= -0.01) {
        this.willDelivered.set(w.conn, { frame: e.frame, offset: e.ref.firstFrame === e.frame ? e.ref.frameOffset : 0,
          note: `the broker published ${w.conn.id}'s will on "${topic}" to ${e.conn.id} ${formatDuration(after)} after the close: it saw the close as abnormal` });
        this.wills.splice(i, 1);
      }
    }
  }
}
