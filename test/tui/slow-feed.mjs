#!/usr/bin/env node
/**
 * Writes a classic pcap to stdout one record every `gapMs`, then holds the pipe open `holdMs` before
 * closing it: a stand-in for `tcpdump -U -w -` in the TUI's live end-to-end test.
 *
 *   node test/tui/slow-feed.mjs <capture.pcap> <gapMs> <holdMs>
 */
import { readFileSync } from 'node:fs';

const [path, gap = '100', hold = '0'] = process.argv.slice(2);
const data = readFileSync(path);
const PCAP_HEADER = 24;
const RECORD_HEADER = 16;
process.stdout.write(data.subarray(0, PCAP_HEADER));
let at = PCAP_HEADER;
const timer = setInterval(() => {
  if (at >= data.length) {
    clearInterval(timer);
    setTimeout(() => {}, Number(hold));
    return;
  }
  const capLen = data.readUInt32LE(at + 8); // incl_len of a little-endian µs pcap record
  process.stdout.write(data.subarray(at, at + RECORD_HEADER + capLen));
  at += RECORD_HEADER + capLen;
}, Number(gap));
