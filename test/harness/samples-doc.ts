/**
 * Writes `samples/README.md` from the recordings and their manifest entries, so the frame numbers,
 * ports and log lines in it are always the ones of the committed files.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { inspectCapture } from './inspect.js';
import { TOOLS } from './proc.js';
import { describeScenario, serverPorts, type ConnectionExpectation, type ManifestEntry, type RecordResult } from './scenarios.js';

/** Versions of everything that made the samples. */
export function toolVersions(): Record<string, string> {
  const sh = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return String((e as { stdout?: string }).stdout ?? '');
    }
  };
  const deb = (pkg: string): string => sh('dpkg-query', ['-W', '-f=${Version}', pkg]).trim() || 'unknown';
  const require = createRequire(import.meta.url);
  const mqttJs = (require('mqtt/package.json') as { version: string }).version;
  return {
    mosquitto: `${sh(TOOLS.mosquitto, ['-h']).split('\n')[0]?.trim() ?? ''} (Debian ${deb('mosquitto')})`,
    'mosquitto-clients': `mosquitto_pub/mosquitto_sub (Debian ${deb('mosquitto-clients')})`,
    tcpdump: sh(TOOLS.tcpdump, ['--version']).split('\n').slice(0, 2).join(', ').trim(),
    tshark: `${sh(TOOLS.tshark, ['--version']).split('\n')[0]?.trim() ?? ''}`,
    'MQTT.js': `mqtt ${mqttJs} (npm, Node ${process.version})`,
    paho: `paho-mqtt ${sh(TOOLS.python3, ['-c', 'import paho.mqtt; print(paho.mqtt.__version__)']).trim()} (Debian python3-paho-mqtt ${deb('python3-paho-mqtt')})`,
  };
}

function fmtExpectation(e: ConnectionExpectation): string {
  const alt = e.alsoAcceptable ? ` (also acceptable: ${e.alsoAcceptable.map((c) => `\`${c}\``).join(', ')})` : '';
  return `\`${e.cause}\`${alt}, closedBy \`${String(e.closedBy)}\`, closeMethod \`${String(e.closeMethod)}\`, evidence frame **${e.evidenceFrame}**`;
}

const hexByte = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

function sampleSection(r: RecordResult, m: ManifestEntry): string {
  const d = describeScenario(r.name);
  const size = statSync(r.pcap).size;
  const logSize = statSync(r.brokerLog).size;
  const conns = inspectCapture(r.pcap, serverPorts(r));
  const extras = [
    ...(d.broker.users ? [`password_file (user \`${Object.keys(d.broker.users).join('`, `')}\`), allow_anonymous false`] : []),
    ...(d.broker.maxPacketSize !== undefined ? [`max_packet_size ${d.broker.maxPacketSize}`] : []),
    ...(d.broker.messageSizeLimit !== undefined ? [`message_size_limit ${d.broker.messageSizeLimit}`] : []),
    ...(d.broker.maxKeepalive !== undefined ? [`max_keepalive ${d.broker.maxKeepalive}`] : []),
  ];
  const rows = conns.flatMap((c) => [
    ...c.packets.map((p) => ({ frame: p.frame, text: `| ${p.frame} | ${c.clientPort} | ${p.dir} | ${p.type} | ${hexByte(p.firstByte)} | ${p.frames.length > 1 ? p.frames.join(', ') : ''} | ${detail(p)} |` })),
    ...c.events.map((e) => ({ frame: e.frame, text: `| ${e.frame} | ${c.clientPort} | ${e.by === 'client' ? 'c2s' : 's2c'} | ${e.kind === 'ws_close' ? `WebSocket Close ${e.code ?? ''}${e.reason ? ` "${e.reason}"` : ''}` : `TCP ${e.kind.toUpperCase()}`} | | | |` })),
    // WebSocket frames worth a row of their own: text frames, reserved opcodes, RSV bits without an extension.
    ...(c.wsFrames ?? []).filter((f) => f.opcode === 1 || (f.opcode > 2 && f.opcode < 8) || f.opcode > 10 || (f.rsv !== 0 && !f.compressed))
      .map((f) => ({ frame: f.frame, text: `| ${f.frame} | ${c.clientPort} | ${f.by === 'client' ? 'c2s' : 's2c'} | WebSocket frame, opcode ${f.opcode}${f.rsv ? `, RSV ${f.rsv.toString(2).padStart(3, '0')}` : ''} | | | ${f.length}-byte payload |` })),
    // Bytes that never made an MQTT packet (e.g. an HTTP request on the MQTT port).
    ...(c.transport === 'tcp' && c.packets.length === 0 ? c.dataFrames.c2s.map((f) => ({ frame: f, text: `| ${f} | ${c.clientPort} | c2s | (bytes, no whole MQTT packet) | | | |` })) : []),
  ]).sort((a, b) => a.frame - b.frame).map((x) => x.text);
  const deflated = conns.filter((c) => c.wsFrames?.some((f) => f.compressed));
  const others = m.connections.filter((c) => c !== m.expected && !(c.clientPort === m.expected.clientPort));
  return [
    `### \`${r.name}\``,
    '',
    `Files: \`${basename(r.pcap)}\` (${size} bytes), \`${basename(r.brokerLog)}\` (${logSize} bytes). Ports: broker ${r.brokerPort}${r.wsPort !== undefined ? `, WebSocket ${r.wsPort}` : ''}${r.proxyPort !== undefined ? `, WebSocket proxy ${r.proxyPort}` : ''}.`,
    '',
    `**What happens.** ${d.summary}`,
    '',
    `**How.** ${d.how}${extras.length ? ` Broker extras: ${extras.join('; ')}.` : ''}`,
    '',
    '**Ground truth (broker log):**',
    '',
    '```',
    ...r.groundTruth,
    '```',
    '',
    `**Expected verdict** for client id \`${String(m.expected.clientId)}\` (client port ${m.expected.clientPort}, ${m.expected.transport}): ${fmtExpectation(m.expected)}. ${m.expected.notes}`,
    ...(others.length ? ['', '**Other connections:**', '', ...others.map((c) => `- \`${String(c.clientId)}\` (port ${c.clientPort}): ${fmtExpectation(c)}. ${c.notes}`)] : []),
    ...(r.notes.length ? ['', `**Observed while recording:** ${r.notes.join('; ')}.`] : []),
    '',
    ...(deflated.length ? [...deflated.map((c) => `Client port ${c.clientPort} agreed \`Sec-WebSocket-Extensions: ${c.wsExtensions ?? ''}\`: ${c.wsFrames!.filter((f) => f.compressed).length} of its ${c.wsFrames!.length} WebSocket frames are compressed; the MQTT packets below are read after inflating, and each is listed at the frame that completed its WebSocket message.`), ''] : []),
    '| frame | client port | dir | MQTT packet / event | byte 0 | frames | detail |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function detail(p: { type: string; clientId?: string; keepAlive?: number; level?: number; reasonCode?: number; hex: string }): string {
  if (p.type === 'CONNECT') return `id ${p.clientId ?? ''}, level ${p.level ?? ''}, keep-alive ${p.keepAlive ?? ''}`;
  if (p.reasonCode !== undefined) return `code ${hexByte(p.reasonCode)}`;
  return p.hex.length <= 16 ? p.hex : `${p.hex.slice(0, 16)}… (${p.hex.length / 2} bytes)`;
}

/** The whole README. `portNote` explains the ports used (fixed 1883/8080, or the fallback). */
export function samplesReadme(results: readonly RecordResult[], manifest: readonly ManifestEntry[], portNote: string): string {
  const v = toolVersions();
  const sections = results.map((r, i) => sampleSection(r, manifest[i]!));
  return `# samples/ — captures of a real mosquitto, with its log as ground truth

Generated by \`RECORD_SAMPLES=1 npx vitest run test/harness/record-samples.test.ts\` (from test/harness/scenarios.ts).
Do not edit by hand: change the scenario and record again. Without \`RECORD_SAMPLES\` the same test file checks
that every file here still matches \`manifest.json\` (so CI catches drift).

Each sample is \`<name>.pcap\` (classic pcap, µs timestamps, link type 1 = Ethernet, from \`tcpdump -i lo\`) plus
\`<name>.broker.log\`, the broker's complete log for the run (\`log_type all\`). The log is the ground truth that the
analyzer's verdict is checked against; \`manifest.json\` holds the expected verdicts.

## How they were recorded

- Versions: ${Object.entries(v).map(([k, x]) => `${k}: ${x}`).join('; ')}.
- Ports: ${portNote}
- Capture: \`tcpdump -i lo -U --immediate-mode -s 0 -n -B 8192 -Z root -w <name>.pcap 'tcp port <broker> or tcp port <ws> or tcp port <proxy>'\`,
  started (it printed "listening on lo") before the broker gets its first client, stopped with SIGINT 300 ms after the last
  client finished. One exception on purpose: \`midstream-capture\` starts tcpdump only after its client's CONNACK, so that
  capture has no SYN and no CONNECT. No packet was dropped by the kernel (the harness fails the recording otherwise).
- Broker: \`/usr/sbin/mosquitto -c <tmp>/mosquitto.conf\` with TZ=UTC, so log times are UTC with one-second resolution
  (capture times are µs). Base configuration (extras per sample below):

  \`\`\`
  user root
  per_listener_settings false
  persistence false
  allow_anonymous true            # false when a password file is used
  connection_messages true
  log_type all
  log_dest file <tmp>/mosquitto.log
  log_timestamp true
  log_timestamp_format %Y-%m-%dT%H:%M:%S
  listener <broker port> 127.0.0.1
  listener <ws port> 127.0.0.1    # WebSocket samples only
  protocol websockets
  socket_domain ipv4
  \`\`\`

- Clients: mosquitto_pub/mosquitto_sub (\`-h 127.0.0.1 -d\`, fixed \`-i\` client ids), MQTT.js over TCP and WebSocket,
  Python paho (\`/usr/bin/python3\`, \`transport="websockets"\`), and the harness's raw clients (test/harness/clients.ts:
  \`RawMqttClient\` writes exact bytes over node:net; \`RawWsMqttClient\` does the HTTP Upgrade by hand with
  \`Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\` and \`Sec-WebSocket-Protocol: mqtt\`, and masks every frame with key
  \`37 fa 21 3d\`). Valid raw packets are generated with mqtt-packet; the corruption is one byte changed on top.
- WebSocket proxy (\`ws-deflate\` only): test/harness/ws-proxy.ts, a \`ws\` 8 server on 127.0.0.1:<proxy> with
  \`perMessageDeflate: { threshold: 0 }\` that opens one upstream WebSocket per client to the broker's listener and relays every
  message and the close. mosquitto 2.0.11's listener declines permessage-deflate (its 101 carries no
  \`Sec-WebSocket-Extensions\` even when offered), so only the client ↔ proxy leg is compressed.
- Only 127.0.0.1 is used; nothing leaves the machine.

## Checking a sample with tshark

\`\`\`
tshark -r samples/X.pcap -T fields -e frame.number -e tcp.srcport -e tcp.dstport -e mqtt.msgtype -e mqtt.hdrflags
\`\`\`

Port 1883 is decoded as MQTT by default (add \`-d tcp.port==N,mqtt\` for other ports). tshark 4.0 decodes the WebSocket
frames on 8080 (\`-e websocket.opcode -e websocket.payload\`) but **never MQTT inside WebSocket**: for the \`ws-*\`
samples the MQTT packets below come from the harness's own reading (test/harness/inspect.ts: tshark's \`tcp.payload\`,
reassembled per direction, WebSocket frames unmasked and joined into one MQTT byte stream; text frames count as data since
mosquitto takes them, and so do binary frames with RSV bits but no extension (their bytes are on the wire, though the
broker refuses them); frames with a reserved opcode carry no data;
permessage-deflate messages are inflated per direction with context takeover, their bytes attributed to the frame that
completed the message). For the plain TCP samples that reading equals tshark's \`frame:msgtype\` list exactly (checked by
the tests). For a connection whose SYN is not in the capture, the client is the side not on a listening port.

## manifest.json

An array, one entry per sample:
\`{ file, log, scenario, brokerPort, wsPort?, proxyPort?, expected, connections, groundTruth }\`. \`expected\` is the connection the
scenario is about; \`connections\` lists every connection in capture order (the focal one included), each as
\`{ clientId, clientPort, transport, cause, alsoAcceptable?, closedBy, closeMethod, evidenceFrame, keyFrames, notes }\`,
with the vocabulary of ARCHITECTURE.md §5. Conventions:

- Frames are 1-based capture frame numbers, as Wireshark counts. A packet's frame is the one carrying its **last** byte.
- \`closedBy\`/\`closeMethod\` describe what ended the connection on the wire: a DISCONNECT (either side) before any
  FIN/RST → \`mqtt_disconnect\` by its sender; else a WebSocket Close → \`ws_close\`; else the first FIN or RST.
- \`evidenceFrame\`: \`client_disconnect\` → the client's DISCONNECT; \`auth_rejected\` → the refusing CONNACK;
  \`malformed_packet\`, \`protocol_violation\` and \`size_limit\` → the offending client packet (for bytes that never make a
  whole packet, such as an HTTP request on the MQTT port, the frame carrying them); \`websocket_violation\` → the offending
  client WebSocket frame; \`keepalive_timeout\` → the broker's first close (FIN, or WebSocket Close);
  \`session_takeover\` → the newer connection's CONNECT with the same client id; \`client_close\` → the client's FIN or
  WebSocket Close; \`network_reset\` → the RST; \`broker_shutdown\` → the broker's FIN on that connection.
- The ground-truth lines are matched in order, each pattern taking the first line not taken yet (so \`reconnect-storm\`
  lists six "New client connected" lines).
- \`alsoAcceptable\` lists other causes a sound analyzer may give where the wire itself is ambiguous (reason in \`notes\`).
- \`keyFrames\` names other useful frames: \`syn\`, \`connect\`, \`connack\`, \`clientClose\`/\`brokerClose\` (first FIN or RST of
  each side), \`clientWsClose\`/\`brokerWsClose\`, \`firstFrame\` (instead of \`syn\` when the capture has no SYN), and per
  scenario \`corruptPacket\`, \`brokerDisconnect\`, \`lastClientPacket\`, \`newerConnect\`, \`bigPublish\`, \`secondConnect\`,
  \`firstPacket\`, \`httpRequest\`, \`clientRst\`, \`willPublish\`, \`publish\`, \`firstCompressedFrame\`, \`connectFirstFrame\`,
  \`sharedFrame\`, \`badWsFrame\`, \`textFrame\`.

## What mosquitto 2.0.11 did (observed in these recordings)

- Log \`(pN, …)\` in "New client connected" is mosquitto's own protocol enum: \`p2\` = MQTT 3.1.1, \`p5\` = MQTT 5 (not the
  protocol level byte).
- A refused CONNECT is logged without the client id: \`Sending CONNACK to 127.0.0.1 (0, 5)\` and
  \`Client <unknown> disconnected, not authorised.\` The wrong password gets CONNACK 5 (3.1.1) and **0x87 Not authorized** (MQTT 5),
  not 0x86. Then both mosquitto_pub and the broker send FIN within a fraction of a millisecond; which is first is a race
  that went both ways across our runs (an analyzer must not hinge the verdict on who closed first here).
- SUBSCRIBE with byte 0 = 0x80 (flags 0000): "disconnected due to malformed packet", bare FIN for 3.1.1; DISCONNECT 0x81 then
  FIN for MQTT 5. Type 0 (byte 0 = 0x00): "disconnected due to protocol error" (a v5 client gets DISCONNECT 0x82). PUBLISH
  QoS 3 (0x36): "Invalid QoS in PUBLISH from X, disconnecting.", then over TCP "disconnected due to malformed packet".
  The broker closes within about a millisecond every time.
- Over WebSocket every drop is logged as "Client X closed its connection." (type 0 gives no other line at all; keep-alive
  expiry neither: no "has exceeded timeout" over WebSocket), and for MQTT-level drops the broker ends with a bare TCP FIN,
  no WebSocket Close frame. After a clean DISCONNECT the broker closes the TCP connection
  at once. MQTT.js also sends a WebSocket Close without status code, which races with that: in some runs the broker
  answers Close then FIN, in others (see ws-clean's table) its FIN comes first and the late Close gets an RST. paho sends
  no WebSocket Close at all.
- Keep-alive 2 s: the silent client was dropped after 5.5–6.1 s in our runs (coarse tick; field notes: 4.7–6.8 s), bare
  FIN, "has exceeded timeout".
- Client-id takeover: bare FIN to the older connection, "already connected, closing old connection.", also for an MQTT 5
  client (no DISCONNECT 0x8E Session taken over in 2.0.11). Six takeovers in a row (reconnect-storm) each close the older
  connection within a millisecond of the newer CONNECT.
- A second CONNECT on a connection: "Bad client X sending multiple CONNECT messages." then "disconnected due to protocol
  error", bare FIN, no CONNACK. A first packet that is not CONNECT (a PUBLISH, or the "G" of an HTTP \`GET\` on the MQTT
  port): "Client <unknown> disconnected due to protocol error." right after "New connection", and an RST (mosquitto reads
  the first byte, rejects it, and closes with the rest still unread).
- A client RST is logged exactly like a client FIN: "Client X closed its connection." Either way a Last Will is then
  published at once ("Sending PUBLISH to <subscriber> … 'autopsy/will'"), within a millisecond of the close.
- WebSocket protocol errors: a frame with RSV1 set and no extension gets WebSocket Close 1002 with reason "rsv bits", a
  reserved opcode (0x3) gets Close 1002 "bad opc"; the frame's payload is not processed (the PINGREQ inside is not logged,
  no PINGRESP). After the client echoes the Close,
  the broker closes TCP at once for the opcode case but only about 5 s later for the RSV case. MQTT inside a text frame is
  accepted like binary (PUBLISH logged, PUBACK sent). A client Close 1000 is answered with Close 1000, then FIN; logged as
  "closed its connection".
- max_packet_size: "disconnected due to oversize packet"; the close is an RST (the rest of the packet is unread in the
  broker's socket); MQTT 5 gets DISCONNECT 0x95 first. libmosquitto itself (mosquitto_pub -V 5) would not send the too-big
  packet at all, because it honours the CONNACK Maximum Packet Size — hence the raw client.
- SIGTERM: a bare FIN on every connection at the same moment, no DISCONNECT 0x8B for the MQTT 5 client.
- The WebSocket listener answers the Upgrade after 150–200 ms, and logs no "New connection from" line.

## Samples

${sections.join('\n')}`;
}
