// One exit code per class of outcome, the same for every command, inside the Nagios plugin convention so
// `check` can be a Nagios or Icinga check as it is: whatever stops a command from giving its answer (a bad
// option, an unknown command, a broken config, an unreadable history, a drill that could not run) is 3,
// UNKNOWN, never 1 or 2, which a monitoring system reads as a verdict on the backups.

export const EXIT = {
  /** check: every source ok; drill: the backup restored and verified; history, serve, config check: done. */
  ok: 0,
  /** check: the worst source is warning. */
  warning: 1,
  /** check: a source is critical; drill: the backup did not restore or verify. */
  critical: 2,
  /** Could not answer: usage (option, command), config, history or drill environment problem. */
  unknown: 3,
} as const;

/** The table `--help` prints and README repeats. */
export const EXIT_CODES_HELP = `
Exit codes (the same for every command):
  0  check: every source ok; drill: passed; report verify: the signature
     holds; the other commands: done
  1  check: a warning; report verify: the signature does not hold (the file
     was changed, or another key signed it)
  2  check: a source is critical; drill: the backup failed to restore or verify
  3  no answer: a usage error (an unknown command or option, a bad value), a
     config problem, an unreadable history, a drill that could not run, and
     for check a source that could not be observed (UNKNOWN)`;
