/**
 * The IPv4 TCP flow table, keyed by the 4-tuple as numbers: no key string is built per segment (the
 * string-keyed Map it replaces cost three template strings and a string hash per frame, ~15% of an
 * analyze run). Open addressing with linear probing over typed arrays; deletion shifts the following
 * entries back (no tombstones), so probes stay short however many flows come and go.
 *
 * The key is direction-independent: (a, b) and (b, a) name the same flow. Values are kept in a plain
 * array next to the keys. Iteration order is not provided: callers that need first-seen order keep it
 * themselves (flows are created rarely, segments are looked up constantly).
 */

const INITIAL_CAPACITY = 1024;

/** murmur3's 32-bit finalizer: spreads every input bit over the hash. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash of a canonical key (`lo` endpoint first). */
function hashKey(loIp: number, loPort: number, hiIp: number, hiPort: number): number {
  return mix(Math.imul(mix(loIp ^ (loPort << 16)), 31) ^ mix(hiIp + hiPort * 0x10001));
}

export class FlowTable4<V> {
  private capacity = INITIAL_CAPACITY;
  private mask = INITIAL_CAPACITY - 1;
  private loIp = new Uint32Array(INITIAL_CAPACITY);
  private hiIp = new Uint32Array(INITIAL_CAPACITY);
  /** loPort << 16 | hiPort. */
  private ports = new Uint32Array(INITIAL_CAPACITY);
  private hashes = new Uint32Array(INITIAL_CAPACITY);
  private values: (V | undefined)[] = new Array<V | undefined>(INITIAL_CAPACITY).fill(undefined);
  /** Flows in the table. */
  size = 0;

  /** The flow of the segment from srcIp:srcPort to dstIp:dstPort (either direction), if any. */
  get(srcIp: number, srcPort: number, dstIp: number, dstPort: number): V | undefined {
    const i = this.find(srcIp, srcPort, dstIp, dstPort);
    return i < 0 ? undefined : this.values[i];
  }

  /** Adds or replaces the flow of this 4-tuple. */
  set(srcIp: number, srcPort: number, dstIp: number, dstPort: number, value: V): void {
    const existing = this.find(srcIp, srcPort, dstIp, dstPort);
    if (existing >= 0) {
      this.values[existing] = value;
      return;
    }
    if ((this.size + 1) * 2 > this.capacity) this.grow();
    const swap = srcIp > dstIp || (srcIp === dstIp && srcPort > dstPort);
    const loIp = swap ? dstIp : srcIp;
    const loPort = swap ? dstPort : srcPort;
    const hiIp = swap ? srcIp : dstIp;
    const hiPort = swap ? srcPort : dstPort;
    this.insert(loIp, loPort, hiIp, hiPort, hashKey(loIp, loPort, hiIp, hiPort), value);
    this.size++;
  }

  /** Removes the flow of this 4-tuple; true if there was one. */
  delete(srcIp: number, srcPort: number, dstIp: number, dstPort: number): boolean {
    let i = this.find(srcIp, srcPort, dstIp, dstPort);
    if (i < 0) return false;
    const mask = this.mask;
    // Backward-shift deletion: move later entries of the probe run into the hole when their home slot
    // is not between the hole and themselves.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (this.values[j] === undefined) break;
      const home = this.hashes[j]! & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      this.loIp[i] = this.loIp[j]!;
      this.hiIp[i] = this.hiIp[j]!;
      this.ports[i] = this.ports[j]!;
      this.hashes[i] = this.hashes[j]!;
      this.values[i] = this.values[j];
      i = j;
    }
    this.values[i] = undefined;
    this.size--;
    return true;
  }

  private find(srcIp: number, srcPort: number, dstIp: number, dstPort: number): number {
    const swap = srcIp > dstIp || (srcIp === dstIp && srcPort > dstPort);
    const loIp = swap ? dstIp : srcIp;
    const loPort = swap ? dstPort : srcPort;
    const hiIp = swap ? srcIp : dstIp;
    const hiPort = swap ? srcPort : dstPort;
    const ports = ((loPort << 16) | hiPort) >>> 0;
    const mask = this.mask;
    let i = hashKey(loIp, loPort, hiIp, hiPort) & mask;
    for (;;) {
      if (this.values[i] === undefined) return -1;
      if (this.loIp[i] === loIp && this.hiIp[i] === hiIp && this.ports[i] === ports) return i;
      i = (i + 1) & mask;
    }
  }

  private insert(loIp: number, loPort: number, hiIp: number, hiPort: number, hash: number, value: V): void {
    const mask = this.mask;
    let i = hash & mask;
    while (this.values[i] !== undefined) i = (i + 1) & mask;
    this.loIp[i] = loIp;
    this.hiIp[i] = hiIp;
    this.ports[i] = ((loPort << 16) | hiPort) >>> 0;
    this.hashes[i] = hash;
    this.values[i] = value;
  }

  private grow(): void {
    const { loIp, hiIp, ports, hashes, values } = this;
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    this.loIp = new Uint32Array(this.capacity);
    this.hiIp = new Uint32Array(this.capacity);
    this.ports = new Uint32Array(this.capacity);
    this.hashes = new Uint32Array(this.capacity);
    this.values = new Array<V | undefined>(this.capacity).fill(undefined);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === undefined) continue;
      this.insert(loIp[i]!, ports[i]! >>> 16, hiIp[i]!, ports[i]! & 0xffff, hashes[i]!, v);
    }
  }
}
