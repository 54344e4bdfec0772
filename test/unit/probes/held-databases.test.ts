// The choices behind reading what a snapshot or archive holds: which files' heads are read (a directory dump's
// toc.dat, then dump-like names, newest first, never a directory dump's members, at most 12), that a head read
// stops at 8 KB, and that only the newest readable backup of each job is read.
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import type { ObservedBackup } from '../../../shared/model';
import { HeadCollector, HeadComplete, ListingCollector, MAX_HEAD_READS, MAX_JOBS, newestOfEachJob } from '../../../electron/engine/sources/held-databases';

describe('which files are read', () => {
  it('a directory dump\'s toc.dat first, then dump-like names newest first, then other files; never a member of a directory dump', () => {
    const listing = new ListingCollector();
    listing.add({ path: 'pg/notes.txt', size: 10, mtimeMs: 9 });
    listing.add({ path: 'pg/old.dump', size: 1000, mtimeMs: 1 });
    listing.add({ path: 'pg/new.dump', size: 1000, mtimeMs: 5 });
    listing.add({ path: 'pg/audit.dir/3012.dat.gz', size: 500, mtimeMs: 8 });
    listing.add({ path: 'pg/audit.dir/toc.dat', size: 900, mtimeMs: 2 });
    listing.add({ path: 'pg/billing.sql.gz', size: 700, mtimeMs: 3 });
    listing.add({ path: 'pg/empty.dump', size: 0, mtimeMs: 10 });
    expect(listing.candidates()).toEqual([
      { path: 'pg/audit.dir/toc.dat', size: 900, toc: true },
      { path: 'pg/new.dump', size: 1000, toc: false },
      { path: 'pg/billing.sql.gz', size: 700, toc: false },
      { path: 'pg/old.dump', size: 1000, toc: false },
      { path: 'pg/notes.txt', size: 10, toc: false },
    ]);
  });

  it('at most MAX_HEAD_READS files, however many the listing holds', () => {
    const listing = new ListingCollector();
    for (let i = 0; i < 50_000; i++) listing.add({ path: `srv/file-${i}.dump`, size: 100, mtimeMs: i });
    const chosen = listing.candidates();
    expect(chosen).toHaveLength(MAX_HEAD_READS);
    expect(chosen[0]!.path).toBe('srv/file-9999.dump'); // the newest of those kept from a huge listing
  });
});

describe('a head read', () => {
  it('keeps the first 8 KB and then fails with HeadComplete, so the tool is stopped', async () => {
    const head = new HeadCollector();
    const source = new PassThrough();
    const done = pipeline(source, head);
    for (let i = 0; i < 10; i++) source.write(Buffer.alloc(1000, i));
    source.end();
    await expect(done).rejects.toBeInstanceOf(HeadComplete);
    expect(head.head()).toHaveLength(8192);
    expect(head.head()[8191]).toBe(8);
  });

  it('a file shorter than 8 KB arrives whole, without HeadComplete', async () => {
    const head = new HeadCollector();
    const source = new PassThrough();
    const done = pipeline(source, head);
    source.end(Buffer.from('PGDMP'));
    await done;
    expect(head.head().toString()).toBe('PGDMP');
  });
});

describe('which backups are read', () => {
  const backup = (key: string, finishedAt: number, job: string, readable = true): ObservedBackup => ({ key, type: 'snapshot', finishedAt, sizeBytes: readable ? 100 : 0, readable, meta: { job } });
  const jobOf = (b: ObservedBackup) => String(b.meta?.job);

  it('the newest readable backup of each job, newest jobs first', () => {
    const backups = [backup('o1', 1, 'orders'), backup('o3', 3, 'orders', false), backup('o2', 2, 'orders'), backup('b1', 1, 'billing'), backup('b2', 5, 'billing')];
    expect(newestOfEachJob(backups, jobOf).map((b) => b.key)).toEqual(['b2', 'o2']);
  });

  it(`at most ${MAX_JOBS} jobs`, () => {
    const backups = Array.from({ length: 10 }, (_, i) => backup(`k${i}`, i, `job${i}`));
    expect(newestOfEachJob(backups, jobOf).map((b) => b.key)).toEqual(['k9', 'k8', 'k7', 'k6']);
  });
});
