import { expect, test } from 'vitest';
import { jsonPrintable, printable, printableLines } from '../../src/cli/printable.js';

test('control characters from names show as escapes: ESC, CSI (C1), DEL, line breaks, bidi overrides', () => {
  expect(printable('photo\x1b[31mred.png')).toBe('photo\\x1b[31mred.png');
  expect(printable('a\x9b2Jb\x7fc')).toBe('a\\x9b2Jb\\x7fc');
  expect(printable('two\nlines\r\tx\x00')).toBe('two\\nlines\\r\\tx\\x00');
  expect(printable('abc\u202etxt.exe\u2066\u2028')).toBe('abc\\u202etxt.exe\\u2066\\u2028');
  // ordinary text, accents, other scripts and backslashes stay as they are
  expect(printable('Café 写真 C:\\photos\\a.png')).toBe('Café 写真 C:\\photos\\a.png');
  // idempotent: an escaped name escaped again is unchanged
  expect(printable(printable('x\x1by'))).toBe('x\\x1by');
});

test('printableLines keeps the line breaks of composed text', () => {
  expect(printableLines('error: \x1b[2J\n\nUsage: x\n')).toBe('error: \\x1b[2J\n\nUsage: x\n');
});

test('jsonPrintable escapes what JSON.stringify leaves raw and keeps the same JSON value', () => {
  const value = { name: 'a\x9b31m\u202eb\x1b', n: [1, 2] };
  const text = jsonPrintable(JSON.stringify(value, null, 1));
  expect(text).not.toMatch(/[\x1b\x7f-\x9f\u202e]/);
  expect(text).toContain('\n'); // the layout's line breaks stay
  expect(JSON.parse(text)).toEqual(value);
});
