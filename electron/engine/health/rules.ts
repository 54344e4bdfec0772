// The health rules, by family: what every probe's failure says (probe-rules.ts), what every kind holding
// backups is judged by (backup-rules.ts), restore drills (drill-rules.ts), a postgres server's own rules
// (postgres-rules.ts), WAL continuity for every kind that keeps WAL (wal-rules.ts); pgBackRest's own live in its kind's folder (sources/pgbackrest/rules.ts). Each rule
// ignores sources of a kind it does not judge; each kind's module lists the ones it runs. Sizes are judged once (size.ts), ages once (age.ts), and
// each kind is spoken of in its own words (kind-words.ts).
export type { Rule } from './types';
export { probeError } from './probe-rules';
export { backupAge, backupSize, backupUnreadable, dumpVersion, noBackups, parseMajor, stillBeingWritten } from './backup-rules';
export { recoveryPointRule, restoreDrill } from './drill-rules';
export { coverage, replication, walArchiving } from './postgres-rules';
export { judgeWalArchive, walArchiveOf, walContinuityRule } from './wal-rules';
