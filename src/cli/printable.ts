// Text from outside the program (file and folder names, golden case names, checkpoint and case
// metadata, the messages that quote them) may hold terminal control characters: ESC and CSI
// sequences recolour the terminal, move the cursor, rewrite the window title or hide what was
// printed, and bidirectional overrides reorder what a line appears to say. Everything the command
// line prints goes through these functions, which show such characters as escapes instead.

// C0 controls, DEL, C1 controls (U+009B is a one-byte CSI), the line and paragraph separators
// and the bidirectional marks, embeddings, overrides and isolates.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return NAMED[ch] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** `s` with every control character shown as an escape (\n, \x1b, \u202e): one safe line. */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, escapeChar);
}

/** Multi-line text we composed (help, usage errors): each line made printable, the breaks kept. */
export function printableLines(s: string): string {
  return s.split('\n').map(printable).join('\n');
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1 controls, separators, bidi
 * marks) written as \u escapes: the same JSON value, safe to show on a terminal.
 */
export function jsonPrintable(json: string): string {
  // not C0: JSON.stringify escapes it inside strings, and its layout's line breaks must stay
  return json.replace(RAW_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Prints one line on stdout, made printable. */
export function out(line: string): void {
  console.log(printable(line));
}

/** Prints one line on stderr, made printable. */
export function err(line: string): void {
  console.error(printable(line));
}
