// @vitest-environment jsdom
// What a source is called on the overview, its page, Settings and a database's routines: a dump-dir whose dumps are
// in a bucket (`url: s3://…`) is "pg_dump files in a bucket", not a "pg_dump directory".
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { RoutineList, type ShownRoutine } from '../../renderer/components/DatabaseFacts';
import { OverviewPage } from '../../renderer/pages/OverviewPage';
import { SettingsPage } from '../../renderer/pages/SettingsPage';
import { sourceKindWord } from '../../renderer/words';
import { SOURCE_KINDS } from '../../shared/source-kinds';
import { fakeBridge } from './support/fake-bridge';
import { overviewFixture, overviewSources, settingsFixture } from './support/fixtures';
import { renderWithBridge } from './support/render';
import './support/setup';

describe('sourceKindWord', () => {
  it('a dump-dir in a bucket is pg_dump files in a bucket; in a directory, here or over ssh, a pg_dump directory', () => {
    expect(sourceKindWord('dump-dir', 's3://backups/orders/')).toBe('pg_dump files in a bucket');
    expect(sourceKindWord('dump-dir')).toBe('pg_dump directory');
    expect(sourceKindWord('dump-dir', null)).toBe('pg_dump directory');
    expect(sourceKindWord('dump-dir', '')).toBe('pg_dump directory');
  });

  it('a kind with no words for a bucket keeps its own (restic in S3 is still a restic repository)', () => {
    expect(sourceKindWord('restic', 's3://backups/restic')).toBe('restic repository');
    for (const kind of SOURCE_KINDS) expect(sourceKindWord(kind)).toBeTruthy();
  });
});

describe('where a source is named', () => {
  it('the overview says a dump-dir in a bucket holds pg_dump files in a bucket', async () => {
    const sources = overviewSources().map((s) => (s.id === 'nightly-dumps' ? { ...s, bucketUrl: 's3://backups/nightly/' } : s));
    expect(sources.find((s) => s.id === 'nightly-dumps')?.kind).toBe('dump-dir');
    renderWithBridge(<OverviewPage />, fakeBridge({ overview: async () => overviewFixture(sources) }));
    await screen.findByTestId('source-table');
    expect(within(screen.getByTestId('source-row-nightly-dumps')).getByText('pg_dump files in a bucket')).toBeTruthy();
    expect(within(screen.getByTestId('source-row-weekly')).getByText('pg_dump directory on backup@backup1')).toBeTruthy();
  });

  it('Settings names a dump-dir with a url: pg_dump files in a bucket; one with a path stays a pg_dump directory', async () => {
    const { sources } = settingsFixture();
    const inBucket = { id: 'bucket-dumps', kind: 'dump-dir', url: 's3://backups/orders/', maxAge: '26h' };
    renderWithBridge(<SettingsPage />, fakeBridge({ settings: async () => settingsFixture({ sources: [...sources, inBucket] }) }));
    const item = await screen.findByTestId('settings-source-bucket-dumps');
    expect(item.querySelector('.kind')!.textContent).toBe('pg_dump files in a bucket');
    expect(screen.getByTestId('settings-source-nightly-dumps').querySelector('.kind')!.textContent).toBe('pg_dump directory');
  });

  it("a database's routine of dumps in a bucket, once the routine carries the bucket", () => {
    const routine: ShownRoutine = { sourceId: 'bucket-dumps', name: 'Dumps in S3', kind: 'dump-dir', status: 'ok', finding: null, holds: 'dumps', everyDrill: true, newestBackupAt: null, lastDrill: null, lastRestore: null, bucketUrl: 's3://backups/orders/' };
    const { unmount } = render(<RoutineList routines={[routine]} now={Date.now()} />);
    expect(screen.getByTestId('routine').textContent).toBe('OK Dumps in S3 pg_dump files in a bucket · no backups found');
    unmount();
    render(<RoutineList routines={[{ ...routine, bucketUrl: undefined }]} now={Date.now()} />);
    expect(screen.getByTestId('routine').textContent).toBe('OK Dumps in S3 pg_dump directory · no backups found');
  });
});
