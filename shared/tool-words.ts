// A tool's recorded version in words (DrillProvenance.tools: "restic" → "restic 0.14.0", "tar@db1" → "tar (GNU tar) 1.34"):
// the tool's name is said once, and where it ran when that was another host.

/** "restic 0.14.0" for restic; "pgBackRest 2.45 on db1" for pgbackrest@db1; "pg_restore 15.8" for pg_restore / "15.8". */
export function toolWords(key: string, version: string): string {
  const at = key.indexOf('@');
  const name = at < 0 ? key : key.slice(0, at);
  const host = at < 0 ? '' : ` on ${key.slice(at + 1)}`;
  const said = version.toLowerCase().includes(name.toLowerCase()) ? version : `${name} ${version}`;
  return `${said}${host}`;
}
