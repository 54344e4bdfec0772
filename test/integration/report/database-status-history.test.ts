// A database's status changes, recorded by the running engines that compute them (issue 17 item 2): the app and serve,
// each with its own History on one file and real probes of a real dump directory, store each change of the database
// once, whichever computes it first; a cron `check` (an engine never started) stores none. The report lists them in
// the database's section, each failure with when it was fixed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { validateConfig, type Config } from '../../../shared/config';
import { Engine } from '../../../electron/engine/engine';
import { buildEvidence } from '../../../electron/engine/report/build-evidence';
import { reportHtml } from '../../../electron/engine/report/html-report';
import { History } from '../../../electron/engine/store/history';
import { writePlainDump } from '../../support/plain-dump';

const root = mkdtempSync(join(tmpdir(), 'backup-health-database-status-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HOUR = 3_600_000;

describe("a database's status history", () => {
  it('is stored once by the engines that compute it, and listed with each fix in the report', async () => {
    const dumps = join(root, 'dumps');
    mkdirSync(dumps);
    writePlainDump(dumps, 'a.sql', 2 * HOUR);
    const parsed = validateConfig({ defaults: { interval: '1h' }, sources: [{ id: 'dumps', kind: 'dump-dir', path: dumps, settle: '0s', maxAge: '26h' }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const config = parsed.config as Config;
    const file = join(root, 'history.sqlite');
    const histories = [History.open(file), History.open(file), History.open(file)];
    const [app, serve, cron] = histories.map((store) => new Engine({ config, store, drillStartDelayMs: 3_600_000, compactionDelayMs: 3_600_000 }));
    const from = Date.now() - 60_000;
    const changes = () => histories[0]!.evidence.databaseRecord('source:dumps', from, Date.now() + 60_000).events.map((e) => `${e.from}->${e.to}`);
    try {
      await app!.start();
      await serve!.start();
      expect((await app!.pollSource('dumps')).status).toBe('ok');
      expect((await serve!.pollSource('dumps')).status).toBe('ok');
      expect(changes()).toEqual(['null->ok']);

      writeFileSync(join(dumps, 'b.sql'), ''); // tonight's dump: zero bytes
      expect((await app!.pollSource('dumps')).status).toBe('critical');
      expect((await serve!.pollSource('dumps')).status).toBe('critical');
      expect(changes()).toEqual(['null->ok', 'ok->critical']);

      rmSync(join(dumps, 'b.sql'));
      expect((await serve!.pollSource('dumps')).status).toBe('ok');
      expect((await app!.pollSource('dumps')).status).toBe('ok');
      expect(changes()).toEqual(['null->ok', 'ok->critical', 'critical->ok']);

      // A cron check stores the source's change, never the database's: it may judge by another config.
      writeFileSync(join(dumps, 'c.sql'), '');
      expect((await cron!.pollSource('dumps')).status).toBe('critical');
      expect(changes()).toHaveLength(3);
      // The app, polling next, computes the database critical from the same status the history holds.
      await app!.pollSource('dumps');
      expect(changes()).toEqual(['null->ok', 'ok->critical', 'critical->ok', 'ok->critical']);
    } finally {
      app!.stop();
      serve!.stop();
    }

    const to = Date.now();
    const evidence = buildEvidence({ from, to, now: to, config, store: histories[1]!, databases: app!.databases(), summaries: app!.summaries(), selection: { sources: [], databases: [] }, generator: { app: 'Backup Health', version: '1.0.0', host: 'test' }, signingKey: 'SHA256:test' });
    const database = evidence.databases.find((d) => d.key === 'source:dumps')!;
    expect(database.statusAtStart).toBeNull();
    const [first, broke, fixed, brokeAgain] = database.statusChanges;
    expect(broke!.findings).toEqual([{ rule: 'routine:dumps', status: 'critical', message: expect.stringMatching(/^dumps: .*b\.sql/), fixedAt: fixed!.at }]);
    expect(brokeAgain!.findings).toEqual([{ rule: 'routine:dumps', status: 'critical', message: expect.stringMatching(/^dumps: .*c\.sql/), fixedAt: null }]);
    expect(first!.findings).toEqual([]);

    const html = reportHtml(evidence);
    const section = html.slice(html.indexOf('<h2>Database what dumps holds</h2>'), html.indexOf('<h2>Source '));
    expect(section).toContain('<h3>Status changes (4)</h3>');
    expect(section).toContain(`fixed <span class="n">${fixed!.at.slice(0, 16).replace('T', ' ')}</span>`);
    expect(section).toContain('not fixed by the end of the period');
    for (const history of histories) history.close();
  }, 120_000);

  it('is computed after a poll that judged a source otherwise, else at most once a minute', async () => {
    const dumps = join(root, 'quiet-dumps');
    mkdirSync(dumps);
    writePlainDump(dumps, 'a.sql', 2 * HOUR);
    const parsed = validateConfig({ defaults: { interval: '1h' }, sources: [{ id: 'quiet', kind: 'dump-dir', path: dumps, settle: '0s', maxAge: '26h' }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const store = History.open(join(root, 'quiet.sqlite'));
    let clock = Date.now();
    const engine = new Engine({ config: parsed.config as Config, store, now: () => clock, drillStartDelayMs: 3_600_000, compactionDelayMs: 3_600_000 });
    const noted = vi.spyOn(store, 'recordDatabaseStatuses');
    try {
      await engine.start();
      const afterStart = noted.mock.calls.length;
      await engine.pollSource('quiet'); // first judgement: noted
      expect(noted.mock.calls.length).toBe(afterStart + 1);
      clock += 5_000;
      await engine.pollSource('quiet'); // judged as before, within the minute: not computed
      expect(noted.mock.calls.length).toBe(afterStart + 1);
      clock += 61_000;
      await engine.pollSource('quiet'); // judged as before, a minute on: noted
      expect(noted.mock.calls.length).toBe(afterStart + 2);
      clock += 1_000;
      writeFileSync(join(dumps, 'b.sql'), '');
      expect((await engine.pollSource('quiet')).status).toBe('critical'); // judged otherwise: noted at once
      expect(noted.mock.calls.length).toBe(afterStart + 3);
      expect(store.evidence.databaseRecord('source:quiet', 0, clock + 1).events.map((e) => `${e.from}->${e.to}`)).toEqual(['null->ok', 'ok->critical']);
    } finally {
      engine.stop();
      store.close();
    }
  }, 60_000);
});
