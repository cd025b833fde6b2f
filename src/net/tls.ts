/**
 * What can be read of TLS without keys (RFC 8446 §4.1.2, §5, §6; RFC 5246 §7.2): the ClientHello's
 * server name (SNI), ALPN and offered versions, the ServerHello's chosen version, and alerts sent in
 * cleartext during the handshake — the "unknown CA" that explains a TLS client's failed connection.
 * A stream machine per direction over reassembled bytes; it stops at the first encrypted record.
 */

export interface TlsFacts {
  sni: string | null;
  alpn: string[];
  /** Versions offered in supported_versions (or the ClientHello's legacy version), as "1.2", "1.3". */
  offered: string[];
  /** Version the server chose (supported_versions in ServerHello, else its legacy version). */
  selected: string | null;
  /** Cleartext alerts, in order. */
  alerts: { level: 'warning' | 'fatal'; description: string; code: number; streamOffset: number }[];
}

export function newTlsFacts(): TlsFacts {
  return { sni: null, alpn: [], offered: [], selected: null, alerts: [] };
}

const ALERTS: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 22: 'record_overflow', 40: 'handshake_failure',
  42: 'bad_certificate', 43: 'unsupported_certificate', 44: 'certificate_revoked', 45: 'certificate_expired',
  46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied', 50: 'decode_error',
  51: 'decrypt_error', 70: 'protocol_version', 71: 'insufficient_security', 80: 'internal_error',
  86: 'inappropriate_fallback', 90: 'user_canceled', 109: 'missing_extension', 110: 'unsupported_extension',
  112: 'unrecognized_name', 113: 'bad_certificate_status_response', 115: 'unknown_psk_identity',
  116: 'certificate_required', 120: 'no_application_protocol',
};

function versionName(v: number): string {
  if (v === 0x0304) return '1.3';
  if (v === 0x0303) return '1.2';
  if (v === 0x0302) return '1.1';
  if (v === 0x0301) return '1.0';
  if (v === 0x0300) return 'SSL 3.0';
  return `0x${v.toString(16)}`;
}

/** At most this much of a direction is buffered while looking for a whole record. */
const MAX_RECORD = 18 * 1024;
const MAX_RECORDS = 64;

export class TlsSniffer {
  private buf: Uint8Array = new Uint8Array(0);
  private bufOffset = 0;
  private records = 0;
  private done = false;

  constructor(private readonly facts: TlsFacts, private readonly fromClient: boolean) {}

  data(bytes: Uint8Array, offset: number): void {
    if (this.done) return;
    if (this.buf.length === 0) {
      this.buf = bytes;
      this.bufOffset = offset;
    } else {
      const joined = new Uint8Array(this.buf.length + bytes.length);
      joined.set(this.buf, 0);
      joined.set(bytes, this.buf.length);
      this.buf = joined;
    }
    let p = 0;
    while (!this.done && this.buf.length - p >= 5) {
      const type = this.buf[p]!;
      const length = (this.buf[p + 3]! << 8) | this.buf[p + 4]!;
      if (type < 20 || type > 24 || length > MAX_RECORD) { this.done = true; break; }
      if (this.buf.length - p < 5 + length) break;
      this.record(type, this.buf.subarray(p + 5, p + 5 + length), this.bufOffset + p);
      p += 5 + length;
      if (++this.records >= MAX_RECORDS) this.done = true;
    }
    // Keep only the unfinished record, copied (the chunk is not ours to pin).
    this.buf = this.done ? new Uint8Array(0) : this.buf.slice(p);
    this.bufOffset += p;
    if (this.buf.length > MAX_RECORD + 5) this.done = true;
  }

  /** Bytes lost: the record structure cannot be followed further. */
  gap(): void {
    this.done = true;
    this.buf = new Uint8Array(0);
  }

  private record(type: number, body: Uint8Array, at: number): void {
    if (type === 23) { this.done = true; return; } // application data: encrypted from here on
    if (type === 21 && body.length === 2) {
      const code = body[1]!;
      this.facts.alerts.push({ level: body[0] === 2 ? 'fatal' : 'warning', description: ALERTS[code] ?? `alert ${code}`, code, streamOffset: at });
      return;
    }
    if (type === 22 && body.length >= 4) {
      const msg = body[0]!;
      if (msg === 1 && this.fromClient) this.clientHello(body.subarray(4));
      else if (msg === 2 && !this.fromClient) this.serverHello(body.subarray(4));
    }
  }

  private clientHello(b: Uint8Array): void {
    let p = 2 + 32; // legacy_version, random
    if (b.length < p + 1) return;
    const legacy = (b[0]! << 8) | b[1]!;
    p += 1 + b[p]!; // session id
    if (b.length < p + 2) return;
    p += 2 + ((b[p]! << 8) | b[p + 1]!); // cipher suites
    if (b.length < p + 1) return;
    p += 1 + b[p]!; // compression methods
    this.extensions(b, p, true);
    if (this.facts.offered.length === 0) this.facts.offered.push(versionName(legacy));
  }

  private serverHello(b: Uint8Array): void {
    if (b.length < 2 + 32 + 1) return;
    const legacy = (b[0]! << 8) | b[1]!;
    let p = 2 + 32;
    p += 1 + b[p]!; // session id
    p += 2 + 1; // cipher suite, compression method
    this.extensions(b, p, false);
    this.facts.selected ??= versionName(legacy);
  }

  private extensions(b: Uint8Array, p: number, client: boolean): void {
    if (b.length < p + 2) return;
    const end = Math.min(b.length, p + 2 + ((b[p]! << 8) | b[p + 1]!));
    p += 2;
    while (p + 4 <= end) {
      const type = (b[p]! << 8) | b[p + 1]!;
      const len = (b[p + 2]! << 8) | b[p + 3]!;
      const data = b.subarray(p + 4, Math.min(end, p + 4 + len));
      p += 4 + len;
      if (client && type === 0 && data.length >= 5) {
        // server_name list: one host_name entry (type 0) is what clients send.
        const nameLen = (data[3]! << 8) | data[4]!;
        this.facts.sni = new TextDecoder('latin1').decode(data.subarray(5, 5 + nameLen));
      } else if (client && type === 16 && data.length >= 2) {
        for (let q = 2; q < data.length;) {
          const n = data[q]!;
          this.facts.alpn.push(new TextDecoder('latin1').decode(data.subarray(q + 1, q + 1 + n)));
          q += 1 + n;
        }
      } else if (type === 43) {
        if (client) {
          for (let q = 1; q + 1 < data.length && q <= data[0]!; q += 2) {
            const v = (data[q]! << 8) | data[q + 1]!;
            if ((v & 0x0f0f) !== 0x0a0a) this.facts.offered.push(versionName(v)); // skip GREASE values
          }
        } else if (data.length === 2) {
          this.facts.selected = versionName((data[0]! << 8) | data[1]!);
        }
      }
    }
  }
}
