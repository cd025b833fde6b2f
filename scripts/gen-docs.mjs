#!/usr/bin/env node
// Regenerates docs/diagnostics.md from the registry (a test checks that it is current).
import { writeFileSync } from 'node:fs';
import { diagnosticsMarkdown } from '../dist/cli/diagnostics.js';

writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), diagnosticsMarkdown());
console.log('docs/diagnostics.md written');
