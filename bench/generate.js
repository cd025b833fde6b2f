#!/usr/bin/env node
/**
 * Deterministic generator of large, realistic MQTT captures for the benchmark (issue 9).
 *
 *   node bench/generate.js --mb 266 [--seed 1] [--out bench/out/x.pcap | --out -]
 *
 * Classic pcap (LE, µs), Ethernet / IPv4 / TCP with correct sequence and acknowledgment numbers and
 * checksums. A fleet of devices keeps ~`--concurrent` connections open at a time; each connection
 * does the SYN handshake, optionally an HTTP upgrade to WebSocket (port 8080, subprotocol mqtt, masked
 * client frames; MQTT packets several per frame or split across frames), CONNECT/CONNACK (MQTT 3.1.1
 * or 5.0 with properties, topic aliases), SUBSCRIBE/SUBACK with retained deliveries, PUBLISH QoS 0/1/2
 * in both directions with their acks, PINGREQ/PINGRESP, UNSUBSCRIBE, large PUBLISHes spanning
 * segments, delayed pure ACKs; and ends in one of the ways the field sees (DISCONNECT + FIN, FIN without
 * DISCONNECT, RST, MQTT 5 server DISCONNECT, keep-alive expiry, refused CONNECT). Rare capture loss
 * (sequence gaps), reordering and duplicate segments. Connections still open when the size is reached
 * stay open (the capture window ends), so a smaller file with the same seed is an exact prefix of a
 * larger one.
 *
 * Streams to disk through one reused 4 MiB buffer: memory does not grow with the file.
 * Everything comes from one seeded PRNG: the same arguments give the same bytes.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';

export const MB = 1_000_000;

// ---------------------------------------------------------------------------------------------
// PRNG (mulberry32): small, fast, deterministic.

function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    exp: (mean) => -Math.log(1 - next()) * mean,
  };
}

// ---------------------------------------------------------------------------------------------
// Output: one reused buffer, flushed with writeSync (a pipe that says EAGAIN is retried).

class Sink {
  constructor(fd, size = 4 << 20) {
    this.fd = fd;
    this.buf = Buffer.allocUnsafe(size);
    this.pos = 0;
    this.total = 0;
    this.frames = 0;
  }

  ensure(n) {
    if (this.pos + n > this.buf.length) this.flush();
  }

  flush() {
    let off = 0;
    while (off < this.pos) {
      try {
        off += writeSync(this.fd, this.buf, off, this.pos - off);
      } catch (e) {
        if (e.code !== 'EAGAIN') throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
      }
    }
    this.total += this.pos;
    this.pos = 0;
  }

  get written() {
    return this.total + this.pos;
  }
}

// ---------------------------------------------------------------------------------------------
// Byte builder for MQTT packets, properties and HTTP heads.

class Bytes {
  constructor(size = 1 << 16) {
    this.b = Buffer.allocUnsafe(size);
    this.n = 0;
  }
  reset() { this.n = 0; return this; }
  grow(k) {
    if (this.n + k <= this.b.length) return;
    let size = this.b.length * 2;
    while (size < this.n + k) size *= 2;
    const g = Buffer.allocUnsafe(size);
    this.b.copy(g, 0, 0, this.n);
    this.b = g;
  }
  u8(v) { this.grow(1); this.b[this.n++] = v; return this; }
  u16(v) { this.grow(2); this.b[this.n++] = v >>> 8; this.b[this.n++] = v & 0xff; return this; }
  u32(v) { this.grow(4); this.b.writeUInt32BE(v >>> 0, this.n); this.n += 4; return this; }
  varint(v) {
    do {
      let d = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) d |= 0x80;
      this.u8(d);
    } while (v > 0);
    return this;
  }
  str(s) { const len = Buffer.byteLength(s); this.u16(len); this.grow(len); this.b.write(s, this.n, 'latin1'); this.n += len; return this; }
  ascii(s) { this.grow(s.length); this.b.write(s, this.n, 'latin1'); this.n += s.length; return this; }
  bytes(src, from = 0, to = src.length) { const k = to - from; this.grow(k); this.b.set(src.subarray(from, to), this.n); this.n += k; return this; }
  /** Appends a whole MQTT packet: first byte, Remaining Length, then `body`. */
  packet(first, body) { this.u8(first).varint(body.n).bytes(body.b, 0, body.n); return this; }
  view() { return this.b.subarray(0, this.n); }
}

// ---------------------------------------------------------------------------------------------
// Checksums (RFC 1071).

function sum16(b, from, to, acc) {
  let i = from;
  for (; i + 1 < to; i += 2) acc += (b[i] << 8) | b[i + 1];
  if (i < to) acc += b[i] << 8;
  return acc;
}

function fold(acc) {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 65536);
  return (~acc) & 0xffff;
}

// ---------------------------------------------------------------------------------------------
// The generator.

const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10;
const MSS = 1460;
const BROKER_IP = 0x0a000001; // 10.0.0.1
const MQTT_PORT = 1883;
const WS_PORT = 8080;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const SITES = ['ams', 'ber', 'cdg', 'dub', 'fra', 'lhr', 'mad', 'mil', 'osl', 'waw'];
const KINDS = ['telemetry', 'status', 'events', 'metrics', 'gps'];

/**
 * Writes a capture of at least `bytes` bytes (it stops after the frame that reaches it) to `fd`.
 * Returns { bytes, frames, connections }.
 */
export function generateTo(fd, opts) {
  const g = new Generator(fd, opts);
  return g.run();
}

/** Generates `path` (through a temporary file renamed at the end), or stdout for '-'. */
export function generate(path, opts) {
  if (path === '-') return generateTo(1, opts);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const r = generateTo(fd, opts);
    closeSync(fd);
    renameSync(tmp, path);
    return r;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

class Generator {
  constructor(fd, { bytes, seed = 1, concurrent = 400, devices = 20000, progress = null }) {
    this.out = new Sink(fd);
    this.target = bytes;
    this.r = prng(seed);
    this.concurrent = concurrent;
    this.devices = devices;
    this.progress = progress;
    this.deviceBusy = new Uint8Array(devices);
    this.devicePort = new Uint16Array(devices);
    this.ipId = new Uint16Array(devices + 1);
    this.now = 1_700_000_000 * 1e6; // µs
    this.active = [];
    this.sleeping = []; // connections waiting for their broker to time them out
    this.connections = 0;
    this.body = new Bytes();
    this.props = new Bytes();
    this.flight = new Bytes();
    this.framed = new Bytes();
    this.bounds = [];
    this.segs = [];
    // A pool of JSON-ish ASCII text to cut payloads from (valid UTF-8 for Payload Format Indicator 1).
    const words = ['"temp":', '"hum":', '"volt":', '"rssi":', '"ts":', '"seq":', '"ok":true', '"lat":', '"lon":', '"fw":"2.4.1"'];
    let pool = '';
    while (pool.length < 65536) {
      pool += `{${words[this.r.int(0, words.length - 1)]}${this.r.int(0, 99999)},${words[this.r.int(0, words.length - 1)]}${(this.r.next() * 100).toFixed(3)}}`;
    }
    this.pool = Buffer.from(pool, 'latin1');
    this.header();
  }

  header() {
    const o = this.out;
    o.ensure(24);
    const b = o.buf;
    let p = o.pos;
    b.writeUInt32LE(0xa1b2c3d4, p); b.writeUInt16LE(2, p + 4); b.writeUInt16LE(4, p + 6);
    b.writeUInt32LE(0, p + 8); b.writeUInt32LE(0, p + 12); b.writeUInt32LE(262144, p + 16); b.writeUInt32LE(1, p + 20);
    o.pos = p + 24;
  }

  run() {
    const r = this.r;
    let nextReport = 64 * MB;
    while (this.out.written < this.target) {
      while (this.active.length < this.concurrent) this.open();
      this.wakeSleepers();
      const i = r.int(0, this.active.length - 1);
      const c = this.active[i];
      this.now += Math.max(1, Math.round(r.exp(400)));
      if (!this.step(c)) {
        this.active[i] = this.active[this.active.length - 1];
        this.active.pop();
      }
      if (this.progress && this.out.written >= nextReport) {
        this.progress(this.out.written);
        nextReport += 64 * MB;
      }
    }
    this.out.flush();
    return { bytes: this.out.total, frames: this.out.frames, connections: this.connections };
  }

  // -- connections ----------------------------------------------------------------------------

  open() {
    const r = this.r;
    let dev = r.int(0, this.devices - 1);
    while (this.deviceBusy[dev]) dev = (dev + 1) % this.devices;
    this.deviceBusy[dev] = 1;
    const port = 32768 + ((this.devicePort[dev]++ * 7919 + dev) % 28000);
    const ws = r.chance(0.2);
    const v5 = r.chance(0.4);
    const endRoll = r.next();
    const end = endRoll < 0.70 ? 'disconnect' : endRoll < 0.80 ? 'client_fin' : endRoll < 0.85 ? 'rst'
      : endRoll < 0.90 ? (v5 ? 'server_disconnect' : 'disconnect') : endRoll < 0.95 ? 'keepalive' : 'refused';
    const site = SITES[dev % SITES.length];
    const c = {
      dev, ip: 0x0a010000 + 1 + dev, port, ws, v5, end,
      sport: ws ? WS_PORT : MQTT_PORT,
      cNext: r.int(0, 0xffffffff), sNext: r.int(0, 0xffffffff),
      state: 'syn',
      actions: Math.max(4, Math.round(r.exp(600))),
      keepAlive: end === 'keepalive' ? r.int(5, 15) : [30, 60, 120][r.int(0, 2)],
      clientId: `dev${site}${String(dev).padStart(5, "0")}`,
      topic: `fleet/${site}/${dev}/${KINDS[dev % KINDS.length]}`,
      cmdTopic: `cmd/${site}/${dev}`,
      cPid: 1, sPid: 1,
      aliasSent: false,
      lastClient: this.now,
      pendingAck: null, // the side that owes a pure ACK
      subscribed: false,
    };
    this.connections++;
    this.active.push(c);
  }

  close(c) {
    this.deviceBusy[c.dev] = 0;
  }

  wakeSleepers() {
    const s = this.sleeping;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c.wakeAt > this.now) continue;
      s[i] = s[s.length - 1];
      s.pop();
      i--;
      // The broker's keep-alive check fires: it closes with a FIN (mosquitto sends no DISCONNECT).
      this.seg(c, false, TCP_FIN | TCP_ACK, null, 0, 0);
      this.tick();
      this.seg(c, true, TCP_FIN | TCP_ACK, null, 0, 0);
      this.tick();
      this.seg(c, false, TCP_ACK, null, 0, 0);
      this.close(c);
    }
  }

  /** One action of connection `c`; false when the connection is finished (or sleeping). */
  step(c) {
    const r = this.r;
    switch (c.state) {
      case 'syn':
        this.seg(c, true, TCP_SYN, null, 0, 0);
        this.tick();
        this.seg(c, false, TCP_SYN | TCP_ACK, null, 0, 0);
        this.tick();
        this.seg(c, true, TCP_ACK, null, 0, 0);
        c.state = c.ws ? 'upgrade' : 'connect';
        return true;
      case 'upgrade':
        this.upgrade(c);
        c.state = 'connect';
        return true;
      case 'connect':
        this.connect(c);
        if (c.end === 'refused') {
          this.tick();
          this.finFrom(c, false);
          this.close(c);
          return false;
        }
        c.state = 'run';
        return true;
      case 'run':
        if (--c.actions <= 0) return this.finish(c);
        this.action(c, r.next());
        return true;
      default:
        throw new Error(`state ${c.state}`);
    }
  }

  finish(c) {
    switch (c.end) {
      case 'disconnect':
        this.mqttFlight(c, true, (f) => f.u8(0xe0).u8(0)); // DISCONNECT, normal
        if (c.ws) this.wsClose(c);
        this.tick();
        this.finFrom(c, true);
        break;
      case 'client_fin':
        if (c.ws) this.wsClose(c);
        this.finFrom(c, true);
        break;
      case 'rst':
        this.seg(c, true, TCP_RST | TCP_ACK, null, 0, 0);
        break;
      case 'server_disconnect': {
        const reason = this.r.chance(0.5) ? 0x89 : 0x98;
        this.mqttFlight(c, false, (f) => {
          const p = this.props.reset().u8(0x1f).str(reason === 0x89 ? 'server busy' : 'administrative action');
          f.u8(0xe0).varint(2 + p.n).u8(reason).varint(p.n).bytes(p.b, 0, p.n);
        });
        this.tick();
        this.finFrom(c, false);
        break;
      }
      case 'keepalive':
        // The client goes silent; the broker gives up after 1.5 × keep-alive (mosquitto's coarse tick).
        c.wakeAt = c.lastClient + c.keepAlive * 1e6 * (1.55 + this.r.next() * 0.4);
        this.sleeping.push(c);
        return false;
      default:
        throw new Error(`end ${c.end}`);
    }
    this.close(c);
    return false;
  }

  /** Orderly TCP close started by the client (or the broker): FIN, FIN+ACK, ACK. */
  finFrom(c, client) {
    this.seg(c, client, TCP_FIN | TCP_ACK, null, 0, 0);
    this.tick();
    this.seg(c, !client, TCP_FIN | TCP_ACK, null, 0, 0);
    this.tick();
    this.seg(c, client, TCP_ACK, null, 0, 0);
  }

  // -- actions ----------------------------------------------------------------------------------

  action(c, x) {
    const r = this.r;
    if (x < 0.36) {
      // Telemetry burst, QoS 0: 1–4 PUBLISHes, coalesced or one segment each.
      const k = r.chance(0.7) ? 1 : r.int(2, 4);
      this.mqttFlight(c, true, (f, bounds) => {
        for (let i = 0; i < k; i++) { this.publish(f, c, true, 0, r.chance(0.05)); bounds.push(f.n); }
      });
      this.maybeAck(c, false, 0.6);
    } else if (x < 0.56) {
      this.mqttFlight(c, true, (f) => this.publish(f, c, true, 1, r.chance(0.08)));
      const pid = c.lastPid;
      this.mqttFlight(c, false, (f) => this.ack(f, c, 0x40, pid));
      this.maybeAck(c, true, 0.5);
    } else if (x < 0.61) {
      this.mqttFlight(c, true, (f) => this.publish(f, c, true, 2, false));
      const pid = c.lastPid;
      this.mqttFlight(c, false, (f) => this.ack(f, c, 0x50, pid));
      this.mqttFlight(c, true, (f) => this.ack(f, c, 0x62, pid));
      this.mqttFlight(c, false, (f) => this.ack(f, c, 0x70, pid));
      this.maybeAck(c, true, 0.5);
    } else if (x < 0.80) {
      // Broker deliveries, QoS 0 (several may share a segment).
      const k = r.chance(0.6) ? 1 : r.int(2, 5);
      this.mqttFlight(c, false, (f, bounds) => {
        for (let i = 0; i < k; i++) { this.publish(f, c, false, 0, false); bounds.push(f.n); }
      });
      this.maybeAck(c, true, 0.6);
    } else if (x < 0.90) {
      this.mqttFlight(c, false, (f) => this.publish(f, c, false, 1, false));
      const pid = c.lastPid;
      this.mqttFlight(c, true, (f) => this.ack(f, c, 0x40, pid));
      this.maybeAck(c, false, 0.5);
    } else if (x < 0.94) {
      this.mqttFlight(c, true, (f) => f.u8(0xc0).u8(0));
      this.mqttFlight(c, false, (f) => f.u8(0xd0).u8(0));
      this.maybeAck(c, true, 0.4);
    } else if (x < 0.97) {
      this.subscribe(c);
    } else {
      // A large PUBLISH (firmware chunk, image): several segments, QoS 1.
      this.mqttFlight(c, true, (f) => this.publish(f, c, true, 1, false, r.int(1500, 9000)));
      const pid = c.lastPid;
      this.mqttFlight(c, false, (f) => this.ack(f, c, 0x40, pid));
      this.maybeAck(c, true, 0.5);
    }
  }

  connect(c) {
    const r = this.r;
    const withUser = r.chance(0.3);
    this.mqttFlight(c, true, (f) => {
      const b = this.body.reset();
      b.str('MQTT').u8(c.v5 ? 5 : 4);
      b.u8(0x02 | (withUser ? 0xc0 : 0)).u16(c.keepAlive);
      if (c.v5) {
        const p = this.props.reset();
        p.u8(0x11).u32(r.chance(0.5) ? 0 : 3600); // Session Expiry Interval
        p.u8(0x21).u16(20); // Receive Maximum
        p.u8(0x22).u16(10); // Topic Alias Maximum
        if (r.chance(0.5)) p.u8(0x26).str('fw').str('2.4.1'); // User Property
        b.varint(p.n).bytes(p.b, 0, p.n);
      }
      b.str(c.clientId);
      if (withUser) b.str(`user${c.dev}`).str(`secret-${c.dev}`);
      f.packet(0x10, b);
    });
    const refused = c.end === 'refused';
    this.mqttFlight(c, false, (f) => {
      if (!c.v5) {
        f.u8(0x20).u8(2).u8(0).u8(refused ? 0x05 : 0);
        return;
      }
      const p = this.props.reset();
      if (!refused) {
        p.u8(0x22).u16(10); // Topic Alias Maximum
        p.u8(0x21).u16(100); // Receive Maximum
        p.u8(0x27).u32(1 << 20); // Maximum Packet Size
      }
      const b = this.body.reset().u8(0).u8(refused ? 0x87 : 0).varint(p.n).bytes(p.b, 0, p.n);
      f.packet(0x20, b);
    });
    if (!refused && r.chance(0.7)) this.subscribe(c);
  }

  subscribe(c) {
    const r = this.r;
    const unsub = c.subscribed && r.chance(0.3);
    const pid = this.nextPid(c, true);
    const filters = [c.cmdTopic + '/#', `fleet/${SITES[c.dev % SITES.length]}/+/status`, 'config/global'];
    const n = r.int(1, 3);
    const qos = r.int(0, 1);
    this.mqttFlight(c, true, (f) => {
      const b = this.body.reset().u16(pid);
      if (c.v5) {
        if (!unsub && r.chance(0.5)) { const p = this.props.reset().u8(0x0b).varint(r.int(1, 100)); b.varint(p.n).bytes(p.b, 0, p.n); }
        else b.varint(0);
      }
      for (let i = 0; i < n; i++) {
        b.str(filters[i]);
        if (!unsub) b.u8(qos);
      }
      f.packet(unsub ? 0xa2 : 0x82, b);
    });
    this.mqttFlight(c, false, (f, bounds) => {
      const b = this.body.reset().u16(pid);
      if (c.v5) b.varint(0);
      if (!unsub || c.v5) for (let i = 0; i < n; i++) b.u8(unsub ? 0 : qos);
      f.packet(unsub ? 0xb0 : 0x90, b);
      if (!unsub) {
        // Retained messages on the new subscription follow the SUBACK, in the same segment.
        bounds.push(f.n);
        const k = r.int(0, 2);
        for (let i = 0; i < k; i++) { this.publish(f, c, false, 0, true); bounds.push(f.n); }
      }
    });
    c.subscribed = !unsub;
    this.maybeAck(c, true, 0.5);
  }

  nextPid(c, client) {
    if (client) { const p = c.cPid; c.cPid = c.cPid === 65535 ? 1 : c.cPid + 1; return p; }
    const p = c.sPid; c.sPid = c.sPid === 65535 ? 1 : c.sPid + 1; return p;
  }

  /** Appends a PUBLISH from the client (`client`) or the broker. */
  publish(f, c, client, qos, retain, size = 0) {
    const r = this.r;
    const b = this.body.reset();
    let topic = client ? c.topic : (r.chance(0.5) ? `${c.cmdTopic}/set` : `fleet/${SITES[c.dev % SITES.length]}/${r.int(0, 999)}/status`);
    let alias = 0;
    if (c.v5 && client) {
      // Topic alias 1 for the device's own topic: the first PUBLISH names it, later ones use the alias.
      alias = 1;
      if (c.aliasSent) topic = '';
      c.aliasSent = true;
    }
    b.str(topic);
    if (qos > 0) { c.lastPid = this.nextPid(c, client); b.u16(c.lastPid); }
    if (c.v5) {
      const p = this.props.reset();
      if (r.chance(0.5)) p.u8(0x01).u8(1); // Payload Format Indicator: UTF-8
      if (r.chance(0.2)) p.u8(0x02).u32(r.int(60, 86400)); // Message Expiry Interval
      if (alias) p.u8(0x23).u16(alias);
      if (r.chance(0.15)) p.u8(0x03).str('application/json');
      if (r.chance(0.05)) p.u8(0x26).str('trace').str(String(r.int(0, 1e6)));
      b.varint(p.n).bytes(p.b, 0, p.n);
    }
    let len = size || (r.chance(0.8) ? r.int(8, 120) : r.int(120, 600));
    const from = r.int(0, this.pool.length - 1 - Math.min(len, 8192));
    while (len > 0) { const k = Math.min(len, 8192); b.bytes(this.pool, from, from + k); len -= k; }
    f.packet(0x30 | (qos << 1) | (retain ? 1 : 0), b);
  }

  /** PUBACK/PUBREC/PUBREL/PUBCOMP (5.0: mostly the short form; sometimes a reason code). */
  ack(f, c, first, pid) {
    if (c.v5 && first === 0x40 && this.r.chance(0.1)) {
      f.u8(first).u8(4).u16(pid).u8(0x10).u8(0); // No matching subscribers, no properties
      return;
    }
    f.u8(first).u8(2).u16(pid);
  }

  // -- transports -------------------------------------------------------------------------------

  upgrade(c) {
    const r = this.r;
    const key = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) key[i] = r.int(0, 255);
    const k64 = key.toString('base64');
    const accept = createHash('sha1').update(k64 + WS_GUID).digest('base64');
    const req = `GET /mqtt HTTP/1.1\r\nHost: broker.example:${WS_PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Key: ${k64}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n`
      + `Origin: https://dashboard.example\r\nUser-Agent: fleet-agent/2.4.1\r\n\r\n`;
    const res = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
      + `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`;
    this.rawFlight(c, true, this.flight.reset().ascii(req).view(), null);
    this.rawFlight(c, false, this.flight.reset().ascii(res).view(), null);
    this.maybeAck(c, true, 0.5);
  }

  wsClose(c) {
    // Close 1000 from the client (masked), echoed by the broker.
    const f = this.framed.reset();
    const mask = [this.r.int(0, 255), this.r.int(0, 255), this.r.int(0, 255), this.r.int(0, 255)];
    f.u8(0x88).u8(0x82).u8(mask[0]).u8(mask[1]).u8(mask[2]).u8(mask[3]).u8(0x03 ^ mask[0]).u8(0xe8 ^ mask[1]);
    this.rawFlight(c, true, f.view(), null);
    this.rawFlight(c, false, this.framed.reset().u8(0x88).u8(0x02).u8(0x03).u8(0xe8).view(), null);
  }

  /**
   * Builds MQTT packets with `build(flight, bounds)` and sends them from one side as one flight: over
   * WebSocket framed first. `bounds` collects packet ends (to allow one segment per packet).
   */
  mqttFlight(c, client, build) {
    const f = this.flight.reset();
    const bounds = this.bounds;
    bounds.length = 0;
    build(f, bounds);
    if (client) c.lastClient = this.now;
    if (bounds.length === 0 || bounds[bounds.length - 1] !== f.n) bounds.push(f.n);
    if (!c.ws) {
      this.rawFlight(c, client, f.view(), this.r.chance(0.5) ? bounds : null);
      return;
    }
    this.rawFlight(c, client, this.wsFrames(f.view(), bounds, client), null);
  }

  /**
   * WebSocket binary frames around MQTT bytes: one frame per packet, all packets in one frame, or
   * MQTT.js style (a packet cut into several small frames). Client frames are masked.
   */
  wsFrames(m, bounds, client) {
    const r = this.r;
    const out = this.framed.reset();
    const mode = r.next();
    const cuts = [];
    if (mode < 0.5) {
      for (const b of bounds) cuts.push(b);
    } else if (mode < 0.8) {
      cuts.push(m.length);
    } else {
      let p = 0;
      while (p < m.length) {
        p = Math.min(m.length, p + (r.chance(0.5) ? r.int(1, 6) : r.int(7, 400)));
        cuts.push(p);
      }
    }
    let from = 0;
    for (const to of cuts) {
      if (to <= from) continue;
      const len = to - from;
      out.u8(0x82);
      const maskBit = client ? 0x80 : 0;
      if (len < 126) out.u8(maskBit | len);
      else if (len < 65536) out.u8(maskBit | 126).u16(len);
      else out.u8(maskBit | 127).u32(0).u32(len);
      if (client) {
        const k0 = r.int(0, 255), k1 = r.int(0, 255), k2 = r.int(0, 255), k3 = r.int(0, 255);
        out.u8(k0).u8(k1).u8(k2).u8(k3);
        out.grow(len);
        const ks = [k0, k1, k2, k3];
        for (let i = 0; i < len; i++) out.b[out.n + i] = m[from + i] ^ ks[i & 3];
        out.n += len;
      } else {
        out.bytes(m, from, to);
      }
      from = to;
    }
    return out.view();
  }

  /**
   * Sends `data` from one side as TCP segments (≤ MSS; also cut at `bounds` when given), piggybacking
   * the ACK the side owed. Rare capture loss, reordering and duplicates are applied here.
   */
  rawFlight(c, client, data, bounds) {
    const r = this.r;
    const segs = this.segs;
    segs.length = 0;
    let from = 0;
    let bi = 0;
    while (from < data.length) {
      let to = Math.min(data.length, from + MSS);
      if (bounds) {
        while (bi < bounds.length && bounds[bi] <= from) bi++;
        if (bi < bounds.length && bounds[bi] < to) to = bounds[bi];
      }
      segs.push(from, to);
      from = to;
    }
    // Sequence numbers are assigned in send order; capture effects change what is written, not that.
    const base = client ? c.cNext : c.sNext;
    const n = segs.length / 2;
    let order = null;
    if (n >= 2 && r.chance(0.01)) {
      // Two adjacent segments reach the capture point swapped.
      order = [];
      for (let i = 0; i < n; i++) order.push(i);
      const j = r.int(0, n - 2);
      order[j] = j + 1;
      order[j + 1] = j;
    }
    for (let k = 0; k < n; k++) {
      const i = order ? order[k] : k;
      const a = segs[2 * i], b = segs[2 * i + 1];
      const seq = (base + a) >>> 0;
      const flags = TCP_ACK | (b === data.length ? TCP_PSH : 0);
      if (k > 0) this.now += r.int(2, 40);
      if (r.chance(1 / 40000)) continue; // lost by the capture (the peer got it)
      this.segAt(c, client, flags, seq, data, a, b);
      if (r.chance(1 / 8000)) { this.now += r.int(200, 3000); this.segAt(c, client, flags, seq, data, a, b); }
    }
    if (client) c.cNext = (c.cNext + data.length) >>> 0;
    else c.sNext = (c.sNext + data.length) >>> 0;
    this.tick();
  }

  /** The other side acknowledges with a pure ACK with probability `p` (delayed ACKs skip some). */
  maybeAck(c, client, p) {
    if (!this.r.chance(p)) return;
    this.seg(c, client, TCP_ACK, null, 0, 0);
    this.tick();
  }

  tick() {
    this.now += this.r.int(15, 250);
  }

  /** A control segment (no data) at the side's current sequence number; SYN and FIN use one number. */
  seg(c, client, flags, data, a, b) {
    const seq = client ? c.cNext : c.sNext;
    this.segAt(c, client, flags, seq, data, a, b);
    if (flags & (TCP_SYN | TCP_FIN)) {
      if (client) c.cNext = (c.cNext + 1) >>> 0;
      else c.sNext = (c.sNext + 1) >>> 0;
    }
  }

  /** Writes one Ethernet/IPv4/TCP frame carrying data[a, b). */
  segAt(c, client, flags, seq, data, a, b) {
    const o = this.out;
    const plen = b - a;
    const syn = (flags & TCP_SYN) !== 0;
    const tcpLen = syn ? 24 : 20;
    const ipLen = 20 + tcpLen + plen;
    const frameLen = 14 + ipLen;
    o.ensure(16 + frameLen);
    const buf = o.buf;
    let p = o.pos;
    const sec = Math.floor(this.now / 1e6);
    buf.writeUInt32LE(sec, p);
    buf.writeUInt32LE(this.now - sec * 1e6, p + 4);
    buf.writeUInt32LE(frameLen, p + 8);
    buf.writeUInt32LE(frameLen, p + 12);
    p += 16;
    // Ethernet: locally administered MACs; the broker's is fixed, a device's comes from its index.
    const bm = [0x02, 0x42, 0x0a, 0x00, 0x00, 0x01];
    const dm = [0x02, 0x42, 0x0a, 0x01, (c.dev >> 8) & 0xff, c.dev & 0xff];
    const dst = client ? bm : dm, src = client ? dm : bm;
    for (let i = 0; i < 6; i++) { buf[p + i] = dst[i]; buf[p + 6 + i] = src[i]; }
    buf[p + 12] = 0x08; buf[p + 13] = 0x00;
    p += 14;
    // IPv4.
    const ip = p;
    const srcIp = client ? c.ip : BROKER_IP, dstIp = client ? BROKER_IP : c.ip;
    const idx = client ? c.dev + 1 : 0;
    const id = this.ipId[idx]++;
    buf[p] = 0x45; buf[p + 1] = 0; buf.writeUInt16BE(ipLen, p + 2); buf.writeUInt16BE(id, p + 4);
    buf[p + 6] = 0x40; buf[p + 7] = 0; buf[p + 8] = 64; buf[p + 9] = 6; buf[p + 10] = 0; buf[p + 11] = 0;
    buf.writeUInt32BE(srcIp >>> 0, p + 12); buf.writeUInt32BE(dstIp >>> 0, p + 16);
    buf.writeUInt16BE(fold(sum16(buf, p, p + 20, 0)), p + 10);
    p += 20;
    // TCP.
    const tcp = p;
    const ackNo = flags & TCP_ACK ? (client ? c.sNext : c.cNext) : 0;
    buf.writeUInt16BE(client ? c.port : c.sport, p);
    buf.writeUInt16BE(client ? c.sport : c.port, p + 2);
    buf.writeUInt32BE(seq >>> 0, p + 4);
    buf.writeUInt32BE(ackNo >>> 0, p + 8);
    buf[p + 12] = (tcpLen / 4) << 4; buf[p + 13] = flags;
    buf.writeUInt16BE(client ? 64240 : 65160, p + 14);
    buf[p + 16] = 0; buf[p + 17] = 0; buf[p + 18] = 0; buf[p + 19] = 0;
    if (syn) { buf[p + 20] = 2; buf[p + 21] = 4; buf.writeUInt16BE(MSS, p + 22); }
    p += tcpLen;
    if (plen > 0) { buf.set(data.subarray(a, b), p); p += plen; }
    // TCP checksum over the pseudo-header, header and data.
    let acc = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + 6 + tcpLen + plen;
    acc = sum16(buf, tcp, p, acc);
    buf.writeUInt16BE(fold(acc), tcp + 16);
    void ip;
    o.pos = p;
    o.frames++;
  }
}

// ---------------------------------------------------------------------------------------------
// CLI.

function parseArgs(argv) {
  const a = { mb: 266, seed: 1, out: null, concurrent: 400 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--mb') { a.mb = Number(v); i++; }
    else if (k === '--seed') { a.seed = Number(v); i++; }
    else if (k === '--out') { a.out = v; i++; }
    else if (k === '--concurrent') { a.concurrent = Number(v); i++; }
    else throw new Error(`unknown argument ${k}`);
  }
  a.out ??= `bench/out/gen-s${a.seed}-${a.mb}mb.pcap`;
  return a;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = parseArgs(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  const r = generate(a.out, {
    bytes: a.mb * MB, seed: a.seed, concurrent: a.concurrent,
    progress: a.out === '-' ? null : (n) => process.stderr.write(`\r  ${(n / MB).toFixed(0)} MB`),
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stderr.write(`${a.out === '-' ? '' : '\r'}generated ${a.out}: ${(r.bytes / MB).toFixed(1)} MB, ${r.frames} frames, `
    + `${r.connections} connections in ${s.toFixed(1)} s\n`);
}
