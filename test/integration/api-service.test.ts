// The dashboard API over a real engine, history and config file: what the UI will be shown and what the
// settings page writes.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../shared/api';
import { ApiService } from '../../electron/engine/api-service';
import { loadConfig } from '../../electron/engine/config';
import { Engine } from '../../electron/engine/engine';
import { History } from '../../electron/engine/store/history';
import { writePlainDump } from '../support/plain-dump';

const root = mkdtempSync(join(tmpdir(), 'backup-health-api-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let n = 0;


function setup(configText: (dir: string) => string) {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, configText(dir));
  const loaded = loadConfig(configFile);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const store = History.open(join(dir, 'history.sqlite'));
  const engine = new Engine({ config: loaded.config, store });
  const api = new ApiService({ engine, store, configFile });
  return { dir, configFile, store, engine, api };
}

describe('ApiService', () => {
  it('overview: worst first, counts per status, size trend oldest first', async () => {
    const { api, store, dir } = setup((d) => {
      for (const name of ['good', 'bad']) mkdirSync(join(d, name));
      for (let i = 1; i <= 4; i++) writePlainDump(join(d, 'good'), `g${i}.sql`, i * DAY - HOUR, 1000 * (5 - i));
      writePlainDump(join(d, 'bad'), 'b1.sql', DAY, 5000);
      writePlainDump(join(d, 'bad'), 'b2.sql', HOUR, 0);
      return `sources:\n  - { id: good, kind: dump-dir, path: ${join(d, 'good')}, settle: 0s }\n  - { id: bad, kind: dump-dir, path: ${join(d, 'bad')}, settle: 0s }\n`;
    });
    await api.pollNow({});
    const overview = await api.overview();
    expect(overview.sources.map((s) => [s.id, s.status])).toEqual([['bad', 'critical'], ['good', 'ok']]);
    expect(overview.counts).toEqual({ ok: 1, warning: 0, critical: 1, unknown: 0 });
    expect(overview.sources[1]!.sizeTrend.map((p) => p.sizeBytes)).toEqual([1000, 2000, 3000, 4000]);
    expect(overview.configFile).toBe(join(dir, 'config.yml'));
    store.close();
  });

  it('source detail: age series, maxAge threshold, and anomalies marked on the size chart', async () => {
    let dumpBytes = 0;
    const { api, store } = setup((d) => {
      for (let i = 1; i <= 9; i++) dumpBytes += statSync(writePlainDump(d, `d${i}.sql`, (10 - i) * DAY, i === 7 ? 50 : 100_000)).size;
      writePlainDump(d, 'd10.sql', HOUR, 0);
      return `sources:\n  - { id: dumps, kind: dump-dir, path: ${d}, pattern: "*.sql", settle: 0s, maxAge: 26h }\n`;
    });
    await api.pollNow({ id: 'dumps' });
    await api.pollNow({ id: 'dumps' });
    const detail = await api.source({ id: 'dumps', range: '30d' });
    expect(detail.maxAgeMs).toBe(26 * HOUR);
    expect(detail.drillable).toBe(true);
    expect(detail.ageSeries.length).toBeGreaterThanOrEqual(1);
    // What the directory holds at each poll: every dump's bytes (the empty newest adds none).
    expect(detail.storedLabel).toBe('Dump directory size');
    expect(detail.storedSeries.map((p) => p.value)).toEqual([dumpBytes, dumpBytes]);
    expect(detail.backups.map((b) => b.anomaly)).toEqual([null, null, null, null, null, null, 'small', null, null, 'unreadable']);
    expect(detail.events[0]).toMatchObject({ to: 'critical' });
    expect(detail.findings[0]).toMatchObject({ rule: 'backup-unreadable' });
    await expect(api.source({ id: 'nope', range: '7d' })).rejects.toMatchObject({ code: 'no-such-source' });
    store.close();
  });

  it('Run restore drill on a source whose every backup is unreadable: a failed drill the page and the events show', async () => {
    const { api, store } = setup((d) => {
      writeFileSync(join(d, 'nightly-1.dump'), randomBytes(8192));
      utimesSync(join(d, 'nightly-1.dump'), new Date(Date.now() - DAY), new Date(Date.now() - DAY));
      writePlainDump(d, 'nightly-2.dump', HOUR, 0);
      return `sources:\n  - { id: nightly, kind: dump-dir, path: ${d}, pattern: "*.dump", settle: 0s, drill: { jobs: 1 } }\n`;
    });
    const events: ApiEvent[] = [];
    api.subscribe((e) => events.push(e));
    await api.pollNow({ id: 'nightly' });
    const drill = await api.runDrill({ id: 'nightly' });
    expect(drill).toMatchObject({ outcome: 'fail', sourceId: 'nightly', backupKey: expect.stringMatching(/nightly-2\.dump$/) });
    expect(drill.message).toMatch(/^no backup of nightly restores: all 2 backups are unreadable; the newest, \S+nightly-2\.dump: empty file/);
    expect(events).toContainEqual({ type: 'drill', drill });
    const detail = await api.source({ id: 'nightly', range: '7d' });
    expect(detail.drills).toEqual([expect.objectContaining({ id: drill.id, outcome: 'fail', message: drill.message })]);
    expect(detail.summary.status).toBe('critical');
    expect(detail.findings).toContainEqual(expect.objectContaining({ rule: 'restore-drill', status: 'critical' }));
    store.close();
  });

  it('settings: validation problems are relative to the edited source, for the field they concern', async () => {
    const { api, store } = setup((d) => `sources:\n  - { id: one, kind: dump-dir, path: ${d} }\n`);
    const result = await api.validateSource({ source: { id: 'two', kind: 'dump-dir', path: '/x', maxAge: '26 hours', database: 'ghost' } });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { path: 'maxAge', message: '"26 hours" is not a duration (use 90s, 15m, 26h, 7d)' },
        { path: 'database', message: 'links to "ghost", but no source has that id' },
      ]),
    );
    const duplicate = await api.validateSource({ source: { id: 'one', kind: 'dump-dir', path: '/y' } });
    expect(duplicate.problems).toEqual([{ path: 'id', message: '"one" is used by another source; ids must be unique' }]);
    // Editing a source under its own id is not a duplicate; empty form fields mean "not set".
    expect((await api.validateSource({ source: { id: 'one', kind: 'dump-dir', path: '/y', minSize: '' }, originalId: 'one' })).ok).toBe(true);
    store.close();
  });

  it('save keeps the file\'s comments, updates the running engine and tells subscribers; remove refuses to break links', async () => {
    const { api, store, configFile, engine, dir } = setup((d) => `# my backups, do not lose this comment\nsources:\n  - id: db\n    kind: postgres\n    url: postgres://monitor@127.0.0.1:1/x  # nothing listens here\n  - id: one\n    kind: dump-dir\n    path: ${d}\n    database: db\n`);
    const events: ApiEvent[] = [];
    api.subscribe((e) => events.push(e));
    const saved = await api.saveSource({ source: { id: 'two', kind: 'dump-dir', path: dir, maxAge: '3d' } });
    expect(saved).toEqual({ ok: true, problems: [] });
    const text = readFileSync(configFile, 'utf8');
    expect(text).toContain('# my backups, do not lose this comment');
    expect(text).toContain('# nothing listens here');
    expect(text).toMatch(/- id: two\n\s+kind: dump-dir\n\s+path: .*\n\s+maxAge: 3d/);
    expect(engine.summaries().map((s) => s.id)).toEqual(['db', 'one', 'two']);
    expect(events).toContainEqual({ type: 'config' });

    const renamed = await api.saveSource({ source: { id: 'three', kind: 'dump-dir', path: dir }, originalId: 'two' });
    expect(renamed.ok).toBe(true);
    expect(engine.summaries().map((s) => s.id)).toEqual(['db', 'one', 'three']);

    const refused = await api.removeSource({ id: 'db' });
    expect(refused.ok).toBe(false);
    expect(refused.problems[0]!.message).toContain('links to "db"');
    expect(readFileSync(configFile, 'utf8')).toContain('id: db');
    expect((await api.removeSource({ id: 'three' })).ok).toBe(true);
    expect(engine.summaries().map((s) => s.id)).toEqual(['db', 'one']);
    store.close();
  });

  it('test runs one probe on the edited source without recording anything', async () => {
    const { api, store, dir } = setup(() => 'sources: []\n');
    mkdirSync(join(dir, 'dumps'));
    writePlainDump(join(dir, 'dumps'), 'a.sql', 3 * HOUR, 20_000);
    const tested = await api.testSource({ source: { id: 'new', kind: 'dump-dir', path: join(dir, 'dumps'), settle: '0s' } });
    expect(tested.ok).toBe(true);
    expect(tested.summary).toMatchObject({ id: 'new', status: 'ok' });
    expect(tested.observed).toMatch(/^1 backup \(19\.5 kB\), newest 3h ago, 19\.5 kB$/);
    expect(store.latestPoll('new')).toBeNull();
    const missing = await api.testSource({ source: { id: 'new', kind: 'dump-dir', path: join(dir, 'nope') } });
    expect(missing.summary).toMatchObject({ status: 'unknown' });
    expect(missing.summary!.findings[0]!.message).toContain('no such directory');
    store.close();
  });
});
