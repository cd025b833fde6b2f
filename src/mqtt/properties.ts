/**
 * MQTT 5.0 properties (§2.2.2): a Variable Byte Integer Property Length, then identifier + value
 * pairs. The 27 properties of Table 2-4, with their data types and the packets (and the Will
 * Properties of CONNECT) that may carry them, are one table below; names are the spec's, in camelCase.
 *
 * Checks (5.0 §2.2.2.2 and the per-property rules): unknown identifier (the rest of the block cannot
 * be read, so it is skipped), property not allowed in this packet, a single-valued property repeated
 * (only User Property may repeat anywhere, Subscription Identifier only in PUBLISH), values that are a
 * Protocol Error (0 for Receive Maximum, Maximum Packet Size, Topic Alias, Subscription Identifier;
 * anything but 0/1 for the flag bytes; a wildcard in Response Topic), a Property Length past the end
 * of the packet and a value past the end of its block.
 *
 * Properties come back as an ordered array with duplicates kept (Suricata's Vec, not mqtt-packet's
 * object). Binary values are copied: a property outlives the chunk it arrived in.
 */
import type { ByteCursor } from './cursor.js';
import { PACKET_TYPE } from './framing.js';
import { wildcardIndex } from './topic.js';
import { PACKET_TYPE_NAMES, type PacketTypeName, type Property } from './types.js';

/** Data types of 5.0 §1.5. */
export type PropertyType =
  | 'byte' | 'twoByteInteger' | 'fourByteInteger' | 'variableByteInteger'
  | 'utf8String' | 'binaryData' | 'utf8StringPair';

/** Where a property block sits: a packet type, or the Will Properties of CONNECT (5.0 §3.1.3.2). */
export type PropertyContext = Exclude<PacketTypeName, 'RESERVED' | 'PINGREQ' | 'PINGRESP'> | 'WILL';

export interface PropertySpec {
  readonly id: number;
  /** The spec's name in camelCase. */
  readonly name: string;
  readonly type: PropertyType;
  readonly allowed: readonly PropertyContext[];
  /** Detail-mode field name, e.g. `mqtt.property.sessionExpiryInterval`. */
  readonly field: string;
  /** Bit (1 << contextCode) per allowed context; see {@link propertyContextCode}. */
  readonly allowedMask: number;
}

/** Context code of the Will Properties: one past the 4-bit packet types. */
export const WILL_CONTEXT = 16;

/** The number a context is checked by: the packet type code, or {@link WILL_CONTEXT}. */
export function propertyContextCode(context: PropertyContext): number {
  return context === 'WILL' ? WILL_CONTEXT : PACKET_TYPE[context];
}

const ACKS: readonly PropertyContext[] = ['PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP'];

const spec = (id: number, name: string, type: PropertyType, allowed: readonly PropertyContext[]): PropertySpec => ({
  id, name, type, allowed, field: `mqtt.property.${name}`,
  allowedMask: allowed.reduce((m, c) => m | (1 << propertyContextCode(c)), 0),
});

/** 5.0 Table 2-4, in identifier order. */
export const PROPERTY_SPECS: readonly PropertySpec[] = [
  spec(0x01, 'payloadFormatIndicator', 'byte', ['PUBLISH', 'WILL']),
  spec(0x02, 'messageExpiryInterval', 'fourByteInteger', ['PUBLISH', 'WILL']),
  spec(0x03, 'contentType', 'utf8String', ['PUBLISH', 'WILL']),
  spec(0x08, 'responseTopic', 'utf8String', ['PUBLISH', 'WILL']),
  spec(0x09, 'correlationData', 'binaryData', ['PUBLISH', 'WILL']),
  spec(0x0b, 'subscriptionIdentifier', 'variableByteInteger', ['PUBLISH', 'SUBSCRIBE']),
  spec(0x11, 'sessionExpiryInterval', 'fourByteInteger', ['CONNECT', 'CONNACK', 'DISCONNECT']),
  spec(0x12, 'assignedClientIdentifier', 'utf8String', ['CONNACK']),
  spec(0x13, 'serverKeepAlive', 'twoByteInteger', ['CONNACK']),
  spec(0x15, 'authenticationMethod', 'utf8String', ['CONNECT', 'CONNACK', 'AUTH']),
  spec(0x16, 'authenticationData', 'binaryData', ['CONNECT', 'CONNACK', 'AUTH']),
  spec(0x17, 'requestProblemInformation', 'byte', ['CONNECT']),
  spec(0x18, 'willDelayInterval', 'fourByteInteger', ['WILL']),
  spec(0x19, 'requestResponseInformation', 'byte', ['CONNECT']),
  spec(0x1a, 'responseInformation', 'utf8String', ['CONNACK']),
  spec(0x1c, 'serverReference', 'utf8String', ['CONNACK', 'DISCONNECT']),
  spec(0x1f, 'reasonString', 'utf8String', ['CONNACK', ...ACKS, 'SUBACK', 'UNSUBACK', 'DISCONNECT', 'AUTH']),
  spec(0x21, 'receiveMaximum', 'twoByteInteger', ['CONNECT', 'CONNACK']),
  spec(0x22, 'topicAliasMaximum', 'twoByteInteger', ['CONNECT', 'CONNACK']),
  spec(0x23, 'topicAlias', 'twoByteInteger', ['PUBLISH']),
  spec(0x24, 'maximumQoS', 'byte', ['CONNACK']),
  spec(0x25, 'retainAvailable', 'byte', ['CONNACK']),
  spec(0x26, 'userProperty', 'utf8StringPair', ['CONNECT', 'CONNACK', 'PUBLISH', 'WILL', ...ACKS, 'SUBSCRIBE', 'SUBACK',
    'UNSUBSCRIBE', 'UNSUBACK', 'DISCONNECT', 'AUTH']),
  spec(0x27, 'maximumPacketSize', 'fourByteInteger', ['CONNECT', 'CONNACK']),
  spec(0x28, 'wildcardSubscriptionAvailable', 'byte', ['CONNACK']),
  spec(0x29, 'subscriptionIdentifierAvailable', 'byte', ['CONNACK']),
  spec(0x2a, 'sharedSubscriptionAvailable', 'byte', ['CONNACK']),
];

/** Identifier → spec (sparse: undefined for unassigned identifiers). */
const BY_ID: readonly (PropertySpec | undefined)[] = (() => {
  const t: (PropertySpec | undefined)[] = new Array(0x2b).fill(undefined);
  for (const s of PROPERTY_SPECS) t[s.id] = s;
  return t;
})();

export function propertySpec(id: number): PropertySpec | undefined {
  return BY_ID[id];
}

/** Property identifiers whose repeats the rules below mention by name. */
export const PROPERTY_ID = {
  payloadFormatIndicator: 0x01, responseTopic: 0x08, subscriptionIdentifier: 0x0b, serverKeepAlive: 0x13,
  receiveMaximum: 0x21, topicAlias: 0x23, maximumQoS: 0x24, userProperty: 0x26, maximumPacketSize: 0x27,
} as const;

/** Identifiers for which 0 is a Protocol Error (§3.1.2.11.3, §3.1.2.11.4, [MQTT-3.3.2-8], §3.8.2.1.2). */
const ZERO_FORBIDDEN = new Set<number>([PROPERTY_ID.receiveMaximum, PROPERTY_ID.maximumPacketSize, PROPERTY_ID.topicAlias,
  PROPERTY_ID.subscriptionIdentifier]);

/** Shared empty list: most packets have no properties, and 3.x packets never do. */
export const NO_PROPERTIES: readonly Property[] = Object.freeze([]);

/**
 * Reads a property block at the cursor for `context` (a {@link propertyContextCode}). `group` names the
 * detail-mode group (`mqtt.properties`, `mqtt.will_properties`). Problems are reported on the cursor.
 */
export function readProperties(cur: ByteCursor, context: number, group: string): readonly Property[] {
  const blockStart = cur.pos;
  const length = cur.varint();
  if (cur.short) return NO_PROPERTIES;
  const lengthBytes = cur.pos - blockStart;
  const blockEnd = cur.pos + length;
  if (blockEnd > cur.end) {
    cur.field('mqtt.property_len', blockStart, lengthBytes, length);
    cur.report('mqtt.property.length_past_end', blockStart, lengthBytes,
      `Property Length ${length}, ${cur.end - cur.pos} bytes left in the packet`);
    cur.abort();
    return NO_PROPERTIES;
  }
  cur.beginGroup(group, blockStart, lengthBytes + length);
  cur.field('mqtt.property_len', blockStart, lengthBytes, length);
  if (length === 0) {
    cur.endGroup();
    return NO_PROPERTIES;
  }
  const packetEnd = cur.end;
  cur.end = blockEnd; // a value may not run past its block
  const props: Property[] = [];
  // Identifiers seen so far, as two 32-bit sets (all identifiers are below 64).
  let seenLow = 0;
  let seenHigh = 0;
  while (cur.pos < blockEnd) {
    const start = cur.pos;
    const id = cur.bytes[start]!;
    const s = BY_ID[id];
    if (s === undefined) {
      // The length of an unknown property's value is unknown: nothing after it in the block can be read.
      cur.report('mqtt.property.unknown', start, blockEnd - start, `identifier 0x${id.toString(16).padStart(2, '0')}`);
      cur.pos = blockEnd;
      break;
    }
    if (cur.detail) cur.beginGroup('mqtt.property', start, encodedLength(cur.bytes, start, blockEnd, s.type));
    cur.field('mqtt.property_id', start, 1, id);
    cur.pos += 1;
    const value = readValue(cur, s);
    cur.endGroup();
    if (cur.short) {
      if (!cur.shortExplained) {
        cur.report('mqtt.property.overrun', start, blockEnd - start,
          `${s.name} needs ${cur.shortWanted} bytes at byte ${cur.shortAt - start} of the property, ${blockEnd - cur.shortAt} left in the block`);
      }
      // The block's end is still known: decoding resumes after it.
      cur.short = false;
      cur.shortExplained = false;
      cur.pos = blockEnd;
      break;
    }
    const prop: Property = { id, name: s.name, value, at: { offset: cur.base + start, length: cur.pos - start } };
    props.push(prop);
    checkProperty(cur, s, context, prop, start);
    const bit = 1 << (id & 31);
    const seen = id < 32 ? seenLow & bit : seenHigh & bit;
    if (seen !== 0 && id !== PROPERTY_ID.userProperty
      && !(id === PROPERTY_ID.subscriptionIdentifier && context === PACKET_TYPE.PUBLISH)) {
      cur.report('mqtt.property.duplicate', start, cur.pos - start, `${s.name} appears more than once`);
    }
    if (id < 32) seenLow |= bit;
    else seenHigh |= bit;
  }
  cur.end = packetEnd;
  cur.endGroup();
  return props;
}

function readValue(cur: ByteCursor, s: PropertySpec): Property['value'] {
  switch (s.type) {
    case 'byte': return cur.u8(s.field);
    case 'twoByteInteger': return cur.u16(s.field);
    case 'fourByteInteger': return cur.u32(s.field);
    case 'variableByteInteger': return cur.varint(s.field);
    case 'utf8String': return cur.utf8(s.name, s.field);
    case 'binaryData': {
      const start = cur.binary(s.field);
      // A copy, not a view: the value may be kept after the chunk it came in is gone.
      return start < 0 ? new Uint8Array(0) : cur.bytes.slice(start, start + cur.lastLength);
    }
    case 'utf8StringPair': {
      const key = cur.utf8('userProperty name', 'mqtt.property.userProperty.key');
      const value = cur.utf8('userProperty value', 'mqtt.property.userProperty.value');
      return [key, value];
    }
    default: return assertNever(s.type);
  }
}

/** The per-property rules that one packet can show. */
function checkProperty(cur: ByteCursor, s: PropertySpec, context: number, prop: Property, start: number): void {
  const valueIndex = start + 1;
  const valueLength = prop.at.length - 1;
  if ((s.allowedMask & (1 << context)) === 0) {
    cur.report('mqtt.property.not_allowed', start, prop.at.length,
      `${s.name} is not allowed in ${context === WILL_CONTEXT ? 'Will Properties' : contextName(context)}`);
  }
  const v = prop.value;
  if (typeof v !== 'number') {
    if (s.id === PROPERTY_ID.responseTopic) {
      // [MQTT-3.3.2-14]: the Response Topic is a Topic Name, so it must not contain wildcards.
      const w = wildcardIndex(cur.bytes, cur.lastStart, cur.lastStart + cur.lastLength);
      if (w >= 0) cur.report('mqtt.property.bad_value', w, 1, `responseTopic contains '${String.fromCharCode(cur.bytes[w]!)}'`);
    }
    return;
  }
  if (v === 0 && ZERO_FORBIDDEN.has(s.id)) {
    cur.report('mqtt.property.zero_value', valueIndex, valueLength, `${s.name} is 0`);
  } else if (s.type === 'byte' && v > 1) {
    // Every Byte property is a 0/1 flag (Maximum QoS included: it says "QoS 0 or 1 only" — 2 is signalled by its absence).
    cur.report('mqtt.property.bad_value', valueIndex, 1, `${s.name} is ${v}; only 0 and 1 are allowed`);
  }
}

function contextName(context: number): string {
  return PACKET_TYPE_NAMES[context] ?? `type ${context}`;
}

/**
 * Detail mode only: the encoded length of the property at bytes[start] (identifier included), so its
 * group can be opened with the right Span before the value is read; clamped to the block.
 */
function encodedLength(bytes: Uint8Array, start: number, blockEnd: number, type: PropertyType): number {
  const u16 = (i: number): number => (i + 1 < blockEnd ? (bytes[i]! << 8) | bytes[i + 1]! : 0);
  let n: number;
  switch (type) {
    case 'byte': n = 2; break;
    case 'twoByteInteger': n = 3; break;
    case 'fourByteInteger': n = 5; break;
    case 'variableByteInteger': {
      n = 1;
      while (n < 5 && start + n < blockEnd && (bytes[start + n]! & 0x80) !== 0) n++;
      n++;
      break;
    }
    case 'utf8String': case 'binaryData': n = 3 + u16(start + 1); break;
    case 'utf8StringPair': {
      const k = u16(start + 1);
      n = 5 + k + u16(start + 3 + k);
      break;
    }
    default: return assertNever(type);
  }
  return Math.min(n, blockEnd - start);
}

function assertNever(x: never): never {
  throw new Error(`unexpected property type ${String(x)}`);
}
