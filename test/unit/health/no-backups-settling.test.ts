// A dump directory whose every matching file changed within `settle` (a copy, a dump under way) is not empty:
// the source says so and is unknown until the files settle, never critical "no file matching" for that alone.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../electron/engine/sources/evaluate';
import { dailyDumps, dumpDirInput, dumpDirSource, GB, HOUR, okPoll } from './fixtures';

const settling = (inProgress: number, settle = '60s', host?: string) =>
  dumpDirInput({
    source: dumpDirSource({ settle, ...(host ? { host } : {}) }),
    backups: [],
    history: [],
    latest: okPoll('orders-dumps', { kind: 'dump-dir', fileCount: 0, totalBytes: 0, inProgress }),
  });

describe('no-backups while files settle', () => {
  it('nine files copied in a moment ago: unknown, saying how many, for how long, and when they are judged', () => {
    const health = evaluate(settling(9));
    expect(health.status).toBe('unknown');
    expect(health.findings).toEqual([
      {
        rule: 'no-backups',
        status: 'unknown',
        message:
          'no settled backup yet: 9 files matching "*.dump" in /var/backups/orders changed in the last 1m and are still being written; judged at the first poll after they have been unchanged for 1m (settle)',
        observed: 0,
        limit: 1,
      },
    ]);
  });

  it('one file over ssh, with its own settle; an earlier backup seen is named', () => {
    const input = { ...settling(1, '10m', 'backup@backup1'), history: dailyDumps(2, GB, 30 * HOUR) };
    const [finding] = evaluate(input).findings;
    expect(finding).toMatchObject({ rule: 'no-backups', status: 'unknown' });
    expect(finding!.message).toBe(
      'no settled backup yet: 1 file matching "*.dump" in /var/backups/orders on backup@backup1 changed in the last 10m and is still being written; judged at the first poll after it has been unchanged for 10m (settle); the newest backup seen before, orders-30.dump, finished 1d 6h ago',
    );
  });

  it('nothing matching and nothing being written stays critical', () => {
    expect(evaluate(settling(0))).toMatchObject({ status: 'critical', findings: [{ rule: 'no-backups', status: 'critical', message: 'no file matching "*.dump" in /var/backups/orders' }] });
  });

  it('settled backups beside files still being written are judged as usual', () => {
    const input = { ...dumpDirInput(), latest: okPoll('orders-dumps', { kind: 'dump-dir', fileCount: 3, totalBytes: 3 * GB, inProgress: 2 }) };
    expect(evaluate(input)).toEqual({ status: 'ok', findings: [] });
  });
});
