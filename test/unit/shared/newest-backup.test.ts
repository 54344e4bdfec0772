// The one definition of "newest backup": the archive's own creation time, then finishedAt, then the key.
import { describe, expect, it } from 'vitest';
import type { ObservedBackup } from '../../../shared/model';
import { backupMadeAt, byNewest, newestFirst } from '../../../shared/newest-backup';

const T = Date.UTC(2026, 11, 3, 2, 0);
const MINUTE = 60_000;

function dump(name: string, finishedAt: number, createdAt?: number): ObservedBackup {
  return { key: `/backups/${name}`, type: 'dump', finishedAt, sizeBytes: 1000, readable: true, meta: { header: { format: 'custom', ...(createdAt !== undefined ? { createdAt } : {}) } } };
}

const names = (backups: ObservedBackup[]) => backups.map((b) => b.key.slice('/backups/'.length));

describe('newest backup', () => {
  it('goes by the time the pg_dump header says, not the mtime a copy gave every file', () => {
    // shop-2 was dumped last; the copy gave all three the same mtime, and shop-3 sorts last by name.
    const copied = [dump('shop-1.dump', T, T - 3 * 60 * MINUTE), dump('shop-2.dump', T, T - 60 * MINUTE), dump('shop-3.dump', T, T - 2 * 60 * MINUTE)];
    expect(names(byNewest(copied))).toEqual(['shop-2.dump', 'shop-3.dump', 'shop-1.dump']);
    expect(backupMadeAt(copied[1]!)).toBe(T - 60 * MINUTE);
  });

  it('a header time beats a later mtime (rsync without -t), and applies between dated and undated backups', () => {
    const older = dump('a.dump', T + 10 * MINUTE, T - 60 * MINUTE);
    const newer = dump('b.dump', T, T - 30 * MINUTE);
    const plain = dump('c.sql', T - 45 * MINUTE); // no header time: its mtime stands in
    expect(names(byNewest([older, plain, newer]))).toEqual(['b.dump', 'c.sql', 'a.dump']);
  });

  it('without header times, the later finishedAt (restic snapshot time, borg end, pgBackRest stop, mtime)', () => {
    const snapshot = (key: string, finishedAt: number): ObservedBackup => ({ key, type: 'snapshot', finishedAt, sizeBytes: 1, readable: true });
    expect(byNewest([snapshot('aaaa', T - MINUTE), snapshot('bbbb', T), snapshot('cccc', T - 2 * MINUTE)]).map((b) => b.key)).toEqual(['bbbb', 'aaaa', 'cccc']);
  });

  it('ties: the later finishedAt, then the key that sorts last (date-stamped names)', () => {
    const sameSecond = [dump('orders.dump', T, T - MINUTE), dump('shop.dump', T - 5000, T - MINUTE)];
    expect(names(byNewest(sameSecond))).toEqual(['orders.dump', 'shop.dump']);
    const identical = [dump('orders-2026-12-02.dump', T, T - MINUTE), dump('orders-2026-12-03.dump', T, T - MINUTE), dump('orders-2026-12-01.dump', T, T - MINUTE)];
    expect(names(byNewest(identical))).toEqual(['orders-2026-12-03.dump', 'orders-2026-12-02.dump', 'orders-2026-12-01.dump']);
    // Deterministic whatever order they come in, and a total order: a backup only ties with itself.
    expect(names(byNewest([...identical].reverse()))).toEqual(names(byNewest(identical)));
    expect(newestFirst(identical[0]!, identical[0]!)).toBe(0);
    expect(Math.sign(newestFirst(identical[0]!, identical[1]!))).toBe(-Math.sign(newestFirst(identical[1]!, identical[0]!)));
  });

  it('leaves its input as it was', () => {
    const input = [dump('a.dump', T - MINUTE), dump('b.dump', T)];
    byNewest(input);
    expect(names(input)).toEqual(['a.dump', 'b.dump']);
  });
});
