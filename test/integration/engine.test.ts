// The Engine with a real history file and real probes on real directories: status changes become stored
// events and reach subscribers; a probe that throws or hangs never stops the others; the schedule runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig, type Config, type SourceConfig } from '../../shared/config';
import type { StatusEvent } from '../../shared/model';
import { Engine, type EngineEvent } from '../../electron/engine/engine';
import { probeFor } from '../../electron/engine/sources/index';
import type { Probe } from '../../electron/engine/sources/probe';
import { History } from '../../electron/engine/store/history';
import { writePlainDump } from '../support/plain-dump';
import { waitFor } from '../support/postgres-fixtures';

const root = mkdtempSync(join(tmpdir(), 'backup-health-engine-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HOUR = 3_600_000;
let n = 0;


function setup(sources: unknown[], defaults: Record<string, unknown> = {}) {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  const parsed = validateConfig({ defaults, sources });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const store = History.open(join(dir, 'history.sqlite'));
  return { dir, config: parsed.config as Config, store };
}

function collect(engine: Engine): EngineEvent[] {
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return events;
}

const statusChanges = (events: EngineEvent[]) =>
  events.filter((e): e is { type: 'status'; event: StatusEvent } => e.type === 'status').map((e) => `${e.event.sourceId}:${e.event.from}->${e.event.to}`);

describe('Engine', () => {
  it('stores a status change as an event and tells subscribers, once per change', async () => {
    const dumps = join(root, 'dumps-change');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'a.sql', 2 * HOUR);
    const { config, store } = setup([{ id: 'dumps', kind: 'dump-dir', path: dumps, settle: '0s', maxAge: '26h' }]);
    const engine = new Engine({ config, store });
    const events = collect(engine);

    expect((await engine.pollSource('dumps')).status).toBe('ok');
    expect((await engine.pollSource('dumps')).status).toBe('ok');
    writeFileSync(join(dumps, 'b.sql'), ''); // tonight's dump: zero bytes
    const summary = await engine.pollSource('dumps');
    expect(summary.status).toBe('critical');
    expect(summary.findings[0]).toMatchObject({ rule: 'backup-unreadable', status: 'critical' });

    expect(statusChanges(events)).toEqual(['dumps:null->ok', 'dumps:ok->critical']);
    expect(events.filter((e) => e.type === 'poll')).toHaveLength(3);
    const stored = store.events({ sourceId: 'dumps' });
    expect(stored.map((e) => `${e.from}->${e.to}`).sort()).toEqual(['null->ok', 'ok->critical'].sort());
    expect(stored.find((e) => e.to === 'critical')!.findings[0]!.rule).toBe('backup-unreadable');
    // a fresh engine on the same history knows the last status: no repeated "change" after a restart
    const again = new Engine({ config, store });
    const eventsAgain = collect(again);
    await again.pollSource('dumps');
    expect(statusChanges(eventsAgain)).toEqual([]);
    store.close();
  });

  it('a probe that throws does not stop the others, and its failure is recorded as unknown', async () => {
    const dumps = join(root, 'dumps-throw');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'a.sql', HOUR);
    const { config, store } = setup([
      { id: 'buggy', kind: 'dump-dir', path: dumps, settle: '0s' },
      { id: 'fine', kind: 'dump-dir', path: dumps, settle: '0s' },
    ]);
    // A programming error inside a probe is not something a real directory can be made to produce.
    const throwing: Probe = { kind: 'dump-dir', observe: async () => { throw new TypeError("Cannot read properties of undefined (reading 'size')"); } };
    const engine = new Engine({ config, store, probeFor: (s: SourceConfig) => (s.id === 'buggy' ? throwing : (probeFor(s) as Probe)) });
    const summaries = await engine.pollAll();
    expect(summaries.map((s) => [s.id, s.status])).toEqual([['buggy', 'unknown'], ['fine', 'ok']]);
    const poll = store.latestPoll('buggy')!;
    expect(poll).toMatchObject({ ok: false, status: 'unknown', error: { code: 'failed', message: expect.stringContaining('reading') } });
    store.close();
  });

  it('a hanging probe is abandoned at its timeout while the others finish', async () => {
    const dumps = join(root, 'dumps-hang');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'a.sql', HOUR);
    const { config, store } = setup(
      [
        { id: 'stuck', kind: 'dump-dir', path: dumps, settle: '0s', timeout: '1s' },
        { id: 'fine', kind: 'dump-dir', path: dumps, settle: '0s' },
      ],
      { concurrency: 1 },
    );
    // Ignores its abort signal entirely, the worst case (a real hung server is in the CLI test).
    const hanging: Probe = { kind: 'dump-dir', observe: () => new Promise(() => {}) };
    const engine = new Engine({ config, store, probeFor: (s: SourceConfig) => (s.id === 'stuck' ? hanging : (probeFor(s) as Probe)) });
    const summaries = await engine.pollAll();
    expect(summaries.map((s) => s.status)).toEqual(['unknown', 'ok']);
    expect(store.latestPoll('stuck')!.error).toEqual({ code: 'timeout', message: 'the probe did not finish within 1s' });
    store.close();
  });

  it('a Poll now during a scheduled poll joins it: one probe run, one poll recorded, one failure counted', async () => {
    const { config, store } = setup([{ id: 'gone', kind: 'dump-dir', path: join(root, 'not-there') }]);
    let runs = 0;
    const slow: Probe = {
      kind: 'dump-dir',
      observe: async (source, ctx) => {
        runs++;
        await new Promise((r) => setTimeout(r, 50));
        return probeFor(source).observe(source as never, ctx);
      },
    };
    const engine = new Engine({ config, store, probeFor: () => slow });
    await Promise.all([engine.pollSource('gone'), engine.pollSource('gone'), engine.pollAll()]);
    expect(runs).toBe(1);
    expect(store.polls('gone', { since: 0 })).toHaveLength(1);
    expect(store.consecutiveFailures('gone')).toBe(1);
    store.close();
  });

  it('turns unknown into critical after failuresBeforeCritical failed polls in a row', async () => {
    const { config, store } = setup([{ id: 'gone', kind: 'dump-dir', path: join(root, 'never-created') }], { failuresBeforeCritical: 3 });
    const engine = new Engine({ config, store });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await engine.pollSource('gone')).status);
    expect(statuses).toEqual(['unknown', 'unknown', 'critical', 'critical']);
    expect(store.consecutiveFailures('gone')).toBe(4);
    store.close();
  });

  it('polls each source on its own interval once started, and stops', async () => {
    const dumps = join(root, 'dumps-schedule');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'a.sql', HOUR);
    const { config, store } = setup([
      { id: 'often', kind: 'dump-dir', path: dumps, settle: '0s', interval: '10s' },
      { id: 'rarely', kind: 'dump-dir', path: dumps, settle: '0s', interval: '1h' },
    ]);
    // 100 ms, below the 10s a config may set, so the test takes a moment: the engine runs what it is given.
    config.sources[0]!.interval = 100;
    const engine = new Engine({ config, store });
    await engine.start();
    // Condition-based, not a fixed sleep: a loaded machine polls later, not less correctly.
    await waitFor('three polls of the 100ms source', () => store.polls('often', { since: 0 }).length >= 3, { timeoutMs: 15_000, intervalMs: 20 });
    engine.stop();
    const often = store.polls('often', { since: 0 }).length;
    const rarely = store.polls('rarely', { since: 0 }).length;
    await new Promise((r) => setTimeout(r, 250));
    expect(rarely).toBe(1);
    expect(store.polls('often', { since: 0 }).length).toBe(often);
    store.close();
  });
});
