// @vitest-environment jsdom
// The settings form for a basebackup source, rendered from its description (shared/kinds/basebackup.ts): its
// fields, on another host, saved in the config file's words, with the drill fields of a physical restore.
// And pgBackRest's new fields: maxArchiveAge, maxRecoveryPoint and how far its drills replay WAL.
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SourceFormPage } from '../../../renderer/pages/SourceFormPage';
import { SOURCE_KINDS } from '../../../shared/source-kinds';
import { fakeBridge } from '../support/fake-bridge';
import { settingsFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const ALL_KINDS = [...SOURCE_KINDS];

describe('SourceFormPage, basebackup', () => {
  it('adds a directory of pg_basebackup runs and its WAL archive on another host', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({ settings: async () => settingsFixture({ kinds: ALL_KINDS }) });
    renderWithBridge(<SourceFormPage id={null} />, bridge);
    await user.click(await screen.findByLabelText('pg_basebackup backups and WAL archive'));
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Add a pg_basebackup backups and wal archive');
    // A physical restore: no pg_restore -j, nothing compared live, and a choice of how far to replay WAL.
    expect(screen.queryByLabelText('Parallel restore jobs')).toBeNull();
    expect(screen.queryByLabelText('Compare row counts with')).toBeNull();
    await user.selectOptions(screen.getByLabelText('Replay WAL to'), 'backup-end');
    await user.type(input('Drill every'), '7d');
    await user.type(input('Id'), 'orders-base');
    await user.type(input('Backup directory'), '/backup/orders/base');
    await user.type(input('WAL archive'), '/backup/orders/wal');
    await user.type(input('Max backup age'), '26h');
    await user.type(input('Max archive age'), '15m');
    await user.type(input('Max recovery point'), '1h');
    await user.type(input('On host (ssh)'), 'backup@backup1');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(1));
    expect(bridge.saveSource.mock.calls[0]![0]).toEqual({
      source: {
        id: 'orders-base',
        kind: 'basebackup',
        path: '/backup/orders/base',
        walArchive: '/backup/orders/wal',
        maxAge: '26h',
        maxArchiveAge: '15m',
        maxRecoveryPoint: '1h',
        host: 'backup@backup1',
        drill: { every: '7d', recovery: 'backup-end' },
      },
    });
  });

  it('edits a basebackup source and its drill as written in the file', async () => {
    const user = userEvent.setup();
    const source = { id: 'orders-base', kind: 'basebackup', path: '/b', walArchive: '/w', drill: { every: '7d', recovery: 'end-of-archive' } };
    const bridge = fakeBridge({ settings: async () => settingsFixture({ kinds: ALL_KINDS, sources: [source] }) });
    renderWithBridge(<SourceFormPage id="orders-base" />, bridge);
    await screen.findByLabelText('WAL archive');
    expect((screen.getByLabelText('Replay WAL to') as HTMLSelectElement).value).toBe('end-of-archive');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(1));
    expect(bridge.saveSource.mock.calls[0]![0].source).toEqual(source);
  });

  it('offers pgBackRest how far its drills replay WAL, and its archive and recovery point limits', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({ settings: async () => settingsFixture({ kinds: ALL_KINDS }) });
    renderWithBridge(<SourceFormPage id={null} />, bridge);
    await user.click(await screen.findByLabelText('pgBackRest stanza'));
    await user.type(input('Id'), 'orders-stanza');
    await user.type(input('Stanza'), 'main');
    await user.type(input('Max archive age'), '10m');
    await user.type(input('Max recovery point'), '30m');
    const recovery = screen.getByLabelText('Replay WAL to') as HTMLSelectElement;
    expect([...recovery.options].map((o) => o.value)).toEqual(['', 'end-of-archive', 'backup-end']);
    await user.selectOptions(recovery, 'end-of-archive');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(1));
    expect(bridge.saveSource.mock.calls[0]![0].source).toEqual({ id: 'orders-stanza', kind: 'pgbackrest', stanza: 'main', maxArchiveAge: '10m', maxRecoveryPoint: '30m', drill: { recovery: 'end-of-archive' } });
    // Dump kinds replay no WAL: no such choice there.
    await user.click(screen.getByLabelText('restic repository'));
    expect(screen.queryByLabelText('Replay WAL to')).toBeNull();
  });
});
