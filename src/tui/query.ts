/**
 * What `/` accepts: the CLI's filter expressions (analysis/filter.ts — `type == PUBLISH and topic ~
 * "sensors/+/temp"`, the `--filter` grammar), or, when the text is not an expression, quick-search
 * words (filter.ts: `publish`, `topic:sensors/#`, `!type:PINGREQ`). While an expression is being typed
 * and does not parse yet, the list stays unfiltered and the footer shows the parser's message.
 *
 * Packet rows are matched from the table's columns (no record built per row), connections through
 * the CLI's own connection subject.
 */
import { FilterError, parseFilter as parseExpression, severityRank, timeValue, type FilterSubject, type ValueRange } from '../analysis/filter.js';
import { connectionSubject } from '../analysis/subjects.js';
import type { Connection } from '../engine/model.js';
import { CONNECTION_KEYS, matches, PACKET_KEYS, parseFilter as parseWords } from './filter.js';
import type { PacketTable } from './packet-table.js';
import type { ConnEntry } from './store.js';
import { connectionFields, packetFieldGetter } from './fields.js';

export type ListName = 'connections' | 'packets';

export interface RowQuery {
  readonly source: string;
  /** Matches everything (no text, or an expression that does not parse yet). */
  readonly all: boolean;
  readonly grammar: 'expression' | 'words' | 'none';
  /** Why the text is not (fully) used, for the footer. */
  readonly error: string | null;
  packet(t: PacketTable, i: number, e: ConnEntry): boolean;
  connection(e: ConnEntry): boolean;
}

const NONE: readonly string[] = [];
const NO_RANGES: readonly ValueRange[] = [];
const point = (n: number | bigint): ValueRange => ({ lo: BigInt(n), hi: BigInt(n) });

/** Text that can only be meant as an expression: an operator, parentheses, or and/or/not. */
function looksLikeExpression(text: string): boolean {
  return /[=~<>()]|&&|\|\||(^|\s)(and|or|not)(\s|$)/i.test(text);
}

function connectionText(c: Connection, field: string): readonly string[] | undefined {
  switch (field) {
    case 'conn': return [c.id];
    case 'clientid': return c.clientId === null ? NONE : [c.clientId];
    case 'username': return c.username === null ? NONE : [c.username];
    case 'addr': return c.client.addr === c.broker.addr ? [c.client.addr] : [c.client.addr, c.broker.addr];
    case 'transport': return [c.transport];
    default: return undefined;
  }
}

/** The CLI's view of packet row `i` (the same fields `packets --filter` sees). */
export function rowSubject(t: PacketTable, i: number, e: ConnEntry): FilterSubject {
  return {
    text(field) {
      const shared = connectionText(e.conn, field);
      if (shared !== undefined) return shared;
      switch (field) {
        case 'dir': return [t.dirOf(i) ?? ''];
        case 'type': {
          const type = t.typeOf(i);
          return type === null ? NONE : type === 'TRUNCATED' ? ['TRUNCATED', t.row(i)?.type ?? ''] : [type];
        }
        case 'topic': {
          const topic = t.topicOf(i);
          if (topic === null) return NONE;
          const type = t.typeOf(i);
          // (UN)SUBSCRIBE rows hold their filters joined for display.
          return type === 'SUBSCRIBE' || type === 'UNSUBSCRIBE' ? topic.split(', ').filter((x) => x !== '…') : [topic];
        }
        case 'code': return t.anomaliesOf(i).map((a) => a.code);
        case 'cause': return e.verdict === null ? NONE : [e.verdict.cause];
        default: return NONE;
      }
    },
    range(field) {
      switch (field) {
        case 'port': return [point(e.conn.client.port), point(e.conn.broker.port)];
        case 'qos': {
          const row = t.row(i);
          return row !== null && row.type === 'PUBLISH' ? [point((row.firstByte >>> 1) & 3)] : NO_RANGES;
        }
        case 'id': { const id = t.packetIdOf(i); return id === null ? NO_RANGES : [point(id)]; }
        case 'frame': return [{ lo: BigInt(t.firstFrameOf(i)), hi: BigInt(t.frameOf(i)) }];
        case 'severity': return t.anomaliesOf(i).map((a) => point(severityRank(a.severity)));
        case 'time': { const row = t.row(i); return row === null ? NO_RANGES : [point(timeValue(row.ts))]; }
        default: return NO_RANGES;
      }
    },
  };
}

const ALL: RowQuery = { source: '', all: true, grammar: 'none', error: null, packet: () => true, connection: () => true };

export function compileQuery(text: string, list: ListName): RowQuery {
  if (text.trim() === '') return ALL;
  try {
    const f = parseExpression(text);
    return {
      source: text, all: false, grammar: 'expression', error: null,
      packet: (t, i, e) => f.matches(rowSubject(t, i, e)),
      connection: (e) => f.matches(connectionSubject(e.conn, e.verdict, null)),
    };
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    if (looksLikeExpression(text)) return { ...ALL, source: text, error: err.message };
  }
  const words = parseWords(text, list === 'packets' ? PACKET_KEYS : CONNECTION_KEYS);
  return {
    source: text, all: words.terms.length === 0, grammar: 'words', error: words.error,
    packet: (t, i) => matches(words, packetFieldGetter(t, i), PACKET_KEYS),
    connection: (e) => matches(words, connectionFields(e)),
  };
}
