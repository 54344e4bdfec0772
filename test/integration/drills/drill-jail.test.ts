// A drill tool stopped in the very instant it starts: bubblewrap may die before its child arms the
// parent-death signal, so killing bubblewrap alone can leave the tool running in its sandbox (seen: most
// of a dozen aborts within 3 ms of the start). The jail must still end it, and the drill must not wait for it.
import { afterAll, expect, it } from 'vitest';
import { DrillJail } from '../../../electron/engine/drills/drill-jail';
import { removeTestParentDir, testParentDir } from '../../support/postgres-fixtures';
import { readdirSync, readFileSync } from 'node:fs';

const parent = testParentDir('drill-jail');
afterAll(() => removeTestParentDir(parent));

/** Processes whose command line mentions `dir` (the jail's unique directory). */
function running(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(dir) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${e}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

it('a tool aborted as it starts leaves nothing of it running, and its run ends', async () => {
  const jail = await DrillJail.create(parent, 'jail test');
  try {
    for (let i = 0; i < 8; i++) {
      const stop = new AbortController();
      // A tool that would run for 10 minutes; its command line names the jail, as every drill tool's does.
      const ran = jail.run('/bin/sh', ['-c', 'sleep 600', jail.dir], { signal: stop.signal, timeoutMs: 600_000 });
      setTimeout(() => stop.abort(), i % 4);
      const result = await ran;
      expect(result.aborted).toBe(true);
      expect(running(jail.dir)).toEqual([]);
    }
  } finally {
    await jail.remove();
  }
}, 120_000);
