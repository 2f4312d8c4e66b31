import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { issueRunSecret } from '../commands/actors';
import { claimTask, createTask, followupTask } from '../commands/taskCommands';
import { runInWriteTransaction } from '../store/db/open';
import { eventsOf } from '../store/events';
import * as runs from '../store/runs';
import * as tasks from '../store/tasks';
import type { HomePaths } from '../config/home';
import type { Engine } from './engine';
import { useTempHomes } from '../../../test/helpers/home';
import {
  AGENTS,
  claudeLikeProfile,
  newEngine,
  tickUntil,
  writeFastSettings,
} from '../../../test/helpers/engine';
import { snapshotDatabase } from '../../../test/helpers/snapshot';

/**
 * docs/architecture.md §10 follow-ups end to end in the core: a done task of a Claude Code or Codex profile is sent
 * back with a follow-up, and its next run resumes the agent's own session (the fake agents refuse a
 * session they do not know, and know only the sessions made in their working folder); any other
 * profile starts afresh with the follow-up in its prompt.
 */

const tempHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

interface Recorded {
  argv: string[];
  cwd: string;
}

function profile(paths: HomePaths, name: string, fields: Record<string, unknown>): string {
  const records = path.join(paths.home, 'records', name);
  fs.mkdirSync(path.join(paths.profiles, name), { recursive: true });
  fs.writeFileSync(
    path.join(paths.profiles, name, 'profile.json'),
    JSON.stringify({ env: { FAKE_AGENT_RECORD_DIR: records }, ...fields }),
  );
  return records;
}

const recorded = (records: string, runId: number): Recorded =>
  JSON.parse(fs.readFileSync(path.join(records, `${runId}.json`), 'utf8')) as Recorded;

async function start(paths: HomePaths): Promise<Engine> {
  writeFastSettings(paths);
  const engine = newEngine(paths);
  engines.push(engine);
  return engine;
}

async function runToDone(engine: Engine, id: string, what: string): Promise<void> {
  await tickUntil(engine, () => tasks.findTask(engine.db, id)?.status === 'done', what);
}

/** A Claude Code-like profile (stream-json) and one task of it, run to done once. */
async function claudeTaskRunOnce(extraFlags: string[]) {
  const paths = tempHome();
  const records = profile(paths, 'claude', claudeLikeProfile(extraFlags));
  const engine = await start(paths);
  const id = createTask(engine.db, { title: 'Fix the login', assignee: 'claude' }, { name: 'ana' }).id;
  await runToDone(engine, id, 'the first run');
  const [first] = runs.runsOf(engine.db, id);
  return { paths, engine, records, id, first };
}

describe('follow-ups', () => {
  it('Claude Code: the next run is `-p TEXT … --resume SESSION` in the same workspace', async () => {
    const { engine, records, id, first } = await claudeTaskRunOnce(['--verbose']);
    expect(first?.agentSession).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.followup).toBeNull();

    const ready = followupTask(engine.db, id, 'Also cover the expired-token case', { name: 'ana' });
    expect(ready.status).toBe('ready');
    expect(eventsOf(engine.db, id).find((event) => event.kind === 'followup')?.payload).toEqual({
      from: 'done',
      to: 'ready',
      text: 'Also cover the expired-token case',
      by: 'ana',
    });
    await runToDone(engine, id, 'the follow-up run');

    const second = runs.runsOf(engine.db, id)[1];
    expect(second).toMatchObject({
      outcome: 'completed',
      followup: 'Also cover the expired-token case',
      resumedSession: first?.agentSession,
      agentSession: first?.agentSession,
      lastMessage: `Resumed ${first?.agentSession}: Also cover the expired-token case`,
    });
    const argv = recorded(records, second?.id as number);
    // Just the follow-up as the prompt, and the resume flag with the first run's session.
    expect(argv.argv).toEqual([
      '-p',
      'Also cover the expired-token case',
      '--output-format',
      'stream-json',
      '--verbose',
      '--resume',
      first?.agentSession,
    ]);
    expect(argv.cwd).toBe(recorded(records, first?.id as number).cwd);
    const spawned = eventsOf(engine.db, id).filter((event) => event.kind === 'spawned');
    expect(spawned.at(-1)?.payload).toMatchObject({ followup: true, resumedSession: first?.agentSession });
  });

  it('a resume that fails (the session is gone) is retried afresh with the follow-up in the prompt', async () => {
    const { engine, records, id, first } = await claudeTaskRunOnce([]);
    // The agent's sessions of that workspace are gone (cleaned up, another machine …).
    fs.rmSync(path.join(recorded(records, first?.id as number).cwd, '.claude-like-sessions'));

    followupTask(engine.db, id, 'Also cover the expired-token case', { name: 'ana' });
    await runToDone(engine, id, 'the follow-up, retried');
    const [, resumed, fresh] = runs.runsOf(engine.db, id);
    expect(resumed).toMatchObject({ outcome: 'crashed', resumedSession: first?.agentSession });
    expect(resumed?.error).toContain('No conversation found with session ID');
    expect(fresh).toMatchObject({
      outcome: 'completed',
      followup: 'Also cover the expired-token case',
      resumedSession: null,
    });
    const prompt = recorded(records, fresh?.id as number).argv[1] as string;
    expect(prompt).toContain('## Follow-up (answer this now)\n\nAlso cover the expired-token case');
    expect(recorded(records, fresh?.id as number).argv).not.toContain('--resume');
  });

  it('Codex: the next run is `exec --json … resume THREAD TEXT`', async () => {
    const paths = tempHome();
    const records = profile(paths, 'codex', {
      command: [
        process.execPath,
        path.join(AGENTS, 'codex-like.mjs'),
        'exec',
        '--json',
        '--skip-git-repo-check',
        '{prompt}',
      ],
      output: 'codex-json',
    });
    const engine = await start(paths);
    const id = createTask(engine.db, { title: 'Read the repo', assignee: 'codex' }, { name: 'ana' }).id;
    await runToDone(engine, id, 'the first run');
    const thread = runs.runsOf(engine.db, id)[0]?.agentSession as string;
    expect(thread).toMatch(/^[0-9a-f-]{36}$/);

    followupTask(engine.db, id, 'Now list the tests', { name: 'ana' });
    await runToDone(engine, id, 'the follow-up run');
    const second = runs.runsOf(engine.db, id)[1];
    expect(second).toMatchObject({
      outcome: 'completed',
      resumedSession: thread,
      lastMessage: `Resumed ${thread}: Now list the tests`,
    });
    expect(recorded(records, second?.id as number).argv).toEqual([
      'exec',
      '--json',
      '--skip-git-repo-check',
      'resume',
      thread,
      'Now list the tests',
    ]);
  });

  it('a blocked task of a plain profile starts afresh with the follow-up in its prompt', async () => {
    const paths = tempHome();
    const out = path.join(paths.home, 'echo.json');
    fs.mkdirSync(path.join(paths.profiles, 'plain'), { recursive: true });
    fs.writeFileSync(
      path.join(paths.profiles, 'plain', 'profile.json'),
      JSON.stringify({
        command: [process.execPath, path.join(AGENTS, 'echo-args.mjs'), '{prompt}'],
        env: { OUT_FILE: out },
      }),
    );
    const engine = await start(paths);
    const id = createTask(
      engine.db,
      { title: 'Summarise', assignee: 'plain', status: 'blocked' },
      { name: 'ana' },
    ).id;
    followupTask(engine.db, id, 'The source is in docs/, go on', { name: 'ana' });
    await runToDone(engine, id, 'the follow-up run');
    const [run] = runs.runsOf(engine.db, id);
    expect(run).toMatchObject({ followup: 'The source is in docs/, go on', resumedSession: null });
    const prompt = (JSON.parse(fs.readFileSync(out, 'utf8')) as Recorded).argv[0] as string;
    expect(prompt).toContain('# Summarise');
    expect(prompt).toContain('## Follow-up (answer this now)\n\nThe source is in docs/, go on');
  });

  it('is refused for a task that is not done or blocked, for another task of a worker, and for empty text — changing nothing', async () => {
    const paths = tempHome();
    const engine = await start(paths);
    const ready = createTask(engine.db, { title: 'Waiting' }, { name: 'ana' }).id;
    const done = createTask(engine.db, { title: 'Done', status: 'done' }, { name: 'ana' }).id;
    // A worker with its run's secret (issue 18), of a task that runs.
    const running = createTask(engine.db, { title: 'Busy', assignee: 'elsewhere' }, { name: 'ana' }).id;
    const runId = claimTask(engine.db, { taskId: running }, { name: 'term' }).currentRunId as number;
    const secret = runInWriteTransaction(engine.db, () => issueRunSecret(engine.db, runId));
    const worker = {
      name: `worker:${running}`,
      worker: { taskId: running, runId: String(runId), secret },
    };
    const before = snapshotDatabase(paths.database);
    expect(() => followupTask(engine.db, ready, 'go', { name: 'ana' })).toThrow(
      `${ready} is ready; only a done or blocked task can get a follow-up`,
    );
    expect(() => followupTask(engine.db, done, 'go', worker)).toThrow(
      `a worker of ${running} may change only its own task, not ${done}`,
    );
    expect(() => followupTask(engine.db, done, ' \n ', { name: 'ana' })).toThrow('the follow-up is empty');
    expect(snapshotDatabase(paths.database)).toEqual(before);
  });
});
