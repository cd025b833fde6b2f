/**
 * MQTT over TLS against the real broker: a mosquitto TLS listener with a throw-away CA. A client that
 * trusts another CA fails the handshake with a cleartext alert (the verdict names it); a client that
 * trusts the right CA gets through, and we report SNI, ALPN and versions without decrypting anything.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { expect, test } from 'vitest';
import { freePort, startBroker } from '../harness/broker.js';
import { mosquittoPub } from '../harness/clients.js';
import { connect as mqttConnect, disconnect } from '../harness/packets.js';
import { onCleanup, useHarnessCleanup } from '../harness/proc.js';
import { startCapture } from '../harness/tcpdump.js';
import { runCli } from '../support/cli.js';

useHarnessCleanup();

function makeCa(dir: string, name: string): { ca: string; key: string } {
  const key = join(dir, `${name}.key`);
  const ca = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', ca, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { ca, key };
}

test('TLS: a failed handshake is explained by its alert; a good one shows SNI, ALPN and version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autopsy-tls-'));
  const good = makeCa(dir, 'autopsy-ca');
  const other = makeCa(dir, 'other-ca');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const crt = join(dir, 'server.crt');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:mqtt.autopsy.test\n');
  execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=mqtt.autopsy.test'], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', good.ca, '-CAkey', good.key, '-CAcreateserial', '-out', crt, '-days', '2',
    '-extfile', join(dir, 'san.ext')], { stdio: 'ignore' });

  const tlsPort = await freePort();
  const broker = await startBroker({ extraConfig: [`listener ${tlsPort} 127.0.0.1`, `cafile ${good.ca}`, `certfile ${crt}`, `keyfile ${key}`] });
  onCleanup(async () => { await broker.stop(); });
  const pcap = join(dir, 'tls.pcap');
  const capture = await startCapture(pcap, { ports: [tlsPort] });

  // 1. mosquitto_pub trusting the wrong CA: OpenSSL rejects the server certificate and says so in an alert.
  const bad = await mosquittoPub({ port: tlsPort, topic: 't', message: 'x', id: 'tls-bad', extraArgs: ['--cafile', other.ca] });
  expect(bad.code).not.toBe(0);
  // 2. A Node client with SNI and ALPN "mqtt", trusting the right CA: MQTT inside, encrypted.
  await new Promise<void>((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, servername: 'mqtt.autopsy.test', ca: readFileSync(good.ca), ALPNProtocols: ['mqtt'] }, () => {
      s.write(mqttConnect('tls-good'));
      s.once('data', () => { s.end(disconnect()); });
    });
    s.on('close', () => resolve());
    s.on('error', reject);
  });
  await capture.stop();

  const r = await runCli(['analyze', pcap, '--json', '--port', `${tlsPort}:tls`]);
  expect(r.code, r.stderr).toBe(0);
  const [c1, c2] = JSON.parse(r.stdout).connections;
  expect(c1.transport).toBe('tls');
  expect(c1.tls.alerts[0]).toMatchObject({ level: 'fatal', description: 'unknown_ca' });
  expect(c1.verdict.summary).toMatch(/TLS handshake failed: the client sent fatal alert unknown_ca \(48\)/);
  expect(c1.verdict.evidence[0].code).toBe('tls.alert');
  expect(c2.tls).toMatchObject({ sni: 'mqtt.autopsy.test', alpn: ['mqtt'], selected: '1.3', alerts: [] });
  expect(c2.tls.offered).toContain('1.3');
});
