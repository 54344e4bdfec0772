// A recorded tool version says the tool's name once, and the host it ran on.
import { describe, expect, it } from 'vitest';
import { toolWords } from '../../../shared/tool-words';

describe('toolWords', () => {
  it('names the tool once, whatever case its version output uses', () => {
    expect(toolWords('restic', 'restic 0.14.0')).toBe('restic 0.14.0');
    expect(toolWords('pgbackrest', 'pgBackRest 2.45')).toBe('pgBackRest 2.45');
    expect(toolWords('barman', '3.4.0 Barman')).toBe('3.4.0 Barman');
    expect(toolWords('tar', 'tar (GNU tar) 1.34')).toBe('tar (GNU tar) 1.34');
  });

  it("puts the name before a bare version (the PostgreSQL tools' own)", () => {
    expect(toolWords('pg_restore', '15.18 (Debian 15.18-0+deb12u1)')).toBe('pg_restore 15.18 (Debian 15.18-0+deb12u1)');
    expect(toolWords('zstd', 'Zstandard CLI (64-bit) v1.5.4')).toBe('zstd Zstandard CLI (64-bit) v1.5.4');
  });

  it('says the host a remote tool ran on', () => {
    expect(toolWords('restic@db1.example', 'restic 0.16.4')).toBe('restic 0.16.4 on db1.example');
    expect(toolWords('tar@127.0.0.1', '1.34')).toBe('tar 1.34 on 127.0.0.1');
  });
});
