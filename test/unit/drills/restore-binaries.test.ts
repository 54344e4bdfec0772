// Which PostgreSQL can restore a dump, and the sentence naming what to install when none here can.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  archiveReaderMajor,
  chooseRestoreInstall,
  explainNoUsableInstall,
  explainPsqlCannotLock,
  lockingPsqlRelease,
  psqlLocksMetaCommands,
  restoreRequirement,
} from '../../../electron/engine/drills/restore-binaries';
import { majorOfVersion } from '../../../electron/engine/postgres/version';

const pg15 = { bin: '/usr/lib/postgresql/15/bin', major: 15, version: '15.18 (Debian 15.18-0+deb12u1)' };

describe('versions', () => {
  it('reads majors the way PostgreSQL numbers them', () => {
    expect(majorOfVersion('17.2 (Debian 17.2-1.pgdg120+1)')).toBe(17);
    expect(majorOfVersion('17beta1')).toBe(17);
    expect(majorOfVersion('9.6.24')).toBe(9.6);
    expect(majorOfVersion(undefined)).toBeUndefined();
    expect(majorOfVersion('garbage')).toBeUndefined();
  });

  it('knows which pg_restore reads which archive version', () => {
    expect(archiveReaderMajor('1.12')).toBeUndefined();
    expect(archiveReaderMajor('1.14')).toBeUndefined();
    expect(archiveReaderMajor('1.14-0')).toBeUndefined();
    expect(archiveReaderMajor('1.15')).toBe(16);
    expect(archiveReaderMajor('1.16')).toBe(17);
    expect(archiveReaderMajor('1.17')).toBe(18);
    expect(archiveReaderMajor(undefined)).toBeUndefined();
  });

  it('needs the larger of the archive reader and the pg_dump major', () => {
    expect(restoreRequirement({ format: 'custom', archiveVersion: '1.16', pgDumpVersion: '17.2 (Debian)' })).toEqual({
      minMajor: 17,
      readerMajor: 17,
      pgDumpMajor: 17,
      madeBy: 'pg_dump 17.2 (archive 1.16)',
    });
    // A plain dump has no archive version; its SQL still needs a server as new as its pg_dump.
    expect(restoreRequirement({ format: 'plain', pgDumpVersion: '17.0' })).toEqual({ minMajor: 17, pgDumpMajor: 17, madeBy: 'pg_dump 17.0' });
    expect(restoreRequirement({ format: 'custom', archiveVersion: '1.14', pgDumpVersion: '13.4' })).toMatchObject({ minMajor: 13 });
    expect(restoreRequirement({ format: 'custom', archiveVersion: '1.16' })).toMatchObject({ minMajor: 17, madeBy: 'pg_dump 17 or newer (archive 1.16)' });
    expect(restoreRequirement({ format: 'plain' })).toEqual({ madeBy: 'an unknown pg_dump version' });
  });
});

describe('explainNoUsableInstall', () => {
  it('names the pg_restore that cannot read the archive and the package to install', () => {
    const requirement = restoreRequirement({ format: 'custom', archiveVersion: '1.16', pgDumpVersion: '17.2' });
    expect(explainNoUsableInstall(requirement, [pg15], 'PATH')).toBe(
      'this dump was made by pg_dump 17.2 (archive 1.16); pg_restore 15 cannot read it; install postgresql-17 (server and client) or set postgresBin to its bin directory',
    );
  });

  it('explains a plain dump from a newer pg_dump', () => {
    const requirement = restoreRequirement({ format: 'plain', pgDumpVersion: '17.2' });
    expect(explainNoUsableInstall(requirement, [pg15], 'PATH')).toMatch(/^this dump was made by pg_dump 17.2; PostgreSQL 15 cannot restore it .*; install postgresql-17/);
  });

  it('says where it looked when nothing is installed', () => {
    const requirement = restoreRequirement({ format: 'custom', archiveVersion: '1.14', pgDumpVersion: '15.18 (Debian)' });
    expect(explainNoUsableInstall(requirement, [], '/opt/empty (postgresBin)')).toBe(
      'no PostgreSQL binaries to restore with (looked in /opt/empty (postgresBin)); this dump was made by pg_dump 15.18 (archive 1.14); install postgresql-15 (server and client) or set postgresBin to its bin directory',
    );
    expect(explainNoUsableInstall({ madeBy: 'an unknown pg_dump version' }, [], 'PATH')).toMatch(/; install postgresql \(server and client\)/);
  });
});

describe('psql that can lock its meta-commands (\\restrict)', () => {
  it.each([
    ['15.18 (Debian 15.18-0+deb12u1)', true],
    ['15.14', true],
    ['15.13 (Ubuntu 15.13-1.pgdg22.04+1)', false],
    ['13.22', true],
    ['13.21', false],
    ['14.19', true],
    ['14.18', false],
    ['16.10', true],
    ['16.9', false],
    ['17.6', true],
    ['17.5', false],
    ['18.0', true],
    ['18beta1', false],
    ['18beta2', false],
    ['18beta3', true],
    ['18rc1', true],
    ['19devel', true],
    ['12.22', false],
    ['9.6.24', false],
    ['17beta1', false],
    ['garbage', false],
  ])('%s: %s', (version, locks) => {
    expect(psqlLocksMetaCommands(version)).toBe(locks);
  });

  it('names the release to install', () => {
    expect(lockingPsqlRelease(15)).toBe('15.14');
    expect(lockingPsqlRelease(17)).toBe('17.6');
    expect(lockingPsqlRelease(18)).toBe('18');
    expect(lockingPsqlRelease(12)).toBe('13.22');
  });

  it('says which psql cannot, and what to install', () => {
    expect(explainPsqlCannotLock([{ bin: '/usr/lib/postgresql/15/bin', major: 15, version: '15.13 (Debian 15.13-0+deb12u1)' }])).toBe(
      'psql 15.13 in /usr/lib/postgresql/15/bin cannot lock its meta-commands (\\restrict), so a plain dump could run programs through it (\\!); plain dumps are restored only with psql 13.22, 14.19, 15.14, 16.10, 17.6 or newer: install postgresql-15 15.14 or newer (server and client) or set postgresBin to its bin directory',
    );
    expect(explainPsqlCannotLock([{ bin: '/opt/pg12/bin', major: 12, version: null }])).toMatch(/^psql of an unknown version in \/opt\/pg12\/bin cannot .*: install postgresql-13 13\.22 or newer \(server and client\)/);
  });
});

describe('chooseRestoreInstall for a plain dump', () => {
  const root = mkdtempSync(join(tmpdir(), 'backup-health-test-psql-gate-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A stand-in installation: postgres, initdb and psql that only say their version. */
  function fakeInstall(name: string, server: string, psql: string): string {
    const bin = join(root, name, 'bin');
    mkdirSync(bin, { recursive: true });
    const script = (line: string) => `#!/bin/sh\necho '${line}'\n`;
    writeFileSync(join(bin, 'postgres'), script(`postgres (PostgreSQL) ${server}`));
    writeFileSync(join(bin, 'initdb'), script(`initdb (PostgreSQL) ${server}`));
    writeFileSync(join(bin, 'psql'), script(`psql (PostgreSQL) ${psql}`));
    for (const tool of ['postgres', 'initdb', 'psql']) chmodSync(join(bin, tool), 0o755);
    return bin;
  }

  it('refuses a psql without \\restrict, naming the version to install', async () => {
    const old = fakeInstall('old', '15.13', '15.13');
    const choice = await chooseRestoreInstall(restoreRequirement({ format: 'plain', pgDumpVersion: '15.13' }), ['psql'], { searchDirs: [old] });
    expect(choice).toEqual({ ok: false, message: expect.stringMatching(/^psql 15\.13 in .*\/old\/bin cannot lock its meta-commands .*install postgresql-15 15\.14 or newer/) });
  });

  it('reads psql\'s own version, not the server\'s', async () => {
    const mixed = fakeInstall('mixed', '15.18', '15.10');
    const choice = await chooseRestoreInstall(restoreRequirement({ format: 'plain' }), ['psql'], { searchDirs: [mixed] });
    expect(choice.ok).toBe(false);
  });

  it('takes the newest install whose psql can lock', async () => {
    const old = fakeInstall('old16', '16.9', '16.9');
    const good = fakeInstall('good15', '15.14', '15.14');
    const choice = await chooseRestoreInstall(restoreRequirement({ format: 'plain', pgDumpVersion: '15.2' }), ['psql'], { searchDirs: [old, good] });
    expect(choice).toMatchObject({ ok: true, install: { bin: good, major: 15 } });
  });

  it('does not ask pg_restore archives about psql', async () => {
    const old = fakeInstall('old-archive', '15.13', '15.13');
    writeFileSync(join(old, 'pg_restore'), '#!/bin/sh\n');
    chmodSync(join(old, 'pg_restore'), 0o755);
    const choice = await chooseRestoreInstall(restoreRequirement({ format: 'custom', archiveVersion: '1.14' }), ['pg_restore'], { searchDirs: [old] });
    expect(choice.ok).toBe(true);
  });
});
