/**
 * pcapng reader (draft-ietf-opsawg-pcapng): blocks (§3.1) walked one at a time, sections (§4.1)
 * with their own byte order and interface list, Interface Description Blocks (§4.2) with
 * `if_tsresol` and `if_tsoffset`, Enhanced (§4.3), Simple (§4.4) and obsolete (type 2) Packet
 * Blocks; every other block (name resolution, statistics, decryption secrets, custom 0x00000BAD /
 * 0x40000BAD, unknown) is skipped by its length.
 *
 * Invariants: never throws on input; memory stays bounded whatever a length claims: a block's fixed
 * fields and packet data (≤ MAX_CAPLEN) are the most ever held, options are walked one at a time
 * (≤ 64 KiB each) and the rest of a block is skipped as it streams by. A packet is delivered only
 * after its block's trailing length checked out, as Wireshark does. Damage to the block framing
 * stops the walk with `capture.pcapng.bad_block` (a reader cannot resynchronise safely).
 */
import type { ChunkQueue } from './chunk-queue.js';
import type { RecordEmitter } from './emitter.js';
import { MAX_BLOCK_LENGTH, MAX_CAPLEN, SNAPLEN_SLACK } from './limits.js';
import { PCAPNG_BOM_BE, PCAPNG_BOM_LE, PCAPNG_SHB_TYPE } from './sniff.js';
import { MICROSECONDS, resolution, ticksToTimestamp, type Resolution } from './timestamp.js';
import type { Timestamp } from './types.js';

/** Block types this reader interprets. */
const BLOCK = {
  SHB: PCAPNG_SHB_TYPE,
  IDB: 1,
  /** Packet Block, obsolete since EPB replaced it; old writers still emit it. */
  OPB: 2,
  SPB: 3,
  EPB: 6,
} as const;

/** Block Type + Block Total Length (§3.1). */
const BLOCK_HEADER_LENGTH = 8;
/** The repeated Block Total Length at the end of every block (§3.1). */
const BLOCK_TRAILER_LENGTH = 4;
/** Header + fixed fields + trailer: the smallest legal length of each interpreted block type. */
function minLength(type: number): number {
  switch (type) {
    case BLOCK.SHB: return 28; // BOM 4, version 2+2, section length 8 (§4.1)
    case BLOCK.IDB: return 20; // link type 2, reserved 2, snaplen 4 (§4.2)
    case BLOCK.OPB: return 32; // interface 2, drops 2, timestamp 8, caplen 4, len 4
    case BLOCK.SPB: return 16; // original length 4 (§4.4)
    case BLOCK.EPB: return 32; // interface 4, timestamp 8, caplen 4, origlen 4 (§4.3)
    default: return 12;
  }
}
/** Bytes of EPB/OPB consumed before the packet data: header 8 + fixed fields 20. */
const PACKET_PREFIX_LENGTH = 28;
/** Bytes of SPB consumed before the packet data: header 8 + original length 4. */
const SIMPLE_PREFIX_LENGTH = 12;
/** Bytes of SHB consumed: header 8 + BOM 4 + version 4 + section length 8. */
const SECTION_PREFIX_LENGTH = 24;
/** Bytes of IDB consumed before its options: header 8 + link type, reserved, snaplen 8. */
const INTERFACE_PREFIX_LENGTH = 16;

/** Option codes (§3.5 opt_endofopt; §4.2 if_tsresol, if_tsoffset). */
const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

interface Interface {
  readonly linkType: number;
  readonly snaplen: number;
  readonly res: Resolution;
}

type State = 'block' | 'options' | 'skip' | 'trailer' | 'stopped';

/** Reads the blocks of one pcapng file. */
export class PcapngReader {
  private state: State = 'block';
  /** Byte order of the current section. */
  private le: boolean;
  /** Interfaces of the current section: ids are per section (§4.2). */
  private ifaces: Interface[] = [];
  private blockStart = 0;
  private blockType = 0;
  private blockLen = 0;
  /** Body bytes of the current block not consumed yet (the trailer excluded). */
  private bodyLeft = 0;
  // The Interface Description Block being read; declared when its trailer checks out.
  private idbLinkType = 0;
  private idbSnaplen = 0;
  private idbTsresol = 6;
  private idbTsoffset = 0;
  // The packet being read; delivered when its trailer checks out.
  private pendData: Uint8Array | null = null;
  private pendTs: Timestamp = { sec: 0, nsec: 0, precision: 'us' };
  private pendLinkType = 0;
  private pendIface = 0;
  private pendOrigLen = 0;
  /** A Simple Packet Block has no timestamp (§4.4): it gets the previous packet's. */
  private lastTs: Timestamp = { sec: 0, nsec: 0, precision: 'us' };

  constructor(private readonly q: ChunkQueue, private readonly out: RecordEmitter, le: boolean) {
    this.le = le;
  }

  /** True once damage made the rest of the file unreadable. */
  get stopped(): boolean {
    return this.state === 'stopped';
  }

  /** Consumes every complete piece of block in the queue. */
  run(): void {
    for (;;) {
      switch (this.state) {
        case 'block': if (!this.block()) return; break;
        case 'options': if (!this.option()) return; break;
        case 'skip': {
          const n = Math.min(this.bodyLeft, this.q.length);
          this.q.skip(n);
          this.bodyLeft -= n;
          if (this.bodyLeft > 0) return;
          this.state = 'trailer';
          break;
        }
        case 'trailer': if (!this.trailer()) return; break;
        case 'stopped': return;
        default: { const never: never = this.state; return never; }
      }
    }
  }

  /** End of input: a block left unfinished was cut short. */
  end(): void {
    const q = this.q;
    if (this.state === 'stopped' || (this.state === 'block' && q.length === 0)) return;
    if (this.state === 'block') {
      const detail = q.length < BLOCK_HEADER_LENGTH
        ? `block header needs ${BLOCK_HEADER_LENGTH} bytes, ${q.length} present`
        : `${blockName(q.u32(0, this.le))} block needs ${q.u32(4, this.le)} bytes, ${q.length} present`;
      this.out.diagnostic('capture.truncated_record', q.offset, detail);
    } else {
      const present = q.offset + q.length - this.blockStart;
      this.out.diagnostic('capture.truncated_record', this.blockStart,
        `${blockName(this.blockType)} block needs ${this.blockLen} bytes, ${present} present`);
    }
    this.pendData = null;
    q.clear();
  }

  /** A block's header and the fixed part it needs; false when more bytes are needed or reading stopped. */
  private block(): boolean {
    const q = this.q;
    if (q.length < BLOCK_HEADER_LENGTH) return false;
    let le = this.le;
    const type = q.u32(0, le);
    if (type === BLOCK.SHB) {
      // A new section may switch byte order: its length can only be read after the BOM (§4.1).
      if (q.length < 12) return false;
      const bom = q.u32(8, true);
      if (bom === PCAPNG_BOM_LE) le = true;
      else if (bom === PCAPNG_BOM_BE) le = false;
      else return this.bad(q.offset, `section header byte-order magic 0x${hex32(bom, true)} is not 1a2b3c4d`);
    }
    const len = q.u32(4, le);
    // §3.1: the total length covers header and trailer and is a multiple of 4. Checked before anything
    // is buffered for the block, so a hostile length costs nothing.
    if (len % 4 !== 0 || len < BLOCK_HEADER_LENGTH + BLOCK_TRAILER_LENGTH || len > MAX_BLOCK_LENGTH) {
      return this.bad(q.offset, `${blockName(type)} block has total length ${len}`
        + (len > MAX_BLOCK_LENGTH ? ` (more than ${MAX_BLOCK_LENGTH})` : len % 4 !== 0 ? ' (not a multiple of 4)' : ' (less than 12)'));
    }
    const min = minLength(type);
    if (len < min) {
      return this.bad(q.offset, `${blockName(type)} block has total length ${len}, less than its fixed fields need (${min})`);
    }
    this.blockStart = q.offset;
    this.blockType = type;
    this.blockLen = len;
    switch (type) {
      case BLOCK.SHB: return this.sectionHeader(le);
      case BLOCK.IDB: return this.interfaceDescription();
      case BLOCK.EPB:
      case BLOCK.OPB: return this.packet(type === BLOCK.EPB);
      case BLOCK.SPB: return this.simplePacket();
      default:
        this.skipBody(BLOCK_HEADER_LENGTH);
        return true;
    }
  }

  private sectionHeader(le: boolean): boolean {
    const q = this.q;
    if (q.length < SECTION_PREFIX_LENGTH) return false;
    const major = q.u16(12, le);
    const minor = q.u16(14, le);
    // §4.1: a different major version means an incompatible format.
    if (major !== 1) return this.bad(q.offset, `unsupported pcapng version ${major}.${minor}`);
    this.le = le;
    this.ifaces = [];
    this.skipBody(SECTION_PREFIX_LENGTH);
    return true;
  }

  private interfaceDescription(): boolean {
    const q = this.q;
    if (q.length < INTERFACE_PREFIX_LENGTH) return false;
    this.idbLinkType = q.u16(8, this.le);
    this.idbSnaplen = q.u32(12, this.le);
    this.idbTsresol = 6;
    this.idbTsoffset = 0;
    q.skip(INTERFACE_PREFIX_LENGTH);
    this.bodyLeft = this.blockLen - INTERFACE_PREFIX_LENGTH - BLOCK_TRAILER_LENGTH;
    this.state = 'options';
    return true;
  }

  /** One IDB option (§3.5: code 2, length 2, value padded to 32 bits). */
  private option(): boolean {
    const q = this.q;
    const le = this.le;
    if (this.bodyLeft < 4) {
      this.state = 'skip';
      return true;
    }
    if (q.length < 4) return false;
    const code = q.u16(0, le);
    const optLen = q.u16(2, le);
    const total = 4 + ((optLen + 3) & ~3);
    // An option running past the block is ignored with the rest of the list: the block framing, which
    // is what keeps the walk in step, is intact.
    if (code === OPT_ENDOFOPT || total > this.bodyLeft) {
      this.state = 'skip';
      return true;
    }
    if (q.length < total) return false;
    if (code === IF_TSRESOL && optLen >= 1) {
      this.idbTsresol = q.u8(4);
    } else if (code === IF_TSOFFSET && optLen === 8) {
      // A signed 64-bit count of seconds (§4.2); exact while below 2^53, which any real offset is.
      const hi = q.u32(le ? 8 : 4, le) | 0;
      const lo = q.u32(le ? 4 : 8, le);
      this.idbTsoffset = hi * 0x1_0000_0000 + lo;
    }
    q.skip(total);
    this.bodyLeft -= total;
    return true;
  }

  /** Enhanced Packet Block (§4.3) or the obsolete Packet Block (16-bit interface id + drops count). */
  private packet(enhanced: boolean): boolean {
    const q = this.q;
    const le = this.le;
    if (q.length < PACKET_PREFIX_LENGTH) return false;
    const ifaceId = enhanced ? q.u32(8, le) : q.u16(8, le);
    const capLen = q.u32(20, le);
    const space = this.blockLen - PACKET_PREFIX_LENGTH - BLOCK_TRAILER_LENGTH;
    if (capLen > space) {
      return this.bad(q.offset, `${blockName(this.blockType)} block of ${this.blockLen} bytes claims ${capLen} captured bytes`);
    }
    const iface = this.ifaces[ifaceId];
    if (iface === undefined) return this.unknownInterface(ifaceId);
    if (!this.capLenAcceptable(capLen, iface.snaplen)) return false;
    if (q.length < PACKET_PREFIX_LENGTH + capLen) return false;
    const ts = ticksToTimestamp(q.u32(12, le), q.u32(16, le), iface.res);
    this.pendOrigLen = q.u32(24, le);
    q.skip(PACKET_PREFIX_LENGTH);
    this.hold(ts, iface.linkType, ifaceId, q.take(capLen));
    return this.rest(this.blockLen - PACKET_PREFIX_LENGTH - capLen - BLOCK_TRAILER_LENGTH);
  }

  /** Simple Packet Block (§4.4): interface 0, no timestamp, caplen derived from the block and snaplen. */
  private simplePacket(): boolean {
    const q = this.q;
    if (q.length < SIMPLE_PREFIX_LENGTH) return false;
    const iface = this.ifaces[0];
    if (iface === undefined) return this.unknownInterface(0);
    const origLen = q.u32(8, this.le);
    // §4.4: the captured length is the original length capped by IDB 0's SnapLen (0 = no limit) and by
    // the room in the block.
    let capLen = Math.min(origLen, this.blockLen - SIMPLE_PREFIX_LENGTH - BLOCK_TRAILER_LENGTH);
    if (iface.snaplen > 0) capLen = Math.min(capLen, iface.snaplen);
    if (!this.capLenAcceptable(capLen, 0)) return false;
    if (q.length < SIMPLE_PREFIX_LENGTH + capLen) return false;
    this.pendOrigLen = origLen;
    q.skip(SIMPLE_PREFIX_LENGTH);
    this.hold(this.lastTs, iface.linkType, 0, q.take(capLen));
    return this.rest(this.blockLen - SIMPLE_PREFIX_LENGTH - capLen - BLOCK_TRAILER_LENGTH);
  }

  /**
   * The `bodyLeft` bytes after a packet's data (padding, options) and the trailer: at once when they
   * are queued (the common case), else through the skip and trailer states.
   */
  private rest(bodyLeft: number): boolean {
    const q = this.q;
    if (q.length >= bodyLeft + BLOCK_TRAILER_LENGTH) {
      q.skip(bodyLeft);
      this.bodyLeft = 0;
      return this.trailer();
    }
    this.bodyLeft = bodyLeft;
    this.state = 'skip';
    return true;
  }

  private trailer(): boolean {
    const q = this.q;
    if (q.length < BLOCK_TRAILER_LENGTH) return false;
    const trailing = q.u32(0, this.le);
    if (trailing !== this.blockLen) {
      return this.bad(this.blockStart,
        `${blockName(this.blockType)} block: trailing total length ${trailing} differs from the leading ${this.blockLen}`);
    }
    q.skip(BLOCK_TRAILER_LENGTH);
    if (this.blockType === BLOCK.IDB) {
      this.ifaces.push({ linkType: this.idbLinkType, snaplen: this.idbSnaplen,
        res: this.idbTsresol === 6 && this.idbTsoffset === 0 ? MICROSECONDS : resolution(this.idbTsresol, this.idbTsoffset) });
      this.out.declareLinkType(this.idbLinkType);
    }
    const data = this.pendData;
    if (data !== null) {
      this.pendData = null;
      this.lastTs = this.pendTs;
      this.out.record(this.pendTs, this.pendLinkType, this.pendIface, data, this.pendOrigLen, this.blockStart);
    }
    this.state = 'block';
    return true;
  }

  private hold(ts: Timestamp, linkType: number, iface: number, data: Uint8Array): void {
    this.pendTs = ts;
    this.pendLinkType = linkType;
    this.pendIface = iface;
    this.pendData = data;
  }

  /** Consumes `consumed` bytes of the block and skips the rest of its body as it streams by. */
  private skipBody(consumed: number): void {
    this.q.skip(consumed);
    this.bodyLeft = this.blockLen - consumed - BLOCK_TRAILER_LENGTH;
    this.state = 'skip';
  }

  private unknownInterface(id: number): boolean {
    this.out.diagnostic('capture.pcapng.unknown_interface', this.blockStart,
      `${blockName(this.blockType)} block names interface ${id}; the section declares ${this.ifaces.length}`);
    this.skipBody(BLOCK_HEADER_LENGTH);
    return true;
  }

  private capLenAcceptable(capLen: number, snaplen: number): boolean {
    if (capLen <= MAX_CAPLEN && (snaplen === 0 || capLen <= snaplen + SNAPLEN_SLACK)) return true;
    const why = capLen > MAX_CAPLEN ? `exceeds the ${MAX_CAPLEN}-byte maximum` : `exceeds the interface snaplen ${snaplen}`;
    this.out.diagnostic('capture.caplen_too_large', this.q.offset, `packet claims ${capLen} captured bytes, which ${why}`);
    this.stop();
    return false;
  }

  private bad(fileOffset: number, detail: string): false {
    this.out.diagnostic('capture.pcapng.bad_block', fileOffset, detail);
    this.stop();
    return false;
  }

  private stop(): void {
    this.pendData = null;
    this.q.clear();
    this.state = 'stopped';
  }
}

function blockName(type: number): string {
  switch (type) {
    case BLOCK.SHB: return 'section header';
    case BLOCK.IDB: return 'interface description';
    case BLOCK.EPB: return 'enhanced packet';
    case BLOCK.SPB: return 'simple packet';
    case BLOCK.OPB: return 'packet (obsolete)';
    default: return `type 0x${hex32(type, false)}`;
  }
}

/** The bytes of a 32-bit value in hex, in file order (`le`) or as a number. */
function hex32(v: number, le: boolean): string {
  const n = le ? (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0 : v >>> 0;
  return n.toString(16).padStart(8, '0');
}
