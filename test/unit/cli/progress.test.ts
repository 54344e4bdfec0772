import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../../electron/cli/progress';
import type { DrillProgress } from '../../../shared/model';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 80, write: (chunk: string) => writes.push(chunk) } as unknown as NodeJS.WriteStream };
}

const step = (phase: DrillProgress['phase'], done: number, total: number, detail?: string): DrillProgress => ({ sourceId: 's', backupKey: 'k', phase, done, total, detail });

describe('drill progress on the CLI', () => {
  it('draws a bar in place on a terminal', () => {
    const { writes, stream } = fakeStream(true);
    const reporter = progressReporter(stream);
    reporter.update(step('restore', 5, 10, 'TABLE DATA public.orders'));
    expect(writes[0]).toMatch(/^\r\x1b\[2Krestore  █{15}░{15}  50% TABLE DATA public\.orders$/);
    reporter.done();
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('prints plain lines otherwise: on each new phase and each further tenth, no control characters', () => {
    const { writes, stream } = fakeStream(false);
    const reporter = progressReporter(stream);
    reporter.update(step('prepare', 0, 1));
    for (let done = 0; done <= 100; done++) reporter.update(step('restore', done, 100));
    reporter.update(step('verify', 1, 3));
    reporter.update({ ...step('copy', 1536, 3 * 1024 * 1024, 'from backup1'), unit: 'bytes' });
    reporter.done();
    expect(writes[0]).toBe('prepare: 0 of 1\n');
    expect(writes.filter((w) => w.startsWith('restore: '))).toHaveLength(11);
    expect(writes.at(-2)).toBe('verify: 1 of 3\n');
    expect(writes.at(-1)).toBe('copy: 1.5 kB of 3.0 MB from backup1\n');
    expect(writes.join('')).not.toMatch(/[\r\x1b]/);
  });
});
