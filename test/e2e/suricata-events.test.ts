/**
 * The suricata-verify event cases of the corpus: each Suricata anomaly event has a matching diagnostic
 * of ours on the same capture (Suricata's rule sids from each case's test.rules).
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { CORPUS, ndjson, runCli } from '../support/cli.js';

const CASES = [
  { dir: 'mqtt-events-missing-connect', suricata: 'missing_connect (2226000)', ours: 'mqtt.sequence.first_not_connect' },
  { dir: 'mqtt-events-unintroduced', suricata: 'unintroduced_message (2226005)', ours: 'mqtt.sequence.client_before_connack' },
  { dir: 'mqtt-events-invalid-qos', suricata: 'invalid_qos_level (2226006)', ours: 'mqtt.publish.qos3' },
  { dir: 'mqtt-events-unassigned-msgtype', suricata: 'unassigned_msg_type (2226008)', ours: 'mqtt.header.reserved_type' },
  { dir: 'mqtt5-excessiveproplen', suricata: 'malformed_traffic', ours: 'mqtt.property.length_past_end' },
];

test.each(CASES)('$dir: Suricata $suricata ↔ $ours', async ({ dir, ours }) => {
  const r = await runCli(['analyze', join(CORPUS, 'suricata-verify', dir, 'input.pcap'), '--ndjson']);
  expect(r.code, r.stderr).toBe(0);
  const codes = ndjson(r.stdout).filter((l) => l['type'] === 'anomaly').map((l) => l['code']);
  expect(codes).toContain(ours);
});
