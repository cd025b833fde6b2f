/**
 * Protocol detection on the first payload bytes of a client→server stream, for flows on ports that
 * are not known to carry MQTT: an MQTT CONNECT, or a TLS ClientHello.
 */

/** True when `b` starts with a CONNECT fixed header followed by protocol name "MQTT" or "MQIsdp". */
export function looksLikeConnect(b: Uint8Array): boolean {
  if (b.length < 2 || b[0] !== 0x10) return false;
  // Skip the Remaining Length varint (1–4 bytes).
  let i = 1;
  while (i < 5 && i < b.length && (b[i]! & 0x80) !== 0) i++;
  i++;
  if (b.length < i + 4) return false;
  const nameLen = (b[i]! << 8) | b[i + 1]!;
  const name = String.fromCharCode(...b.subarray(i + 2, Math.min(i + 2 + nameLen, b.length)));
  return (nameLen === 4 && name === 'MQTT') || (nameLen === 6 && name === 'MQIsdp');
}

/** True for a TLS handshake record (content type 22, version 3.x): MQTT over TLS, not decodable. */
export function looksLikeTls(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x16 && b[1] === 0x03 && b[2]! <= 0x04;
}
