// `npm run security`: Electron security scan with Doyensec's electronegativity (docs/security.md).
//
// Scans the sources the app is made of — electron/ (main process, preload, IPC), renderer/ (index.html
// with its CSP, and the React app) and shared/ — as ONE app, so the global checks (navigation limits,
// permission handler, CSP) see the main process and the page together. Each finding is matched against
// security/electronegativity-accepted.json ({ check, file, reason, count? }); the run fails on any
// finding that is not accepted, on an accepted entry that no longer matches what the scanner reports
// (so the list cannot silently outlive the code it describes), and on any file the scanner could not
// parse (a file it cannot read is a blind spot, not a pass).
//
//   node scripts/security-scan.mjs [--sarif <file>] [--verbose]
//
// --sarif writes a SARIF 2.1.0 report (for code-scanning upload; accepted findings carry their reason
// as a suppression); --verbose also prints the scanner's console chatter, which is hidden otherwise.
// (The scanner's own -o writer is not used: it writes asynchronously and its paths point into the
// temporary copy.)
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(path.join(root, 'package.json'));
const acceptedPath = path.join(root, 'security', 'electronegativity-accepted.json');
const SCANNED_DIRS = ['electron', 'renderer', 'shared'];
// AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK downloads Electron's release list from GitHub on every run and
// compares it with package.json: the answer changes with the calendar, not with our code, and it never
// fires here anyway (no package.json is scanned). Keeping Electron current is a dependency-update job.
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const sarifIndex = args.indexOf('--sarif');
const sarifOut = sarifIndex >= 0 ? path.resolve(args[sarifIndex + 1] ?? '') : undefined;
if (sarifIndex >= 0 && !args[sarifIndex + 1]) fail('--sarif needs a file name');

function fail(message) {
  process.stderr.write(`security scan: ${message}\n`);
  process.exit(2);
}

/** The Electron we build against: the installed one, else the lowest version package.json allows. */
function electronVersion() {
  try {
    return require('electron/package.json').version;
  } catch {
    const range = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies
      ?.electron;
    const version = /\d+\.\d+\.\d+/.exec(range ?? '')?.[0];
    if (!version) fail('cannot tell which Electron version the app uses');
    return version;
  }
}

function loadAccepted() {
  const data = JSON.parse(fs.readFileSync(acceptedPath, 'utf8'));
  const entries = Array.isArray(data) ? data : data.accepted;
  if (!Array.isArray(entries)) fail(`${acceptedPath}: expected { "accepted": [...] }`);
  for (const [i, entry] of entries.entries()) {
    const ok =
      typeof entry.check === 'string' &&
      typeof entry.file === 'string' &&
      typeof entry.reason === 'string' &&
      entry.reason.trim().length > 0 &&
      (entry.count === undefined || (Number.isInteger(entry.count) && entry.count > 0));
    if (!ok) fail(`${acceptedPath}: entry ${i} needs "check", "file", a non-empty "reason" (and count ≥ 1)`);
  }
  return entries;
}

/** Runs the scanner with its console output captured (it prints banners and network retries). */
async function scan(input) {
  const chatter = [];
  const saved = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  const capture = (...parts) => chatter.push(parts.map(String).join(' '));
  Object.assign(console, { log: capture, warn: capture, error: capture, info: capture });
  try {
    const { default: run } = await import(require.resolve('@doyensec/electronegativity'));
    return {
      result: await run(
        {
          input,
          isRelative: true,
          electronVersionOverride: electronVersion(),
          excludeFromScan: EXCLUDED_CHECKS.map((name) => name.toLowerCase()),
        },
        false,
      ),
      chatter,
    };
  } finally {
    Object.assign(console, saved);
  }
}

const accepted = loadAccepted();
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-security-scan-'));
let result;
let chatter;
try {
  for (const dir of SCANNED_DIRS) fs.cpSync(path.join(root, dir), path.join(stage, dir), { recursive: true });
  ({ result, chatter } = await scan(stage));
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'MODULE_NOT_FOUND') {
    fail('@doyensec/electronegativity is not installed (it is a devDependency: run `npm install`)');
  }
  throw error;
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
if (verbose) for (const line of chatter) process.stdout.write(`  [electronegativity] ${line}\n`);

const rel = (file) => (file === 'N/A' ? 'N/A' : file.split(path.sep).join('/'));
const findings = result.issues.map((issue) => ({
  check: issue.id,
  file: rel(issue.file),
  where: `${rel(issue.file)}:${issue.location?.line ?? 0}:${issue.location?.column ?? 0}`,
  level: `${issue.severity?.name ?? '?'}/${issue.confidence?.name ?? '?'}`,
  description: issue.description,
  line: issue.location?.line ?? 0,
  column: issue.location?.column ?? 0,
  review: Boolean(issue.manualReview),
}));

const byKey = new Map();
for (const finding of findings) {
  const key = `${finding.check} ${finding.file}`;
  byKey.set(key, [...(byKey.get(key) ?? []), finding]);
}
const problems = [];
const acceptedKeys = new Set();
for (const entry of accepted) {
  const key = `${entry.check} ${entry.file}`;
  const expected = entry.count ?? 1;
  const found = byKey.get(key)?.length ?? 0;
  acceptedKeys.add(key);
  if (found === 0) {
    problems.push(`stale acceptance: ${entry.check} in ${entry.file} is no longer reported; remove it`);
  } else if (found !== expected) {
    problems.push(
      `${entry.check} in ${entry.file}: ${found} finding(s), ${expected} accepted — review the new ones ` +
        `and fix them or update "count" with a reason`,
    );
  }
}

process.stdout.write(
  `electronegativity: ${result.atomicChecks} atomic + ${result.globalChecks} global checks over ` +
    `${SCANNED_DIRS.join('/, ')}/ (Electron ${electronVersion()})\n`,
);
for (const finding of findings) {
  const key = `${finding.check} ${finding.file}`;
  const mark = acceptedKeys.has(key) ? 'accepted' : 'NEW     ';
  process.stdout.write(
    `  ${mark}  ${finding.check.padEnd(40)} ${finding.level.padEnd(18)} ${finding.where}\n`,
  );
  if (!acceptedKeys.has(key)) {
    process.stdout.write(`            ${finding.description}\n`);
    problems.push(`not accepted: ${finding.check} at ${finding.where}`);
  }
}
for (const error of result.errors) {
  const where = rel(path.relative(stage, error.file));
  if (error.tolerable) process.stdout.write(`  warning   ${where}: ${error.message}\n`);
  else problems.push(`could not parse ${where}: ${error.message}`);
}
if (sarifOut) {
  const reasons = new Map(accepted.map((entry) => [`${entry.check} ${entry.file}`, entry.reason]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'electronegativity',
            version: require('@doyensec/electronegativity/package.json').version,
            informationUri: 'https://github.com/doyensec/electronegativity',
            rules: [...new Set(findings.map((f) => f.check))].map((id) => ({
              id,
              helpUri: `https://github.com/doyensec/electronegativity/wiki/${id}`,
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.check,
          level: f.review ? 'note' : 'warning',
          message: { text: f.description },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file === 'N/A' ? 'package.json' : f.file },
                region: { startLine: Math.max(1, f.line), startColumn: f.column + 1 },
              },
            },
          ],
          ...(reasons.has(`${f.check} ${f.file}`)
            ? { suppressions: [{ kind: 'external', justification: reasons.get(`${f.check} ${f.file}`) }] }
            : {}),
        })),
      },
    ],
  };
  fs.mkdirSync(path.dirname(sarifOut), { recursive: true });
  fs.writeFileSync(sarifOut, `${JSON.stringify(sarif, null, 2)}\n`);
  process.stdout.write(`SARIF report: ${sarifOut}\n`);
}

const acceptedCount = findings.filter((f) => acceptedKeys.has(`${f.check} ${f.file}`)).length;
process.stdout.write(
  `${findings.length} finding(s): ${acceptedCount} accepted (security/electronegativity-accepted.json)\n`,
);
if (problems.length > 0) {
  process.stdout.write(`\nsecurity scan FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.stdout.write('Fix the finding, or accept it with a reason (docs/security.md explains how).\n');
  process.exit(1);
}
process.stdout.write('security scan passed\n');
