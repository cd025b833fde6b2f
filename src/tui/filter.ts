/**
 * The TUI's filter: a small grammar typed after `/`. Space-separated terms, all of which must match:
 *
 *   word          the row's text contains `word` (case-insensitive)
 *   key:value     the row's `key` field contains `value`; `topic:` takes MQTT wildcards (+, #) [MQTT-4.7]
 *   !term         the term must not match
 *
 * Packet keys: type, topic, dir (c2s|s2c), id, frame, code (anomaly code prefix), has (anomaly|error).
 * Connection keys: conn, client, broker, clientid, cause, transport, version, has (anomaly|error|verdict).
 * Pure: parse once per keystroke, match per row.
 */

export type FilterFields = Readonly<Record<string, readonly string[]>>;
/** A row's values for one key, computed on demand (a million rows are scanned without building records). */
export type FieldGetter = (key: string) => readonly string[];

export interface Term {
  readonly key: string | null;
  readonly value: string;
  readonly negate: boolean;
}

export interface Filter {
  readonly source: string;
  readonly terms: readonly Term[];
  /** Why part of the text was ignored (an unknown key), shown under the list. */
  readonly error: string | null;
}

export const PACKET_KEYS: readonly string[] = ['type', 'topic', 'dir', 'id', 'frame', 'code', 'has'];
export const CONNECTION_KEYS: readonly string[] = ['conn', 'client', 'broker', 'clientid', 'cause', 'transport', 'version', 'has'];

export const EMPTY_FILTER: Filter = { source: '', terms: [], error: null };

export function parseFilter(text: string, keys: readonly string[]): Filter {
  const terms: Term[] = [];
  const unknown: string[] = [];
  for (const word of text.trim().split(/\s+/)) {
    if (word === '' || word === '!') continue;
    const negate = word.startsWith('!');
    const body = negate ? word.slice(1) : word;
    const colon = body.indexOf(':');
    if (colon > 0) {
      const key = body.slice(0, colon).toLowerCase();
      if (!keys.includes(key)) {
        unknown.push(key);
        continue;
      }
      terms.push({ key, value: body.slice(colon + 1).toLowerCase(), negate });
    } else {
      terms.push({ key: null, value: body.toLowerCase(), negate });
    }
  }
  return {
    source: text, terms,
    error: unknown.length > 0 ? `unknown key ${unknown.map((k) => `'${k}'`).join(', ')} (keys: ${keys.join(' ')})` : null,
  };
}

/** MQTT topic filter matching: `+` one level, `#` this level and all below [MQTT-4.7.1]. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const part = f[i]!;
    if (part === '#') return true;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]!.toLowerCase()) return false;
  }
  return f.length === t.length;
}

function termMatches(term: Term, get: FieldGetter, keys: readonly string[]): boolean {
  if (term.key === null) {
    for (const key of keys) {
      for (const v of get(key)) if (v.toLowerCase().includes(term.value)) return true;
    }
    return false;
  }
  const values = get(term.key);
  const wildcard = term.key === 'topic' && /[+#]/.test(term.value);
  for (const v of values) {
    const lower = v.toLowerCase();
    if (wildcard ? topicMatches(term.value, lower) : term.key === 'code' ? lower.startsWith(term.value) : lower.includes(term.value)) {
      return true;
    }
  }
  return false;
}

/** Whether a row matches: `fields` as a record, or a getter plus the keys plain words search. */
export function matches(f: Filter, fields: FilterFields | FieldGetter, keys?: readonly string[]): boolean {
  const get: FieldGetter = typeof fields === 'function' ? fields : (k) => fields[k] ?? [];
  const all = keys ?? (typeof fields === 'function' ? [] : Object.keys(fields));
  for (const term of f.terms) {
    if (termMatches(term, get, all) === term.negate) return false;
  }
  return true;
}
