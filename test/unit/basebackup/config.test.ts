// What the config file takes for a basebackup source, and what `config check` says of a wrong one: the field,
// what it takes, what was found; and the fields issue 13 adds to pgBackRest sources (maxArchiveAge,
// maxRecoveryPoint, drill.recovery with pgBackRest's own default).
import { describe, expect, it } from 'vitest';
import { formatProblem, parseConfigText } from '../../../electron/engine/config';
import type { BaseBackupSourceConfig, PgBackRestSourceConfig } from '../../../shared/config';

function parse(text: string) {
  const result = parseConfigText(text);
  return result.ok ? { config: result.config, problems: [] } : { config: null, problems: result.problems.map((p) => formatProblem('config.yml', p)) };
}

const base = (fields: string) => `sources:\n  - id: orders-base\n    kind: basebackup\n    path: /backup/orders/base\n${fields}`;

describe('a basebackup source', () => {
  it('takes the fields of the README example, with end-of-archive drills by default', () => {
    const { config, problems } = parse(
      base(`    walArchive: /backup/orders/wal
    host: backup1
    sshOptions: ["Port=2222"]
    maxAge: 26h
    maxArchiveAge: 15m
    maxRecoveryPoint: 1h
    minSize: 1GB
    drill: { every: 7d }
`),
    );
    expect(problems).toEqual([]);
    const source = config!.sources[0] as BaseBackupSourceConfig;
    expect(source).toMatchObject({ kind: 'basebackup', path: '/backup/orders/base', walArchive: '/backup/orders/wal', host: 'backup1', maxAge: 26 * 3_600_000, maxArchiveAge: 15 * 60_000, maxRecoveryPoint: 3_600_000, minSize: 1024 ** 3 });
    expect(source.drill).toMatchObject({ every: 7 * 86_400_000, recovery: 'end-of-archive' });
  });

  it.each([
    ['walArchive missing', base(''), 'config.yml: sources[0].walArchive: is required (expected text)'],
    ['a wrong maxArchiveAge', base('    walArchive: /w\n    maxArchiveAge: soon\n'), 'config.yml: sources[0].maxArchiveAge: "soon" is not a duration'],
    ['maxRecoveryPoint without a unit', base('    walArchive: /w\n    maxRecoveryPoint: 60\n'), 'config.yml: sources[0].maxRecoveryPoint: expected a duration like 26h, found the number 60 (write it with its unit'],
    ['an unknown recovery', base('    walArchive: /w\n    drill:\n      recovery: latest\n'), 'config.yml: sources[0].drill.recovery: must be end-of-archive (replay every archived WAL segment) or backup-end (stop where the backup became consistent), not the text "latest"'],
    ['pg_restore jobs in a physical drill', base('    walArchive: /w\n    drill:\n      jobs: 4\n'), 'config.yml: sources[0].drill.jobs: unknown key'],
    ['a misspelt walArchive', base('    walarchive: /w\n'), 'walArchive'],
    ['sshOptions without host', base('    walArchive: /w\n    sshOptions: ["Port=2222"]\n'), 'config.yml: sources[0].sshOptions: sshOptions are for a source on another machine: set host too (user@backup1)'],
  ])('%s is said with the field and what to do', (_, text, message) => {
    const { problems } = parse(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.startsWith(message) || (message === 'walArchive' && p.includes('did you mean walArchive?')))).toBe(true);
  });
});

describe('a pgBackRest source', () => {
  const stanza = (fields: string) => `sources:\n  - id: orders-stanza\n    kind: pgbackrest\n    stanza: main\n${fields}`;

  it('keeps backup-end drills unless told otherwise, and takes maxArchiveAge and maxRecoveryPoint', () => {
    const plain = parse(stanza('    drill: { every: 7d }\n'));
    expect((plain.config!.sources[0] as PgBackRestSourceConfig).drill!.recovery).toBe('backup-end');
    const told = parse(stanza('    maxArchiveAge: 10m\n    maxRecoveryPoint: 30m\n    drill: { recovery: end-of-archive }\n'));
    expect(told.problems).toEqual([]);
    expect(told.config!.sources[0]).toMatchObject({ maxArchiveAge: 600_000, maxRecoveryPoint: 1_800_000, drill: { recovery: 'end-of-archive' } });
  });

  it('refuses a recovery it does not know', () => {
    expect(parse(stanza('    drill: { recovery: 5 }\n')).problems).toEqual([
      'config.yml: sources[0].drill.recovery: must be end-of-archive (replay every archived WAL segment) or backup-end (stop where the backup became consistent), not the number 5',
    ]);
  });
});
