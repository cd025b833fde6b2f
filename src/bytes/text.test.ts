import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { previewBytes, safeText, terminalSafeJson } from './text.js';

describe('terminal safety', () => {
  test.each([
    ['screen clear', '\u001b[2J\u001b[H', '\\e[2J\\e[H'],
    ['OSC 52 clipboard write', '\u001b]52;c;aGk=\u0007', '\\e]52;c;aGk=\\x07'],
    ['hyperlink', '\u001b]8;;http://x\u001b\\link', '\\e]8;;http://x\\e\\link'],
    ['C1 CSI', 'a\u009b31mb', 'a\\x9b31mb'],
    ['bidi override', 'abc\u202edcba', 'abc\\u202edcba'],
    ['newline and tab', 'a\nb\tc', 'a\\nb\\tc'],
    ['plain text', 'sensors/kitchen/temp', 'sensors/kitchen/temp'],
  ])('%s', (_name, input, shown) => {
    expect(safeText(input)).toBe(shown);
  });

  test('no control, escape or bidi character survives safeText', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(safeText(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }), { seed: 3, numRuns: 500 });
  });

  test('terminal-safe JSON is the same data', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      const json = terminalSafeJson(JSON.stringify({ s }));
      expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(JSON.parse(json)).toEqual({ s });
    }), { seed: 5, numRuns: 500 });
  });

  test('payload preview: text when printable, hex otherwise, always bounded', () => {
    expect(previewBytes(new TextEncoder().encode('{"t":21.5}'))).toBe('{"t":21.5}');
    expect(previewBytes(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0))).toBe('0xffd8ffe0');
    expect(previewBytes(new TextEncoder().encode('\u001b[2J'))).toBe('0x1b5b324a');
    expect(previewBytes(new Uint8Array(1000)).length).toBeLessThan(50);
  });
});
