/**
 * One direction of a WebSocket connection over its reassembled TCP byte stream: the HTTP upgrade head,
 * then RFC 6455 frames. Data-message payload leaves as a byte stream with its own offsets (MQTT packets
 * may straddle frames [MQTT-6.0.0-2]); control frames, frame headers and problems are reported aside.
 * Unmasking writes fresh bytes (never the input) with the key index carried across chunks.
 */
import { copyBytes } from '../bytes/hex.js';
import { diag, type Diagnostic, type Dir } from '../diag/types.js';
import { MessageInflater } from './deflate.js';
import { acceptFor, header, headerTokens, headEnd, parseHead } from './http.js';
import { parseDeflate } from './deflate.js';
import { isValidCloseCode, type WsSession } from './session.js';

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface WsFrameHeader {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly maskKey: Uint8Array | null;
  readonly payloadLength: number;
  /** TCP stream offset of the frame's first byte and the header's length. */
  readonly tcpOffset: number;
  readonly headerLength: number;
}

export interface WireMask {
  readonly key: Uint8Array;
  /** Index into the key of the chunk's first byte (payload position modulo 4). */
  readonly keyIndex: number;
}

export interface WsControlFrame {
  readonly header: WsFrameHeader;
  /** Unmasked payload (at most 125 bytes for a valid control frame; longer ones are cut there). */
  readonly payload: Uint8Array;
  readonly closeCode?: number;
  readonly closeReason?: string;
}

export interface WsEvents {
  /**
   * Message payload bytes in order: `wsOffset` is the payload-stream offset, `tcpOffset` where byte 0
   * was on the wire. `mask` (masked frames only) is the key and the key index of byte 0, so the byte as
   * it appears on the wire can be shown; inflated bytes have no wire position and pass no mask.
   */
  payload(bytes: Uint8Array, wsOffset: number, tcpOffset: number, mask: WireMask | null, inflated: boolean): void;
  /** Payload bytes lost (a TCP gap inside a frame). */
  gap(wsOffset: number, length: number): void;
  frame(header: WsFrameHeader): void;
  control(frame: WsControlFrame): void;
  handshake(session: WsSession, dir: Dir): void;
  /** Problems, located in TCP stream offsets of this direction. */
  diagnostic(d: Diagnostic): void;
}

export interface WsLimits {
  /** Largest compressed message buffered for inflating. */
  readonly maxCompressedMessage: number;
  /** Largest inflated message. */
  readonly maxInflatedMessage: number;
}

/** The HTTP head may not grow past this before we call it malformed (browsers send ~1 KiB). */
const MAX_HEAD = 16 * 1024;

type State = 'http' | 'header' | 'payload' | 'dead';

export class WsDecoder {
  private state: State = 'http';
  private head: Uint8Array = new Uint8Array(0);
  private headStart = 0;
  /** Frame header bytes collected so far (at most 14). */
  private hdr = new Uint8Array(14);
  private hdrLen = 0;
  private hdrStart = 0;
  private frameHeader: WsFrameHeader | null = null;
  private remaining = 0;
  private payloadPos = 0;
  /** The opcode of the data message in progress (text/binary), or null. */
  private message: number | null = null;
  private compressed = false;
  private compressedParts: Uint8Array[] = [];
  private compressedBytes = 0;
  private compressedStart = 0;
  private oversize = false;
  private control: Uint8Array[] = [];
  private wsOffset = 0;
  private closeSent = false;
  private inflater: MessageInflater | null = null;

  constructor(
    private readonly dir: Dir,
    private readonly session: WsSession,
    private readonly events: WsEvents,
    private readonly limits: WsLimits,
    /**
     * 'frames' when the capture is known to start after the upgrade handshake; 'auto' when it may
     * (mid-stream capture): frames unless the first bytes are an HTTP request or status line.
     */
    private readonly start: 'http' | 'frames' | 'auto' = 'http',
  ) {
    if (start === 'frames') this.state = 'header';
  }

  /** In-order bytes of this direction; `offset` is the TCP stream offset of bytes[0]. */
  data(bytes: Uint8Array, offset: number): void {
    let pos = 0;
    while (pos < bytes.length) {
      switch (this.state) {
        case 'http': pos = this.readHttp(bytes, pos, offset); break;
        case 'header': pos = this.readHeader(bytes, pos, offset); break;
        case 'payload': pos = this.readPayload(bytes, pos, offset); break;
        case 'dead': return;
      }
    }
  }

  /** `length` TCP bytes are missing at `offset`. */
  gap(offset: number, length: number): void {
    if (this.state === 'payload' && length <= this.remaining && this.frameHeader && this.message !== null
      && this.frameHeader.opcode < 8 && !this.compressed) {
      // Lost inside a data frame's payload: the frame structure survives; MQTT sees a gap.
      this.events.gap(this.wsOffset, length);
      this.wsOffset += length;
      this.payloadPos += length;
      this.remaining -= length;
      if (this.remaining === 0) this.endFrame();
      return;
    }
    if (this.state !== 'dead') {
      this.events.diagnostic(diag('ws.stream.desync', offset, length, `${length} bytes lost while in ${this.state}`));
      this.state = 'dead';
    }
  }

  end(): void {
    // Nothing is pending that a decision depends on; a partial frame at the end is simply unfinished.
  }

  private readHttp(b: Uint8Array, pos: number, offset: number): number {
    if (this.head.length === 0) {
      this.headStart = offset + pos;
      // "GET " from a client, "HTTP" from a server: anything else means the handshake is behind us.
      if (this.start === 'auto' && b[pos] !== (this.dir === 'c2s' ? 0x47 : 0x48)) {
        this.state = 'header';
        return pos;
      }
    }
    const take = b.subarray(pos, Math.min(b.length, pos + MAX_HEAD + 1 - this.head.length));
    const joined = new Uint8Array(this.head.length + take.length);
    joined.set(this.head, 0);
    joined.set(take, this.head.length);
    const end = headEnd(joined, Math.max(0, this.head.length - 3));
    if (end < 0) {
      if (joined.length > MAX_HEAD) {
        this.events.diagnostic(diag('ws.handshake.malformed', this.headStart, joined.length, 'no end of the HTTP head within 16 KiB'));
        this.state = 'dead';
        return b.length;
      }
      this.head = joined;
      return b.length;
    }
    const consumed = end - this.head.length;
    this.head = new Uint8Array(0);
    this.onHead(joined.subarray(0, end));
    return pos + consumed;
  }

  private onHead(bytes: Uint8Array): void {
    const head = parseHead(bytes);
    const s = this.session;
    if (!head) {
      this.events.diagnostic(diag('ws.handshake.malformed', this.headStart, bytes.length));
      this.state = 'dead';
      return;
    }
    if (this.dir === 'c2s') {
      s.request = head;
      this.state = 'header';
      this.events.handshake(s, this.dir);
      return;
    }
    s.response = head;
    s.status = Number(head.startLine.split(' ')[1]);
    if (s.status !== 101) {
      this.events.diagnostic(diag('ws.handshake.rejected', this.headStart, bytes.length, head.startLine));
      this.events.handshake(s, this.dir);
      this.state = 'dead';
      return;
    }
    const key = s.request ? header(s.request, 'sec-websocket-key') : undefined;
    const accept = header(head, 'sec-websocket-accept');
    if (key !== undefined && accept !== acceptFor(key)) {
      this.events.diagnostic(diag('ws.handshake.accept_mismatch', this.headStart, bytes.length,
        `expected ${acceptFor(key)}, saw ${accept ?? 'none'}`));
    }
    const offered = s.request ? headerTokens(s.request, 'sec-websocket-protocol') : [];
    const selected = header(head, 'sec-websocket-protocol') ?? null;
    s.subprotocol = selected;
    // [MQTT-6.0.0-3]/[MQTT-6.0.0-4]: the client offers "mqtt" and the server selects it.
    if (selected !== 'mqtt' || (s.request && !offered.includes(selected))) {
      this.events.diagnostic(diag('ws.handshake.subprotocol', this.headStart, bytes.length,
        `offered ${offered.length ? offered.join(', ') : 'none'}, selected ${selected ?? 'none'}`));
    }
    s.deflate = parseDeflate(head.headers.get('sec-websocket-extensions') ?? []);
    this.state = 'header';
    this.events.handshake(s, this.dir);
  }

  /** The server's frames may be decoded before its head only if it skipped the handshake; both paths share this. */
  private inflaterFor(): MessageInflater {
    if (!this.inflater) {
      const d = this.session.deflate!;
      this.inflater = this.dir === 'c2s'
        ? new MessageInflater(d.clientNoContextTakeover, d.clientMaxWindowBits, this.limits.maxInflatedMessage)
        : new MessageInflater(d.serverNoContextTakeover, d.serverMaxWindowBits, this.limits.maxInflatedMessage);
    }
    return this.inflater;
  }

  private readHeader(b: Uint8Array, pos: number, offset: number): number {
    if (this.hdrLen === 0) this.hdrStart = offset + pos;
    // Copy header bytes one at a time: a header is 2–14 bytes and may straddle chunks.
    while (pos < b.length) {
      this.hdr[this.hdrLen++] = b[pos++]!;
      const need = this.headerNeed();
      if (this.hdrLen >= need) {
        this.onFrameHeader(need);
        return pos;
      }
    }
    return pos;
  }

  /** Header length implied by the bytes collected so far. */
  private headerNeed(): number {
    if (this.hdrLen < 2) return 2;
    const len7 = this.hdr[1]! & 0x7f;
    const masked = (this.hdr[1]! & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private onFrameHeader(headerLength: number): void {
    const h = this.hdr;
    const at = this.hdrStart;
    const fin = (h[0]! & 0x80) !== 0;
    const rsv = (h[0]! >> 4) & 0x7;
    const opcode = h[0]! & 0x0f;
    const masked = (h[1]! & 0x80) !== 0;
    const len7 = h[1]! & 0x7f;
    let length = len7;
    let p = 2;
    if (len7 === 126) {
      length = (h[2]! << 8) | h[3]!;
      p = 4;
      if (length < 126) this.events.diagnostic(diag('ws.frame.non_minimal_length', at + 1, 3, `${length} in 16 bits`));
    } else if (len7 === 127) {
      const hi = ((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) >>> 0;
      const lo = ((h[6]! << 24) | (h[7]! << 16) | (h[8]! << 8) | h[9]!) >>> 0;
      if (hi & 0x80000000) {
        this.events.diagnostic(diag('ws.frame.length_top_bit', at + 2, 8));
        this.state = 'dead';
        return;
      }
      length = hi * 2 ** 32 + lo;
      p = 10;
      if (length < 65536) this.events.diagnostic(diag('ws.frame.non_minimal_length', at + 1, 9, `${length} in 64 bits`));
    }
    const maskKey = masked ? h.slice(p, p + 4) : null;
    const header: WsFrameHeader = { fin, rsv, opcode, masked, maskKey, payloadLength: length, tcpOffset: at, headerLength };
    this.hdrLen = 0;
    this.events.frame(header);
    this.validate(header);
    this.frameHeader = header;
    this.remaining = length;
    this.payloadPos = 0;
    if (opcode >= 8) this.control = [];
    if (length === 0) this.endFrame();
    else this.state = 'payload';
  }

  private validate(f: WsFrameHeader): void {
    const at = f.tcpOffset;
    // RFC 6455 §5.1: clients mask every frame, servers never do.
    if (this.dir === 'c2s' && !f.masked) this.events.diagnostic(diag('ws.frame.unmasked_client_frame', at + 1, 1));
    if (this.dir === 's2c' && f.masked) this.events.diagnostic(diag('ws.frame.masked_server_frame', at + 1, 1));
    const isControl = f.opcode >= 8;
    const deflateOk = this.session.deflate !== null && !isControl && f.opcode !== OPCODE.continuation;
    if ((f.rsv & 0b011) !== 0 || ((f.rsv & 0b100) !== 0 && !deflateOk)) {
      this.events.diagnostic(diag('ws.frame.rsv_bits', at, 1, `RSV bits ${f.rsv.toString(2).padStart(3, '0')}`));
    }
    if ((f.opcode >= 3 && f.opcode <= 7) || f.opcode >= 11) {
      this.events.diagnostic(diag('ws.frame.unknown_opcode', at, 1, `opcode 0x${f.opcode.toString(16)}`));
    }
    if (isControl) {
      if (f.payloadLength > 125) this.events.diagnostic(diag('ws.control.too_long', at, f.headerLength, `${f.payloadLength} > 125`));
      if (!f.fin) this.events.diagnostic(diag('ws.control.fragmented', at, 1));
      return;
    }
    if (f.opcode === OPCODE.continuation) {
      if (this.message === null) this.events.diagnostic(diag('ws.frame.orphan_continuation', at, 1));
    } else if (f.opcode === OPCODE.text || f.opcode === OPCODE.binary) {
      if (this.message !== null) this.events.diagnostic(diag('ws.frame.interleaved_message', at, 1));
      this.message = f.opcode;
      this.compressed = (f.rsv & 0b100) !== 0 && this.session.deflate !== null;
      this.compressedParts = [];
      this.compressedBytes = 0;
      this.compressedStart = at;
      this.oversize = false;
      // [MQTT-6.0.0-1]: MQTT Control Packets MUST be sent in binary data frames.
      if (f.opcode === OPCODE.text) this.events.diagnostic(diag('ws.mqtt.text_frame', at, 1));
    }
    if (this.closeSent && f.opcode < 8) this.events.diagnostic(diag('ws.frame.after_close', at, 1));
  }

  private readPayload(b: Uint8Array, pos: number, offset: number): number {
    const f = this.frameHeader!;
    const n = Math.min(this.remaining, b.length - pos);
    const raw = b.subarray(pos, pos + n);
    const bytes = f.maskKey ? unmask(raw, f.maskKey, this.payloadPos) : raw;
    const tcpOffset = offset + pos;
    if (f.opcode >= 8) {
      if (this.payloadPos < 125) this.control.push(bytes.subarray(0, Math.max(0, 125 - this.payloadPos)));
    } else if (this.message !== null || f.opcode === OPCODE.continuation) {
      if (this.compressed) this.bufferCompressed(bytes);
      else {
        this.events.payload(bytes, this.wsOffset, tcpOffset, f.maskKey ? { key: f.maskKey, keyIndex: this.payloadPos & 3 } : null, false);
        this.wsOffset += bytes.length;
      }
    }
    this.payloadPos += n;
    this.remaining -= n;
    if (this.remaining === 0) this.endFrame();
    return pos + n;
  }

  private bufferCompressed(bytes: Uint8Array): void {
    if (this.oversize) return;
    if (this.compressedBytes + bytes.length > this.limits.maxCompressedMessage) {
      this.events.diagnostic(diag('limit.ws.message', this.compressedStart, 1, `more than ${this.limits.maxCompressedMessage} compressed bytes`));
      this.oversize = true;
      this.compressedParts = [];
      return;
    }
    this.compressedParts.push(copyBytes(bytes)); // the chunk is not ours to pin
    this.compressedBytes += bytes.length;
  }

  private endFrame(): void {
    const f = this.frameHeader!;
    this.state = 'header';
    if (f.opcode >= 8) {
      this.onControl(f);
      return;
    }
    if (f.fin && (this.message !== null || f.opcode === OPCODE.continuation)) {
      if (this.compressed && !this.oversize) this.inflateMessage();
      this.message = null;
      this.compressed = false;
    }
  }

  private inflateMessage(): void {
    const all = new Uint8Array(this.compressedBytes);
    let p = 0;
    for (const part of this.compressedParts) { all.set(part, p); p += part.length; }
    this.compressedParts = [];
    const r = this.inflaterFor().inflate(all);
    if (r.kind === 'too-large') {
      this.events.diagnostic(diag('limit.ws.inflate', this.compressedStart, 1, `inflates past ${this.limits.maxInflatedMessage} bytes`));
      return;
    }
    if (r.kind === 'error') {
      this.events.diagnostic(diag('ws.deflate.error', this.compressedStart, 1, r.message));
      return;
    }
    // Inflated bytes have no byte-for-byte place on the wire: they map to the message's first frame.
    this.events.payload(r.bytes, this.wsOffset, this.compressedStart, null, true);
    this.wsOffset += r.bytes.length;
  }

  private onControl(f: WsFrameHeader): void {
    let len = 0;
    for (const c of this.control) len += c.length;
    const payload = new Uint8Array(len);
    let p = 0;
    for (const c of this.control) { payload.set(c, p); p += c.length; }
    this.control = [];
    if (f.opcode !== OPCODE.close) {
      this.events.control({ header: f, payload });
      return;
    }
    let closeCode: number | undefined;
    let closeReason = '';
    if (payload.length === 1) {
      this.events.diagnostic(diag('ws.close.invalid_code', f.tcpOffset + f.headerLength, 1, 'one-byte close payload'));
    } else if (payload.length >= 2) {
      closeCode = (payload[0]! << 8) | payload[1]!;
      if (!isValidCloseCode(closeCode)) {
        this.events.diagnostic(diag('ws.close.invalid_code', f.tcpOffset + f.headerLength, 2, `code ${closeCode}`));
      }
      try {
        closeReason = new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(2));
      } catch {
        this.events.diagnostic(diag('ws.close.invalid_utf8', f.tcpOffset + f.headerLength + 2, payload.length - 2));
        closeReason = new TextDecoder('utf-8').decode(payload.subarray(2));
      }
    }
    this.closeSent = true;
    this.session.closes.push({ dir: this.dir, code: closeCode ?? null, reason: closeReason, tcpOffset: f.tcpOffset });
    this.events.control({ header: f, payload, ...(closeCode !== undefined ? { closeCode } : {}), closeReason });
  }
}

/** RFC 6455 §5.3: byte i of the payload is XORed with key[i % 4]; `payloadPos` continues across chunks. */
export function unmask(src: Uint8Array, key: Uint8Array, payloadPos: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const k0 = key[0]!, k1 = key[1]!, k2 = key[2]!, k3 = key[3]!;
  const ks = [k0, k1, k2, k3];
  for (let i = 0; i < src.length; i++) out[i] = src[i]! ^ ks[(payloadPos + i) & 3]!;
  return out;
}
