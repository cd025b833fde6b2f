/** One short line per MQTT packet ("PUBLISH q1 id=7 sensors/t (20 B)"), shared by explain and flow. */
import { reasonCodeName } from '../mqtt/reason-codes.js';
import type { MqttPacket } from '../mqtt/types.js';
import { safeText } from '../bytes/text.js';

function code(type: MqttPacket['type'], level: number, rc: number): string {
  if (type === 'TRUNCATED') return '';
  const name = reasonCodeName(type, level, rc);
  return `0x${rc.toString(16).padStart(2, '0')}${name ? ` ${name}` : ''}`;
}

/** The packet's type and the fields a reader scans for, wire text escaped. */
export function packetLabel(p: MqttPacket, level: number): string {
  switch (p.type) {
    case 'CONNECT':
      return `CONNECT id="${safeText(p.clientId)}" ka=${p.keepAlive}${p.cleanStart ? ' clean' : ''}${p.username !== undefined ? ` user="${safeText(p.username)}"` : ''}${p.will ? ' will' : ''}`;
    case 'CONNACK':
      return `CONNACK ${code('CONNACK', level, p.reasonCode)}${p.sessionPresent ? ' session-present' : ''}`;
    case 'PUBLISH':
      return `PUBLISH q${p.qos}${p.packetId !== undefined ? ` id=${p.packetId}` : ''}${p.dup ? ' dup' : ''}${p.retain ? ' retain' : ''} ${safeText(p.topic) || '(alias)'} (${p.payload.length} B)`;
    case 'PUBACK': case 'PUBREC': case 'PUBREL': case 'PUBCOMP':
      return `${p.type} id=${p.packetId}${p.reasonCode !== undefined && p.reasonCode !== 0 ? ` ${code(p.type, level, p.reasonCode)}` : ''}`;
    case 'SUBSCRIBE':
      return `SUBSCRIBE id=${p.packetId} ${p.subscriptions.map((s) => `${safeText(s.topicFilter)} q${s.qos}`).join(', ')}`;
    case 'SUBACK': case 'UNSUBACK':
      return `${p.type} id=${p.packetId} [${p.reasonCodes.map((c) => `0x${c.toString(16).padStart(2, '0')}`).join(', ')}]`;
    case 'UNSUBSCRIBE':
      return `UNSUBSCRIBE id=${p.packetId} ${p.topicFilters.map(safeText).join(', ')}`;
    case 'DISCONNECT': case 'AUTH':
      return `${p.type}${p.reasonCode !== undefined ? ` ${code(p.type, level, p.reasonCode)}` : ''}`;
    case 'TRUNCATED':
      return `${p.declaredType} (${p.remainingLength} B, body skipped)`;
    default:
      return p.type;
  }
}
