/**
 * The dependency rule of ARCHITECTURE.md §1: imports under src/ point down only, only tui/ imports
 * react/ink, only cli/ touches `process`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
/** Lower layers first; a module may import its own layer and any layer before it. */
const LAYERS = ['bytes', 'diag', 'capture', 'net', 'ws', 'mqtt', 'engine', 'analysis', 'report', 'tui', 'cli'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []);
}

const sources = files(SRC).map((f) => ({ file: relative(SRC, f), text: readFileSync(f, 'utf8') }));

test('every module lives in a known layer', () => {
  for (const s of sources) expect(LAYERS, s.file).toContain(s.file.split('/')[0]);
});

test('imports point down only', () => {
  const upward: string[] = [];
  for (const s of sources) {
    const from = s.file.split('/')[0]!;
    for (const m of s.text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      const target = relative(SRC, resolve(SRC, dirname(s.file), m[1]!)).split('/')[0]!;
      if (LAYERS.indexOf(target) > LAYERS.indexOf(from)) upward.push(`${s.file} → ${m[1]}`);
    }
  }
  expect(upward).toEqual([]);
});

test('only tui/ imports react or ink; only cli/ touches process', () => {
  const bad: string[] = [];
  for (const s of sources) {
    const layer = s.file.split('/')[0];
    if (layer !== 'tui' && /from\s+['"](react|ink)(\/[^'"]*)?['"]/.test(s.text)) bad.push(`${s.file} imports react/ink`);
    if (layer !== 'cli' && /\bprocess\./.test(s.text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ''))) {
      bad.push(`${s.file} touches process`);
    }
  }
  expect(bad).toEqual([]);
});

test('the rule itself catches an upward edge', () => {
  // Guard against a regex that silently matches nothing.
  const probe = `import { x } from '../cli/main.js';`;
  expect([...probe.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)].length).toBe(1);
});
