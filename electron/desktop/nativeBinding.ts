import fs from 'node:fs';
import path from 'node:path';

/**
 * better-sqlite3 for Electron's ABI (docs/architecture.md "better-sqlite3 and Electron's ABI"). The copy in
 * node_modules stays built for Node (tests, CLI); `scripts/rebuild-electron-sqlite.mjs` builds one
 * for Electron into dist/native/electron/, and the main process opens the database with it through
 * better-sqlite3's `nativeBinding` option. Packaged apps carry the same file, unpacked from asar.
 */

export const ELECTRON_BINDING_RELATIVE = path.join('dist', 'native', 'electron', 'better_sqlite3.node');

/** The binding's path for an app rooted at `appPath` (app.getAppPath(): the project, or app.asar). */
export function electronBindingPath(appPath: string): string {
  // Native modules cannot be loaded from inside an asar archive; electron-builder unpacks them.
  const root = appPath.endsWith('.asar') ? `${appPath}.unpacked` : appPath;
  return path.join(root, ELECTRON_BINDING_RELATIVE);
}

export class MissingNativeBindingError extends Error {
  constructor(readonly expectedAt: string) {
    super(
      `better-sqlite3 has not been built for Electron (expected ${expectedAt}). ` +
        'Run `npm run rebuild:electron-sqlite` (or `npm start`, which does it) and start again.',
    );
    this.name = 'MissingNativeBindingError';
  }
}

export function requireElectronBinding(
  appPath: string,
  exists: (file: string) => boolean = fs.existsSync,
): string {
  const file = electronBindingPath(appPath);
  if (!exists(file)) throw new MissingNativeBindingError(file);
  return file;
}
