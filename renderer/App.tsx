import { useEffect } from 'react';
import { visibleText } from '../shared/visible-text';
import { useHashRoute } from './hooks/useHashRoute';
import { DatabasePage } from './pages/DatabasePage';
import { DatabasesPage } from './pages/DatabasesPage';
import { OverviewPage } from './pages/OverviewPage';
import { SettingsPage } from './pages/SettingsPage';
import { SourceFormPage } from './pages/SourceFormPage';
import { SourcePage } from './pages/SourcePage';
import { href, type Route } from './routes';

export function App() {
  const route = useHashRoute();
  const title = pageTitle(route);
  useEffect(() => {
    document.title = `${title} — Backup Health`;
  }, [title]);

  return (
    <div className="app">
      <header className="app-header">
        <a className="brand" href={href.overview()}>
          Backup Health
        </a>
        <nav aria-label="Main">
          <a href={href.overview()} aria-current={route.page === 'overview' || route.page === 'source' ? 'page' : undefined}>
            Overview
          </a>
          <a href={href.databases()} aria-current={route.page === 'databases' || route.page === 'database' ? 'page' : undefined}>
            Databases
          </a>
          <a href={href.settings()} aria-current={route.page === 'settings' || route.page === 'edit-source' ? 'page' : undefined}>
            Settings
          </a>
        </nav>
      </header>
      <main>
        <Page route={route} />
      </main>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'source':
      return <SourcePage key={route.id} id={route.id} range={route.range} />;
    case 'databases':
      return <DatabasesPage />;
    case 'database':
      return <DatabasePage key={route.key} databaseKey={route.key} range={route.range} />;
    case 'settings':
      return <SettingsPage saved={route.saved} removed={route.removed} channel={route.channel} />;
    case 'edit-source':
      return <SourceFormPage key={route.id ?? 'new'} id={route.id} />;
    case 'not-found':
      return (
        <section className="page">
          <h1>Nothing at {route.path}</h1>
          <p>
            <a href={href.overview()}>Back to the overview</a>
          </p>
        </section>
      );
  }
}

function pageTitle(route: Route): string {
  switch (route.page) {
    case 'overview':
      return 'Overview';
    case 'source':
      return route.id;
    case 'databases':
      return 'Databases';
    case 'database':
      return visibleText(route.key);
    case 'settings':
      return 'Settings';
    case 'edit-source':
      return route.id === null ? 'Add a source' : `Edit ${route.id}`;
    case 'not-found':
      return 'Not found';
  }
}
