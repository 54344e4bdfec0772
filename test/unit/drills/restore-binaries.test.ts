// Which PostgreSQL can restore a dump, and the sentence naming what to install when none here can.
import { describe, expect, it } from 'vitest';
import { archiveReaderMajor, explainNoUsableInstall, restoreRequirement } from '../../../electron/engine/drills/restore-binaries';
import { majorOfVersion } from '../../../electron/engine/postgres-version';

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
