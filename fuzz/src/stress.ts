/**
 * Stress inputs: one structural pattern repeated thousands of times (out-of-order segments in
 * descending order, one-byte segments, snaplen-cut segments, thousands of connections, thousands of
 * WebSocket frames, fragments, packet ids, topic aliases, huge SUBSCRIBEs…). They look for
 * superlinear cost: the per-input time limit flags a decoder whose work grows with the square of the
 * input. Off by default (they are slow); `npm run fuzz -- --only stress` runs them alone.
 */
import { LINK, type Packet } from './capture-io.js';
import type { Rng } from './rng.js';
import {
  ACK, concatArrays, Conversation, FIN, genPacket, PSH, randomPeer, SYN, tcpFrame, upgradeRequest, upgradeResponse, varint, WS_OPCODE,
  wsFrame, wsKey, type Level, type Peer,
} from './synth.js';

export const STRESS_PATTERNS = ['ooo-descending', 'ooo-random', 'ooo-cut', 'many-conns', 'byte-segments', 'retransmissions',
  'ws-tiny-frames', 'garbage', 'http-head', 'fragments', 'inflight-v5', 'aliases', 'subscribe-many', 'ws-control-flood'] as const;

const T0 = 1_700_000_000;

function str(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [(b.length >>> 8) & 0xff, b.length & 0xff, ...b];
}

function mqttPacket(first: number, body: readonly number[]): Uint8Array {
  return Uint8Array.from([first, ...varint(body.length), ...body]);
}

function connectPacket(id: string, level: Level, props: readonly number[] = []): Uint8Array {
  return mqttPacket(0x10, [...str(level === 3 ? 'MQIsdp' : 'MQTT'), level, 0x02, 0, 60, ...(level === 5 ? [...varint(props.length), ...props] : []), ...str(id)]);
}

interface Out {
  readonly frames: Packet[];
  push(data: Uint8Array, origLen?: number): void;
}

function out(): Out {
  const frames: Packet[] = [];
  let t = T0;
  return {
    frames,
    push(data: Uint8Array, origLen?: number) {
      const sec = Math.floor(t);
      frames.push({ sec, nsec: Math.round((t - sec) * 1e6) * 1000, linkType: LINK.ETHERNET, data, ...(origLen !== undefined ? { origLen } : {}) });
      t += 0.00001;
    },
  };
}

/** A connection whose client has sent SYN and CONNECT: returns the client's next sequence number. */
function opened(o: Out, c: Peer, s: Peer, level: Level = 4): number {
  const connect = connectPacket('stress', level);
  o.push(tcpFrame(LINK.ETHERNET, c, s, 1000, 0, SYN, new Uint8Array(0)));
  o.push(tcpFrame(LINK.ETHERNET, s, c, 5000, 1001, SYN | ACK, new Uint8Array(0)));
  o.push(tcpFrame(LINK.ETHERNET, c, s, 1001, 5001, ACK | PSH, connect));
  o.push(tcpFrame(LINK.ETHERNET, s, c, 5001, 1001 + connect.length, ACK | PSH, Uint8Array.of(0x20, 2, 0, 0)));
  return 1001 + connect.length;
}

/** Frames of one stress pattern with about `n` repetitions. */
export function stress(rng: Rng, pattern: typeof STRESS_PATTERNS[number], n: number): Packet[] {
  const o = out();
  const c = randomPeer(rng, false, 40000);
  const s = randomPeer(rng, false, 1883);
  const ws = { ...s, port: 8080 };
  switch (pattern) {
    case 'ooo-descending': {
      const next = opened(o, c, s);
      for (let k = n - 1; k >= 0; k--) o.push(tcpFrame(LINK.ETHERNET, c, s, (next + 100_000 + 2 * k) >>> 0, 5005, ACK | PSH, Uint8Array.of(0x30)));
      break;
    }
    case 'ooo-random': {
      const next = opened(o, c, s);
      for (let k = 0; k < n; k++) {
        o.push(tcpFrame(LINK.ETHERNET, c, s, (next + 1 + rng.int(4_000_000)) >>> 0, 5005, ACK | PSH, rng.bytes(rng.range(1, 50))));
      }
      break;
    }
    case 'ooo-cut': {
      const next = opened(o, c, s);
      for (let k = 0; k < n; k++) {
        const full = tcpFrame(LINK.ETHERNET, c, s, (next + 100_000 + 1000 * k) >>> 0, 5005, ACK | PSH, new Uint8Array(1000));
        o.push(full.slice(0, 54), full.length);
      }
      break;
    }
    case 'many-conns': {
      for (let k = 0; k < n; k++) {
        const ck = { ip: Uint8Array.of(10, (k >>> 16) & 0xff, (k >>> 8) & 0xff, k & 0xff), port: 1024 + (k % 60000) };
        o.push(tcpFrame(LINK.ETHERNET, ck, s, 1000, 0, SYN, new Uint8Array(0)));
        o.push(tcpFrame(LINK.ETHERNET, ck, s, 1001, 5001, ACK | PSH, connectPacket(`c${k}`, 4)));
      }
      break;
    }
    case 'byte-segments': {
      let seq = opened(o, c, s);
      const p = concatArrays([Uint8Array.of(0x30), Uint8Array.from(varint(n + 3)), Uint8Array.of(0, 1, 0x74), rng.bytes(n)]);
      for (const b of p) { o.push(tcpFrame(LINK.ETHERNET, c, s, seq, 5005, ACK | PSH, Uint8Array.of(b))); seq = (seq + 1) >>> 0; }
      break;
    }
    case 'retransmissions': {
      const next = opened(o, c, s);
      const seg = rng.bytes(100);
      for (let k = 0; k < n; k++) {
        const d = rng.chance(0.5) ? seg : rng.bytes(100);
        o.push(tcpFrame(LINK.ETHERNET, c, s, (next + (k % 7) * 10) >>> 0, 5005, ACK | PSH, d));
      }
      break;
    }
    case 'ws-tiny-frames': {
      const conv = new Conversation(rng, { linkType: LINK.ETHERNET, client: c, server: ws, handshake: true, start: T0, mss: 1460 });
      const key = wsKey(rng);
      conv.send('client', upgradeRequest(key, false)).send('server', upgradeResponse(key, false));
      const stream = concatArrays([connectPacket('ws', 4), ...Array.from({ length: Math.ceil(n / 40) }, () => genPacket(rng, 'PUBLISH', { level: 4, payloadSize: 30 }))]);
      const frames: Uint8Array[] = [];
      for (let i = 0; i < stream.length && frames.length < n; i++) {
        frames.push(wsFrame({ fin: i === stream.length - 1, rsv: 0, opcode: i === 0 ? WS_OPCODE.binary : WS_OPCODE.continuation, payload: stream.subarray(i, i + 1), mask: rng.bytes(4) }));
      }
      conv.send('client', concatArrays(frames));
      return conv.frames;
    }
    case 'garbage': {
      let seq = opened(o, c, s);
      for (let k = 0; k < n; k++) {
        const d = rng.bytes(rng.range(1, 200));
        o.push(tcpFrame(LINK.ETHERNET, c, s, seq, 5005, ACK | PSH, d));
        seq = (seq + d.length) >>> 0;
      }
      break;
    }
    case 'http-head': {
      const head = new TextEncoder().encode(`GET /mqtt HTTP/1.1\r\nUpgrade: websocket\r\nX: ${'a'.repeat(Math.min(n, 20_000))}`);
      o.push(tcpFrame(LINK.ETHERNET, c, ws, 1000, 0, SYN, new Uint8Array(0)));
      let seq = 1001;
      for (const b of head) { o.push(tcpFrame(LINK.ETHERNET, c, ws, seq, 5001, ACK | PSH, Uint8Array.of(b))); seq++; }
      break;
    }
    case 'fragments': {
      // First fragments of n distinct IPv4 datagrams (the table holds 1 024 sets).
      for (let k = 0; k < n; k++) {
        const f = tcpFrame(LINK.ETHERNET, c, s, 1000 + k, 0, ACK | PSH, new Uint8Array(64));
        const d = f.slice();
        d[14 + 4] = (k >>> 8) & 0xff; d[14 + 5] = k & 0xff; // identification
        d[14 + 6] = 0x20; d[14 + 7] = 0; // more fragments, offset 0
        o.push(d);
      }
      break;
    }
    case 'inflight-v5': {
      let seq = opened(o, c, s, 5);
      for (let k = 0; k < n; k++) {
        const p = mqttPacket(0x32, [...str('t'), (k >>> 8) & 0xff, (k & 0xff) | (k === 0 ? 1 : 0), 0, 0x78]);
        o.push(tcpFrame(LINK.ETHERNET, c, s, seq, 5005, ACK | PSH, p));
        seq = (seq + p.length) >>> 0;
      }
      break;
    }
    case 'aliases': {
      const connect = connectPacket('alias', 5);
      o.push(tcpFrame(LINK.ETHERNET, c, s, 1000, 0, SYN, new Uint8Array(0)));
      o.push(tcpFrame(LINK.ETHERNET, c, s, 1001, 5001, ACK | PSH, connect));
      o.push(tcpFrame(LINK.ETHERNET, s, c, 5001, 1001 + connect.length, ACK | PSH, mqttPacket(0x20, [0, 0, 3, 0x22, 0xff, 0xff])));
      let seq = 1001 + connect.length;
      for (let k = 0; k < n; k++) {
        const alias = 1 + (k % 65535);
        const p = mqttPacket(0x30, [...str(rng.chance(0.5) ? `topic/${k}` : ''), 3, 0x23, alias >>> 8, alias & 0xff, 0x78]);
        o.push(tcpFrame(LINK.ETHERNET, c, s, seq, 5005, ACK | PSH, p));
        seq = (seq + p.length) >>> 0;
      }
      break;
    }
    case 'subscribe-many': {
      let seq = opened(o, c, s);
      const subs: number[] = [];
      for (let k = 0; k < n; k++) subs.push(...str(`f/${k}`), 1);
      const sub = mqttPacket(0x82, [0, 1, ...subs]);
      for (let at = 0; at < sub.length; at += 1400) {
        const part = sub.subarray(at, at + 1400);
        o.push(tcpFrame(LINK.ETHERNET, c, s, seq, 5005, ACK | PSH, part));
        seq = (seq + part.length) >>> 0;
      }
      o.push(tcpFrame(LINK.ETHERNET, s, c, 5005, seq, ACK | PSH, mqttPacket(0x90, [0, 1, ...new Array<number>(n).fill(1)]).subarray(0, 1400)));
      o.push(tcpFrame(LINK.ETHERNET, c, s, seq, 5005, FIN | ACK, new Uint8Array(0)));
      break;
    }
    case 'ws-control-flood': {
      const conv = new Conversation(rng, { linkType: LINK.ETHERNET, client: c, server: ws, handshake: true, start: T0, mss: 1460 });
      const key = wsKey(rng);
      conv.send('client', upgradeRequest(key, true)).send('server', upgradeResponse(key, true));
      const frames: Uint8Array[] = [];
      for (let k = 0; k < n; k++) {
        frames.push(wsFrame({ fin: true, rsv: 0, opcode: rng.pick([WS_OPCODE.ping, WS_OPCODE.pong, WS_OPCODE.close]), payload: rng.bytes(rng.range(0, 200)), mask: rng.bytes(4) }));
      }
      conv.send('client', concatArrays(frames));
      return conv.frames;
    }
  }
  return o.frames;
}
