// What each alert channel was last told about each source (alerts/select.ts): the status it knows the source in,
// and when that was last said (the reminder clock of remindEvery). Kept in the history file, not in memory, so a
// restart does not repeat an alert or restart the reminder clock, a recovery that came while the app was stopped
// is still told, and a process that takes the sender lease over (store/alert-lease.ts) goes on from what the
// previous sender told. A channel's row for a source is replaced each time the channel's view of it changes.
// One more row per failing channel, under source_id '(failure noticed)' (no source id has parentheses): the start
// of its failure the other channels were told of (alerts/dispatcher.ts), so that notice is not repeated either.
//
// And an index for a channel's newest delivery (asked every round, every /metrics scrape, and when old attempts
// are pruned): without it the whole channel's log was read each time.
export const alertToldSchema = `
CREATE TABLE alert_told (
  channel_id TEXT    NOT NULL,
  source_id  TEXT    NOT NULL,
  status     TEXT    NOT NULL,
  at         INTEGER NOT NULL,
  PRIMARY KEY (channel_id, source_id)
) WITHOUT ROWID;
CREATE INDEX alert_deliveries_by_outcome ON alert_deliveries (channel_id, ok, at);
`;
