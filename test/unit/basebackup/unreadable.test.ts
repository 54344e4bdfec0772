// Backup files this user cannot read are said as such, never taken for missing ones: pg_basebackup makes each
// run's directory 0700 and its files 0600 for the user who ran it, so a monitor running as another user
// must not report "has no backup_label" (a broken backup) when it only lacks permission.
import { describe, expect, it } from 'vitest';
import { parseBackupListing, type Entry, type SourceFiles } from '../../../electron/engine/sources/basebackup/files';
import { readBaseBackups } from '../../../electron/engine/sources/basebackup/read-backup';

const file = (name: string, size = 100): Entry => ({ name, type: 'file', size, mtimeMs: 1_000 });

/** Files that list but cannot be read (every read answers null, as for a 0600 file of another user). */
const unreadable: SourceFiles = {
  where: 'here',
  listBackups: async () => ({ entries: [], children: new Map() }),
  read: async (requests) => requests.map(() => null),
  plainExtras: async (dirs) => dirs.map(() => ({ walFiles: [], tablespaceLinks: [], treeBytes: 1234 })),
};

describe('backup files this user cannot read', () => {
  it('a plain run whose backup_label is listed but unreadable is "cannot be read", not "has no backup_label"', async () => {
    const [reading] = await readBaseBackups(unreadable, [{ name: 'r1', dir: '/b/r1', entries: [file('backup_label'), file('PG_VERSION'), file('backup_manifest')] }]);
    expect(reading!.problem).toBe("its backup_label cannot be read by the user Backup Health runs as (give it read access: the backup files' group, or an ACL); not read");
  });

  it('a plain run without backup_label still says it has none', async () => {
    const [reading] = await readBaseBackups(unreadable, [{ name: 'r1', dir: '/b/r1', entries: [file('PG_VERSION')] }]);
    expect(reading!.problem).toBe('has no backup_label: it cannot be restored as a base backup');
  });

  it('a tar run whose base.tar.gz cannot be read says so', async () => {
    const [reading] = await readBaseBackups(unreadable, [{ name: 'r2', dir: '/b/r2', entries: [file('base.tar.gz'), file('backup_manifest')] }]);
    expect(reading!.problem).toBe("its base.tar.gz cannot be read by the user Backup Health runs as (give it read access: the backup files' group, or an ACL); not read");
  });
});

describe('the listing over ssh', () => {
  it('marks a run directory the ssh user cannot list', () => {
    const out = ['r1\td\t4096\t1796346493.5', 'r2\td\t4096\t1796346494.25', '/r1', 'PG_VERSION\tf\t3\t1796346493.75', '', '!r2', '', ''].join('\0');
    const listing = parseBackupListing(out);
    expect(listing.entries.map((e) => [e.name, e.type, e.mtimeMs])).toEqual([
      ['r1', 'dir', 1796346493500],
      ['r2', 'dir', 1796346494250],
    ]);
    expect(listing.children.get('r1')).toEqual([{ name: 'PG_VERSION', type: 'file', size: 3, mtimeMs: 1796346493750 }]);
    expect(listing.children.has('r2')).toBe(true);
    expect(listing.children.get('r2')).toBeNull();
  });
});
