import { describe, expect, it } from 'vitest';
import { SOURCE_KIND_INFO } from '../../../shared/source-kinds';
import { basebackupSourceSchema, resticSourceSchema, resticDrillSchema, pgbackrestSourceSchema, borgSourceSchema, drillSchema, dumpDirSourceSchema, postgresSourceSchema } from '../../../shared/config';
import { RESTIC_FIELDS, PGBACKREST_FIELDS, BORG_FIELDS, COMMON_FIELDS, DRILL_FIELDS, DUMP_DIR_FIELDS, POSTGRES_FIELDS, drillFieldsOf, emptyForm, formFromSource, sourceFromForm, withField } from '../../../renderer/settings/source-form';

describe('the settings form model', () => {
  it('has a field for every key of the config schema', () => {
    // passwordStored is a checkbox, drill a section, checks a list: handled beside the text fields.
    expect(new Set([...COMMON_FIELDS, 'kind', ...POSTGRES_FIELDS, 'passwordStored'])).toEqual(new Set(Object.keys(postgresSourceSchema.shape)));
    expect(new Set([...COMMON_FIELDS, 'kind', ...DUMP_DIR_FIELDS, 'drill'])).toEqual(new Set(Object.keys(dumpDirSourceSchema.shape)));
    expect(new Set([...drillFieldsOf('restic'), 'checks'])).toEqual(new Set(Object.keys(resticDrillSchema.shape)));
    expect(new Set([...drillFieldsOf('dump-dir'), 'checks'])).toEqual(new Set(Object.keys(drillSchema.shape)));
    expect(new Set([...drillFieldsOf('borg'), 'checks'])).toEqual(new Set(Object.keys(drillSchema.shape)));
    expect(new Set([...drillFieldsOf('pgbackrest'), 'checks'])).toEqual(new Set(Object.keys(pgbackrestSourceSchema.shape.drill.unwrap().shape)));
    expect(new Set([...COMMON_FIELDS, 'kind', ...BORG_FIELDS, 'drill'])).toEqual(new Set(Object.keys(borgSourceSchema.shape)));
    expect(new Set([...COMMON_FIELDS, 'kind', ...PGBACKREST_FIELDS, 'drill'])).toEqual(new Set(Object.keys(pgbackrestSourceSchema.shape)));
    expect(new Set([...COMMON_FIELDS, 'kind', ...RESTIC_FIELDS, 'drill'])).toEqual(new Set(Object.keys(resticSourceSchema.shape)));
    expect(new Set([...COMMON_FIELDS, 'kind', ...SOURCE_KIND_INFO.basebackup.fields, 'drill'])).toEqual(new Set(Object.keys(basebackupSourceSchema.shape)));
    expect(new Set([...drillFieldsOf('basebackup'), 'checks'])).toEqual(new Set(Object.keys(basebackupSourceSchema.shape.drill.unwrap().shape)));
  });

  it('gives back the source as written', () => {
    const sources = [
      { id: 'db1', kind: 'postgres', url: 'postgres://db1/postgres', passwordFile: '/etc/bh/db1', maxArchiveAge: '15m', standbys: ['a', 'b'], coverageIgnore: ['postgres', 'template1'], interval: '1m' },
      {
        id: 'dumps',
        name: 'Dumps',
        kind: 'dump-dir',
        path: '/d',
        pattern: '*.dump',
        maxAge: '26h',
        minSize: '1MB',
        settle: '2m',
        timeout: '30s',
        drill: { every: '7d', maxAge: '8d', jobs: 4, checks: [{ sql: 'select true' }, { name: 'n', sql: 'select 1 = 1' }], compareTo: 'db1', tolerance: '5%', timeout: '2h' },
      },
    ];
    sources.push({ id: 'orders-borg', kind: 'borg', repo: '/srv/borg', passwordFile: '/etc/bh/borg', pattern: 'orders-*', maxAge: '26h', drill: { every: '7d', jobs: 2 } } as never);
    sources.push({ id: 'orders-pgbackrest', kind: 'pgbackrest', stanza: 'main', configPath: '/etc/pgbackrest/pgbackrest.conf', repo: 2, maxFullAge: '8d', database: 'db1', drill: { every: '7d' } } as never);
    sources.push({ id: 'files', kind: 'restic', repo: '/srv/restic', passwordFile: '/etc/bh/restic', snapshotHost: 'db1', snapshotTag: 'daily', minSize: '1MB', host: 'backup@backup1', sshOptions: ['Port=2222', 'Ciphers=aes128-ctr,aes256-ctr'], drill: { every: '7d', readDataSubset: '5%' } } as never);
    sources.push({ id: 'remote-stanza', kind: 'pgbackrest', stanza: 'main', host: 'postgres@repo1', drill: { every: '7d', timeout: '3h' } } as never);
    sources.push({ id: 'orders-offsite', kind: 'dump-dir', url: 's3://backups/orders/', endpoint: 'https://s3.example.com', region: 'eu-central-1', profile: 'backup-reader', maxAge: '26h', drill: { every: '7d' } } as never);
    for (const source of sources) expect(sourceFromForm(formFromSource(source))).toEqual(source);
  });

  it('leaves empty fields out, so the engine’s defaults apply', () => {
    let form = withField(emptyForm('dump-dir'), 'id', 'x');
    form = withField(form, 'path', ' /d ');
    form = withField(form, 'maxAge', '  ');
    form = { ...form, drill: { ...form.drill, checks: [{ name: '', sql: '' }] } };
    expect(sourceFromForm(form)).toEqual({ id: 'x', kind: 'dump-dir', path: '/d' });
  });

  it('passes text that is not a number on as written, for validation to name', () => {
    const form = withField(withField(emptyForm('dump-dir'), 'drill.jobs', 'many'), 'id', 'x');
    expect(sourceFromForm(form).drill).toEqual({ jobs: 'many' });
  });

  it('writes only the chosen kind’s fields', () => {
    const form = withField(withField(emptyForm('postgres'), 'path', '/left/over'), 'url', 'postgres://h/db');
    expect(sourceFromForm(form)).toEqual({ kind: 'postgres', url: 'postgres://h/db' });
  });

  it('edits ssh options one per line, keeping commas inside an option', () => {
    const source = { id: 'remote-dumps', kind: 'dump-dir', path: '/srv/dumps', host: 'backup@backup1', sshOptions: ['Port=2222', 'Ciphers=aes128-ctr,aes256-ctr'] };
    const form = formFromSource(source);
    expect(form.sshOptions).toBe('Port=2222\nCiphers=aes128-ctr,aes256-ctr');
    expect(sourceFromForm(form)).toEqual(source);
  });
});
