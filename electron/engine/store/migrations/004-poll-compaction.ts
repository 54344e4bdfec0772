// How far each source's old polls have been thinned (store/poll-compaction.ts): polls before compacted_until
// are already down to each clock hour's extremes and failures, so a run only reads the hours after it.
// One small row per source; WITHOUT ROWID because it is only ever looked up by source_id.
export const pollCompactionSchema = `
CREATE TABLE poll_compaction (
  source_id       TEXT    PRIMARY KEY,
  compacted_until INTEGER NOT NULL
) WITHOUT ROWID;
`;
