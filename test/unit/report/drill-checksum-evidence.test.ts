// Each drill's backup checksum in the evidence (issue 17): what was hashed (a dump file, a directory's files, a
// physical backup's own manifest, named) and, where there is none, the drill's own reason, else one the drill's age
// and kind tell. Written through the store; the HTML says the same.
import { describe, expect, it } from 'vitest';
import type { Drill, DrillProvenance } from '../../../shared/model';
import { Engine } from '../../../electron/engine/engine';
import { buildEvidence } from '../../../electron/engine/report/build-evidence';
import { reportHtml } from '../../../electron/engine/report/html-report';
import { DAY, MINUTE, T0, openHistory } from '../store/temp-history';
import { parse } from './audit-fixtures';

const NOW = T0 + 30 * DAY;
const HEX = 'ab'.repeat(32);
const config = parse({
  sources: [
    { id: 'orders-dumps', kind: 'dump-dir', path: '/srv/dumps' },
    { id: 'stanza', kind: 'pgbackrest', stanza: 'main' },
  ],
} as Parameters<typeof parse>[0]);

function drill(sourceId: string, day: number, provenance: DrillProvenance | undefined): Omit<Drill, 'id'> {
  const startedAt = NOW - day * DAY;
  return {
    sourceId,
    backupKey: `backup-${day}`,
    startedAt,
    finishedAt: startedAt + 5 * MINUTE,
    outcome: 'pass',
    phases: { restore: 60_000 },
    restoreMs: 60_000,
    tables: 1,
    rows: 10,
    restoredBytes: 1_000,
    checks: [],
    message: 'restored',
    ...(provenance ? { provenance } : {}),
  };
}

const run = (extra: Partial<DrillProvenance> = {}): DrillProvenance => ({ host: 'drill-host', tools: { pgbackrest: 'pgBackRest 2.45' }, scratchServer: '15.8', ...extra });

describe('a drill checksum in the evidence', () => {
  it('says what was hashed, or why nothing was', () => {
    const { history } = openHistory();
    history.recordDrill(drill('stanza', 1, run({ checksum: { algorithm: 'sha256', hex: HEX, of: 'backup-manifest', bytes: 4_096, file: 'backup.manifest' } })));
    history.recordDrill(drill('stanza', 2, run({ checksumMissing: 'repo-get could not read backup.manifest: permission denied' })));
    history.recordDrill(drill('stanza', 3, run()));
    history.recordDrill(drill('orders-dumps', 4, run({ checksum: { algorithm: 'sha256', hex: HEX, of: 'directory-manifest', bytes: 9_000 } })));
    history.recordDrill(drill('orders-dumps', 5, undefined));
    const engine = new Engine({ config, store: history, now: () => NOW });
    const evidence = buildEvidence({ from: NOW - 10 * DAY, to: NOW, now: NOW, config, store: history, databases: engine.databases(), summaries: engine.summaries(), selection: { sources: [], databases: [] }, generator: { app: 'Backup Health', version: '1.0.0', host: 'h' }, signingKey: 'SHA256:test' });
    const backups = (id: string) => evidence.sources.find((s) => s.id === id)!.drills.map((d) => d.backup);
    expect(backups('stanza')).toEqual([
      expect.objectContaining({ key: 'backup-3', sha256: null, sha256Of: null, sha256File: null, sha256Missing: 'not recorded for this drill (drills of pgbackrest recorded before Backup Health hashed physical backups kept none)' }),
      expect.objectContaining({ key: 'backup-2', sha256: null, sha256Missing: 'repo-get could not read backup.manifest: permission denied' }),
      expect.objectContaining({ key: 'backup-1', sha256: HEX, sha256Of: 'backup-manifest', sha256File: 'backup.manifest', sha256Missing: null }),
    ]);
    expect(backups('orders-dumps')).toEqual([
      expect.objectContaining({ key: 'backup-5', sha256: null, sha256Missing: expect.stringMatching(/^not recorded for this drill \(recorded before Backup Health kept checksums/) }),
      expect.objectContaining({ key: 'backup-4', sha256: HEX, sha256Of: 'directory-manifest', sha256File: null }),
    ]);
    expect(evidence.notes.join(' ')).toMatch(/backup-manifest/);

    const html = reportHtml(evidence);
    expect(html).toContain(`SHA-256 (of its backup.manifest) ${HEX}`);
    expect(html).toContain(`SHA-256 (directory manifest) ${HEX}`);
    expect(html).toContain('SHA-256 repo-get could not read backup.manifest: permission denied');
  });
});
