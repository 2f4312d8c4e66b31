// Builds better-sqlite3 for Electron's ABI into dist/native/electron/better_sqlite3.node
// (docs/architecture.md "better-sqlite3 and Electron's ABI"). node_modules/better-sqlite3 keeps its Node
// build, so `npm test` (Node) and `npm start` (Electron) both work after one `npm install`.
//
// The build runs node-gyp on a temporary copy of the module against Electron's headers; it is
// skipped when the result is already there for this Electron and better-sqlite3 version, and when
// the Electron binary is not installed (nothing could use the result then).
//
// Usage: node scripts/rebuild-electron-sqlite.mjs [--force] [--arch x64|arm64]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(path.join(root, 'package.json'));
const args = process.argv.slice(2);
const force = args.includes('--force');
const arch = args.includes('--arch') ? args[args.indexOf('--arch') + 1] : process.arch;
const outDir = path.join(root, 'dist', 'native', 'electron');
const outFile = path.join(outDir, 'better_sqlite3.node');
const stampFile = path.join(outDir, 'build.json');

function say(message) {
  console.log(`rebuild-electron-sqlite: ${message}`);
}

if (!electronBinary()) {
  say(
    'Electron binary not installed — skipped (better-sqlite3 for Electron is only needed to run the app; ' +
      'install it with `node node_modules/electron/install.js` where downloads are allowed).',
  );
  process.exit(0);
}

const electronVersion = require('electron/package.json').version;
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(fs.readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
const wanted = { electron: electronVersion, betterSqlite3: sqliteVersion, platform: process.platform, arch };

if (!force && fs.existsSync(outFile) && fs.existsSync(stampFile)) {
  const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  if (JSON.stringify(stamp) === JSON.stringify(wanted)) {
    say(`up to date (Electron ${electronVersion}, better-sqlite3 ${sqliteVersion})`);
    process.exit(0);
  }
}

const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-sqlite-electron-'));
try {
  say(
    `building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${arch})…`,
  );
  const copy = path.join(work, 'better-sqlite3');
  // Everything but the Node build; node-gyp writes its own build/ in the copy.
  fs.cpSync(sqliteDir, copy, {
    recursive: true,
    filter: (source) => !source.startsWith(path.join(sqliteDir, 'build')),
  });
  execFileSync(
    process.execPath,
    [
      nodeGyp,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      `--arch=${arch}`,
      '--dist-url=https://electronjs.org/headers',
      `--devdir=${path.join(os.homedir(), '.electron-gyp')}`,
    ],
    { cwd: copy, stdio: 'inherit', env: { ...process.env, npm_config_runtime: 'electron' } },
  );
  const built = path.join(copy, 'build', 'Release', 'better_sqlite3.node');
  fs.mkdirSync(outDir, { recursive: true });
  fs.copyFileSync(built, `${outFile}.tmp`);
  fs.renameSync(`${outFile}.tmp`, outFile);
  fs.writeFileSync(stampFile, `${JSON.stringify(wanted, null, 2)}\n`);
  say(`wrote ${path.relative(root, outFile)}`);
} catch (error) {
  console.error(`rebuild-electron-sqlite: the build failed: ${error.message}`);
  console.error('It needs a C++ toolchain (python3, make, g++) and the Electron headers (downloaded once).');
  process.exit(1);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
