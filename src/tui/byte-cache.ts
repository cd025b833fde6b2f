/**
 * ByteCache: copies of the bytes of the most recent packets (and of the capture frames that carried
 * them), so the detail pane can decode a packet again and show its hex. Bounded by a packet count and
 * a byte total, oldest evicted first; packets with an anomaly are pinned (up to their own bound) so
 * the evidence of a verdict stays inspectable in a long live session. Eviction is counted, and the
 * detail pane says why a packet's bytes are gone.
 */
export interface KeptPacket {
  /** The MQTT packet's bytes (for WebSocket: the unmasked payload bytes). */
  readonly bytes: Uint8Array;
  /** Copies of the capture frames that carried it, by frame number (those still held when it was decoded). */
  readonly frames: ReadonlyMap<number, Uint8Array>;
}

export interface ByteCacheLimits {
  readonly keptPackets: number;
  readonly keptBytes: number;
  readonly pinnedPackets: number;
}

function sizeOf(k: KeptPacket): number {
  let n = k.bytes.length;
  for (const f of k.frames.values()) n += f.length;
  return n;
}

export class ByteCache {
  private readonly recent = new Map<number, KeptPacket>();
  /** Bytes of each kept packet (counted once, at put). */
  private readonly sizes = new Map<number, number>();
  /**
   * Keys of `recent`, oldest first. Eviction reads this queue, not `recent.keys()`: a Map iterator
   * walks over the holes its deletions left (V8 compacts them lazily), which made eviction quadratic.
   */
  private order: number[] = [];
  private head = 0;
  private readonly pinned = new Map<number, KeptPacket>();
  private bytes = 0;
  /** Packets whose bytes were evicted. */
  evicted = 0;

  constructor(readonly limits: ByteCacheLimits) {}

  /** Keeps `kept` (already copied) under `seq`; `pin` asks to keep it past the recency bound. */
  put(seq: number, kept: KeptPacket, pin: boolean): void {
    const size = sizeOf(kept);
    this.sizes.set(seq, size);
    if (pin && this.pinned.size < this.limits.pinnedPackets) {
      this.pinned.set(seq, kept);
      this.bytes += size;
      return;
    }
    this.recent.set(seq, kept);
    this.order.push(seq);
    this.bytes += size;
    while (this.head < this.order.length && (this.recent.size > this.limits.keptPackets || this.bytes > this.limits.keptBytes)) {
      const oldest = this.order[this.head++]!;
      if (!this.recent.delete(oldest)) continue;
      this.bytes -= this.sizes.get(oldest) ?? 0;
      this.sizes.delete(oldest);
      this.evicted++;
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  get(seq: number): KeptPacket | undefined {
    return this.pinned.get(seq) ?? this.recent.get(seq);
  }

  get size(): number {
    return this.recent.size + this.pinned.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}
