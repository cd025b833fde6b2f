/**
 * Topic Name and Topic Filter syntax (3.1.1 §4.7, 5.0 §4.7, shared subscriptions 5.0 §4.8.2),
 * checked on the raw bytes: '/', '+', '#' are ASCII and never occur inside a multi-byte UTF-8
 * sequence, so a byte scan is exact, allocation-free, and gives the offending byte's offset directly.
 */
import type { DiagCode } from '../diag/registry.js';
import type { ByteCursor } from './cursor.js';

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;

/** "$share/" — the prefix of a Shared Subscription's Topic Filter (5.0 §4.8.2). */
const SHARE_PREFIX = [0x24, 0x73, 0x68, 0x61, 0x72, 0x65, 0x2f];

/** Index of the first '+' or '#' in bytes[start…end), or -1: Topic Names must have none [MQTT-3.3.2-2], [MQTT-4.7.1-1]. */
export function wildcardIndex(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === PLUS || b === HASH) return i;
  }
  return -1;
}

export interface TopicFilterProblem {
  readonly code: DiagCode;
  /** Index in `bytes` of the offending byte (or of the filter when it is empty) and how many bytes. */
  readonly index: number;
  readonly length: number;
  readonly detail: string;
}

/**
 * Index of the first misplaced wildcard in bytes[start…end), or -1. '#' must be the whole last level
 * ([MQTT-4.7.1-2] in 3.1.1); '+' must be a whole level ([MQTT-4.7.1-3]).
 */
function misplacedWildcard(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b !== PLUS && b !== HASH) continue;
    const levelStart = i === start || bytes[i - 1] === SLASH;
    const levelEnd = i === end - 1 || bytes[i + 1] === SLASH;
    if (!levelStart || !levelEnd || (b === HASH && i !== end - 1)) return i;
  }
  return -1;
}

function startsWithShare(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < SHARE_PREFIX.length) return false;
  for (let k = 0; k < SHARE_PREFIX.length; k++) if (bytes[start + k] !== SHARE_PREFIX[k]) return false;
  return true;
}

/**
 * What is wrong with the Topic Filter in bytes[start…end), or null. From 5.0 on, "$share/ShareName/filter"
 * needs a non-empty ShareName without '/', '+', '#', then a non-empty filter [MQTT-4.8.2-1], [MQTT-4.8.2-2];
 * before 5.0 "$share" is an ordinary level.
 */
export function topicFilterProblem(bytes: Uint8Array, start: number, end: number, level: number): TopicFilterProblem | null {
  if (start === end) return { code: 'mqtt.topic_filter.empty', index: start, length: 0, detail: 'zero-length Topic Filter' };
  let filterStart = start;
  if (level >= 5 && startsWithShare(bytes, start, end)) {
    const nameStart = start + SHARE_PREFIX.length;
    let i = nameStart;
    while (i < end && bytes[i] !== SLASH) {
      if (bytes[i] === PLUS || bytes[i] === HASH) {
        return { code: 'mqtt.topic_filter.shared_subscription', index: i, length: 1, detail: `ShareName contains '${String.fromCharCode(bytes[i]!)}'` };
      }
      i++;
    }
    if (i === nameStart) return { code: 'mqtt.topic_filter.shared_subscription', index: start, length: end - start, detail: 'empty ShareName' };
    if (i >= end - 1) {
      return { code: 'mqtt.topic_filter.shared_subscription', index: start, length: end - start, detail: 'no Topic Filter after the ShareName' };
    }
    filterStart = i + 1;
  }
  const bad = misplacedWildcard(bytes, filterStart, end);
  if (bad >= 0) {
    const ch = String.fromCharCode(bytes[bad]!);
    return { code: 'mqtt.topic_filter.wildcard_placement', index: bad, length: 1,
      detail: ch === '#' ? `'#' at byte ${bad - start} is not alone in the last level` : `'+' at byte ${bad - start} is not a whole level` };
  }
  return null;
}

/** True when the filter is a Shared Subscription (5.0 only), for the No Local rule [MQTT-3.8.3-4]. */
export function isSharedSubscription(bytes: Uint8Array, start: number, end: number, level: number): boolean {
  return level >= 5 && startsWithShare(bytes, start, end);
}

/** Reports the problem of the Topic Filter the cursor just read (its data is at lastStart/lastLength). */
export function checkTopicFilter(cur: ByteCursor, level: number): void {
  const p = topicFilterProblem(cur.bytes, cur.lastStart, cur.lastStart + cur.lastLength, level);
  // An empty filter's Span is its 2-byte length prefix: there are no data bytes to point at.
  if (p !== null) cur.report(p.code, p.length === 0 ? p.index - 2 : p.index, p.length === 0 ? 2 : p.length, p.detail);
}
