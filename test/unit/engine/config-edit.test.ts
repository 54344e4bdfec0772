// Editing one source of the config file keeps every comment: on the edited source's own lines, above them,
// around them, and everywhere else.
import { describe, expect, it } from 'vitest';
import { withoutSource, withSource } from '../../../electron/engine/config-edit';

const FILE = `# my backups
defaults:
  maxAge: 26h # a day and a bit

sources:
  # the main database
  - id: orders-db # production
    kind: postgres
    # read-only monitor user
    url: postgres://monitor@db1/orders # primary
    timeout: "10s"
    # run after each drill
    checks:
      - select 1 # trivial
  # nightly dumps
  - id: orders-dumps # written by cron at 02:00
    kind: dump-dir
    # where cron writes them
    path: /srv/dumps # NFS
    maxAge: 26h # daily
    # a floor, for the empty dumps of March
    minSize: 1MB # the smallest good one was 40MB
    database: orders-db
`;

describe('withSource', () => {
  it('changes, removes and adds keys of the edited source in place, keeping the comments on and around its lines', () => {
    const edited = withSource(FILE, { id: 'orders-dumps', kind: 'dump-dir', path: '/srv/dumps2', maxAge: '30h', database: 'orders-db', settle: '2m' }, 'orders-dumps');
    expect(edited).toBe(`# my backups
defaults:
  maxAge: 26h # a day and a bit

sources:
  # the main database
  - id: orders-db # production
    kind: postgres
    # read-only monitor user
    url: postgres://monitor@db1/orders # primary
    timeout: "10s"
    # run after each drill
    checks:
      - select 1 # trivial
  # nightly dumps
  - id: orders-dumps # written by cron at 02:00
    kind: dump-dir
    # where cron writes them
    path: /srv/dumps2 # NFS
    maxAge: 30h # daily
    # a floor, for the empty dumps of March
    database: orders-db
    settle: 2m
`);
  });

  it('keeps the comment on a renamed source\'s id line, the quoting of unchanged values, and the comments inside a list', () => {
    const edited = withSource(FILE, { id: 'shop-db', kind: 'postgres', url: 'postgres://monitor@db1/orders', timeout: '10s', checks: ['select 1', 'select count(*) from orders'] }, 'orders-db');
    expect(edited).toContain('  # the main database\n  - id: shop-db # production\n    kind: postgres\n    # read-only monitor user\n    url: postgres://monitor@db1/orders # primary\n    timeout: "10s"\n');
    expect(edited).toContain('    # run after each drill\n    checks:\n      - select 1 # trivial\n      - select count(*) from orders\n');
    // The other source is as it was, byte for byte.
    expect(edited).toContain(FILE.slice(FILE.indexOf('  # nightly dumps')));
  });

  it('an unchanged source leaves the file as it was', () => {
    const same = withSource(FILE, { id: 'orders-dumps', kind: 'dump-dir', path: '/srv/dumps', maxAge: '26h', minSize: '1MB', database: 'orders-db' }, 'orders-dumps');
    expect(same).toBe(FILE);
  });

  it('a value whose shape changes keeps the comment that was on its line', () => {
    const edited = withSource(FILE, { id: 'orders-db', kind: 'postgres', url: 'postgres://monitor@db1/orders', timeout: '10s', checks: 'select 1' }, 'orders-db');
    expect(edited).toContain('    # run after each drill\n    checks: select 1\n');
  });

  it('a removed key that had a comment block above it hands the block to the key after it', () => {
    const edited = withSource(FILE, { id: 'orders-dumps', kind: 'dump-dir', maxAge: '26h', minSize: '1MB', database: 'orders-db' }, 'orders-dumps');
    expect(edited).toContain('  - id: orders-dumps # written by cron at 02:00\n    kind: dump-dir\n    # where cron writes them\n    maxAge: 26h # daily\n');
  });

  it('a new source is appended after the last, every comment kept', () => {
    const edited = withSource(FILE, { id: 'wal', kind: 'pgbackrest', stanza: 'main' });
    expect(edited).toBe(`${FILE}  - id: wal\n    kind: pgbackrest\n    stanza: main\n`);
  });

  it('starts a file that does not exist yet', () => {
    expect(withSource('', { id: 'a', kind: 'dump-dir', path: '/x' })).toBe('sources:\n  - id: a\n    kind: dump-dir\n    path: /x\n');
  });
});

describe('withoutSource', () => {
  it('removes one source and keeps the comments of the others', () => {
    const edited = withoutSource(FILE, 'orders-db');
    expect(edited).toContain('# my backups\ndefaults:\n  maxAge: 26h # a day and a bit\n');
    expect(edited).toContain('  - id: orders-dumps # written by cron at 02:00\n');
    expect(edited).toContain('    minSize: 1MB # the smallest good one was 40MB\n');
    expect(edited).not.toContain('orders-db #');
  });
});
