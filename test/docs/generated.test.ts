/** Generated documents stay in step with the code they come from. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { diagnosticsMarkdown, listDiagnostics } from '../../src/cli/diagnostics.js';
import { allDiagCodes, DIAGNOSTICS } from '../../src/diag/registry.js';
import { REPO } from '../support/cli.js';

test('docs/diagnostics.md is generated from the registry (run `npm run docs` after changing a code)', () => {
  expect(readFileSync(resolve(REPO, 'docs/diagnostics.md'), 'utf8')).toBe(diagnosticsMarkdown());
});

test('--list-diagnostics prints every registered code once', () => {
  const lines = listDiagnostics().trim().split('\n');
  expect(lines.length).toBe(allDiagCodes().length);
  for (const code of allDiagCodes()) expect(lines.filter((l) => l.startsWith(`${code} `)).length).toBe(1);
});

test('every code is named <layer>.<subject>.<problem> and has a one-line summary', () => {
  for (const [code, spec] of Object.entries(DIAGNOSTICS)) {
    expect(code).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+){1,3}$/);
    expect(spec.summary.length).toBeGreaterThan(10);
    expect(spec.summary).not.toMatch(/\n/);
  }
});
