// Electron entry: the lifecycle and the wiring, nothing else. Single instance (a second start shows the
// window); the engine and the history the CLI shares; the API on IPC; the tray and notifications; closing
// the window leaves the app in the tray, Quit ends it. Everything that is not Electron glue is in
// electron/engine, and every decision here is a pure function in its own file.
import { app, dialog, safeStorage, session, type BrowserWindow } from 'electron';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ApiService } from '../engine/api-service';
import { Engine } from '../engine/engine';
import { defaultConfigFile, defaultDataDir, historyFile } from '../engine/paths';
import { History } from '../engine/store/history';
import { DeliveryTable } from '../engine/store/deliveries';
import { AlertDispatcher } from '../engine/alerts/dispatcher';
import { AlertService } from '../engine/alerts/alert-service';
import { Heartbeat } from '../engine/alerts/heartbeat';
import { AlertLease, leaseHolder } from '../engine/store/alert-lease';
import { launchAtLogin, launchCommand, startedAtLogin, xdgAutostartDir } from './autostart';
import { evidenceSaver } from './evidence-export';
import { registerIpc } from './ipc';
import { electronNativeBinding } from './native-binding';
import { showNotification, StatusNotifier } from './notifier';
import { channelSecrets, keychainUnavailable, openVault } from './secrets';
import { hardenSession, hardenWebContents } from './security';
import { configProblemsNotice, startupConfig } from './startup-config';
import { StatusTray, trayState } from './tray';
import { trustedRenderer } from './trusted-renderer';

/** How long quitting waits for a drill under way to remove its scratch cluster. */
const DRILL_CLEANUP_WAIT_MS = 30_000;
import { createMainWindow, openDatabase, openSource, showWindow } from './window';
import { databaseKeyOf } from '../../shared/databases';

const APP_ID = 'io.backuphealth.app';

// Before ready: every renderer sandboxed, and the app's own Chromium profile and password file in
// "<appData>/Backup Health", apart from the config directory the CLI shares.
app.enableSandbox();
app.setName('Backup Health');
app.setPath('userData', join(app.getPath('appData'), 'Backup Health'));
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

let quitting = false;
let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) showWindow(mainWindow);
  });
  app.on('activate', () => {
    if (mainWindow) showWindow(mainWindow);
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.whenReady().then(start).catch((err: unknown) => {
    dialog.showErrorBox('Backup Health cannot start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
}

async function start(): Promise<void> {
  const rendererDir = join(import.meta.dirname, '../renderer');
  const trusted = trustedRenderer(join(rendererDir, 'index.html'), process.env.ELECTRON_RENDERER_URL);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, trusted));
  hardenSession(session.defaultSession, trusted);

  History.nativeBinding = electronNativeBinding({
    packaged: app.isPackaged,
    appPath: app.getAppPath(),
    electronVersion: process.versions.electron ?? '',
    betterSqlite3Version: app.isPackaged ? '' : (createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version,
    platform: process.platform,
    arch: process.arch,
  });

  const configFile = defaultConfigFile();
  const { config, problems } = startupConfig(configFile);
  let configProblems = problems.length;
  const dataDir = defaultDataDir();
  const historyPath = historyFile(dataDir);
  const store = History.open(historyPath);
  const vault = openVault(app.getPath('userData'), safeStorage);
  const engine = new Engine({ config, store, secrets: vault ?? keychainUnavailable() });
  // Alerts: each poll round's changes to the configured channels, every attempt recorded in the history.
  const deliveries = DeliveryTable.open(historyPath, History.nativeBinding);
  const lease = AlertLease.open(historyPath, History.nativeBinding);
  const alerts = new AlertService({
    engine,
    // A channel's password entered in Settings is read from the keychain when an alert is sent.
    dispatcher: new AlertDispatcher(config.alerts, { log: deliveries, senderDeps: { env: process.env, stored: channelSecrets(vault) } }),
    heartbeat: new Heartbeat(config.alerts?.heartbeat, { log: deliveries }),
    lease: { lease, holder: leaseHolder('the desktop app') },
    // A channel that starts or stops failing shows in the tray once its round is done.
    onRound: () => refreshTray(),
  });
  let refreshTray = () => {};
  // The data directory keeps the report-signing key, so Export evidence signs as `backup-health report` does.
  const api = new ApiService({ engine, store, configFile, vault: vault ?? undefined, alerts, dataDir, version: app.getVersion() });

  const window = createMainWindow({
    preload: join(import.meta.dirname, '../preload/index.cjs'),
    page: trusted.devServerUrl ? { url: trusted.devServerUrl } : { file: join(rendererDir, 'index.html') },
    startHidden: startedAtLogin(process.argv, process.platform, app),
    isQuitting: () => quitting,
  });
  mainWindow = window;
  const desktop = evidenceSaver({ api, window: () => mainWindow, documentsDir: () => app.getPath('documents') });
  const stopIpc = registerIpc({ api, window: () => mainWindow, trusted, desktop });

  const autostart = launchAtLogin({
    platform: process.platform,
    app,
    command: launchCommand({ packaged: app.isPackaged, execPath: process.execPath, appPath: app.getAppPath(), appImage: process.env.APPIMAGE }),
    autostartDir: xdgAutostartDir(),
  });
  let polling = false;
  const currentTrayState = () =>
    trayState(engine.summaries(), Date.now(), { launchAtLogin: autostart.isEnabled(), polling, configProblems, failingChannels: alerts.failingChannels(), databases: engine.databases() });
  const tray = new StatusTray(app.isPackaged ? join(process.resourcesPath, 'tray') : join(app.getAppPath(), 'build', 'tray'), {
    openSource: (id) => openSource(window, id),
    openDatabase: (key) => openDatabase(window, key),
    openDashboard: () => showWindow(window),
    pollNow: () => {
      polling = true;
      tray.show(currentTrayState());
      api
        .pollNow({})
        .catch((err: unknown) => console.error('Poll now failed:', err instanceof Error ? err.message : err))
        .finally(() => {
          polling = false;
          tray.show(currentTrayState());
        });
    },
    setLaunchAtLogin: (enabled) => {
      try {
        autostart.setEnabled(enabled);
      } catch (err) {
        showNotification({ title: 'Launch at login could not be changed', body: err instanceof Error ? err.message : String(err) }, () => {});
      }
      tray.show(currentTrayState());
    },
    quit: () => app.quit(),
  }, currentTrayState());
  refreshTray = () => tray.show(currentTrayState());

  const nameOf = (id: string) => engine.currentConfig.sources.find((s) => s.id === id)?.name ?? id;
  const openNotice = (id: string) => {
    const database = databaseKeyOf(id);
    if (database === null) openSource(window, id);
    else openDatabase(window, database);
  };
  const notifier = new StatusNotifier((notice) => showNotification(notice, () => openNotice(notice.sourceId)), nameOf);
  notifier.onDatabases(engine.databases());
  const unsubscribe = api.subscribe((event) => {
    if (event.type === 'config') configProblems = 0;
    notifier.onEvent(event);
    // Drill progress comes many times a second and changes nothing the tray shows or the databases.
    if (event.type !== 'drill-progress') {
      notifier.onDatabases(engine.databases());
      tray.show(currentTrayState());
    }
  });

  let shuttingDown = false;
  app.on('will-quit', (event) => {
    if (shuttingDown) return; // app.exit() below ends the process without another round
    shuttingDown = true;
    // A drill under way must clean up its scratch cluster and be recorded before the history closes.
    event.preventDefault();
    unsubscribe();
    stopIpc();
    alerts.stop(); // before the tray goes: a round ending now would show on it
    notifier.dispose();
    tray.destroy();
    void engine.shutdown(DRILL_CLEANUP_WAIT_MS).finally(() => {
      deliveries.close();
      lease.close();
      store.close();
      app.exit(0);
    });
  });

  const broken = configProblemsNotice(configFile, problems);
  if (broken) showNotification(broken, () => showWindow(window));
  alerts.start();
  const swept = await engine.start();
  for (const leftover of swept) console.info(`Removed the scratch cluster of an interrupted restore drill: ${leftover.dir}`);
}
