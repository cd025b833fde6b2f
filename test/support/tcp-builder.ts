/**
 * Test-only builder of TCP conversations as capture frames (Ethernet / IPv4 or IPv6 / TCP, correct
 * sequence numbers), so analysis tests can synthesize exactly the traffic they need: a handshake or a
 * mid-stream start, data in chosen segment sizes, loss, reordering, FIN and RST from either side.
 */
import type { WritePacket } from './capture-writer.js';

export interface Peer {
  readonly ip: string;
  readonly port: number;
}

function ipv4(s: string): number[] {
  return s.split('.').map(Number);
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

/** One Ethernet/IPv4/TCP frame. */
export function tcpFrame(src: Peer, dst: Peer, seq: number, ack: number, flags: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const tcp = [...u16(src.port), ...u16(dst.port), ...u32(seq >>> 0), ...u32(ack >>> 0), 0x50, flags, ...u16(65535), 0, 0, 0, 0];
  const totalLength = 20 + tcp.length + payload.length;
  const ip = [0x45, 0, ...u16(totalLength), 0, 1, 0x40, 0, 64, 6, 0, 0, ...ipv4(src.ip), ...ipv4(dst.ip)];
  const eth = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00];
  const out = new Uint8Array(eth.length + ip.length + tcp.length + payload.length);
  out.set([...eth, ...ip, ...tcp], 0);
  out.set(payload, eth.length + ip.length + tcp.length);
  return out;
}

/** A TCP connection being written frame by frame, with a clock that moves forward. */
export class Conversation {
  private cseq: number;
  private sseq: number;
  readonly frames: WritePacket[];
  private t: number;

  constructor(readonly client: Peer, readonly server: Peer, opts: { start?: number; handshake?: boolean; isn?: [number, number]; frames?: WritePacket[] } = {}) {
    this.frames = opts.frames ?? [];
    this.t = opts.start ?? 1_700_000_000;
    const [ci, si] = opts.isn ?? [1000, 5000];
    this.cseq = ci;
    this.sseq = si;
    if (opts.handshake ?? true) {
      this.push(tcpFrame(client, server, this.cseq, 0, SYN));
      this.cseq++;
      this.push(tcpFrame(server, client, this.sseq, this.cseq, SYN | ACK));
      this.sseq++;
      this.push(tcpFrame(client, server, this.cseq, this.sseq, ACK));
    }
  }

  /** Moves the clock forward by `seconds`. */
  wait(seconds: number): this {
    this.t += seconds;
    return this;
  }

  private push(data: Uint8Array): void {
    const sec = Math.floor(this.t);
    this.frames.push({ ts: { sec, nsec: Math.round((this.t - sec) * 1e9 / 1000) * 1000 }, data });
    this.t += 0.0001;
  }

  /** Sends bytes from one side in segments of `segment` bytes; `drop` lists segment indexes not captured. */
  send(from: 'client' | 'server', bytes: Uint8Array, o: { segment?: number; drop?: number[]; flags?: number } = {}): this {
    const size = o.segment ?? 1400;
    let i = 0;
    for (let at = 0; at < bytes.length; at += size, i++) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + size));
      const frame = from === 'client'
        ? tcpFrame(this.client, this.server, this.cseq, this.sseq, (o.flags ?? ACK) | PSH, part)
        : tcpFrame(this.server, this.client, this.sseq, this.cseq, (o.flags ?? ACK) | PSH, part);
      if (!(o.drop ?? []).includes(i)) this.push(frame);
      if (from === 'client') this.cseq = (this.cseq + part.length) >>> 0;
      else this.sseq = (this.sseq + part.length) >>> 0;
    }
    return this;
  }

  fin(from: 'client' | 'server'): this {
    if (from === 'client') { this.push(tcpFrame(this.client, this.server, this.cseq, this.sseq, FIN | ACK)); this.cseq++; }
    else { this.push(tcpFrame(this.server, this.client, this.sseq, this.cseq, FIN | ACK)); this.sseq++; }
    return this;
  }

  rst(from: 'client' | 'server'): this {
    if (from === 'client') this.push(tcpFrame(this.client, this.server, this.cseq, 0, RST));
    else this.push(tcpFrame(this.server, this.client, this.sseq, 0, RST));
    return this;
  }

  /** Both sides close with FIN, `first` first. */
  close(first: 'client' | 'server'): this {
    return this.fin(first).fin(first === 'client' ? 'server' : 'client');
  }

  get now(): number {
    return this.t;
  }
}
