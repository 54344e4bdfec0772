import { describe, expect, it } from 'vitest';
import { statusWord, table } from '../../../electron/cli/table';

describe('table', () => {
  it('escapes what a cell holds, so a file name cannot colour the terminal or break a row', () => {
    const text = table(['BACKUP', 'STATUS'], [['evil\n\x1b[31mname.dump', statusWord('critical', false)]]);
    const escaped = 'evil\\n\\x1b[31mname.dump';
    expect(text.split('\n')).toEqual([`${'BACKUP'.padEnd(escaped.length)}  STATUS`, `${escaped}  CRITICAL`]);
    expect(text).not.toContain('\x1b');
  });

  it('keeps its own status colours, and pads by what is seen', () => {
    const text = table(['STATUS', 'WHY'], [[statusWord('ok', true), 'fine']]);
    expect(text.split('\n')[1]).toBe('\x1b[32mOK\x1b[0m      fine');
  });
});
