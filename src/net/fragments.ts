/**
 * IPv4 and IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), bounded: at most `maxSets`
 * datagrams in progress and `maxBytes` each; a set that does not complete within `timeoutSeconds` of
 * capture time is dropped and reported, as one that overflows a bound is. Overlaps: first copy wins.
 */
import { copyBytes } from '../bytes/hex.js';
import type { IpFragment } from './ip.js';

export interface FragmentLimits {
  readonly maxSets: number;
  readonly maxBytes: number;
  readonly timeoutSeconds: number;
}

export const DEFAULT_FRAGMENT_LIMITS: FragmentLimits = { maxSets: 1024, maxBytes: 65535 + 40, timeoutSeconds: 30 };

interface Piece {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

interface FragmentSet {
  readonly pieces: Piece[];
  total: number | null;
  bytes: number;
  readonly firstSeen: number;
  readonly firstFrame: number;
}

export type FragmentResult =
  | { readonly kind: 'pending' }
  | { readonly kind: 'complete'; readonly payload: Uint8Array; readonly frames: number }
  /** A set given up: its first frame, and why. */
  | { readonly kind: 'dropped'; readonly frame: number; readonly reason: string };

const PENDING: FragmentResult = { kind: 'pending' };

export class FragmentReassembler {
  private readonly sets = new Map<string, FragmentSet>();

  constructor(private readonly limits: FragmentLimits = DEFAULT_FRAGMENT_LIMITS) {}

  /**
   * Adds a fragment (`payload` = the bytes after the IP header(s)). `key` names the datagram: addresses,
   * protocol and identification. `now` is the capture time in seconds.
   */
  add(key: string, f: IpFragment, payload: Uint8Array, now: number, frame: number): FragmentResult {
    let set = this.sets.get(key);
    if (!set) {
      if (this.sets.size >= this.limits.maxSets) {
        const oldest = this.sets.entries().next().value!;
        this.sets.delete(oldest[0]);
        this.sets.set(key, { pieces: [], total: null, bytes: 0, firstSeen: now, firstFrame: frame });
        this.addPiece(this.sets.get(key)!, f, payload);
        return { kind: 'dropped', frame: oldest[1].firstFrame, reason: `more than ${this.limits.maxSets} fragmented datagrams in progress` };
      }
      set = { pieces: [], total: null, bytes: 0, firstSeen: now, firstFrame: frame };
      this.sets.set(key, set);
    }
    if (set.bytes + payload.length > this.limits.maxBytes || f.offset + payload.length > this.limits.maxBytes) {
      this.sets.delete(key);
      return { kind: 'dropped', frame: set.firstFrame, reason: `fragments exceed ${this.limits.maxBytes} bytes` };
    }
    this.addPiece(set, f, payload);
    return this.tryComplete(key, set);
  }

  /** Drops sets older than the timeout; returns them for reporting. */
  expire(now: number): { frame: number; reason: string }[] {
    const out: { frame: number; reason: string }[] = [];
    for (const [key, set] of this.sets) {
      if (now - set.firstSeen <= this.limits.timeoutSeconds) break; // insertion order is time order
      this.sets.delete(key);
      out.push({ frame: set.firstFrame, reason: `incomplete after ${this.limits.timeoutSeconds} s` });
    }
    return out;
  }

  /** Everything still pending at the end of the capture. */
  pending(): { frame: number; reason: string }[] {
    const out = [...this.sets.values()].map((s) => ({ frame: s.firstFrame, reason: 'incomplete at the end of the capture' }));
    this.sets.clear();
    return out;
  }

  private addPiece(set: FragmentSet, f: IpFragment, payload: Uint8Array): void {
    set.pieces.push({ offset: f.offset, bytes: copyBytes(payload) });
    set.bytes += payload.length;
    if (!f.more) set.total = f.offset + payload.length;
  }

  private tryComplete(key: string, set: FragmentSet): FragmentResult {
    if (set.total === null) return PENDING;
    const byOffset = [...set.pieces].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of byOffset) {
      if (p.offset > covered) return PENDING;
      covered = Math.max(covered, p.offset + p.bytes.length);
    }
    if (covered < set.total) return PENDING;
    const out = new Uint8Array(set.total);
    // In reverse arrival order, so that earlier copies overwrite later ones: the first copy wins on overlap.
    for (let i = set.pieces.length - 1; i >= 0; i--) {
      const p = set.pieces[i]!;
      out.set(p.bytes.subarray(0, Math.max(0, Math.min(p.bytes.length, set.total - p.offset))), p.offset);
    }
    this.sets.delete(key);
    return { kind: 'complete', payload: out, frames: set.pieces.length };
  }
}
