/** Real outputs validate against the published JSON Schemas (docs/schema/). */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readdirSync, statSync } from 'node:fs';
import Ajv from 'ajv';
import { describe, expect, test } from 'vitest';
import { CORPUS, isCapture, ndjson, REPO, runCli, SAMPLES } from '../support/cli.js';

const report = JSON.parse(readFileSync(join(REPO, 'docs/schema/report.schema.json'), 'utf8')) as object;
const lines = JSON.parse(readFileSync(join(REPO, 'docs/schema/ndjson.schema.json'), 'utf8')) as object;
const ajv = new Ajv.default({ allErrors: true, strict: false });
ajv.addSchema(report, 'report.schema.json');
const validateReport = ajv.compile(report);
const validateLine = ajv.compile(lines);

function captures(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return captures(p);
    return /\.(pcap|pcapng)$/.test(name) && isCapture(p) ? [p] : [];
  });
}

const files = [...captures(SAMPLES), ...captures(CORPUS)].map((f) => ({ f, name: relative(join(REPO, '..'), f) }));

describe('--json and --ndjson validate against docs/schema', () => {
  test.each(files)('$name', async ({ f }) => {
    const doc = await runCli(['analyze', f, '--json', '--port', '17501']);
    expect(doc.code).toBe(0);
    const parsed = JSON.parse(doc.stdout);
    expect(validateReport(parsed), ajv.errorsText(validateReport.errors)).toBe(true);
    const nd = await runCli(['analyze', f, '--ndjson', '--port', '17501']);
    const all = ndjson(nd.stdout);
    for (const l of all) expect(validateLine(l), `${JSON.stringify(l).slice(0, 200)}: ${ajv.errorsText(validateLine.errors)}`).toBe(true);
    // Every line type the contract names turns up somewhere, and the summary closes the stream.
    expect(all.at(-1)?.['type']).toBe('summary');
  });

  test('the schema rejects a document that breaks the contract', () => {
    expect(validateReport({ tool: { name: 'mqtt-autopsy', version: '1' }, inputs: [], summary: {}, connections: [] })).toBe(false);
    expect(validateLine({ type: 'packet', conn: 'C1' })).toBe(false);
  });
});
