/** Checks the analyzer's JSON document against a manifest's expectations for each connection. */
import { expect } from 'vitest';
import type { ConnectionExpectation } from '../harness/scenarios.js';

interface JsonConnection {
  id: string;
  client: string;
  clientId: string | null;
  transport: string;
  closedBy: string | null;
  closeMethod: string | null;
  verdict: { cause: string; summary: string; evidence: { frame: number }[] };
}

export function checkConnections(doc: { connections: JsonConnection[] }, expected: readonly ConnectionExpectation[], label: string): void {
  expect(doc.connections.length, `${label}: number of connections`).toBe(expected.length);
  for (const e of expected) {
    const c = doc.connections.find((x) => x.client.endsWith(`:${e.clientPort}`));
    const where = `${label} client port ${e.clientPort} (${e.clientId ?? 'no id'})`;
    expect(c, `${where}: connection found`).toBeDefined();
    if (!c) continue;
    expect(c.clientId, where).toBe(e.clientId);
    expect(c.transport, where).toBe(e.transport);
    expect([e.cause, ...(e.alsoAcceptable ?? [])], `${where}: cause (${c.verdict.summary})`).toContain(c.verdict.cause);
    expect(c.closedBy, `${where}: closedBy`).toBe(e.closedBy);
    expect(c.closeMethod, `${where}: closeMethod`).toBe(e.closeMethod);
    expect(c.verdict.evidence.map((x) => x.frame), `${where}: evidence frames`).toContain(e.evidenceFrame);
  }
}
