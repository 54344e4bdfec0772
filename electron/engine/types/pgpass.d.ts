// pgpass ships no types: it looks a connection up in ~/.pgpass (or PGPASSFILE) as libpq does.
declare module 'pgpass' {
  interface ConnInfo {
    host: string;
    port: number;
    database: string;
    user: string;
  }
  function pgpass(connInfo: ConnInfo, done: (password: string | undefined) => void): void;
  export = pgpass;
}
