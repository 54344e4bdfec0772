// The choices behind reading what a snapshot or archive holds: which files' heads are read (a directory dump's
// toc.dat, then dump-like names, newest first, never a directory dump's members, at most 12), that a head read
// stops at 8 KB, and that only the newest readable backup of each job is read.
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import type { ObservedBackup } from '../../../shared/model';
import { databasesNamed, HeadCollector, HeadComplete, ListingCollector, MAX_HEAD_READS, MAX_JOBS, newestOfEachJob } from '../../../electron/engine/sources/held-databases';

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

describe('reading the heads', () => {
  const plainHead = (name: string) =>
    Buffer.from(['--', '-- PostgreSQL database dump', '--', '', '-- Dumped from database version 16.4', '-- Dumped by pg_dump version 17.2', '', `-- Name: ${name}; Type: DATABASE; Schema: -; Owner: postgres`, ''].join('\n'));
  const candidates = ['orders', 'billing', 'audit'].map((name) => ({ path: `pg/${name}.sql`, size: 1_000_000, toc: false }));

  it('a read that fails once (a repository lock met for a moment) is read again, and the answer is whole', async () => {
    const attempts = new Map<string, number>();
    const readHead = async (path: string) => {
      attempts.set(path, (attempts.get(path) ?? 0) + 1);
      if (path === 'pg/audit.sql' && attempts.get(path) === 1) throw new Error('Failed to create/acquire the lock');
      return plainHead(/pg\/(\w+)\.sql/.exec(path)![1]!);
    };
    expect(await databasesNamed(candidates, readHead, new AbortController().signal)).toEqual({ databases: ['audit', 'billing', 'orders'], complete: true });
    expect(attempts.get('pg/audit.sql')).toBe(2);
    expect(attempts.get('pg/orders.sql')).toBe(1);
  });

  it('a read that fails twice leaves a partial answer, which is not to be kept', async () => {
    const readHead = async (path: string) => {
      if (path === 'pg/audit.sql') throw new Error('repository is locked');
      return plainHead(/pg\/(\w+)\.sql/.exec(path)![1]!);
    };
    expect(await databasesNamed(candidates, readHead, new AbortController().signal)).toEqual({ databases: ['billing', 'orders'], complete: false });
  });
});
