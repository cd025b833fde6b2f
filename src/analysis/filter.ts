/**
 * `--filter EXPR`: a small expression language over what a run reports (connections, MQTT packets,
 * anomalies), in the spirit of Wireshark's display filters but with MQTT's own words.
 *
 * ```
 * expr       := or
 * or         := and (("or" | "||") and)*
 * and        := unary (("and" | "&&") unary)*
 * unary      := ("not" | "!") unary | "(" expr ")" | comparison
 * comparison := FIELD OP VALUE
 * OP         := "==" | "=" | "!=" | "~" | "!~" | "<" | "<=" | ">" | ">="
 * VALUE      := a bare word (C3, PUBLISH, sensors/+/temp, 2026-11-22T04:00:00Z) | "a quoted string"
 * ```
 *
 * A field may hold several values (a connection's topics, a packet's anomaly codes); a comparison is
 * true when one of them satisfies it, and `!=` / `!~` are the negation of `==` / `~` (no value equals /
 * matches). A field with no value (the topic of a PINGREQ) satisfies no `==` and every `!=`. Numeric
 * and time fields hold ranges (a connection's frames or its start…end): `time >= T` is true when some
 * instant of the range is at or after T. `~` matches MQTT wildcards (`+`, `#`) on `topic` and `*` / `?`
 * globs on the other text fields. Values are checked when the filter is parsed, so a typo is a usage
 * error pointing at its token, not a filter that silently matches nothing.
 *
 * Pure: parsing builds closures; evaluation reads a {@link FilterSubject}, which knows nothing of syntax.
 */
import { allDiagCodes } from '../diag/registry.js';
import type { Severity } from '../diag/types.js';
import type { Timestamp } from '../capture/types.js';
import { PACKET_TYPE_NAMES } from '../mqtt/types.js';
import { CAUSES } from './types.js';

export type TextField = 'conn' | 'clientid' | 'username' | 'addr' | 'transport' | 'dir' | 'type' | 'topic' | 'code' | 'cause';
export type RangeField = 'port' | 'qos' | 'id' | 'frame' | 'severity' | 'time';
export type FieldName = TextField | RangeField;

/** A closed range of numbers (a single value has lo = hi). Times are nanoseconds since the epoch. */
export interface ValueRange {
  readonly lo: bigint;
  readonly hi: bigint;
}

/** What a filter is evaluated against: the values of each field (empty when the field does not apply). */
export interface FilterSubject {
  text(field: TextField): readonly string[];
  range(field: RangeField): readonly ValueRange[];
}

export interface Filter {
  /** The expression as the user wrote it. */
  readonly source: string;
  /** The fields the expression reads (e.g. a stream holds records back only when `cause` is used). */
  readonly fields: ReadonlySet<FieldName>;
  matches(subject: FilterSubject): boolean;
}

/** A bad expression: the message and the characters [start, end) of the token at fault. */
export class FilterError extends Error {
  constructor(message: string, readonly start: number, readonly end: number) {
    super(message);
    this.name = 'FilterError';
  }
}

export interface FilterParseOptions {
  /** Times written without a zone are local time (else UTC). */
  readonly localTime?: boolean;
}

type Kind = 'text' | 'topic' | 'enum' | 'number' | 'time' | 'severity';

interface FieldSpec {
  readonly kind: Kind;
  readonly help: string;
  /** Enumerations: the canonical values, and how a user's spelling maps to one. */
  readonly values?: readonly string[];
  readonly canon?: (v: string) => string;
  /** Numbers: the largest value the field can hold. */
  readonly max?: bigint;
}

const PACKET_TYPES: readonly string[] = [...PACKET_TYPE_NAMES, 'TRUNCATED'];
const SEVERITIES: readonly Severity[] = ['note', 'warn', 'error'];
const DIAG_CODES: ReadonlySet<string> = new Set(allDiagCodes());

/** Every field, its kind and a one-line meaning (also the reference in `--help` and the README). */
export const FILTER_FIELDS: Readonly<Record<FieldName, FieldSpec>> = {
  conn: { kind: 'enum', help: 'connection id: C3 (or 3)', canon: (v) => (/^c?\d+$/i.test(v) ? `C${Number(v.replace(/^c/i, ''))}` : v.toUpperCase()) },
  clientid: { kind: 'text', help: 'the client id from CONNECT' },
  username: { kind: 'text', help: 'the user name from CONNECT' },
  addr: { kind: 'text', help: 'client or broker IP address' },
  port: { kind: 'number', help: 'client or broker TCP port', max: 65535n },
  transport: { kind: 'enum', help: 'tcp, websocket (or ws), tls', values: ['tcp', 'websocket', 'tls'],
    canon: (v) => (v.toLowerCase() === 'ws' ? 'websocket' : v.toLowerCase()) },
  dir: { kind: 'enum', help: 'c2s (client to broker) or s2c', values: ['c2s', 's2c'], canon: (v) => v.toLowerCase() },
  type: { kind: 'enum', help: 'MQTT packet type: PUBLISH, CONNACK, … (a connection: any packet it carried)',
    values: PACKET_TYPES, canon: (v) => v.toUpperCase() },
  topic: { kind: 'topic', help: 'PUBLISH topic, SUBSCRIBE/UNSUBSCRIBE filter, Will topic; ~ takes MQTT wildcards' },
  qos: { kind: 'number', help: 'PUBLISH QoS', max: 3n },
  id: { kind: 'number', help: 'packet identifier', max: 65535n },
  frame: { kind: 'number', help: 'capture frame number (as Wireshark counts)', max: BigInt(Number.MAX_SAFE_INTEGER) },
  severity: { kind: 'severity', help: 'anomaly severity: note < warn < error' },
  code: { kind: 'enum', help: 'anomaly code, e.g. mqtt.publish.qos3 (see --list-diagnostics)', canon: (v) => v.toLowerCase() },
  cause: { kind: 'enum', help: 'verdict cause: keepalive_timeout, malformed_packet, … (see README)', values: CAUSES, canon: (v) => v.toLowerCase() },
  time: { kind: 'time', help: 'timestamp: 2026-11-22T04:00:00Z (no zone: UTC, or local with --local-time), or epoch seconds' },
};

const ALIASES: Readonly<Record<string, FieldName>> = {
  client_id: 'clientid', 'client-id': 'clientid', user: 'username', packet_id: 'id', packetid: 'id', msgid: 'id',
  packet_type: 'type', msgtype: 'type', ts: 'time', sev: 'severity', ip: 'addr', conn_id: 'conn',
};

type Op = '==' | '!=' | '~' | '!~' | '<' | '<=' | '>' | '>=';
const OPS: readonly string[] = ['==', '!=', '~', '!~', '<', '<=', '>', '>='];

interface Token {
  readonly kind: 'lparen' | 'rparen' | 'op' | 'and' | 'or' | 'not' | 'word' | 'string' | 'end';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

type Test = (s: FilterSubject) => boolean;

/** Characters that end a bare word. */
const WORD_STOP = /[\s()"'=!<>~&|]/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (kind: Token['kind'], text: string, start: number, end: number): void => { out.push({ kind, text, start, end }); };
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    const two = src.slice(i, i + 2);
    if (ch === '(') { push('lparen', ch, i, i + 1); i++; continue; }
    if (ch === ')') { push('rparen', ch, i, i + 1); i++; continue; }
    if (two === '&&') { push('and', two, i, i + 2); i += 2; continue; }
    if (two === '||') { push('or', two, i, i + 2); i += 2; continue; }
    if (['==', '!=', '!~', '<=', '>='].includes(two)) { push('op', two, i, i + 2); i += 2; continue; }
    if (ch === '=') { push('op', '==', i, i + 1); i++; continue; }
    if (ch === '<' || ch === '>' || ch === '~') { push('op', ch, i, i + 1); i++; continue; }
    if (ch === '!') { push('not', ch, i, i + 1); i++; continue; }
    if (ch === '&' || ch === '|') throw new FilterError(`"${ch}" alone is not an operator: use "${ch}${ch}" or "${ch === '&' ? 'and' : 'or'}"`, i, i + 1);
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== ch) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        text += src[j]!;
        j++;
      }
      if (j >= src.length) throw new FilterError('unterminated string: a closing quote is missing', i, src.length);
      push('string', text, i, j + 1);
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < src.length && !WORD_STOP.test(src[j]!)) j++;
    const word = src.slice(i, j);
    const lower = word.toLowerCase();
    push(lower === 'and' ? 'and' : lower === 'or' ? 'or' : lower === 'not' ? 'not' : 'word', word, i, j);
    i = j;
  }
  out.push({ kind: 'end', text: '', start: src.length, end: src.length });
  return out;
}

/** Parses `source`; throws FilterError (with the bad token's position) on a bad expression. */
export function parseFilter(source: string, opts: FilterParseOptions = {}): Filter {
  const tokens = tokenize(source);
  const fields = new Set<FieldName>();
  let k = 0;
  const peek = (): Token => tokens[k]!;
  const next = (): Token => tokens[k++]!;

  function orExpr(): Test {
    let left = andExpr();
    while (peek().kind === 'or') {
      next();
      const a = left;
      const b = andExpr();
      left = (s) => a(s) || b(s);
    }
    return left;
  }

  function andExpr(): Test {
    let left = unary();
    while (peek().kind === 'and') {
      next();
      const a = left;
      const b = unary();
      left = (s) => a(s) && b(s);
    }
    return left;
  }

  function unary(): Test {
    const t = peek();
    if (t.kind === 'not') {
      next();
      const inner = unary();
      return (s) => !inner(s);
    }
    if (t.kind === 'lparen') {
      next();
      const inner = orExpr();
      const close = next();
      if (close.kind !== 'rparen') throw new FilterError(`expected ")" to close the "(" at column ${t.start + 1}`, close.start, Math.max(close.end, close.start + 1));
      return inner;
    }
    return comparison();
  }

  function comparison(): Test {
    const f = next();
    if (f.kind === 'end') throw new FilterError('expected a field name (conn, clientid, topic, type, severity, cause, time, …)', f.start, f.start + 1);
    if (f.kind !== 'word') throw new FilterError(`expected a field name, got "${f.text}"`, f.start, f.end);
    const name = fieldName(f.text);
    if (name === undefined) {
      throw new FilterError(`unknown field "${f.text}"; fields: ${Object.keys(FILTER_FIELDS).join(', ')}`, f.start, f.end);
    }
    const op = next();
    if (op.kind !== 'op') {
      throw new FilterError(`expected an operator (${OPS.join(' ')}) after "${f.text}"`, op.start, Math.max(op.end, op.start + 1));
    }
    const v = next();
    if (v.kind !== 'word' && v.kind !== 'string') {
      throw new FilterError(`expected a value after "${f.text} ${op.text}"`, v.start, Math.max(v.end, v.start + 1));
    }
    fields.add(name);
    return compile(name, op as Token & { text: Op }, v, opts);
  }

  const test = orExpr();
  const rest = peek();
  if (rest.kind !== 'end') {
    throw new FilterError(`unexpected "${rest.text}": join conditions with "and" or "or"`, rest.start, rest.end);
  }
  return { source, fields, matches: test };
}

function fieldName(word: string): FieldName | undefined {
  const w = word.toLowerCase();
  if (Object.hasOwn(FILTER_FIELDS, w)) return w as FieldName;
  return ALIASES[w];
}

function compile(field: FieldName, op: Token & { text: Op }, v: Token, opts: FilterParseOptions): Test {
  const spec = FILTER_FIELDS[field];
  const ordering = op.text === '<' || op.text === '<=' || op.text === '>' || op.text === '>=';
  const negated = op.text === '!=' || op.text === '!~';
  const like = op.text === '~' || op.text === '!~';
  let positive: Test;
  if (spec.kind === 'text' || spec.kind === 'topic' || spec.kind === 'enum') {
    if (ordering) throw new FilterError(`"${op.text}" compares numbers, times and severities; ${field} takes ==, !=, ~ or !~`, op.start, op.end);
    const f = field as TextField;
    if (like) {
      const match = spec.kind === 'topic' ? topicMatcher(v) : globMatcher(spec.canon ? spec.canon(v.text) : v.text);
      positive = (s) => s.text(f).some(match);
    } else {
      const want = enumValue(field, spec, v);
      positive = (s) => s.text(f).includes(want);
    }
  } else {
    if (like) throw new FilterError(`"${op.text}" matches text; ${field} takes ==, !=, <, <=, > or >=`, op.start, op.end);
    const f = field as RangeField;
    const x = spec.kind === 'time' ? timeLiteral(v, opts) : spec.kind === 'severity' ? severityLiteral(v) : numberLiteral(field, spec, v);
    const inRange = rangeTest(op.text, x);
    positive = (s) => s.range(f).some(inRange);
  }
  return negated ? (s) => !positive(s) : positive;
}

function rangeTest(op: Op, x: bigint): (r: ValueRange) => boolean {
  switch (op) {
    case '<': return (r) => r.lo < x;
    case '<=': return (r) => r.lo <= x;
    case '>': return (r) => r.hi > x;
    case '>=': return (r) => r.hi >= x;
    default: return (r) => r.lo <= x && x <= r.hi;
  }
}

function enumValue(field: FieldName, spec: FieldSpec, v: Token): string {
  const value = spec.canon ? spec.canon(v.text) : v.text;
  if (spec.values && !spec.values.includes(value)) {
    throw new FilterError(`${field} is one of ${spec.values.join(', ')}; got "${v.text}"`, v.start, v.end);
  }
  if (field === 'conn' && !/^C[1-9]\d*$/.test(value)) throw new FilterError(`connection ids look like C3; got "${v.text}"`, v.start, v.end);
  if (field === 'code' && !DIAG_CODES.has(value)) {
    throw new FilterError(`unknown anomaly code "${v.text}" (--list-diagnostics lists them; ~ "mqtt.header.*" matches a group)`, v.start, v.end);
  }
  return value;
}

function numberLiteral(field: FieldName, spec: FieldSpec, v: Token): bigint {
  if (!/^\d{1,16}$/.test(v.text)) throw new FilterError(`${field} takes a whole number; got "${v.text}"`, v.start, v.end);
  const n = BigInt(v.text);
  if (spec.max !== undefined && n > spec.max) throw new FilterError(`${field} is at most ${spec.max}; got ${v.text}`, v.start, v.end);
  return n;
}

/** note < warn < error, as 0 < 1 < 2. */
export function severityRank(s: Severity): bigint {
  return BigInt(SEVERITIES.indexOf(s));
}

function severityLiteral(v: Token): bigint {
  const s = v.text.toLowerCase() === 'warning' ? 'warn' : v.text.toLowerCase();
  const i = SEVERITIES.indexOf(s as Severity);
  if (i < 0) throw new FilterError(`severity is note, warn or error; got "${v.text}"`, v.start, v.end);
  return BigInt(i);
}

/** A capture timestamp as nanoseconds since the epoch. */
export function timeValue(ts: Timestamp): bigint {
  return BigInt(ts.sec) * 1_000_000_000n + BigInt(ts.nsec);
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function timeLiteral(v: Token, opts: FilterParseOptions): bigint {
  const epoch = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(v.text);
  if (epoch) return BigInt(epoch[1]!) * 1_000_000_000n + BigInt((epoch[2] ?? '').padEnd(9, '0'));
  const m = TIME_RE.exec(v.text);
  const bad = (): FilterError => new FilterError(`time takes 2026-11-22T04:00:00Z (ISO 8601; fraction and zone optional) or epoch seconds; got "${v.text}"`, v.start, v.end);
  if (!m) throw bad();
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || check.getUTCHours() !== h
    || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) throw bad();
  let ms: number;
  const zone = m[8];
  if (zone !== undefined) {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    const offset = z ? (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0)) : 0;
    ms = utc - offset * 60_000;
  } else {
    ms = opts.localTime ? new Date(y, mo - 1, d, h, mi, s).getTime() : utc;
  }
  return BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}

/** A `*` / `?` glob over the whole value. */
function globMatcher(pattern: string): (s: string) => boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return (s) => re.test(s);
}

function topicMatcher(v: Token): (s: string) => boolean {
  const levels = v.text.split('/');
  levels.forEach((l, i) => {
    if ((l.includes('#') && (l !== '#' || i !== levels.length - 1)) || (l.includes('+') && l !== '+')) {
      throw new FilterError(`bad topic filter "${v.text}": "+" must be a whole level and "#" the whole last level`, v.start, v.end);
    }
  });
  return (topic) => topicMatches(levels, topic);
}

/**
 * Whether `topic` matches the Topic Filter split into `levels` (MQTT 5.0 §4.7): `+` one level, `#`
 * the rest (including the parent level); a wildcard first level does not match a `$` topic [MQTT-4.7.2-1].
 */
export function topicMatches(levels: readonly string[], topic: string): boolean {
  const t = topic.split('/');
  if (topic.startsWith('$') && (levels[0] === '+' || levels[0] === '#')) return false;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l === '#') return true;
    if (i >= t.length) return false;
    if (l !== '+' && l !== t[i]) return false;
  }
  return t.length === levels.length;
}

/** The message and the expression with the bad token underlined, for a usage error. */
export function describeFilterError(e: FilterError, source: string): string {
  const shown = source.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const start = Math.min(e.start, shown.length);
  const width = Math.max(1, Math.min(e.end, shown.length + 1) - start);
  return `${e.message}\n  ${shown}\n  ${' '.repeat(start)}${'^'.repeat(width)}`;
}
