import { readFileSync } from 'node:fs';

/** Name and version from package.json (read once, at start). */
function readPackage(): { name: string; version: string } {
  try {
    const url = new URL('../../package.json', import.meta.url);
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    return { name: pkg.name ?? 'mqtt-autopsy', version: pkg.version ?? '0.0.0' };
  } catch {
    return { name: 'mqtt-autopsy', version: '0.0.0' };
  }
}

export const TOOL = readPackage();
