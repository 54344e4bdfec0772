// The dashboard API (shared/api.ts) implemented over the engine, the history and the config file. The
// desktop app's IPC and `serve`'s HTTP both hand calls to one instance of this, so both behave alike.
import type { AlertService } from './alerts/alert-service';
import { alertChannelsData, deliveryResultView, NOTHING_SENDS, TestAlertGuard } from './alert-channels';
import { alertChannelSettings, deleteAlertChannel, saveAlertChannel, type ChannelEditContext } from './alert-channel-edit';
import { RANGES, isRangeId, type AlertChannelEdit, type AlertChannelSettings, type AlertChannelsData, type AlertTestResult, type ApiErrorValue, type ApiEvent, type BackupHealthApi, type DatabaseDetail, type DatabaseObjectiveEdit, type DatabaseObjectiveSettings, type DatabasesView, type EvidenceExport, type EvidenceRequest, type Overview, type OverviewSource, type RangeId, type SettingsData, type SourceDetail, type SourceEdit, type SourceTest, type Validation } from '../../shared/api';
import { apiEditProblems } from '../../shared/api-edit-rules';
import { SOURCE_KINDS, type Config, type ConfigProblem, type SourceConfig } from '../../shared/config';
import { STATUS_SEVERITY, type Drill, type SourceMetrics, type SourceSummary, type Status } from '../../shared/model';
import { formatBytes, formatDuration } from '../../shared/units';
import { saveConfigText, validateRawConfig } from './config';
import { rawDefaults, rawSources, readConfigText, relativeTo, sourceIndex, withSource, withoutSource } from './config-edit';
import { DrillRequestError, Engine } from './engine';
import { sourceDetail } from './source-detail';
import { databaseDetail } from './databases/database-detail';
import { databaseObjectiveSettings, deleteDatabaseObjective, saveDatabaseObjective, type ObjectiveEditContext } from './database-objective-edit';
import { History } from './store/history';
import { exportEvidence } from './report/export-evidence';
import { ReportRequestError } from './report/make-report';
import { SigningKeyError, installationKey } from './report/signing-key';
import { describeMetrics } from './sources/index';
import type { HistoryStore } from './store/types';
import { parseDocument } from 'yaml';

/** Keeps passwords entered in the app (the desktop app's OS keychain); absent where that is impossible. */
export interface PasswordVault {
  set(sourceId: string, password: string): void;
  delete(sourceId: string): void;
  /** The kept password: for testSource's probe, and to keep it when a source is renamed. */
  password?(sourceId: string): Promise<string | undefined>;
}

export interface ApiServiceOptions {
  engine: Engine;
  store: HistoryStore;
  configFile: string;
  vault?: PasswordVault;
  /** Alerts of the running app or serve (alert channels' state, test alerts); absent where nothing sends. */
  alerts?: AlertService;
  now?: () => number;
  /** Where the history and the report-signing key live (Export evidence); absent: reports cannot be signed here. */
  dataDir?: string;
  /** This build's version, named in reports. */
  version?: string;
}

const SIZE_TREND_POINTS = 14;

export class ApiService implements BackupHealthApi {
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  private readonly now: () => number;
  private readonly testGuard: TestAlertGuard;

  constructor(private readonly options: ApiServiceOptions) {
    this.now = options.now ?? Date.now;
    this.testGuard = new TestAlertGuard(this.now);
    options.engine.subscribe((event) => this.emit(event));
    options.alerts?.onDeliveries(() => this.emit({ type: 'alerts' }));
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async overview(): Promise<Overview> {
    const { engine, store } = this.options;
    const sources: OverviewSource[] = engine
      .summaries()
      .sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status] || a.id.localeCompare(b.id))
      .map((summary) => ({
        ...summary,
        sizeTrend: store
          .backups(summary.id, { limit: SIZE_TREND_POINTS })
          .reverse()
          .map((b) => ({ at: b.finishedAt, sizeBytes: b.sizeBytes })),
      }));
    const counts: Record<Status, number> = { ok: 0, warning: 0, critical: 0, unknown: 0 };
    for (const s of sources) counts[s.status]++;
    return { generatedAt: this.now(), counts, sources, configFile: this.options.configFile };
  }

  async databases(): Promise<DatabasesView> {
    const databases = this.options.engine.databases();
    const counts: Record<Status, number> = { ok: 0, warning: 0, critical: 0, unknown: 0 };
    for (const d of databases) counts[d.status]++;
    return { generatedAt: this.now(), counts, databases };
  }

  async database({ key, range }: { key: string; range: RangeId }): Promise<DatabaseDetail> {
    if (!isRangeId(range)) throw new ApiError('bad-range', `range must be one of ${Object.keys(RANGES).join(', ')} (found ${foundValue(range)})`);
    const summary = typeof key === 'string' ? this.options.engine.databases().find((d) => d.key === key) : undefined;
    if (!summary) throw new ApiError('no-such-database', `no database ${foundValue(key)} is known: it is on no server Backup Health watches and no backup holds it`);
    return databaseDetail({ summary, store: this.options.store, range, now: this.now() });
  }

  async databaseObjectives(): Promise<DatabaseObjectiveSettings> {
    return databaseObjectiveSettings(this.options.configFile);
  }

  async saveDatabaseObjective(edit: DatabaseObjectiveEdit): Promise<Validation> {
    return saveDatabaseObjective(this.objectiveEdit(), edit);
  }

  async deleteDatabaseObjective(target: { name: string; server: string }): Promise<Validation> {
    return deleteDatabaseObjective(this.objectiveEdit(), target);
  }

  private objectiveEdit(): ObjectiveEditContext {
    return { configFile: this.options.configFile, apply: (config) => this.applyConfig(config) };
  }

  async source({ id, range }: { id: string; range: RangeId }): Promise<SourceDetail> {
    const source = this.sourceConfig(id);
    if (!isRangeId(range)) throw new ApiError('bad-range', `range must be one of ${Object.keys(RANGES).join(', ')} (found ${foundValue(range)})`);
    return sourceDetail({ engine: this.options.engine, store: this.options.store, source, range, now: this.now() });
  }

  async pollNow({ id }: { id?: string }): Promise<SourceSummary[]> {
    if (id !== undefined) {
      this.sourceConfig(id);
      return [await this.options.engine.pollSource(id)];
    }
    return this.options.engine.pollAll();
  }

  runDrill({ id, backupKey }: { id: string; backupKey?: string }): Promise<Drill> {
    this.sourceConfig(id);
    return this.options.engine.runDrill(id, { backupKey });
  }

  async settings(): Promise<SettingsData> {
    const text = readConfigText(this.options.configFile);
    return {
      configFile: this.options.configFile,
      sources: rawSources(text),
      defaults: rawDefaults(text),
      kinds: [...SOURCE_KINDS],
      canStorePasswords: this.options.vault !== undefined,
    };
  }

  async validateSource(edit: SourceEdit): Promise<Validation> {
    const { problems } = this.candidate(edit);
    return { ok: problems.length === 0, problems };
  }

  async testSource(edit: SourceEdit): Promise<SourceTest> {
    const { problems, config, id } = this.candidate(edit);
    if (!config || !id) return { ok: false, problems };
    // A throwaway engine and history: testing must not record anything or change any status.
    const store = History.open(':memory:');
    try {
      // With a vault: the password typed in the form (tried before it is kept), else the kept one.
      const vault = this.options.vault;
      const secrets = vault && { password: async (sourceId: string) => (sourceId === id && edit.password) || vault.password?.(sourceId) };
      const engine = new Engine({ config, store, secrets });
      const summary = await engine.pollSource(id);
      const poll = store.latestPoll(id);
      return { ok: true, problems: [], summary, observed: describeObservation(summary, poll?.metrics ?? null, this.now()) };
    } finally {
      store.close();
    }
  }

  async saveSource(edit: SourceEdit): Promise<Validation> {
    const { problems, text } = this.candidate(edit);
    if (problems.length > 0 || text === undefined) return { ok: false, problems };
    const saved = saveConfigText(this.options.configFile, text);
    if (!saved.ok) return { ok: false, problems: saved.problems };
    const id = String(edit.source.id);
    if (edit.password && this.options.vault) this.options.vault.set(id, edit.password);
    if (edit.originalId && edit.originalId !== id && this.options.vault) {
      const kept = edit.password ? undefined : await this.options.vault.password?.(edit.originalId);
      if (kept) this.options.vault.set(id, kept);
      this.options.vault.delete(edit.originalId);
    }
    this.applyConfig(saved.config);
    return { ok: true, problems: [] };
  }

  async removeSource({ id }: { id: string }): Promise<Validation> {
    this.sourceConfig(id);
    const text = withoutSource(readConfigText(this.options.configFile), id);
    const saved = saveConfigText(this.options.configFile, text);
    if (!saved.ok) return { ok: false, problems: saved.problems.map((p) => ({ path: '', message: `removing ${id} would leave the config invalid: ${p.path}: ${p.message}` })) };
    this.options.vault?.delete(id);
    this.applyConfig(saved.config);
    return { ok: true, problems: [] };
  }

  async alertChannels(): Promise<AlertChannelsData> {
    return alertChannelsData(this.options.alerts, this.options.engine.currentConfig.alerts);
  }

  async testAlertChannel({ id }: { id: string }): Promise<AlertTestResult> {
    const alerts = this.options.alerts;
    if (!alerts) throw new ApiError('alerts-off', NOTHING_SENDS);
    if (!this.options.engine.currentConfig.alerts?.channels.some((c) => c.id === id)) throw new ApiError('no-such-channel', `no alert channel ${foundValue(id)} in the config`);
    const refused = this.testGuard.begin(id);
    if (refused) throw new ApiError(refused.code, refused.message);
    const at = this.now();
    try {
      const test = await alerts.testChannel(id);
      if (!test.ok) throw new ApiError('no-such-channel', test.error.message);
      return { channelId: id, target: test.target, delivery: deliveryResultView(test.result, { at, purpose: 'test', title: 'test alert' }), durationMs: test.result.durationMs };
    } finally {
      this.testGuard.end(id);
    }
  }

  async alertChannelSettings(): Promise<AlertChannelSettings> {
    return alertChannelSettings(this.channelEdit());
  }

  /** A channel's password entered here goes to the keychain (desktop app); serve refuses it. */
  async saveAlertChannel(edit: AlertChannelEdit): Promise<Validation> {
    return saveAlertChannel(this.channelEdit(), edit);
  }

  async deleteAlertChannel({ id }: { id: string }): Promise<Validation> {
    return deleteAlertChannel(this.channelEdit(), id);
  }

  async exportEvidence(request: EvidenceRequest): Promise<EvidenceExport> {
    const { engine, store, dataDir } = this.options;
    if (!dataDir) throw new ApiError('report-unavailable', 'this process does not know its data directory, where the report-signing key lives: use backup-health report');
    try {
      const key = installationKey(dataDir)!;
      return exportEvidence({ config: engine.currentConfig, store, engine, key, version: this.options.version ?? 'dev', now: this.now() }, request);
    } catch (err) {
      if (err instanceof ReportRequestError || err instanceof SigningKeyError) throw new ApiError('bad-report-request', err.message);
      throw err;
    }
  }

  private channelEdit(): ChannelEditContext {
    return { configFile: this.options.configFile, ...(this.options.vault ? { vault: this.options.vault } : {}), apply: (config) => this.applyConfig(config) };
  }

  private applyConfig(config: Config): void {
    this.options.engine.setConfig(config);
    this.emit({ type: 'config' });
  }

  /** The whole config as it would be with this edit, and the problems of the edited source, relative to it. */
  private candidate(edit: SourceEdit): { problems: ConfigProblem[]; config?: Config; text?: string; id?: string } {
    if (typeof edit.source !== 'object' || edit.source === null || Array.isArray(edit.source)) {
      return { problems: [{ path: '', message: 'the source must be a mapping of fields' }] };
    }
    const before = readConfigText(this.options.configFile);
    const fields = stripEmpty(edit.source);
    // A password entered here goes to the keychain, and the config file only says that it is there.
    if (edit.password && this.options.vault && fields.kind === 'postgres') fields.passwordStored = true;
    const text = withSource(before, fields, edit.originalId);
    const index = sourceIndex(before, edit.originalId);
    // What names a program to run stays as the file has it: refused here before anything is validated or run.
    const stored = edit.originalId === undefined ? undefined : rawSources(before).find((s) => s.id === edit.originalId);
    const refused = apiEditProblems(fields, stored);
    const result = validateRawConfig(parseDocument(text).toJS());
    if (refused.length > 0) return { problems: [...refused, ...(result.ok ? [] : result.problems.map((p) => relativeTo(p, `sources[${index}]`)))] };
    if (!result.ok) return { problems: result.problems.map((p) => relativeTo(p, `sources[${index}]`)) };
    return { problems: [], config: result.config, text, id: String(edit.source.id) };
  }

  private sourceConfig(id: string): SourceConfig {
    const source = this.options.engine.currentConfig.sources.find((s) => s.id === id);
    if (!source) throw new ApiError('no-such-source', `no source "${id}" in the config`);
    return source;
  }

  private emit(event: ApiEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // one broken subscriber (a closed window, a dropped browser) must not stop the others
      }
    }
  }
}

/** Any error as it crosses a transport (IPC or HTTP): a code and a message, never a stack. */
export function apiErrorValue(err: unknown): ApiErrorValue {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  if (err instanceof DrillRequestError) return { code: 'drill-request', message: err.message };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** An error the UI should show as it is: a code and a message, no stack. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A value from the wire, quoted and cut short for a message: "__proto__", 12, an object. */
function foundValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === undefined) return 'none';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'an object';
  return String(value);
}

/** Form fields left empty mean "not set", not "set to an empty string". */
function stripEmpty(source: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== '' && v !== null && v !== undefined));
}

function describeObservation(summary: SourceSummary, metrics: SourceMetrics | null, now: number): string {
  if (!metrics) return summary.findings[0]?.message ?? 'nothing could be observed';
  return describeMetrics(metrics, summary.newestBackup, now);
}
