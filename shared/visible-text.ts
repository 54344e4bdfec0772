// Text that came from outside (file names, backup keys, tool output, findings quoting them) shown so that
// nothing in it acts on the screen: a terminal must not run an escape sequence from a file name, a newline
// must not break a table row or forge a second line in cron mail, a bidi override must not reorder what a
// sysadmin reads. Each such character is written as an escape (\n, \x1b, \u202e) instead, the way
// `ls -b` does. Backslashes are left alone so Windows paths and pg_dump's `\restrict` stay readable.
// Pure: used by the CLI and the renderer alike.

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\0': '\\0' };

/** C0, DEL and C1 controls; line and paragraph separators; bidi embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

function escapeOne(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every character that would act on a terminal or reorder text written as a visible escape. */
export function visibleText(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * JSON for a terminal or a pipe: JSON.stringify already escapes C0 controls, but writes DEL, C1 controls
 * (U+009B is a CSI to some terminals) and bidi overrides raw. Those become \uXXXX: the same JSON value.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (char) => `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
