/**
 * TuiFeed: the adapter from the engine and the analysis (AnalysisEvents) to the CaptureStore. Per
 * packet it appends one summary row and copies the packet's bytes (and the capture frames that
 * carried them, from a small ring of recent frames) into the bounded ByteCache. It never notifies the
 * UI itself: the reader commits the store once per batch.
 */
import type { AnalysisEvents } from '../analysis/analyzer.js';
import type { Verdict } from '../analysis/types.js';
import type { CaptureRecord } from '../capture/types.js';
import type { Anomaly, Connection, PacketEvent } from '../engine/model.js';
import type { MqttPacket } from '../mqtt/types.js';
import type { CaptureStore } from './store.js';

/** Topic filters shown for a (UN)SUBSCRIBE row. */
const MAX_FILTERS_SHOWN = 3;

function topicOf(p: MqttPacket): string | null {
  switch (p.type) {
    case 'PUBLISH': return p.topic;
    case 'SUBSCRIBE': return p.subscriptions.slice(0, MAX_FILTERS_SHOWN).map((s) => s.topicFilter).join(', ')
      + (p.subscriptions.length > MAX_FILTERS_SHOWN ? ', …' : '');
    case 'UNSUBSCRIBE': return p.topicFilters.slice(0, MAX_FILTERS_SHOWN).join(', ')
      + (p.topicFilters.length > MAX_FILTERS_SHOWN ? ', …' : '');
    default: return null;
  }
}

function packetIdOf(p: MqttPacket): number | null {
  return 'packetId' in p && p.packetId !== undefined ? p.packetId : null;
}

function reasonCodeOf(p: MqttPacket): number | null {
  return 'reasonCode' in p && p.reasonCode !== undefined ? p.reasonCode : null;
}

/** Size of the slabs kept bytes are copied into. */
const SLAB_BYTES = 1024 * 1024;

/**
 * Copies into large slabs the feed owns: one small typed array per packet would cost an ArrayBuffer
 * each (slow to allocate and to collect at a million packets). A copy is a view into a slab, never into
 * a read chunk (which a kept view would pin whole); a slab is freed once none of its copies is kept,
 * and the cache evicts oldest first, so slabs die in order.
 */
export class SlabCopier {
  private slab = new Uint8Array(0);
  private used = 0;

  copy(b: Uint8Array): Uint8Array {
    if (b.length > SLAB_BYTES / 4) return new Uint8Array(b); // large: its own buffer
    if (this.used + b.length > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + b.length);
    out.set(b);
    this.used += b.length;
    return out;
  }
}

export class TuiFeed implements AnalysisEvents {
  /** Recent capture records (views into immutable read chunks), slot = frame % size. */
  private readonly ring: (CaptureRecord | undefined)[];
  private seq = 0;
  private readonly copier = new SlabCopier();
  /** The last frame copied: packets that share a frame share its copy. */
  private lastCopy: { frame: number; bytes: Uint8Array } | null = null;

  constructor(private readonly store: CaptureStore) {
    this.ring = new Array<CaptureRecord | undefined>(store.limits.recentFrames);
  }

  /** A capture record, before the engine decodes it (so a packet it completes can copy it). */
  record(r: CaptureRecord): void {
    this.store.stats.frames++;
    this.ring[r.frame % this.ring.length] = r;
  }

  connectionOpened(conn: Connection): void {
    this.store.addConnection(conn);
  }

  packet(e: PacketEvent): void {
    const store = this.store;
    const entry = store.entryOf(e.conn) ?? store.addConnection(e.conn);
    const p = e.packet;
    const seq = ++this.seq;
    const topic = topicOf(p);
    entry.packets.append({
      frame: e.frame, firstFrame: e.ref.firstFrame, frameOffset: e.ref.frameOffset, ts: e.ts, dir: e.dir,
      type: p.type, firstByte: (p.typeCode << 4) | p.flags, level: e.conn.mqttVersion ?? 4,
      packetId: packetIdOf(p), reasonCode: reasonCodeOf(p), topic: topic === null ? null : store.topic(topic),
      size: p.headerLength + p.remainingLength, streamOffset: p.at.offset, seq, anomalies: e.anomalies,
    });
    store.rowAdded();
    // A pinned packet (one with an anomaly) may outlive the packets around it: it gets copies of its
    // own, so it never keeps a whole slab alive.
    const pin = e.anomalies.length > 0;
    const frames = new Map<number, Uint8Array>();
    for (const f of e.frames.slice(-store.limits.framesPerPacket)) {
      const r = this.ring[f % this.ring.length];
      if (r === undefined || r.frame !== f) continue;
      if (pin) {
        frames.set(f, new Uint8Array(r.data));
        continue;
      }
      if (this.lastCopy?.frame !== f) this.lastCopy = { frame: f, bytes: this.copier.copy(r.data) };
      frames.set(f, this.lastCopy.bytes);
    }
    store.bytes.put(seq, { bytes: pin ? new Uint8Array(e.bytes) : this.copier.copy(e.bytes), frames }, pin);
  }

  anomaly(a: Anomaly): void {
    this.store.addAnomaly(a);
  }

  connectionClosed(): void {
    // The connection object is live: its close facts are read from it when rendered.
  }

  verdict(conn: Connection, verdict: Verdict): void {
    const entry = this.store.entryOf(conn) ?? this.store.addConnection(conn);
    entry.verdict = verdict;
  }
}
