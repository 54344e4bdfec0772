// The form's fields per source kind, one per key of the schema in shared/config.ts, in the config file's words.
import type { ReactNode } from 'react';
import { drillFieldsOf, kindFields, type DrillCheckForm, type SourceForm } from '../../settings/source-form';
import { CONFIG_FILE_ONLY_FIELDS } from '../../../shared/api-edit-rules';
import { ReadOnlyField, SelectField, TextField } from './fields';
import type { SourceKind } from '../../../shared/source-kinds';

export interface FieldsProps {
  form: SourceForm;
  set: (path: string, value: string) => void;
  setChecks: (checks: DrillCheckForm[]) => void;
  setPasswordStored: (stored: boolean) => void;
  problems: Map<string, string[]>;
  /** ids of the postgres sources, for database and compareTo. */
  postgresIds: string[];
  /** Shown only where the transport can keep a password (the desktop app's keychain). */
  password: { value: string; onChange: (value: string) => void } | null;
}

function Text({ f, path, label, hint, placeholder, multiline }: { f: FieldsProps; path: string; label: string; hint?: ReactNode; placeholder?: string; multiline?: boolean }) {
  const value = path.startsWith('drill.') ? f.form.drill[path.slice(6) as keyof SourceForm['drill']] : f.form[path as keyof SourceForm];
  return (
    <TextField
      path={path}
      label={label}
      hint={hint}
      placeholder={placeholder}
      multiline={multiline}
      value={typeof value === 'string' ? value : ''}
      onChange={(v) => f.set(path, v)}
      problems={f.problems.get(path)}
    />
  );
}

export function CommonFields({ f, idLocked }: { f: FieldsProps; idLocked?: boolean }) {
  return (
    <fieldset>
      <legend>Source</legend>
      <Text f={f} path="id" label="Id" hint={`Lowercase letters, digits and dashes, like orders-db${idLocked ? '. Renaming starts a new history.' : '.'}`} />
      <Text f={f} path="name" label="Name" hint="Shown on the dashboard; the id when empty." />
    </fieldset>
  );
}

export function PollingFields({ f }: { f: FieldsProps }) {
  return (
    <fieldset>
      <legend>Polling</legend>
      <Text f={f} path="interval" label="Poll every" placeholder="config default" hint={`Like 90s, 15m, 26h or 7d.`} />
      <Text f={f} path="timeout" label="Probe timeout" placeholder="config default" />
    </fieldset>
  );
}

export function PostgresFields({ f }: { f: FieldsProps }) {
  return (
    <>
      <fieldset>
        <legend>Connection</legend>
        <Text f={f} path="url" label="Connection URL" placeholder="e.g. postgres://monitor@db1:5432/postgres" hint="No password in the URL: use one of the fields below, or ~/.pgpass." />
        {f.password && (
          <TextField
            path="password"
            label="Password"
            type="password"
            autoComplete="new-password"
            hint="Kept in the system keychain, never written to the config file. Empty: keep the stored one."
            value={f.password.value}
            onChange={f.password.onChange}
            problems={f.problems.get('password')}
          />
        )}
        {f.form.passwordStored && (
          <div className="field">
            <label>
              <input type="checkbox" name="passwordStored" checked onChange={() => f.setPasswordStored(false)} /> Use the password kept in the desktop app's keychain
            </label>
            {f.problems.get('passwordStored')?.map((message, i) => (
              <p key={i} className="problem" data-testid="problem-passwordStored">
                {message}
              </p>
            ))}
          </div>
        )}
        <Text f={f} path="passwordEnv" label="Password environment variable" placeholder="e.g. PGPASSWORD_DB1" />
        <Text f={f} path="passwordFile" label="Password file" hint="A file holding only the password, chmod 600." />
      </fieldset>
      <fieldset>
        <legend>Limits</legend>
        <Text f={f} path="maxArchiveAge" label="Max WAL archive age" placeholder="config default" hint="Critical when the last archived WAL segment is older." />
        <Text f={f} path="maxReplicationLag" label="Max replication lag" placeholder="config default" />
        <Text f={f} path="standbys" label="Standbys" hint="application_name of every standby that must be streaming, comma-separated." />
        <Text f={f} path="coverageIgnore" label="Databases that need no backup" placeholder="postgres" hint="Comma-separated. Empty: postgres." />
      </fieldset>
    </>
  );
}

export function DumpDirFields({ f }: { f: FieldsProps }) {
  return (
    <>
      <fieldset>
        <legend>Dumps</legend>
        <Text f={f} path="path" label="Directory" placeholder="e.g. /var/backups/postgres" />
        <Text f={f} path="pattern" label="File pattern" placeholder="*" hint="Glob matched against names in the directory, like orders-*.dump." />
        <SelectField path="database" label="Dumps of" none="(not linked to a server)" options={f.postgresIds} value={f.form.database} onChange={(v) => f.set('database', v)} problems={f.problems.get('database')} hint="The postgres source these dumps come from." />
        <Text f={f} path="dbname" label="Database name in the dumps" hint="Only for plain SQL dumps whose header does not say." />
        <Text f={f} path="settle" label="Settle time" placeholder="60s" hint="A file changed more recently is still being written and is not judged yet." />
      </fieldset>
      <RemoteFields f={f} what="The directory is read there over ssh, and a drill copies the dump here first." />
      <fieldset>
        <legend>Limits</legend>
        <Text f={f} path="maxAge" label="Max backup age" placeholder="config default" hint="Critical when the newest dump is older. Like 26h or 7d." />
        <Text f={f} path="minSize" label="Min backup size" placeholder="e.g. 1MB" hint="Critical when the newest dump is smaller. Like 500kB, 1MB or 5GB." />
      </fieldset>
      <DrillFields f={f} />
    </>
  );
}

export function PgBackRestFields({ f }: { f: FieldsProps }) {
  return (
    <>
      <fieldset>
        <legend>pgBackRest stanza</legend>
        <Text f={f} path="stanza" label="Stanza" placeholder="e.g. main" />
        <ReadOnlyField path="configPath" label="pgBackRest config" value={f.form.configPath} why={CONFIG_FILE_ONLY_FIELDS.configPath!} hint="Empty: /etc/pgbackrest/pgbackrest.conf. Must be readable by the user Backup Health runs as." problems={f.problems.get('configPath')} />
        <Text f={f} path="repo" label="Repository number" placeholder="all" hint="Only this repository (pgbackrest --repo), when the stanza has several." />
        <SelectField path="database" label="Backups of" none="(not linked to a server)" options={f.postgresIds} value={f.form.database} onChange={(v) => f.set('database', v)} problems={f.problems.get('database')} hint="The postgres source this stanza backs up." />
      </fieldset>
      <RemoteFields f={f} what="pgbackrest runs there (the repository host, where its config is); a drill restores there and copies the result here." />
      <fieldset>
        <legend>Limits</legend>
        <Text f={f} path="maxAge" label="Max backup age" placeholder="config default" hint="Critical when the newest backup of any type is older. Like 26h." />
        <Text f={f} path="maxFullAge" label="Max full backup age" placeholder="not checked" hint="Critical when the newest full backup is older. Like 8d." />
        <Text f={f} path="minSize" label="Min full backup size" placeholder="e.g. 1GB" hint="Critical when the newest full backup adds less to the repository. Incrementals are not judged by size." />
      </fieldset>
      <DrillFields f={f} />
    </>
  );
}

export function BorgFields({ f }: { f: FieldsProps }) {
  return (
    <>
      <fieldset>
        <legend>Borg repository</legend>
        <Text f={f} path="repo" label="Repository" placeholder="e.g. /srv/borg/orders" hint="A path or a borg repository URL, as you would pass it to borg list." />
        <Text f={f} path="passwordEnv" label="Passphrase environment variable" placeholder="e.g. BORG_ORDERS_PASSPHRASE" hint="Empty for an unencrypted repository." />
        <Text f={f} path="passwordFile" label="Passphrase file" hint="A file holding only the passphrase, chmod 600." />
        <Text f={f} path="pattern" label="Archive names" placeholder="all archives" hint="Glob on archive names (borg --glob-archives), like orders-*." />
        <SelectField path="database" label="Dumps of" none="(not linked to a server)" options={f.postgresIds} value={f.form.database} onChange={(v) => f.set('database', v)} problems={f.problems.get('database')} hint="The postgres source whose pg_dump output the archives hold." />
        <Text f={f} path="dbname" label="Database name in the dumps" hint="Only for plain SQL dumps whose header does not say." />
      </fieldset>
      <RemoteFields f={f} what="borg runs there and repo is a path on that host; the passphrase is sent over ssh, never on a command line. A drill copies the archive here." />
      <fieldset>
        <legend>Limits</legend>
        <Text f={f} path="maxAge" label="Max backup age" placeholder="config default" hint="Critical when the newest archive is older. Like 26h or 7d." />
        <Text f={f} path="minSize" label="Min backup size" placeholder="e.g. 1MB" hint="Critical when the newest archive holds less. Like 500kB, 1MB or 5GB." />
      </fieldset>
      <DrillFields f={f} />
    </>
  );
}

export function ResticFields({ f }: { f: FieldsProps }) {
  return (
    <>
      <fieldset>
        <legend>restic repository</legend>
        <Text f={f} path="repo" label="Repository" placeholder="e.g. /srv/restic or sftp:backup@host:/srv/restic" hint="A path or a restic repository URL, as you would pass it to restic -r." />
        <Text f={f} path="passwordFile" label="Password file" hint="A file holding only the repository password, chmod 600." />
        <Text f={f} path="passwordEnv" label="Password environment variable" placeholder="e.g. RESTIC_ORDERS_PASSWORD" hint="Instead of a password file." />
        <Text f={f} path="snapshotHost" label="Snapshots of host" placeholder="all hosts" hint="restic --host" />
        <Text f={f} path="snapshotPath" label="Snapshots of path" placeholder="all paths" hint="restic --path" />
        <Text f={f} path="snapshotTag" label="Snapshots tagged" placeholder="all tags" hint="restic --tag, like daily or daily,orders." />
        <SelectField path="database" label="Dumps of" none="(not linked to a server)" options={f.postgresIds} value={f.form.database} onChange={(v) => f.set('database', v)} problems={f.problems.get('database')} hint="The postgres source whose pg_dump output the snapshots hold." />
        <Text f={f} path="dbname" label="Database name in the dumps" hint="Only for plain SQL dumps whose header does not say." />
      </fieldset>
      <RemoteFields f={f} what="restic runs there and repo is as that host sees it; the password is sent over ssh, never on a command line. A drill copies the snapshot here." />
      <fieldset>
        <legend>Limits</legend>
        <Text f={f} path="maxAge" label="Max backup age" placeholder="config default" hint="Critical when the newest snapshot is older. Like 26h or 7d." />
        <Text f={f} path="minSize" label="Min backup size" placeholder="e.g. 1MB" hint="Critical when the newest snapshot restores less. Like 500kB, 1MB or 5GB." />
      </fieldset>
      <DrillFields f={f} />
    </>
  );
}

/** Each kind's own fields: a record over the kinds (shared/source-kinds.ts), so a kind without fields does not build. */
export const KIND_FIELDS: Record<SourceKind, (props: { f: FieldsProps }) => ReactNode> = {
  postgres: PostgresFields,
  'dump-dir': DumpDirFields,
  restic: ResticFields,
  borg: BorgFields,
  pgbackrest: PgBackRestFields,
};

/** Where the store is read: this machine, or a host over ssh. */
function RemoteFields({ f, what }: { f: FieldsProps; what: string }) {
  return (
    <fieldset>
      <legend>On another machine</legend>
      <Text f={f} path="host" label="On host (ssh)" placeholder="this machine" hint={`user@backup1, with your ssh config, keys and agent (never a password prompt). ${what}`} />
      <Text f={f} path="sshOptions" label="ssh options" multiline placeholder="e.g. Port=2222" hint="One Key=Value per line, as ssh -o takes them: Port, User, IdentityFile, UserKnownHostsFile, ConnectTimeout and other options that run nothing. Anything else (ProxyJump, ProxyCommand, …) goes in ~/.ssh/config for this host." />
      {f.form.fileOnlySshOptions.length > 0 && (
        <div className="field file-only" data-testid="file-only-sshOptions">
          <p>Also set in the config file, kept as they are (the dashboard cannot set options that run programs or reach other hosts):</p>
          <ul>
            {f.form.fileOnlySshOptions.map((option) => (
              <li key={option}>
                <code>{option}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </fieldset>
  );
}

function DrillFields({ f }: { f: FieldsProps }) {
  const checks = f.form.drill.checks;
  const shown = new Set<string>(drillFieldsOf(f.form.kind));
  const change = (i: number, part: Partial<DrillCheckForm>) => f.setChecks(checks.map((c, j) => (j === i ? { ...c, ...part } : c)));
  return (
    <fieldset>
      <legend>Restore drills</legend>
      <p className="hint">Each drill restores a dump into a throwaway PostgreSQL and verifies it.</p>
      <Text f={f} path="drill.every" label="Drill every" placeholder="e.g. 7d" hint="Empty: only when you run one." />
      <Text f={f} path="drill.maxAge" label="Max time since a passing drill" placeholder="e.g. 8d" hint="Warning when no drill passed within this time." />
      {shown.has('jobs') && <Text f={f} path="drill.jobs" label="Parallel restore jobs" placeholder="2" hint="pg_restore -j" />}
      <Text f={f} path="drill.timeout" label="Drill timeout" placeholder="6h" />
      {shown.has('compareTo') && <SelectField path="drill.compareTo" label="Compare row counts with" none="(no comparison)" options={f.postgresIds} value={f.form.drill.compareTo} onChange={(v) => f.set('drill.compareTo', v)} problems={f.problems.get('drill.compareTo')} />}
      {shown.has('tolerance') && <Text f={f} path="drill.tolerance" label="Row count tolerance" placeholder="5%" />}
      <Text f={f} path="drill.minTables" label="Fewest tables a restore may bring back" placeholder="e.g. 12" hint="Fewer fails the drill. Empty: any number, but none at all fails." />
      <Text f={f} path="drill.minRows" label="Fewest rows a restore may bring back" placeholder="e.g. 1000" hint="All tables together; fewer fails the drill. Empty: every table empty is a warning." />
      {shown.has('readDataSubset') && <Text f={f} path="drill.readDataSubset" label="Pack data read back" placeholder="1%" hint="restic check --read-data-subset: 5%, 1/10 or 500M." />}
      <div className="checks" data-testid="drill-checks">
        <h4>Checks</h4>
        <p className="hint">SQL run in the restored database; each must return true.</p>
        {f.problems.get('drill.checks')?.map((message, i) => (
          <p key={i} className="problem" data-testid="problem-drill.checks">
            {message}
          </p>
        ))}
        {checks.map((check, i) => (
          <div className="check" key={i}>
            <TextField path={`drill.checks[${i}].name`} label={`Check ${i + 1} name`} value={check.name} onChange={(name) => change(i, { name })} problems={f.problems.get(`drill.checks[${i}].name`)} />
            <TextField
              path={`drill.checks[${i}].sql`}
              label={`Check ${i + 1} SQL`}
              multiline
              placeholder="e.g. select count(*) > 0 from orders"
              value={check.sql}
              onChange={(sql) => change(i, { sql })}
              problems={f.problems.get(`drill.checks[${i}].sql`)}
            />
            <button type="button" onClick={() => f.setChecks(checks.filter((_, j) => j !== i))}>
              Remove check {i + 1}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => f.setChecks([...checks, { name: '', sql: '' }])}>
          Add check
        </button>
      </div>
    </fieldset>
  );
}

/** Every field path the form shows for this kind, so problems can find their field. */
export function fieldPaths(form: SourceForm, withPassword: boolean): string[] {
  const common = ['id', 'name', 'interval', 'timeout'];
  if (form.kind === 'postgres') {
    return [...common, 'url', ...(withPassword ? ['password'] : []), ...(form.passwordStored ? ['passwordStored'] : []), 'passwordEnv', 'passwordFile', 'maxArchiveAge', 'maxReplicationLag', 'standbys', 'coverageIgnore'];
  }
  const checks = form.drill.checks.flatMap((_, i) => [`drill.checks[${i}].name`, `drill.checks[${i}].sql`]);
  return [...common, ...kindFields(form.kind), ...drillFieldsOf(form.kind).map((key) => `drill.${key}`), 'drill.checks', ...checks];
}
