// What an edit through the API (the settings page, or anyone holding serve's token) may not do that the config
// file may: name a program to run, or a file that names one. Those stay as the file has them; the form shows
// them read-only. Reading a file (passwordFile, IdentityFile) is allowed: reading runs nothing, and its
// contents only go where that source's own connection goes.
import type { ConfigProblem } from './config';
import { apiSshOptionProblem, isAllowedSshOption } from './ssh-options';

/** Source fields set in the config file only, and why, in a sysadmin's words. */
export const CONFIG_FILE_ONLY_FIELDS: Readonly<Record<string, string>> = {
  configPath: "it names pgBackRest's or Barman's config file, which names programs the tool runs (pgBackRest's cmd-ssh, repo-host-cmd; Barman's path_prefix and hook scripts)",
};

/** Defaults set in the config file only: each names programs or where they run. */
export const CONFIG_FILE_ONLY_DEFAULTS: Readonly<Record<string, string>> = {
  postgresBin: 'it names the directory of the PostgreSQL programs drills run',
  drillDir: 'drills run PostgreSQL from there',
  drillExtensions: 'it lets restored backups load more of the code installed here',
  physicalDrillsWithoutSandbox: 'it lets restored backups run without an OS sandbox',
};

/**
 * Alert channel fields set in the config file only. A command channel runs a program; a passwordFile would let
 * whoever edits through the API send any file this user can read to a URL of their choosing.
 */
export const CONFIG_FILE_ONLY_CHANNEL_FIELDS: Readonly<Record<string, string>> = {
  command: 'it names a program Backup Health runs',
  passwordFile: 'its contents are sent to the channel, wherever the channel points',
  env: "it sends one of Backup Health's environment variables to wherever the channel points",
  destination: 'the channel sends a secret from the environment there',
};

/** The form field a password or token entered on the settings page is reported at. */
export const CHANNEL_PASSWORD_FIELD = 'password';

const fileOnlyMessage = (field: string, why: string) => `${field} is set in the config file only (${why}); edit the config file to change it`;

/** The options the dashboard cannot set, kept as the config file has them (a hand-written ProxyJump, say). */
export function fileOnlySshOptions(options: readonly unknown[]): string[] {
  return options.filter((o): o is string => typeof o === 'string' && !isAllowedSshOption(o));
}

/**
 * Problems of an edit made through the API. `stored` is the source as the config file has it now (the one
 * being edited), or undefined for a new source: what is file-only may be kept exactly, never added or changed.
 */
export function apiEditProblems(edited: Record<string, unknown>, stored: Record<string, unknown> | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [field, why] of Object.entries({ ...CONFIG_FILE_ONLY_DEFAULTS, defaults: 'the defaults apply to every source' })) {
    if (field in edited) problems.push({ path: field, message: fileOnlyMessage(field, why) });
  }
  for (const [field, why] of Object.entries(CONFIG_FILE_ONLY_FIELDS)) {
    if (!sameValue(edited[field], stored?.[field])) problems.push({ path: field, message: fileOnlyMessage(field, why) });
  }
  const kept = new Set(Array.isArray(stored?.sshOptions) ? fileOnlySshOptions(stored.sshOptions) : []);
  if (Array.isArray(edited.sshOptions)) {
    edited.sshOptions.forEach((option, i) => {
      if (typeof option !== 'string' || kept.has(option)) return;
      const problem = apiSshOptionProblem(option);
      if (problem) problems.push({ path: `sshOptions[${i}]`, message: problem });
    });
  }
  const repoProblem = edited.kind === 'restic' ? resticRepoProblem(edited.repo, stored?.repo) : null;
  if (repoProblem) problems.push({ path: 'repo', message: repoProblem });
  return problems;
}

/**
 * restic runs rclone for `rclone:` repositories, and rclone takes backend options in the remote's name
 * (`rclone::sftp,ssh=…:` names the ssh program it runs): through the API, only a remote named in your
 * rclone.conf, unless the file already has this exact repository.
 */
function resticRepoProblem(repo: unknown, storedRepo: unknown): string | null {
  if (typeof repo !== 'string' || repo === storedRepo || !/^rclone:/i.test(repo)) return null;
  if (/^rclone:[A-Za-z0-9_][A-Za-z0-9_ .-]*:/.test(repo)) return null;
  return 'an rclone repository with options in its remote name (rclone::backend,… or remote,option=…) is set in the config file only (rclone options can name programs to run); use a remote from your rclone.conf, like rclone:backups:orders';
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Problems of an alert channel edited through the API, as apiEditProblems for a source: `stored` is the channel
 * as the config file has it (undefined for a new one). A command channel, passwordFile and smtp.passwordFile may
 * be kept exactly or removed, never added or changed. So may a secret named by an environment variable
 * (passwordEnv, smtp.passwordEnv, urlEnv, a header's { env }), and a channel holding one keeps its destination:
 * otherwise the API could point a channel at its own server with the SMTP password, or PGPASSWORD, attached.
 * A password kept in the desktop app's keychain (passwordStored) is held to the same: it goes where it was
 * entered for, and a new URL or SMTP server needs it entered again (`passwordEntered`). passwordStored itself
 * is set by the settings page when a password is entered, never by an edit alone.
 */
export function apiChannelEditProblems(
  edited: Record<string, unknown>,
  stored: Record<string, unknown> | undefined,
  options: { passwordEntered?: boolean } = {},
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const isCommand = edited.kind === 'command' || edited.command !== undefined;
  if (isCommand && !(stored?.kind === 'command' && sameValue(edited.command, stored.command))) {
    problems.push({ path: 'command', message: fileOnlyMessage('a command channel', CONFIG_FILE_ONLY_CHANNEL_FIELDS.command!) });
  }
  const files: [string, unknown, unknown][] = [
    ['passwordFile', edited.passwordFile, stored?.passwordFile],
    ['smtp.passwordFile', smtpOf(edited)?.passwordFile, smtpOf(stored)?.passwordFile],
  ];
  for (const [path, now, before] of files) {
    if (now !== undefined && !sameValue(now, before)) problems.push({ path, message: fileOnlyMessage(path, CONFIG_FILE_ONLY_CHANNEL_FIELDS.passwordFile!) });
  }
  const envNow = channelEnvSecrets(edited);
  const envBefore = stored ? channelEnvSecrets(stored) : {};
  for (const [path, name] of Object.entries(envNow)) {
    if (name !== envBefore[path]) problems.push({ path, message: fileOnlyMessage(path, CONFIG_FILE_ONLY_CHANNEL_FIELDS.env!) });
  }
  if (Object.keys(envNow).length > 0 && stored) {
    for (const [path, value] of Object.entries(channelDestination(edited))) {
      if (!sameValue(value, channelDestination(stored)[path])) problems.push({ path, message: fileOnlyMessage(path, CONFIG_FILE_ONLY_CHANNEL_FIELDS.destination!) });
    }
  }
  if (!options.passwordEntered && keepsStoredPassword(edited)) {
    if (!stored || !keepsStoredPassword(stored)) {
      problems.push({ path: CHANNEL_PASSWORD_FIELD, message: 'enter the password to keep in the keychain: passwordStored is set when one is entered here' });
    } else {
      const moved = Object.entries(channelDestination(edited)).filter(([path, value]) => !sameValue(value, channelDestination(stored)[path]));
      if (moved.length > 0) {
        problems.push({
          path: CHANNEL_PASSWORD_FIELD,
          message: `the kept password is sent only where it was entered for, and ${moved.map(([path]) => path).join(' and ')} changed: enter the password again`,
        });
      }
    }
  }
  return problems;
}

/** Whether the channel says its password is in the desktop app's keychain (on the channel, or on its smtp:). */
export function keepsStoredPassword(channel: Record<string, unknown>): boolean {
  return channel.passwordStored === true || smtpOf(channel)?.passwordStored === true;
}

function smtpOf(channel: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return typeof channel?.smtp === 'object' && channel.smtp !== null ? (channel.smtp as Record<string, unknown>) : undefined;
}

/** Path -> variable name of every environment variable the channel sends. */
function channelEnvSecrets(channel: Record<string, unknown>): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  if (channel.passwordEnv !== undefined) found.passwordEnv = channel.passwordEnv;
  if (channel.urlEnv !== undefined) found.urlEnv = channel.urlEnv;
  const smtp = smtpOf(channel);
  if (smtp?.passwordEnv !== undefined) found['smtp.passwordEnv'] = smtp.passwordEnv;
  if (typeof channel.headers === 'object' && channel.headers !== null) {
    for (const [name, value] of Object.entries(channel.headers as Record<string, unknown>)) {
      if (typeof value === 'object' && value !== null) found[`headers.${name}`] = (value as { env?: unknown }).env;
    }
  }
  return found;
}

/** Where a channel's secrets go: its URL, or its SMTP server and how it is reached. */
function channelDestination(channel: Record<string, unknown>): Record<string, unknown> {
  const smtp = smtpOf(channel);
  return { url: channel.url, 'smtp.host': smtp?.host, 'smtp.port': smtp?.port, 'smtp.tls': smtp?.tls };
}
