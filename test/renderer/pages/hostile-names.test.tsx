// @vitest-environment jsdom
// A backup named to attack whoever reads it: a newline and an escape sequence. React already keeps it out
// of the HTML; the page must also show those characters as escapes, not pass them on invisibly (into a copied
// path, or a screen reader) nor let a newline make one finding look like two.
import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SourcePage } from '../../../renderer/pages/SourcePage';
import { fakeBridge } from '../support/fake-bridge';
import { sourceDetailFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const EVIL_KEY = '/var/backups/pg/evil\n\x1b[31mname.dump';

describe('a backup with control characters in its name', () => {
  it('is shown with those characters escaped wherever the source page names it', async () => {
    const bridge = fakeBridge({
      source: async ({ id, range }) => {
        const detail = sourceDetailFixture(id, range);
        const message = `newest backup evil\n\x1b[31mname.dump (0 B) cannot be read: is a FIFO, not a dump file`;
        const backups = detail.backups.map((b, i) => (i === detail.backups.length - 1 ? { ...b, key: EVIL_KEY, anomaly: 'unreadable' as const, problem: 'is a FIFO, not a dump file' } : b));
        return { ...detail, backups, findings: [{ rule: 'backup-size', status: 'critical', message }], summary: { ...detail.summary, findings: [{ rule: 'backup-size', status: 'critical', message }] } };
      },
    });
    renderWithBridge(<SourcePage id="nightly-dumps" />, bridge);
    const page = await screen.findByTestId('source-page');
    const text = page.textContent!;
    expect(text).toContain('evil\\n\\x1b[31mname.dump (0 B) cannot be read');
    expect(text).toContain('/var/backups/pg/evil\\n\\x1b[31mname.dump');
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/u);
  });
});
