// Listing a WAL archive directory on this machine: regular files only (a subdirectory or a symlink is not
// listed, and a .history symlink is never read), sizes and times as stat gives them, .history files read and
// parsed, a damaged one said. And the ssh listing's output read back, including an unreadable .history.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRemoteListing, readWalArchive } from '../../../electron/engine/wal/archive-listing';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('readWalArchive here', () => {
  it('lists regular files with their sizes and times, and reads the .history files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'backup-health-wal-listing-'));
    const archive = join(dir, 'wal');
    mkdirSync(archive);
    writeFileSync(join(archive, '000000010000000000000001'), Buffer.alloc(1000));
    utimesSync(join(archive, '000000010000000000000001'), 1_800_000_000, 1_800_000_000.25);
    writeFileSync(join(archive, '.tmp.000000010000000000000002'), 'x');
    writeFileSync(join(archive, '00000002.history'), '1\t0/15000148\tno recovery target specified\n');
    writeFileSync(join(archive, '00000003.history'), 'damaged\n');
    mkdirSync(join(archive, 'archive_status'));
    writeFileSync(join(dir, 'elsewhere.history'), '1\t0/1\tnot ours\n');
    symlinkSync(join(dir, 'elsewhere.history'), join(archive, '00000004.history'));
    symlinkSync(join(archive, '000000010000000000000001'), join(archive, '000000010000000000000009'));

    const listing = await readWalArchive({ path: archive });
    expect(listing.entries.map((e) => e.name).sort()).toEqual(['.tmp.000000010000000000000002', '000000010000000000000001', '00000002.history', '00000003.history']);
    expect(listing.entries.find((e) => e.name === '000000010000000000000001')).toEqual({ name: '000000010000000000000001', sizeBytes: 1000, mtimeMs: 1_800_000_000_250 });
    expect(listing.histories).toEqual([{ timeline: 2, switches: [{ parent: 1, switchLsn: 0x15000148n, reason: 'no recovery target specified' }] }]);
    expect(listing.historyProblems).toEqual([expect.stringMatching(/^00000003\.history in .*wal line 1 is not "<timeline> <switch location> <reason>"/)]);
  });

  it('says what to fix when the directory is missing', async () => {
    await expect(readWalArchive({ path: '/nonexistent/wal', field: 'walArchive' })).rejects.toMatchObject({
      code: 'not-found',
      message: 'no WAL archive directory /nonexistent/wal: set walArchive to the directory archive_command copies WAL into',
    });
  });
});

describe('the ssh listing read back', () => {
  it('reads records, the separator, and each .history (base64, or "-" when unreadable)', () => {
    const b64 = Buffer.from('1\t0/3000000\tx\n').toString('base64');
    const text = `000000010000000000000001\t16777216\t1800000000.1234567890\0` + `00000002.history\t14\t1800000001\0` + `\0` + `00000002.history\0${b64}\0` + `00000003.history\0-\0`;
    const listing = parseRemoteListing(text, { path: '/srv/wal', host: 'backup1' });
    expect(listing.entries).toEqual([
      { name: '000000010000000000000001', sizeBytes: 16777216, mtimeMs: 1_800_000_000_123 },
      { name: '00000002.history', sizeBytes: 14, mtimeMs: 1_800_000_001_000 },
    ]);
    expect(listing.histories).toEqual([{ timeline: 2, switches: [{ parent: 1, switchLsn: 0x3000000n, reason: 'x' }] }]);
    expect(listing.historyProblems).toEqual([expect.stringContaining('00000003.history in /srv/wal on backup1 cannot be read')]);
  });

  it('an empty archive is an empty listing', () => {
    expect(parseRemoteListing('\0', { path: '/srv/wal' })).toEqual({ entries: [], histories: [], historyProblems: [] });
  });
});
