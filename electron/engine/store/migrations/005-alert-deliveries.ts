// Every attempt to deliver an alert (electron/engine/alerts/): when, to which channel, what (title, worst
// status, how many sources), and what came back: HTTP status or SMTP reply code and text, or an error. Never
// a response body, never a secret. The attempts at one alert share alert_key; `final` marks the one that
// delivered it or gave up. Read per channel, newest first.
export const alertDeliveriesSchema = `
CREATE TABLE alert_deliveries (
  id          INTEGER PRIMARY KEY,
  channel_id  TEXT    NOT NULL,
  alert_key   TEXT    NOT NULL,
  purpose     TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,
  final       INTEGER NOT NULL,
  ok          INTEGER NOT NULL,
  title       TEXT    NOT NULL,
  status      TEXT    NOT NULL,
  sources     INTEGER NOT NULL,
  http_status INTEGER,
  reply_code  INTEGER,
  reply       TEXT,
  error       TEXT,
  retryable   INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX alert_deliveries_by_channel ON alert_deliveries (channel_id, at);
`;
