import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import * as commands from '../../electron/core/commands/taskCommands';
import { commentsOf } from '../../electron/core/store/comments';
import { eventsOf } from '../../electron/core/store/events';
import { runCli } from '../helpers/cli';
import { newEngine, tickUntil, writeAgentProfile, writeFastSettings } from '../helpers/engine';
import { useTempHomes } from '../helpers/home';

/**
 * Issue 18, "the ownership guard": a real worker started by the dispatcher runs the real CLI. With its
 * run's secret it changes its own task and nothing else; without the secret (or with another one, or
 * with SWITCHYARD_TASK unset) it is refused with one line, never treated as an ordinary user. The
 * secret reaches the worker's environment and nowhere else: not the database, logs or `show`.
 */

const tempHome = useTempHomes();

interface StepResult {
  args: string[];
  code: number;
  stderr: string;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).flatMap((entry) => {
    const file = path.join(entry.parentPath, entry.name);
    return entry.isFile() ? [file] : [];
  });
}

describe('a worker acts only as its own run (per-run secret, guardActor)', () => {
  it('refuses another task, a missing or wrong secret and home-wide commands; its own task works', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const engine = newEngine(paths);
    const results = path.join(path.dirname(paths.home), `results-${path.basename(paths.home)}.jsonl`);
    let secret: string | null = null;
    let ownId = '';
    try {
      const actor = { name: 'test' };
      const other = commands.createTask(engine.db, { title: 'other', assignee: 'human' }, actor);
      const otherEventsBefore = eventsOf(engine.db, other.id).length;
      const denied = (args: string[], more: Record<string, unknown> = {}) => ({ args, ...more });
      const steps = [
        denied(['move', other.id, 'triage']),
        denied(['archive', other.id]),
        denied(['edit', other.id, '--title', 'pwned']),
        denied(['assign', other.id, 'actor']),
        denied(['comment', other.id, 'psst']),
        denied(['unblock', other.id]),
        denied(['archive', other.id], { unset: ['SWITCHYARD_TASK', 'SWITCHYARD_RUN'] }),
        denied(['comment', '{own}', 'no secret'], { unset: ['SWITCHYARD_RUN_SECRET'] }),
        denied(['comment', '{own}', 'wrong secret'], { set: { SWITCHYARD_RUN_SECRET: 'x'.repeat(43) } }),
        denied(['boards', 'create', 'mine']),
        denied(['lanes', 'set', 'human', '--approval', 'on']),
        denied(['dispatch', '--dry-run']),
        { args: ['comment', '{own}', 'working on it'] },
        { args: ['complete', '--summary', 'done by the worker'] },
      ];
      writeAgentProfile(paths, 'actor', 'act-as-worker.mjs', {
        completion: 'report',
        env: { SWITCHYARD_AGENT_RESULTS: results, SWITCHYARD_AGENT_STEPS: '[]' },
      });
      const own = commands.createTask(
        engine.db,
        { title: 'own', assignee: 'actor', status: 'triage' },
        actor,
      );
      ownId = own.id;
      // The steps name the worker's own task, known only now.
      writeAgentProfile(paths, 'actor', 'act-as-worker.mjs', {
        completion: 'report',
        env: {
          SWITCHYARD_AGENT_RESULTS: results,
          SWITCHYARD_AGENT_STEPS: JSON.stringify(steps).replaceAll('{own}', own.id),
        },
      });
      commands.moveTask(engine.db, own.id, 'ready', actor);
      await tickUntil(
        engine,
        () => commands.getTask(engine.db, own.id).status === 'done',
        'the worker to finish',
        120_000,
      );

      const lines = fs
        .readFileSync(results, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      secret = (lines[0] as { secret: string | null }).secret;
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const outcomes = lines.slice(1) as unknown as StepResult[];
      // The last step completes the task: its run closes and the dispatcher stops the worker, which
      // may be gone before it records that step (the task's state below shows it happened).
      expect(outcomes.length).toBeGreaterThanOrEqual(steps.length - 1);
      const messages = outcomes.map((outcome) => outcome.stderr.trim());
      for (const [index, outcome] of outcomes.slice(0, steps.length - 2).entries()) {
        expect(outcome.code, `${outcome.args.join(' ')}: ${outcome.stderr}`).toBe(1);
        expect(outcome.stderr.trim().split('\n'), outcome.args.join(' ')).toHaveLength(1);
        expect(messages[index]).toMatch(/^switchyard: /);
      }
      for (const index of [0, 1, 2, 3, 4, 5, 6])
        expect(messages[index]).toBe(
          `switchyard: a worker of ${own.id} may change only its own task, not ${other.id}`,
        );
      expect(messages[7]).toMatch(
        /has a worker's environment \(SWITCHYARD_TASK=t_[0-9a-f]{8}\) but no SWITCHYARD_RUN_SECRET/,
      );
      expect(messages[8]).toMatch(/SWITCHYARD_RUN_SECRET is not the secret of any run/);
      for (const index of [9, 10, 11])
        expect(messages[index]).toMatch(/may change only its own task: it cannot/);
      for (const outcome of outcomes.slice(steps.length - 2)) expect(outcome.code, outcome.stderr).toBe(0);

      // Nothing happened to the other task; the worker's own comment and completion landed.
      expect(commands.getTask(engine.db, other.id)).toMatchObject({
        status: 'ready',
        title: 'other',
        assignee: 'human',
      });
      expect(commentsOf(engine.db, other.id)).toEqual([]);
      expect(eventsOf(engine.db, other.id)).toHaveLength(otherEventsBefore);
      expect(commentsOf(engine.db, own.id).map((comment) => comment.body)).toEqual(['working on it']);
      expect(commands.getTask(engine.db, own.id).result).toBe('done by the worker');

      // Its secret is spent with the run.
      const late = await runCli(paths.home, ['comment', own.id, 'late'], {
        env: { SWITCHYARD_TASK: own.id, SWITCHYARD_RUN_SECRET: secret as string },
      });
      expect(late.code).toBe(1);
      expect(late.stderr.trim()).toMatch(/^switchyard: run \d+ of t_[0-9a-f]{8} has ended/);
    } finally {
      await engine.close({ stopWorkers: true });
    }

    // Only the hash is kept; the secret is in no file of the home (database, WAL, logs) nor in `show`.
    const hashes = (() => {
      const raw = new Database(paths.database, { readonly: true });
      try {
        return raw.prepare('SELECT secret_hash FROM runs WHERE secret_hash IS NOT NULL').all() as {
          secret_hash: string;
        }[];
      } finally {
        raw.close();
      }
    })();
    expect(hashes.map((row) => row.secret_hash)).toEqual([
      createHash('sha256')
        .update(secret as string)
        .digest('hex'),
    ]);
    for (const file of filesUnder(paths.home))
      expect(fs.readFileSync(file).includes(secret as string), file).toBe(false);
    const shown = await runCli(paths.home, ['show', ownId, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).not.toContain(secret as string);
  }, 180_000);
});
