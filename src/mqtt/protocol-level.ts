/**
 * Protocol levels and names as CONNECT carries them: "MQIsdp" level 3 is MQTT 3.1 (IBM), "MQTT"
 * level 4 is 3.1.1 [MQTT-3.1.2-1]/[MQTT-3.1.2-2], "MQTT" level 5 is 5.0. Bit 7 of the level byte is
 * the (non-standard, widely used) bridge flag of mosquitto and other brokers.
 */
import type { ProtocolLevel } from './types.js';

export const PROTOCOL_NAME_V31 = 'MQIsdp';
export const PROTOCOL_NAME = 'MQTT';

/** Bit 7 of the protocol level byte: a broker bridge connecting (mosquitto's try_private). */
export const BRIDGE_BIT = 0x80;

/** "3.1", "3.1.1", "5.0", or "level N". */
export function levelName(level: number): string {
  return level === 3 ? '3.1' : level === 4 ? '3.1.1' : level === 5 ? '5.0' : `level ${level}`;
}

export function isProtocolLevel(level: number): level is ProtocolLevel {
  return level === 3 || level === 4 || level === 5;
}

/** The protocol name that goes with a level: "MQIsdp" for 3, "MQTT" for 4 and 5. */
export function protocolNameFor(level: ProtocolLevel): string {
  return level === 3 ? PROTOCOL_NAME_V31 : PROTOCOL_NAME;
}
