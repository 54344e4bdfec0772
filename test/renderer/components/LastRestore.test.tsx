// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LastRestore } from '../../../renderer/components/LastRestore';
import '../support/setup';

const now = Date.parse('2026-12-03T12:00:00Z');
const restore = { at: now - 3_600_000, restoreMs: 42_000, backupKey: '/srv/dumps/orders.dump' };

describe('LastRestore', () => {
  it('says loudly when the restore that proves the backup ran without an OS sandbox', () => {
    render(<LastRestore lastRestore={{ ...restore, sandboxed: false }} now={now} />);
    expect(screen.getByTestId('unsandboxed').textContent).toMatch(/without an OS sandbox: install bubblewrap/);
  });

  it('says nothing more when it ran sandboxed, or was recorded before drills said', () => {
    const { unmount } = render(<LastRestore lastRestore={{ ...restore, sandboxed: true }} now={now} />);
    expect(screen.queryByTestId('unsandboxed')).toBeNull();
    expect(screen.getByTestId('last-restore').textContent).toContain('/srv/dumps/orders.dump');
    unmount();
    render(<LastRestore lastRestore={{ ...restore, sandboxed: null }} now={now} />);
    expect(screen.queryByTestId('unsandboxed')).toBeNull();
  });
});
