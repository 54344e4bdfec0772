// The Databases page and one database's page, kept current: a routine's poll, drill or status change, or a new
// config, can change what protects a database and what its drills proved.
import { useCallback, useRef } from 'react';
import type { ApiEvent, DatabaseDetail, DatabasesView, RangeId } from '../../shared/api';
import { useLiveQuery, type LiveQuery } from './useLiveQuery';

/** Whether a pushed event can change a database row: anything a poll, drill, status change or config brings. */
export function affectsDatabases(event: ApiEvent): boolean {
  return event.type === 'poll' || event.type === 'status' || event.type === 'drill' || event.type === 'config';
}

/**
 * Whether a pushed event changes one database's page: an event of one of `sources` (its routines and its server),
 * or any such event while the page does not know them yet (null), or a config change.
 */
export function affectsDatabase(sources: ReadonlySet<string> | null, event: ApiEvent): boolean {
  switch (event.type) {
    case 'poll':
      return sources === null || sources.has(event.summary.id);
    case 'status':
      return sources === null || sources.has(event.event.sourceId);
    case 'drill':
      return sources === null || sources.has(event.drill.sourceId);
    case 'config':
      return true;
    case 'drill-progress':
    case 'alerts':
      return false;
  }
}

export function useDatabases(): LiveQuery<DatabasesView> {
  return useLiveQuery((bridge) => bridge.databases(), 'databases', affectsDatabases, 'databases');
}

export function useDatabase(key: string, range: RangeId): LiveQuery<DatabaseDetail> {
  const sources = useRef<ReadonlySet<string> | null>(null);
  const affects = useCallback((event: ApiEvent) => affectsDatabase(sources.current, event), []);
  const query = useLiveQuery((bridge) => bridge.database({ key, range }), `${key}\u0000${range}`, affects, 'database');
  const summary = query.data?.summary;
  sources.current = summary ? new Set([...summary.routines.map((r) => r.sourceId), ...(summary.server ? [summary.server.id] : [])]) : null;
  return query;
}
