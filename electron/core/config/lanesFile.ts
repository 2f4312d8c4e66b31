import { SLUG_PATTERN } from '../../../shared/constants';
import { invalidInput } from '../errors';
import type { HomePaths } from './home';
import { readSmallJsonFile, writeFileAtomically } from './jsonFile';

/**
 * `lanes.json` (docs/architecture.md §1, §3): optional; declares terminal lanes and per-lane settings.
 *   { "lanes": { "orion-cc": { "kind": "terminal", "paused": false, "maxConcurrent": 2, "description": "…" } } }
 * An entry may also carry only settings (`paused`, `maxConcurrent`) for a lane that has a profile.
 * Names are case-insensitive and stored lowercase. A broken file never stops anything: the entries
 * that can be read are used and one line says what is wrong.
 */

export const LANES_FILE_MAX_BYTES = 1024 * 1024;
const ENTRY_KEYS = ['kind', 'paused', 'maxConcurrent', 'description', 'requireApproval', 'budget'];

export interface LaneConfig {
  name: string;
  kind: 'terminal';
  paused: boolean;
  /** Overrides the profile's maxConcurrent when set (docs/architecture.md §3 per-lane concurrency limit). */
  maxConcurrent: number | null;
  description: string | null;
  /** docs/architecture.md §10: its ready tasks wait for a person's approval before they are spawned. */
  requireApproval: boolean;
  /** docs/architecture.md §10: `budget.usdPerDay`; when today's spend reaches it, ready tasks wait (budget_exhausted). */
  budgetUsdPerDay: number | null;
}

export interface LanesFile {
  lanes: Map<string, LaneConfig>;
  problem: string | null;
}

type JsonObject = Record<string, unknown>;

const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isLaneLimit = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;

const isBudget = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1_000_000;

function parseEntry(key: string, raw: unknown, complaints: string[]): LaneConfig | null {
  const name = key.trim().toLowerCase();
  const where = `lanes.${key}`;
  if (!SLUG_PATTERN.test(name)) {
    complaints.push(`${where}: not a valid lane name (1–64 characters of a-z, 0-9, "_" or "-")`);
    return null;
  }
  if (!isPlainObject(raw)) {
    complaints.push(`${where}: must be an object like {"kind": "terminal"}`);
    return null;
  }
  // A bad field is reported and left at its default, but the lane stays declared, so a typo in
  // `paused` does not turn a real terminal lane into an "undeclared" one.
  const config: LaneConfig = {
    name,
    kind: 'terminal',
    paused: false,
    maxConcurrent: null,
    description: null,
    requireApproval: false,
    budgetUsdPerDay: null,
  };
  if (raw.kind !== undefined && raw.kind !== 'terminal') complaints.push(`${where}.kind: must be "terminal"`);
  if (raw.paused !== undefined) {
    if (typeof raw.paused === 'boolean') config.paused = raw.paused;
    else complaints.push(`${where}.paused: must be true or false`);
  }
  if (raw.maxConcurrent !== undefined && raw.maxConcurrent !== null) {
    if (isLaneLimit(raw.maxConcurrent)) config.maxConcurrent = raw.maxConcurrent;
    else complaints.push(`${where}.maxConcurrent: must be a whole number, at least 1`);
  }
  if (raw.description !== undefined && raw.description !== null) {
    if (typeof raw.description === 'string') config.description = raw.description;
    else complaints.push(`${where}.description: must be a string`);
  }
  if (raw.requireApproval !== undefined) {
    if (typeof raw.requireApproval === 'boolean') config.requireApproval = raw.requireApproval;
    else complaints.push(`${where}.requireApproval: must be true or false`);
  }
  if (raw.budget !== undefined && raw.budget !== null) {
    const usd = isPlainObject(raw.budget) ? raw.budget.usdPerDay : undefined;
    if (
      isPlainObject(raw.budget) &&
      Object.keys(raw.budget).every((key) => key === 'usdPerDay') &&
      isBudget(usd)
    )
      config.budgetUsdPerDay = usd;
    else complaints.push(`${where}.budget: must be like {"usdPerDay": 5} (a positive amount in US dollars)`);
  }
  for (const field of Object.keys(raw)) {
    if (!ENTRY_KEYS.includes(field)) complaints.push(`${where}.${field}: unknown field`);
  }
  return config;
}

export function parseLanesFile(raw: unknown): LanesFile {
  const lanes = new Map<string, LaneConfig>();
  if (!isPlainObject(raw)) return { lanes, problem: 'lanes.json: must be a JSON object like {"lanes": {}}' };
  const section = raw.lanes ?? {};
  if (!isPlainObject(section))
    return { lanes, problem: 'lanes.json: "lanes" must be an object of lane names' };
  const complaints: string[] = [];
  for (const [key, value] of Object.entries(section)) {
    const config = parseEntry(key, value, complaints);
    if (!config) continue;
    if (lanes.has(config.name)) {
      complaints.push(
        `lanes.${key}: the same lane as an earlier entry (names are case-insensitive); ignored`,
      );
      continue;
    }
    lanes.set(config.name, config);
  }
  return { lanes, problem: complaints.length > 0 ? `lanes.json: ${complaints.join('; ')}` : null };
}

export function loadLanesFile(paths: Pick<HomePaths, 'lanesFile'>): LanesFile {
  const read = readSmallJsonFile(paths.lanesFile, LANES_FILE_MAX_BYTES);
  if (read.kind === 'missing') return { lanes: new Map(), problem: null };
  if (read.kind === 'problem') return { lanes: new Map(), problem: `lanes.json: ${read.problem}` };
  return parseLanesFile(read.value);
}

export interface LaneConfigPatch {
  paused?: boolean;
  /** null removes the lane's own limit (the profile's maxConcurrent applies again). */
  maxConcurrent?: number | null;
  description?: string | null;
  requireApproval?: boolean;
  /** null removes the budget. */
  budget?: { usdPerDay: number } | null;
}

/**
 * Declares a lane or changes its settings (UI pause toggle and concurrency, docs/architecture.md §7), writing
 * lanes.json atomically. Other entries and fields are kept as the user wrote them. A file that cannot
 * be read is refused rather than replaced, so the user's work is never lost.
 */
export function updateLaneConfig(
  paths: Pick<HomePaths, 'home' | 'lanesFile'>,
  laneName: string,
  patch: LaneConfigPatch,
): LaneConfig {
  const name = laneName.trim().toLowerCase();
  if (!SLUG_PATTERN.test(name)) {
    throw invalidInput(`"${laneName}" is not a valid lane name (1–64 characters of a-z, 0-9, "_" or "-")`);
  }
  if (patch.budget !== undefined && patch.budget !== null && !isBudget(patch.budget.usdPerDay)) {
    throw invalidInput('budget.usdPerDay must be a positive amount in US dollars');
  }
  if (
    patch.maxConcurrent !== undefined &&
    patch.maxConcurrent !== null &&
    !isLaneLimit(patch.maxConcurrent)
  ) {
    throw invalidInput('maxConcurrent must be a whole number, at least 1');
  }
  const read = readSmallJsonFile(paths.lanesFile, LANES_FILE_MAX_BYTES);
  if (read.kind === 'problem') {
    throw invalidInput(`lanes.json: ${read.problem} — fix or delete the file before changing lanes`);
  }
  const root = read.kind === 'ok' ? read.value : {};
  const section = isPlainObject(root) ? (root.lanes ?? {}) : undefined;
  if (!isPlainObject(root) || !isPlainObject(section)) {
    throw invalidInput(
      'lanes.json: must look like {"lanes": {…}} — fix or delete the file before changing lanes',
    );
  }
  const existingKey = Object.keys(section).find((key) => key.trim().toLowerCase() === name) ?? name;
  const entry: JsonObject = isPlainObject(section[existingKey]) ? { ...section[existingKey] } : {};
  entry.kind ??= 'terminal';
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete entry[field];
    else entry[field] = value;
  }
  const updated = { ...root, lanes: { ...section, [existingKey]: entry } };
  const complaints: string[] = [];
  const config = parseEntry(existingKey, entry, complaints);
  if (!config || complaints.length > 0) throw invalidInput(`lanes.json: ${complaints.join('; ')}`);
  writeFileAtomically(paths.home, paths.lanesFile, `${JSON.stringify(updated, null, 2)}\n`);
  return config;
}
