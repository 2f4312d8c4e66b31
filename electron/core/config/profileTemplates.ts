import fs from 'node:fs';
import path from 'node:path';
import { PROFILE_TEMPLATE_NAMES, SLUG_PATTERN, type ProfileTemplateName } from '../../../shared/constants';
import { SwitchyardError, invalidInput } from '../errors';
import type { HomePaths } from './home';
import { writeFileAtomically } from './jsonFile';
import { PROFILE_FILE, profileDir, type CompletionMode } from './profiles';

/**
 * Ready-made profiles (docs/architecture.md §3 "provide ready-made examples"), written by
 * `switchyard profiles create NAME --from TEMPLATE`. docs/profiles.md explains each one.
 */

export { PROFILE_TEMPLATE_NAMES, type ProfileTemplateName };

export interface ProfileJson {
  description: string;
  command: string[];
  env?: Record<string, string>;
  maxConcurrent: number;
  maxRuntimeSeconds?: number;
  completion: CompletionMode;
}

interface ProfileTemplate {
  summary: string;
  profile(name: string): ProfileJson;
  /** Files written next to profile.json (name → content), all made executable. */
  scripts?(name: string): Record<string, string>;
}

const ONE_HOUR = 3600;

function shellScript(name: string): string {
  return `#!/bin/sh
# Switchyard example agent for the "${name}" lane: a plain shell script.
#
# The dispatcher starts it without a shell as:   run.sh TASK_ID PROMPT
# in the task's workspace folder, with SWITCHYARD_HOME, SWITCHYARD_TASK, SWITCHYARD_RUN,
# SWITCHYARD_BOARD and SWITCHYARD_WORKSPACE set. Everything it prints goes to the run's log.
#
# The profile uses "completion": "report", so the task is done only when this script calls
# \`switchyard complete\`; exiting without it counts as a failure (and is retried with backoff).
set -eu

task_id="$1"
prompt="$2"

echo "task:      $task_id"
echo "workspace: $PWD"
echo "prompt (first lines):"
printf '%s\\n' "$prompt" | head -n 5

# --- do the real work here ------------------------------------------------------------------
# For example:  my-agent --task "$task_id" --prompt "$prompt"
# To give up instead:  switchyard block "$task_id" --reason "needs a human"

if ! command -v switchyard >/dev/null 2>&1; then
  echo "switchyard is not on PATH for this worker: add its folder to PATH in profile.json \\"env\\"" >&2
  exit 1
fi
switchyard complete "$task_id" --summary "shell agent read the task (\${#prompt} characters of prompt)"
`;
}

const TEMPLATES: Record<ProfileTemplateName, ProfileTemplate> = {
  shell: {
    summary: 'a shell script (run.sh in the profile folder) that reports back with `switchyard complete`',
    profile: (name) => ({
      description: 'Example shell-script agent: edit run.sh in this folder.',
      command: [`{home}/profiles/${name}/run.sh`, '{taskId}', '{prompt}'],
      maxConcurrent: 1,
      maxRuntimeSeconds: 600,
      completion: 'report',
    }),
    scripts: (name) => ({ 'run.sh': shellScript(name) }),
  },
  claude: {
    summary: 'Claude Code in print mode with its stream-json transcript; exit 0 means done',
    profile: () => ({
      description: 'Claude Code, non-interactive (claude -p), allowed to edit files in the workspace.',
      command: [
        'claude',
        '-p',
        '{prompt}',
        '--output-format',
        'stream-json',
        '--verbose',
        '--permission-mode',
        'acceptEdits',
      ],
      maxConcurrent: 1,
      maxRuntimeSeconds: ONE_HOUR,
      completion: 'exit-code',
      output: 'claude-stream-json',
    }),
  },
  codex: {
    summary: 'OpenAI Codex CLI (codex exec --json) with a workspace-write sandbox; exit 0 means done',
    profile: () => ({
      description: 'Codex, non-interactive (codex exec), allowed to write inside the workspace.',
      command: [
        'codex',
        'exec',
        '--json',
        '--sandbox',
        'workspace-write',
        '--skip-git-repo-check',
        '{prompt}',
      ],
      maxConcurrent: 1,
      maxRuntimeSeconds: ONE_HOUR,
      completion: 'exit-code',
      output: 'codex-json',
    }),
  },
  hermes: {
    summary: 'Hermes Agent, one query (hermes chat -q); exit 0 means done',
    profile: () => ({
      description: 'Hermes Agent answering one query (hermes chat -q).',
      command: ['hermes', 'chat', '-q', '{prompt}'],
      maxConcurrent: 1,
      maxRuntimeSeconds: ONE_HOUR,
      completion: 'exit-code',
    }),
  },
};

export function isProfileTemplateName(value: string): value is ProfileTemplateName {
  return (PROFILE_TEMPLATE_NAMES as readonly string[]).includes(value);
}

export function profileTemplateSummary(template: ProfileTemplateName): string {
  return TEMPLATES[template].summary;
}

export function profileFromTemplate(template: ProfileTemplateName, name: string): ProfileJson {
  return TEMPLATES[template].profile(name);
}

export interface CreatedProfile {
  name: string;
  dir: string;
  /** Every file written, absolute paths, profile.json first. */
  files: string[];
}

/**
 * Writes profiles/NAME/ from a template. Names follow the lane rule (case-insensitive, stored
 * lowercase). An existing profile — or an existing script the template would replace — is refused
 * unless `force`, so a hand-tuned profile is never lost by accident.
 */
export function createProfileFromTemplate(
  paths: Pick<HomePaths, 'home' | 'profiles'>,
  requestedName: string,
  template: ProfileTemplateName,
  options: { force?: boolean } = {},
): CreatedProfile {
  const name = requestedName.trim().toLowerCase();
  if (!SLUG_PATTERN.test(name)) {
    throw invalidInput(
      `"${requestedName}" is not a valid profile name: use 1–64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit`,
    );
  }
  const dir = profileDir(paths, name);
  const scripts = TEMPLATES[template].scripts?.(name) ?? {};
  const targets = [PROFILE_FILE, ...Object.keys(scripts)].map((file) => path.join(dir, file));
  if (!options.force) {
    const existing = targets.find((file) => fs.existsSync(file));
    if (existing) {
      throw new SwitchyardError(
        'conflict',
        `profile "${name}" already has ${path.relative(paths.profiles, existing)}; use --force to overwrite it`,
      );
    }
  }
  // Scripts first: the profile only becomes visible (and valid) once everything it needs exists.
  for (const [file, content] of Object.entries(scripts)) {
    writeFileAtomically(paths.home, path.join(dir, file), content, 0o700);
  }
  writeFileAtomically(
    paths.home,
    path.join(dir, PROFILE_FILE),
    `${JSON.stringify(profileFromTemplate(template, name), null, 2)}\n`,
  );
  return { name, dir, files: targets };
}
