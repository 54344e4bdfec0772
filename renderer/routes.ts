// The dashboard's addresses, as URL fragments: they work the same under file:// (the desktop app) and
// http:// (serve), need no server routes, and survive a reload.
//   #/                  overview
//   #/source/<id>       one source                     (?range=7d|30d|1y, the chart range; 30d when absent)
//   #/databases         every database, worst first
//   #/database/<key>    one database (DatabaseSummary.key, URL-encoded: keys hold '/' and ':'; ?range= as a source)
//   #/settings          sources in the config file      (?saved=<id> / ?removed=<id> after a change;
//                       ?channel=<id>: the alert channel to show)
//   #/settings/new      add a source
//   #/settings/<id>     edit a source

import { isRangeId, type RangeId } from '../shared/api';
import { databaseRoute } from '../shared/databases';

export type Route =
  | { page: 'overview' }
  | { page: 'source'; id: string; range?: RangeId }
  | { page: 'databases' }
  | { page: 'database'; key: string; range?: RangeId }
  | { page: 'settings'; saved?: string; removed?: string; channel?: string }
  | { page: 'edit-source'; id: string | null }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  const params = new URLSearchParams(query);
  if (parts.length === 0) return { page: 'overview' };
  if (parts[0] === 'source' && parts.length === 2 && parts[1]) return { page: 'source', id: parts[1], ...rangeParam(params) };
  if (parts[0] === 'databases' && parts.length === 1) return { page: 'databases' };
  if (parts[0] === 'database' && parts.length === 2 && parts[1]) return { page: 'database', key: parts[1], ...rangeParam(params) };
  if (parts[0] === 'settings') {
    if (parts.length === 1) {
      const saved = params.get('saved');
      const removed = params.get('removed');
      const channel = params.get('channel');
      return { page: 'settings', ...(saved ? { saved } : {}), ...(removed ? { removed } : {}), ...(channel ? { channel } : {}) };
    }
    if (parts.length === 2 && parts[1]) return { page: 'edit-source', id: parts[1] === 'new' ? null : parts[1] };
  }
  return { page: 'not-found', path: `/${parts.join('/')}` };
}

export const href = {
  overview: () => '#/',
  source: (id: string, range?: RangeId) => `#/source/${encodeURIComponent(id)}${range ? `?range=${range}` : ''}`,
  databases: () => '#/databases',
  database: (key: string, range?: RangeId) => `${databaseRoute(key)}${range ? `?range=${range}` : ''}`,
  settings: (notice?: { saved?: string; removed?: string; channel?: string }) => {
    const entries = Object.entries(notice ?? {}).filter((entry): entry is [string, string] => Boolean(entry[1]));
    const query = new URLSearchParams(entries).toString();
    return query ? `#/settings?${query}` : '#/settings';
  },
  editSource: (id?: string) => `#/settings/${id === undefined ? 'new' : encodeURIComponent(id)}`,
};

function rangeParam(params: URLSearchParams): { range?: RangeId } {
  const range = params.get('range');
  return isRangeId(range) ? { range } : {};
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
