// The drill's lock on psql's meta-commands: a fresh key each time, and the message when psql refused something,
// naming the command and the dump's line (not psql's) and never what followed the command.
import { describe, expect, it } from 'vitest';
import { metaCommandIn, newRestrictKey, PsqlLineMap, refusedMetaCommand } from '../../../electron/engine/drills/psql-lock';

const RESTRICTED = 'error: backslash commands are restricted; only \\unrestrict is allowed';

describe('newRestrictKey', () => {
  it('is 32 letters and digits, different every time', () => {
    const keys = new Set(Array.from({ length: 200 }, () => newRestrictKey()));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});

describe('metaCommandIn', () => {
  it.each([
    ['\\! touch /tmp/x', '\\!'],
    ['\\o |touch MARKER', '\\o'],
    ['\\o|touch MARKER', '\\o'],
    ["\\copy (select 1) to program 'touch MARKER'", '\\copy'],
    ['select 1 \\g |touch MARKER', '\\g'],
    ['  \\i /etc/hostname', '\\i'],
    ["select 'a\\b', \"c\\d\" \\gexec", '\\gexec'],
    ["select 'C:\\path';", null],
    ['select 1; -- a \\comment', null],
    ["select 'unterminated \\x", null],
  ])('%s', (line, command) => {
    expect(metaCommandIn(line)).toBe(command);
  });
});

describe('refusedMetaCommand', () => {
  /** psql got the lock as its line 1, then the dump's lines 2-9 (line 1, pg_dump's \restrict, dropped): psql's N is the dump's N. */
  function map(): PsqlLineMap {
    const lines = new PsqlLineMap();
    lines.sentLock();
    lines.dropped(); // dump line 1: pg_dump's \restrict
    for (let i = 2; i <= 9; i++) lines.sentLine(i === 7 ? '\\! rm -rf ~' : i === 8 ? "\\unrestrict wrongkey" : 'select 1;');
    return lines;
  }

  it('names the command and the dump\'s line, never its argument', () => {
    // psql's line 7 is: the lock, dump lines 2..7 → dump line 7.
    const message = refusedMetaCommand(`psql:<stdin>:7: ${RESTRICTED}`, map());
    expect(message).toBe('the dump tried to run the psql meta-command \\! at line 7; drills never run psql meta-commands');
    expect(message).not.toContain('rm');
  });

  it('an \\unrestrict with a wrong key', () => {
    expect(refusedMetaCommand('psql:<stdin>:8: error: \\unrestrict: wrong key', map())).toBe(
      'the dump tried to run the psql meta-command \\unrestrict at line 8; drills never run psql meta-commands',
    );
  });

  it('maps psql\'s line numbers past dropped lines', () => {
    const lines = new PsqlLineMap();
    lines.sentLock(); // psql 1
    lines.sentLine('select 1;'); // dump 1 = psql 2
    lines.dropped(); // dump 2
    lines.dropped(); // dump 3
    lines.sentLine('select 2;'); // dump 4 = psql 3
    lines.sentLine('\\o |x'); // dump 5 = psql 4
    expect(lines.fileLine(2)).toBe(1);
    expect(lines.fileLine(3)).toBe(4);
    expect(lines.fileLine(4)).toBe(5);
    expect(refusedMetaCommand(`psql:<stdin>:4: ${RESTRICTED}`, lines)).toBe('the dump tried to run the psql meta-command \\o at line 5; drills never run psql meta-commands');
  });

  it('without a known command name, still says what happened', () => {
    const lines = new PsqlLineMap();
    lines.sentLock();
    lines.sentLine(null);
    expect(refusedMetaCommand(`psql:<stdin>:2: ${RESTRICTED}`, lines)).toBe('the dump tried to run a psql meta-command at line 1; drills never run psql meta-commands');
  });

  it('is null for any other psql output', () => {
    expect(refusedMetaCommand('psql:<stdin>:12: ERROR:  relation "x" does not exist', map())).toBeNull();
    expect(refusedMetaCommand('', map())).toBeNull();
  });
});
