// The defaults that name programs drills run (postgresBin, drillDir): shown, never edited here. Anyone who can
// reach the dashboard (serve's token) could otherwise choose what Backup Health runs.
import { CONFIG_FILE_ONLY_DEFAULTS } from '../../../shared/api-edit-rules';
import { ReadOnlyField } from './fields';

const LABELS: Record<string, string> = {
  postgresBin: 'PostgreSQL programs for drills (postgresBin)',
  drillDir: 'Drill directory (drillDir)',
  drillExtensions: 'Extra extensions drills may create (drillExtensions)',
  physicalDrillsWithoutSandbox: 'Physical drills without a sandbox (physicalDrillsWithoutSandbox)',
};

/** Lists as the file's words, comma-separated; anything unset as empty ("not set"). */
function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

export function FileOnlyDefaults({ defaults, configFile }: { defaults: Record<string, unknown>; configFile: string }) {
  return (
    <fieldset className="file-only-defaults" data-testid="file-only-defaults">
      <legend>Set in {configFile}</legend>
      {Object.entries(CONFIG_FILE_ONLY_DEFAULTS).map(([key, why]) => (
        <ReadOnlyField key={key} path={`defaults.${key}`} label={LABELS[key] ?? key} value={asText(defaults[key])} why={why} />
      ))}
    </fieldset>
  );
}
