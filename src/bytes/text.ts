/**
 * Text from the wire (topics, client ids, payloads, reason strings) must never reach a terminal raw:
 * escape sequences could clear the screen, move the cursor, write the clipboard (OSC 52) or reverse
 * the text direction. These helpers make such text safe to print while keeping it readable.
 */

// C0 controls, DEL, C1 controls, and the Unicode bidi / zero-width format characters.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

function escapeChar(ch: string): string {
  switch (ch) {
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\t': return '\\t';
    case '\u001b': return '\\e';
    default: {
      const code = ch.charCodeAt(0);
      return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}

/** `s` with every control, escape and bidi character shown as a visible escape (`\e`, `\x07`, `\u202e`). */
export function safeText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/**
 * JSON text with the characters JSON.stringify leaves raw but terminals may act on (DEL, C1 controls,
 * bidi overrides) written as \uXXXX escapes: still valid JSON with the same data.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Bytes shown as text when they are printable UTF-8, else as hex; at most `max` characters. */
export function previewBytes(b: Uint8Array, max = 40): string {
  const slice = b.subarray(0, Math.min(b.length, max * 4));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(slice);
  } catch {
    text = '';
  }
  const printable = text !== '' && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  if (printable) {
    const shown = text.length > max ? `${text.slice(0, max)}…` : text;
    return safeText(shown);
  }
  let hex = '';
  for (let i = 0; i < Math.min(b.length, Math.floor(max / 2)); i++) hex += b[i]!.toString(16).padStart(2, '0');
  return `0x${hex}${b.length > Math.floor(max / 2) ? '…' : ''}`;
}
