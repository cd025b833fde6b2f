/** Hex helpers shared by fixtures, reports and the TUI. */

/** Lower-case hex of `bytes`, with an optional separator between bytes. */
export function toHex(bytes: Uint8Array, sep = ''): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0 && sep) out += sep;
    out += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  }
  return out;
}

/**
 * Parses annotated hex: whitespace is ignored and `#` starts a comment to the end of the line.
 * Used as a tagged template in tests (hex`10 0c  # CONNECT`) and by fixtures.
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`invalid hex: ${clean.slice(0, 40)}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Tagged-template form of {@link fromHex} for annotated fixtures. */
export function hex(strings: TemplateStringsArray, ...values: unknown[]): Uint8Array {
  let text = '';
  strings.forEach((s, i) => { text += s + (i < values.length ? String(values[i]) : ''); });
  return fromHex(text);
}

/**
 * A copy of `b` in fresh memory. `b.slice()` is not that when `b` is a Node Buffer (Buffer#slice is a
 * view), and a view pins its whole read chunk and shares writes with it.
 */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
