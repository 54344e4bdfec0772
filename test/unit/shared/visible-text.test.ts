import { describe, expect, it } from 'vitest';
import { terminalJson, visibleText } from '../../../shared/visible-text';

describe('visibleText', () => {
  it('writes every control character as an escape a sysadmin can read', () => {
    expect(visibleText('evil\n\x1b[31mname.dump')).toBe('evil\\n\\x1b[31mname.dump');
    expect(visibleText('a\tb\rc\0d\x7fe\x9bf')).toBe('a\\tb\\rc\\0d\\x7fe\\x9bf');
    // A bidi override would show "gpj.exe" as "exe.jpg"; a line separator would break a line.
    expect(visibleText('x\u202ey\u2028z')).toBe('x\\u202ey\\u2028z');
  });

  it('leaves ordinary text alone: spaces, quotes, dashes, $(...), backslashes, non-ASCII', () => {
    const plain = `-rf it's $(touch pwned) "q" C:\\dumps ünïcode ✓.dump`;
    expect(visibleText(plain)).toBe(plain);
  });
});

describe('terminalJson', () => {
  it('is the same JSON value with no raw DEL, C1 or bidi character in it', () => {
    const value = { key: 'a\x1b[31m\x7f\x9b\u202e.dump' };
    const text = terminalJson(value, 2);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toMatch(/[\u001b\u007f-\u009f\u202e]/u);
    expect(text).toContain('\\u001b[31m\\u007f\\u009b\\u202e');
  });
});
