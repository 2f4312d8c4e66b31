import { z } from 'zod';
import { describeIssue } from '../../../shared/refusalText';
import type { HomePaths } from './home';
import { readSmallJsonFile } from './jsonFile';

/**
 * `settings.json` (docs/architecture.md §1): optional, every field has a default (the bracketed numbers of the SPEC).
 * A broken file never stops the app: the broken fields fall back to their defaults and one line says
 * what is wrong, and the user's file is never rewritten behind their back.
 */

export const SETTINGS_MAX_BYTES = 1024 * 1024;

export const WORKER_PRIORITIES = ['low', 'normal'] as const;
export type WorkerPriority = (typeof WORKER_PRIORITIES)[number];

function wholeNumber(defaultValue: number, min: number, max: number) {
  return z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(defaultValue);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const section = { error: 'must be an object of settings' };

const dispatcherSettingsSchema = z
  .strictObject(
    {
      /** Persisted on/off switch of the dispatcher (docs/architecture.md §7 tray checkbox). */
      enabled: z.boolean({ error: 'must be true or false' }).default(true),
      tickMs: wholeNumber(2000, 100, MINUTE), // docs/architecture.md §4 [2 s]
      globalMaxConcurrent: wholeNumber(4, 1, 1000), // docs/architecture.md §3 [4]
      failureLimit: wholeNumber(5, 1, 1000), // docs/architecture.md §4.2 [5]
      backoffBaseMs: wholeNumber(10_000, 0, 24 * HOUR), // docs/architecture.md §4.2 [10 s × 2^n]
      backoffMaxMs: wholeNumber(600_000, 0, 7 * 24 * HOUR), // docs/architecture.md §4.2 [at most 10 min]
      claimTtlMs: wholeNumber(900_000, 10_000, 7 * 24 * HOUR), // docs/architecture.md §4.4 [15 min]
      killGraceMs: wholeNumber(10_000, 0, 10 * MINUTE), // docs/architecture.md §4.3 [10 s]
      stuckTicks: wholeNumber(6, 1, 100_000), // docs/architecture.md §4.7 [6]
      stuckLogIntervalMs: wholeNumber(300_000, 1000, 24 * HOUR), // docs/architecture.md §4.7 [5 min]
      /**
       * CPU priority of workers: "low" (nice +10, Windows "below normal") keeps the app responsive
       * while many workers run flat out; agents mostly wait on the network. "normal" for CPU-bound ones.
       */
      workerPriority: z.enum(WORKER_PRIORITIES, { error: 'must be "low" or "normal"' }).default('low'),
    },
    section,
  )
  .refine((dispatcher) => dispatcher.backoffMaxMs >= dispatcher.backoffBaseMs, {
    message: 'must be at least backoffBaseMs',
    path: ['backoffMaxMs'],
  });

const logSettingsSchema = z.strictObject(
  {
    rotateBytes: wholeNumber(2 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024), // docs/architecture.md §5 [2 MiB]
    keepFiles: wholeNumber(5, 1, 100),
  },
  section,
);

/** Settings files from before issue 18 named the prompt caps in characters; they mean bytes now. */
const LEGACY_PROMPT_KEYS: Record<string, string> = {
  bodyChars: 'bodyBytes',
  parentResultChars: 'parentResultBytes',
  commentChars: 'commentBytes',
  priorErrorChars: 'priorErrorBytes',
};

function renameLegacyPromptKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const renamed: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const current = LEGACY_PROMPT_KEYS[key];
    if (current === undefined) renamed[key] = field;
    else if (!(current in value)) renamed[current] = field;
  }
  return renamed;
}

/**
 * docs/architecture.md §5: every part of `{prompt}` is capped, so one huge comment cannot crowd out the task, and
 * so is the whole, in UTF-8 bytes (issue 18: Linux refuses one argument over 128 KiB).
 */
const promptSettingsSchema = z.preprocess(
  renameLegacyPromptKeys,
  z.strictObject(
    {
      bodyBytes: wholeNumber(48 * 1024, 0, 1024 * 1024),
      parentResultBytes: wholeNumber(8 * 1024, 0, 1024 * 1024),
      commentBytes: wholeNumber(4 * 1024, 0, 1024 * 1024),
      priorErrorBytes: wholeNumber(2 * 1024, 0, 1024 * 1024),
      recentComments: wholeNumber(10, 0, 1000),
      priorErrors: wholeNumber(3, 0, 100),
      /** The whole prompt; `{prompt}` in argv is held under Linux's 128 KiB whatever this says. */
      totalBytes: wholeNumber(96 * 1024, 4 * 1024, 16 * 1024 * 1024),
    },
    section,
  ),
);

/** Issue 16: the app (or `serve`, `dispatch --watch`) keeps one backup a day, the newest N of them; 0 = off. */
const backupSettingsSchema = z.strictObject(
  {
    keepDaily: wholeNumber(7, 0, 365),
  },
  section,
);

export const settingsSchema = z.strictObject({
  dispatcher: dispatcherSettingsSchema.prefault({}),
  logs: logSettingsSchema.prefault({}),
  prompt: promptSettingsSchema.prefault({}),
  backups: backupSettingsSchema.prefault({}),
});

export type Settings = z.infer<typeof settingsSchema>;
export type DispatcherSettings = Settings['dispatcher'];
export type LogSettings = Settings['logs'];
export type PromptSettings = Settings['prompt'];
export type BackupSettings = Settings['backups'];

export const defaultSettings = (): Settings => settingsSchema.parse({});

export interface LoadedSettings {
  settings: Settings;
  /** One line for the UI and the log, or null when the file is fine (or absent). */
  problem: string | null;
}

type JsonObject = Record<string, unknown>;

const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Removes the offending value so the schema's default takes its place. */
function dropIssuePath(root: JsonObject, issue: z.core.$ZodIssue): boolean {
  const keys =
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
  let dropped = false;
  for (const path of keys) {
    if (path.length === 0) continue;
    let parent: unknown = root;
    for (const segment of path.slice(0, -1)) {
      parent = isPlainObject(parent) ? parent[String(segment)] : undefined;
    }
    const last = String(path[path.length - 1]);
    if (isPlainObject(parent) && last in parent) {
      delete parent[last];
      dropped = true;
    }
  }
  return dropped;
}

/**
 * Parses raw settings, keeping every valid field: a single typo must not silently reset the user's
 * other choices (for example their concurrency limit) to defaults.
 */
export function parseSettings(raw: unknown): LoadedSettings {
  if (!isPlainObject(raw)) {
    return { settings: defaultSettings(), problem: 'settings.json: must be a JSON object' };
  }
  const working = structuredClone(raw);
  const complaints: string[] = [];
  // Each pass drops the fields zod complained about; the number of fields bounds the passes.
  for (let pass = 0; pass < 50; pass++) {
    const parsed = settingsSchema.safeParse(working);
    if (parsed.success) {
      const problem = complaints.length > 0 ? `settings.json: ${complaints.join('; ')}` : null;
      return { settings: parsed.data, problem };
    }
    let progressed = false;
    for (const issue of parsed.error.issues) {
      complaints.push(describeIssue(issue, { naming: 'keys' }));
      progressed = dropIssuePath(working, issue) || progressed;
    }
    if (!progressed) break;
  }
  return { settings: defaultSettings(), problem: `settings.json: ${complaints.join('; ')}` };
}

export function loadSettings(paths: Pick<HomePaths, 'settingsFile'>): LoadedSettings {
  const read = readSmallJsonFile(paths.settingsFile, SETTINGS_MAX_BYTES);
  if (read.kind === 'missing') return { settings: defaultSettings(), problem: null };
  if (read.kind === 'problem') {
    return { settings: defaultSettings(), problem: `settings.json: ${read.problem}` };
  }
  return parseSettings(read.value);
}
