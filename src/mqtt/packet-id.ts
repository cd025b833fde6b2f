/**
 * The Packet Identifier (3.1.1 §2.3.1, 5.0 §2.2.1): a Two Byte Integer that MUST be non-zero
 * [MQTT-2.3.1-1] (3.1.1), [MQTT-2.2.1-3] (5.0). Acknowledgements echo the identifier of the packet they
 * answer, so 0 there is as wrong as in the request (mosquitto rejects both as a protocol error).
 */
import type { ByteCursor } from './cursor.js';

/** Reads the Packet Identifier at the cursor and reports `mqtt.packet_id.zero` when it is 0. */
export function checkPacketId(cur: ByteCursor): number {
  const index = cur.pos;
  const packetId = cur.u16('mqtt.msgid');
  if (packetId === 0 && !cur.short) cur.report('mqtt.packet_id.zero', index, 2, 'Packet Identifier 0');
  return packetId;
}
