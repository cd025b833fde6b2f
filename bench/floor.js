#!/usr/bin/env node
/**
 * The raw read floor: read a classic pcap file the way `analyze` reads it (fs read stream, 1 MiB
 * chunks) and walk its record headers, nothing else. No decoding, no allocation per record.
 *
 *   node bench/floor.js FILE        → prints "<frames> <bytes>"
 */
import { createReadStream } from 'node:fs';

const READ_CHUNK = 1024 * 1024;

/** Walks every record of the classic pcap at `path`; resolves to { frames, bytes }. */
export async function walk(path) {
  let frames = 0;
  let bytes = 0;
  let need = 24; // bytes still to skip before the next record header (file header first)
  const hdr = new Uint8Array(16);
  let hdrHave = -1; // -1: skipping; else bytes of a record header gathered so far
  let le = true;
  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    if (first) {
      first = false;
      const magic = chunk.readUInt32LE(0);
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
      else throw new Error(`${path}: not a classic pcap`);
    }
    bytes += chunk.length;
    const n = chunk.length;
    let p = 0;
    while (p < n) {
      if (hdrHave < 0) {
        const k = Math.min(need, n - p);
        p += k;
        need -= k;
        if (need === 0) hdrHave = 0;
        continue;
      }
      if (hdrHave === 0 && p + 16 <= n) {
        // Fast path: the whole record header is in this chunk.
        const capLen = le ? chunk.readUInt32LE(p + 8) : chunk.readUInt32BE(p + 8);
        frames++;
        p += 16;
        need = capLen;
        hdrHave = -1;
        if (need === 0) hdrHave = 0;
        continue;
      }
      hdr[hdrHave++] = chunk[p++];
      if (hdrHave === 16) {
        const dv = new DataView(hdr.buffer);
        need = dv.getUint32(8, le);
        frames++;
        hdrHave = need === 0 ? 0 : -1;
      }
    }
  }
  return { frames, bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await walk(process.argv[2]);
  process.stdout.write(`${r.frames} ${r.bytes}\n`);
}
