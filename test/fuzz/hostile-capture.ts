/**
 * A capture whose wire text is hostile to terminals, and which carries credentials: every string field
 * a report can print (client ids, usernames, topics, topic filters, payloads, will topics, MQTT 5 reason
 * strings, user properties, authentication methods, WebSocket close reasons, HTTP upgrade paths) holds
 * escape sequences — screen clear, cursor moves, OSC 52 clipboard writes, OSC 8 hyperlinks, bidi
 * overrides, C1 CSI as one raw byte and as UTF-8 — and the CONNECT passwords and AUTH data (MQTT 5
 * property 0x16) are marker strings a test can look for. Three connections: MQTT 3.1.1 over TCP,
 * MQTT 5.0 over TCP (AUTH exchange, refused CONNACK, server DISCONNECT), MQTT 3.1.1 over WebSocket.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptFor } from '../../src/ws/http.js';
import { concatBytes, writePcap, type WritePacket } from '../support/capture-writer.js';
import { Conversation } from '../support/tcp-builder.js';
import { ascii, frame as wsFrame, KEY } from '../support/ws-frames.js';
import { encode } from '../harness/packets.js';

/** Escape sequences a terminal would act on. */
export const ESC = {
  clear: '\u001b[2J\u001b[H',
  cursor: '\u001b[10A\u001b[5C',
  osc52: '\u001b]52;c;cm0gLXJmIH4=\u0007',
  osc8: '\u001b]8;;https://evil.example/\u001b\\click me\u001b]8;;\u001b\\',
  bidi: '\u202eevil\u202c',
  isolate: '\u2067rtl\u2069',
  c1: '\u009b31m',
  bell: '\u0007',
} as const;

export const HOSTILE = Object.values(ESC).join('');

/** Marker credentials: no output may show them unless --show-credentials. */
export const SECRETS = {
  password311: 'PASSWORD-311-c0nn3ct',
  password5: 'PASSWORD-5-c0nn3ct',
  passwordWs: 'PASSWORD-ws-c0nn3ct',
  authData: 'AUTHDATA-5-s3cr3t',
  authDataAuthPacket: 'AUTHDATA-AUTH-s3cr3t',
} as const;

const BROKER = { ip: '10.0.0.1', port: 1883 };

function mqtt311(frames: WritePacket[]): void {
  const c = new Conversation({ ip: '10.0.0.2', port: 40001 }, BROKER, { start: 1_700_000_000, frames });
  c.send('client', encode({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30,
    clientId: `dev${ESC.clear}${ESC.bidi}`, username: `user${ESC.osc52}`, password: Buffer.from(SECRETS.password311),
    will: { topic: `will/${ESC.osc8}`, payload: Buffer.from(`gone${ESC.cursor}`), qos: 0, retain: false },
  }));
  c.send('server', Uint8Array.of(0x20, 0x02, 0x00, 0x00));
  c.send('client', encode({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `a/${ESC.isolate}/#`, qos: 1 }] }));
  c.send('server', Uint8Array.of(0x90, 0x03, 0x00, 0x01, 0x01));
  c.send('client', encode({ cmd: 'publish', topic: `t/${ESC.clear}${ESC.c1}`, payload: Buffer.from(`payload${HOSTILE}`), qos: 0, dup: false, retain: false }));
  // The same with a raw C1 CSI byte (0x9b) in the topic and the payload: not UTF-8, decoded lossily.
  const raw = encode({ cmd: 'publish', topic: 'rawXtopic', payload: Buffer.from('rawYpayload\u001b[2J'), qos: 0, dup: false, retain: false });
  raw[raw.indexOf(0x58)] = 0x9b;
  raw[raw.indexOf(0x59)] = 0x9b;
  c.send('client', raw);
  c.wait(1).send('client', Uint8Array.of(0xe0, 0x00)).close('client');
}

function mqtt5(frames: WritePacket[]): void {
  const c = new Conversation({ ip: '10.0.0.3', port: 40002 }, BROKER, { start: 1_700_000_010, frames });
  c.send('client', encode({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, keepalive: 60,
    clientId: `v5${ESC.osc52}`, username: `u5${ESC.bidi}`, password: Buffer.from(SECRETS.password5),
    properties: {
      authenticationMethod: `SCRAM${ESC.clear}`, authenticationData: Buffer.from(SECRETS.authData),
      userProperties: { [`k${ESC.osc8}`]: `v${ESC.c1}` },
    },
  }, 5));
  c.send('server', encode({ cmd: 'auth', reasonCode: 0x18, properties: {
    authenticationMethod: `SCRAM${ESC.clear}`, authenticationData: Buffer.from(SECRETS.authDataAuthPacket), reasonString: `continue${ESC.cursor}`,
  } }, 5));
  c.send('server', encode({ cmd: 'connack', sessionPresent: false, reasonCode: 0x87, properties: { reasonString: `denied${HOSTILE}` } }, 5));
  c.send('client', encode({ cmd: 'publish', topic: `v5/${ESC.bidi}`, payload: Buffer.from(`p${HOSTILE}`), qos: 1, messageId: 7, dup: false, retain: false,
    properties: { contentType: `text/${ESC.clear}`, responseTopic: `r/${ESC.osc52}`, userProperties: { a: `${ESC.osc8}` } } }, 5));
  c.send('server', encode({ cmd: 'disconnect', reasonCode: 0x8e, properties: { reasonString: `bye${HOSTILE}`, serverReference: `s${ESC.c1}` } }, 5));
  c.close('server');
}

function websocket(frames: WritePacket[]): void {
  const c = new Conversation({ ip: '10.0.0.4', port: 40003 }, { ip: '10.0.0.1', port: 8080 }, { start: 1_700_000_020, frames });
  const key = Buffer.from('hostile-key-0123').toString('base64');
  c.send('client', ascii(`GET /mqtt${encodeURI(ESC.clear)} HTTP/1.1\r\nHost: b\u001b[2J\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`));
  c.send('server', ascii(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`));
  const connect = encode({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 10,
    clientId: `ws${ESC.bidi}${ESC.clear}`, username: `wsuser${ESC.osc8}`, password: Buffer.from(SECRETS.passwordWs) });
  c.send('client', wsFrame({ opcode: 2, payload: connect, mask: KEY }));
  c.send('server', wsFrame({ opcode: 2, payload: Uint8Array.of(0x20, 0x02, 0x00, 0x00) }));
  c.send('client', wsFrame({ opcode: 2, payload: encode({ cmd: 'publish', topic: `ws/${ESC.osc52}`, payload: Buffer.from(HOSTILE), qos: 0, dup: false, retain: false }), mask: KEY }));
  c.send('client', wsFrame({ opcode: 8, payload: concatBytes(Uint8Array.of(0x03, 0xe8), ascii(`closing${ESC.clear}${ESC.bidi}`)), mask: KEY }));
  c.send('server', wsFrame({ opcode: 8, payload: concatBytes(Uint8Array.of(0x03, 0xe8), ascii(`ok${ESC.osc52}`)) }));
  c.close('client');
}

/** The capture's bytes. */
export function hostileCapture(): Uint8Array {
  const frames: WritePacket[] = [];
  mqtt311(frames);
  mqtt5(frames);
  websocket(frames);
  return writePcap(frames);
}

/** Writes the capture to a fresh temporary file and returns its path. */
export function hostileCaptureFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-autopsy-hostile-'));
  const path = join(dir, 'hostile.pcap');
  writeFileSync(path, hostileCapture());
  return path;
}
