/**
 * Per-connection sequence rules that a single packet cannot show: what must come first, what may
 * not come twice, and which direction each packet type may flow in (3.1.1 §2.2.1, 5.0 §2.1.2).
 */
import type { DiagCode } from '../diag/registry.js';
import type { Dir } from '../diag/types.js';
import type { MqttPacket } from '../mqtt/types.js';

const CLIENT_ONLY = new Set(['CONNECT', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PINGREQ']);
const SERVER_ONLY = new Set(['CONNACK', 'SUBACK', 'UNSUBACK', 'PINGRESP']);

export interface SequenceState {
  sawConnect: boolean;
  sawClientPacket: boolean;
}

/** Checks `packet` against the connection's sequence so far and updates it. */
export function checkSequence(
  state: SequenceState,
  dir: Dir,
  packet: MqttPacket,
  handshakeSeen: boolean,
  protocolLevel: number,
): DiagCode | null {
  const type = packet.type === 'TRUNCATED' ? packet.declaredType : packet.type;
  let code: DiagCode | null = null;
  if (dir === 'c2s') {
    if (type === 'CONNECT') {
      // [MQTT-3.1.0-2]: a second CONNECT is a protocol violation.
      if (state.sawConnect) code = 'mqtt.sequence.second_connect';
      state.sawConnect = true;
    } else if (!state.sawClientPacket && handshakeSeen) {
      // [MQTT-3.1.0-1]: after the network connection is established the first packet MUST be CONNECT.
      code = 'mqtt.sequence.first_not_connect';
    }
    state.sawClientPacket = true;
    if (code === null && SERVER_ONLY.has(type)) code = 'mqtt.sequence.wrong_direction';
  } else {
    if (CLIENT_ONLY.has(type)) code = 'mqtt.sequence.wrong_direction';
    // DISCONNECT from the server exists only in MQTT 5.
    if (type === 'DISCONNECT' && protocolLevel < 5) code = 'mqtt.sequence.wrong_direction';
  }
  return code;
}
