// better-sqlite3 under Electron, without breaking it under Node.
//
// better-sqlite3 is a native addon, and an addon runs only on the ABI it was compiled for. node_modules holds
// the build for Node, because the tests and the CLI run on Node. Electron has its own ABI. So:
// - packaged app: electron-builder rebuilds the app's own copy of node_modules for Electron (npmRebuild) and
//   leaves the .node file outside the asar (asarUnpack); better-sqlite3 finds it itself. Nothing to do here.
// - from a checkout (`npm start`, `npm run dev`): their pre-scripts run build/electron-native.mjs, which builds
//   a second copy for this Electron into node_modules/.cache/backup-health-electron/, named after the
//   better-sqlite3 version, the Electron version, the platform and the architecture; node_modules itself is
//   never touched. This process then points every History at that file (better-sqlite3's nativeBinding).
// Keep electronNativeBindingName in step with build/electron-native.mjs (a test compares them).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ELECTRON_NATIVE_DIR = join('node_modules', '.cache', 'backup-health-electron');

export function electronNativeBindingName(versions: { betterSqlite3: string; electron: string }, platform: string, arch: string): string {
  return `better-sqlite3-${versions.betterSqlite3}-electron-${versions.electron}-${platform}-${arch}.node`;
}

export interface NativeBindingContext {
  packaged: boolean;
  /** The project directory when unpackaged (app.getAppPath()). */
  appPath: string;
  electronVersion: string;
  betterSqlite3Version: string;
  platform: string;
  arch: string;
}

/** The addon to load, or undefined for better-sqlite3's own (packaged). Throws a sysadmin-readable fix when missing. */
export function electronNativeBinding(context: NativeBindingContext, exists: (path: string) => boolean = existsSync): string | undefined {
  if (context.packaged) return undefined;
  const name = electronNativeBindingName({ betterSqlite3: context.betterSqlite3Version, electron: context.electronVersion }, context.platform, context.arch);
  const file = join(context.appPath, ELECTRON_NATIVE_DIR, name);
  if (!exists(file)) {
    throw new Error(`better-sqlite3 has not been built for Electron ${context.electronVersion} (${file} is missing): run "node build/electron-native.mjs", or start the app with "npm start" / "npm run dev", which run it first`);
  }
  return file;
}
