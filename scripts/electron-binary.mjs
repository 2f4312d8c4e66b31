// The one check for "is Electron's binary here?", shared by `npm start`, `npm run dist`, `npm test`
// (scripts/test-all.mjs) and the smoke spec (e2e/electron-smoke.spec.ts). `npm ci` downloads the
// binary unless ELECTRON_SKIP_BINARY_DOWNLOAD is set or the download fails (no network); then
// `require('electron')` throws instead of returning its path.
//
// As a command — `node scripts/electron-binary.mjs <npm script name>` — it exits 0 when the binary
// is installed and otherwise prints one line saying so and what to do, and exits 1.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Electron executable's path, or null when it was not downloaded. */
export function electronBinary() {
  try {
    const binary = createRequire(path.join(root, 'package.json'))('electron');
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** The one line printed when `npm run <script>` cannot run for want of the binary. */
export function missingElectronLine(script) {
  return (
    `switchyard: \`npm run ${script}\` needs the Electron binary, which is not installed ` +
    '(skipped or failed download at `npm install`); on a machine with internet run ' +
    '`node node_modules/electron/install.js`, then try again' +
    // The desktop window is one way to see the board; web mode needs no Electron at all.
    (script === 'start'
      ? '; or see the same board in a browser now with `switchyard serve --open` (npm run serve).'
      : '.')
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const script = process.argv[2] ?? 'start';
  if (!electronBinary()) {
    process.stderr.write(`${missingElectronLine(script)}\n`);
    process.exit(1);
  }
}
