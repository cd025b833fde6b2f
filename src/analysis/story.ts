/**
 * The story of selected connections, for `explain` and `flow`: their packets, problems and closes in
 * capture order. Bounded: the first and the last items of a long connection are kept, and how many were
 * left out in between is counted, so a day-long connection costs no more than a short one.
 */
import { copyBytes } from '../bytes/hex.js';
import type { Timestamp } from '../capture/types.js';
import type { Dir } from '../diag/types.js';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import type { MqttPacket } from '../mqtt/types.js';

export type StoryItem =
  | { readonly kind: 'packet'; readonly frame: number; readonly ts: Timestamp; readonly dir: Dir; readonly packet: MqttPacket;
      /** The packet's bytes, kept only when it carries an anomaly (for the hex dump). */
      readonly bytes: Uint8Array | null; readonly anomalies: readonly Anomaly[] }
  | { readonly kind: 'anomaly'; readonly frame: number; readonly ts: Timestamp | null; readonly anomaly: Anomaly }
  | { readonly kind: 'close'; readonly frame: number; readonly ts: Timestamp; readonly dir: Dir;
      readonly what: 'fin' | 'rst' | 'ws_close'; readonly detail?: string };

/** Keep-alive facts over every client packet of the connection (not only the kept items). */
export interface KeepaliveFacts {
  clientPackets: number;
  lastClient: { frame: number; ts: Timestamp } | null;
  /** The longest silence between two client packets. */
  longestGap: { seconds: number; fromFrame: number; toFrame: number } | null;
  pingreqs: number;
  pingresps: number;
  /** PINGREQ → PINGRESP round trips in seconds (the first 1000). */
  pingRtts: number[];
}

export interface Story {
  readonly head: StoryItem[];
  readonly tail: StoryItem[];
  omitted: number;
  readonly keepalive: KeepaliveFacts;
  /** Time of an unanswered PINGREQ. */
  pendingPing: Timestamp | null;
}

const HEAD = 40;
const TAIL = 160;

export class StoryCollector {
  private readonly stories = new Map<string, Story>();

  /** `select` says which connections to follow (by id); all when it returns true for every id. */
  constructor(private readonly select: (connId: string) => boolean) {}

  story(connId: string): Story | undefined {
    return this.stories.get(connId);
  }

  connectionOpened(conn: Connection): void {
    if (!this.select(conn.id)) return;
    this.stories.set(conn.id, {
      head: [], tail: [], omitted: 0, pendingPing: null,
      keepalive: { clientPackets: 0, lastClient: null, longestGap: null, pingreqs: 0, pingresps: 0, pingRtts: [] },
    });
  }

  packet(e: PacketEvent): void {
    const s = this.stories.get(e.conn.id);
    if (!s) return;
    track(s, e);
    push(s, {
      kind: 'packet', frame: e.frame, ts: e.ts, dir: e.dir, packet: e.packet,
      // Kept for hex dumps: packets with anomalies, and CONNECT (so its password can be masked in a frame dump).
      bytes: e.anomalies.length > 0 || e.packet.type === 'CONNECT' ? copyBytes(e.bytes) : null, anomalies: e.anomalies,
    });
  }

  anomaly(a: Anomaly): void {
    if (a.conn === null) return;
    const s = this.stories.get(a.conn);
    // Packet anomalies come with their packet; the others (TCP gaps, WebSocket faults) stand alone.
    if (!s || a.code.startsWith('mqtt.') || a.code === 'tcp.midstream') return;
    push(s, { kind: 'anomaly', frame: a.frame, ts: a.ts, anomaly: a });
  }

  /** Adds the transport closes, known once the connection has ended, in frame order. */
  connectionClosed(conn: Connection): void {
    const s = this.stories.get(conn.id);
    if (!s) return;
    const closes: StoryItem[] = [];
    for (const dir of ['c2s', 's2c'] as const) {
      const h = conn.half[dir];
      if (h.fin) closes.push({ kind: 'close', frame: h.fin.frame, ts: h.fin.ts, dir, what: 'fin' });
      if (h.rst) closes.push({ kind: 'close', frame: h.rst.frame, ts: h.rst.ts, dir, what: 'rst' });
    }
    for (const w of conn.ws?.closes ?? []) {
      closes.push({ kind: 'close', frame: w.frame, ts: w.ts, dir: w.dir, what: 'ws_close',
        detail: `${w.code ?? 'no status'}${w.reason ? ` "${w.reason}"` : ''}` });
    }
    for (const c of closes) push(s, c);
  }

  verdict(): void {}
}

function seconds(a: Timestamp, b: Timestamp): number {
  return b.sec - a.sec + (b.nsec - a.nsec) / 1e9;
}

/** Keep-alive bookkeeping [MQTT-3.1.2-24]: what counts is the time between packets the client sends. */
function track(s: Story, e: PacketEvent): void {
  const k = s.keepalive;
  if (e.dir === 'c2s') {
    if (k.lastClient) {
      const gap = seconds(k.lastClient.ts, e.ts);
      if (!k.longestGap || gap > k.longestGap.seconds) k.longestGap = { seconds: gap, fromFrame: k.lastClient.frame, toFrame: e.frame };
    }
    k.clientPackets++;
    k.lastClient = { frame: e.frame, ts: e.ts };
    if (e.packet.type === 'PINGREQ') {
      k.pingreqs++;
      s.pendingPing = e.ts;
    }
  } else if (e.packet.type === 'PINGRESP') {
    k.pingresps++;
    if (s.pendingPing && k.pingRtts.length < 1000) k.pingRtts.push(seconds(s.pendingPing, e.ts));
    s.pendingPing = null;
  }
}

function push(s: Story, item: StoryItem): void {
  if (s.head.length < HEAD) {
    s.head.push(item);
    return;
  }
  s.tail.push(item);
  if (s.tail.length > TAIL) {
    s.tail.shift();
    s.omitted++;
  }
}

/** In a frame, the packets come before the close flags that frame carries. */
const order = (x: StoryItem): number => x.frame + (x.kind === 'close' ? 0.5 : 0);

/** All kept items in capture order (closes are added last, so each part is sorted). */
export function storyItems(s: Story): StoryItem[] {
  return [...[...s.head].sort((a, b) => order(a) - order(b)), ...[...s.tail].sort((a, b) => order(a) - order(b))];
}
