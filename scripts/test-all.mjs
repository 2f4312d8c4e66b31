// `npm test`: every check in order — build, types, lint, format, the Electron security scan
// (scripts/security-scan.mjs), unit/integration tests (Vitest) and
// browser tests (Playwright in Chromium) — then one closing line with the counts of all tests run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { electronBinary } from './electron-binary.mjs';

const bin = (name) => path.join('node_modules', '.bin', name);
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-test-report-'));
const vitestReport = path.join(reportDir, 'vitest.json');
const playwrightReport = path.join(reportDir, 'playwright.json');

function step(title, command, args, env = {}) {
  process.stdout.write(`\n=== ${title}\n`);
  // node_modules/.bin holds .cmd files on Windows, which only a shell can start (hosted CI runs there).
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, ...env },
    shell: process.platform === 'win32',
  });
  return result.status === 0;
}

const checks = [
  ['build (node bundles)', process.execPath, ['scripts/build-node.mjs']],
  ['build (renderer)', bin('vite'), ['build', '--logLevel', 'warn']],
  ['typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
  ['lint', bin('eslint'), ['.']],
  ['format', bin('prettier'), ['--check', '.']],
  ['electron security scan', process.execPath, ['scripts/security-scan.mjs']],
];
let failedChecks = 0;
for (const [title, command, args] of checks) if (!step(title, command, args)) failedChecks += 1;

const vitestOk = step('unit and integration tests (vitest)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`,
]);
let passed = 0;
let failed = 0;
let skipped = 0;
if (fs.existsSync(vitestReport)) {
  const report = JSON.parse(fs.readFileSync(vitestReport, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
} else if (!vitestOk) failed += 1;

const hasBrowserTests = fs.existsSync('playwright.config.ts');
let playwrightOk = true;
if (hasBrowserTests) {
  playwrightOk = step('browser tests (playwright)', bin('playwright'), ['test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport,
  });
  if (fs.existsSync(playwrightReport)) {
    const stats = JSON.parse(fs.readFileSync(playwrightReport, 'utf8')).stats ?? {};
    passed += stats.expected ?? 0;
    failed += (stats.unexpected ?? 0) + (stats.flaky ?? 0);
    skipped += stats.skipped ?? 0;
  } else if (!playwrightOk) failed += 1;
}

fs.rmSync(reportDir, { recursive: true, force: true });
if (hasBrowserTests && !electronBinary()) {
  // A skipped smoke test must not read as a passing one.
  process.stdout.write(
    '\nNote: the Electron smoke test (e2e/electron-smoke.spec.ts) was SKIPPED: the Electron binary is not ' +
      'installed (ELECTRON_SKIP_BINARY_DOWNLOAD). Where downloads work: `node node_modules/electron/install.js`.\n',
  );
}
if (failedChecks > 0)
  process.stdout.write(`\n${failedChecks} check(s) (build/types/lint/format/security scan) failed\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failedChecks === 0 && vitestOk && playwrightOk && failed === 0 ? 0 : 1);
