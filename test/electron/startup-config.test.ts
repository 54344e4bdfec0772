// What the app starts with: the config, no sources on a first run, and for a broken file no sources plus the
// problems, told in a notification.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configProblemsNotice, startupConfig } from '../../electron/main/startup-config';

const root = mkdtempSync(join(tmpdir(), 'backup-health-startup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('startupConfig', () => {
  it('a missing file: no sources, no problems (first run)', () => {
    const started = startupConfig(join(root, 'missing.yml'));
    expect(started.config.sources).toEqual([]);
    expect(started.problems).toEqual([]);
    expect(configProblemsNotice(join(root, 'missing.yml'), started.problems)).toBeNull();
  });

  it('a good file: its sources', () => {
    const file = join(root, 'good.yml');
    writeFileSync(file, `sources:\n  - { id: dumps, kind: dump-dir, path: ${root} }\n`);
    expect(startupConfig(file).config.sources.map((s) => s.id)).toEqual(['dumps']);
  });

  it('a broken file: the app runs with no sources and says what is wrong, where', () => {
    const file = join(root, 'broken.yml');
    writeFileSync(file, `sources:\n  - { id: dumps, kind: dump-dir, path: ${root}, maxAge: soon }\n  - { id: Bad_Id, kind: dump-dir, path: ${root} }\n`);
    const started = startupConfig(file);
    expect(started.config.sources).toEqual([]);
    expect(started.problems.map((p) => p.path)).toEqual(['sources[0].maxAge', 'sources[1].id']);
    const notice = configProblemsNotice(file, started.problems)!;
    expect(notice.title).toBe('The config file has 2 problems; no sources are checked');
    expect(notice.body.split('\n')[0]).toMatch(/: sources\[0\]\.maxAge: "soon" is not a duration/);
    expect(notice.body.startsWith(`${file}: `)).toBe(true);
    expect(notice.body).toContain(`${file}: sources[1].id: must be lowercase letters`);
  });

  it('many problems: the first three and where to see them all', () => {
    const notice = configProblemsNotice('/c.yml', Array.from({ length: 5 }, (_, i) => ({ path: `sources[${i}].id`, message: 'bad' })))!;
    expect(notice.body.split('\n')).toEqual(['/c.yml: sources[0].id: bad', '/c.yml: sources[1].id: bad', '/c.yml: sources[2].id: bad', '… and 2 more (backup-health config check lists them all)']);
  });
});
