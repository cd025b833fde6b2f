/** `--list-diagnostics` and docs/diagnostics.md, both generated from the registry. */
import { DIAGNOSTICS, allDiagCodes } from '../diag/registry.js';

export function listDiagnostics(): string {
  const rows = allDiagCodes().map((code) => {
    const d = DIAGNOSTICS[code];
    return `${code.padEnd(44)} ${d.severity.padEnd(5)} ${d.group.padEnd(10)} ${d.summary}${'spec' in d && d.spec ? ` [${d.spec}]` : ''}`;
  });
  return `${rows.join('\n')}\n`;
}

export function diagnosticsMarkdown(): string {
  const lines = [
    '# Diagnostics',
    '',
    'Generated from `src/diag/registry.ts` by `npm run docs` (do not edit by hand). Codes are stable output schema.',
    '',
    '| Code | Severity | Group | Meaning | Spec |',
    '|---|---|---|---|---|',
  ];
  for (const code of allDiagCodes()) {
    const d = DIAGNOSTICS[code];
    lines.push(`| \`${code}\` | ${d.severity} | ${d.group} | ${d.summary.replace(/\|/g, '\\|')} | ${'spec' in d && d.spec ? d.spec : ''} |`);
  }
  return `${lines.join('\n')}\n`;
}
