import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardEvent } from '../shared/contract';
import type { ChangeCard } from '../shared/repository';
import { createApi, type Api } from '../electron/core/api/api';
import type { Engine } from '../electron/core/dispatch/engine';
import { archiveTask, createBoard, createTask, getTask } from '../electron/core/commands/taskCommands';
import { configureBoardRepository } from '../electron/core/workers/repository';
import { commitTaskChanges } from '../electron/core/workers/land';
import { taskWorktree } from '../electron/core/store/repositories';
import { useTempHomes } from './helpers/home';
import { newEngine, waitFor, writeAgentProfile, writeFastSettings } from './helpers/engine';
import { commitFiles, git, makeRepo, useTempFolders, writeFiles } from './helpers/git';

/**
 * docs/architecture.md §9 "review as a state" on the real engine and a real repository: the card's change
 * summary reaches the board live while the worker runs, after it finishes and after landing;
 * a done task with unmerged changes needs review (filter, notification said once); conflicts are
 * computed again when base moves; an archived task's worktree goes per the board's setting.
 */

const newHome = useTempHomes();
const newFolder = useTempFolders();
const open: { engine: Engine; api: Api }[] = [];
const originalPath = process.env.PATH;
afterEach(async () => {
  process.env.PATH = originalPath;
  for (const { engine, api } of open.splice(0)) {
    api.close();
    await engine.close({ stopWorkers: true });
  }
});
const actor = { name: 'tester' };

async function reviewBoard(agentArgs: string[]) {
  const paths = newHome();
  writeFastSettings(paths);
  const repo = makeRepo(newFolder(), 'shop');
  writeAgentProfile(paths, 'coder', 'git-edit.mjs', { args: agentArgs });
  const engine = newEngine(paths);
  createBoard(engine.db, 'web', undefined);
  await configureBoardRepository(engine.db, 'web', { repo, base: 'main' });
  const api = createApi(engine, { validateResponses: true, logError: () => undefined });
  open.push({ engine, api });
  const events: BoardEvent[] = [];
  api.subscribe((event) => events.push(event));
  engine.start();
  /** The newest change card the board was sent for a task. */
  const lastCard = (taskId: string): ChangeCard | undefined =>
    events
      .flatMap((event) => (event.type === 'changes' && event.board === 'web' ? event.changes : []))
      .filter((card) => card.taskId === taskId)
      .at(-1);
  const notices = (title: string) =>
    events.filter((event) => event.type === 'notice' && event.title === title).map((event) => event);
  return { paths, repo, engine, db: engine.db, api, events, lastCard, notices };
}

describe('change cards and review (docs/architecture.md §9)', { timeout: 120_000 }, () => {
  it('pushes the card figures while the worker runs, "needs review" when done (announced once), and "merged" after the merge', async () => {
    const gate = path.join(newFolder(), 'release');
    const { api, db, engine, paths, repo, lastCard, notices } = await reviewBoard([
      'src/cart.ts=export const total = 0;\\n',
      'README.md=one\\nTWO\\nthree\\n',
      `--wait-for=${gate}`,
    ]);
    const task = createTask(db, { board: 'web', title: 'Cart total', assignee: 'coder' }, actor);
    engine.wake();

    // While the agent still works (it waits for the gate, uncommitted): the board is told. The
    // worktree, the agent's start and its edits come first, then the tracker's next pass (every
    // 3 s while a worker runs): about 12 s at a load average of 38 on 2 cores, hence twice that.
    // (The README edit keeps its size: if it lands in the second of the checkout, only git's
    // racy-clean check sees it — test/changes-snapshot.test.ts.)
    const running = await waitFor(
      () => {
        const card = lastCard(task.id);
        return card?.summary?.files === 2 ? card : undefined;
      },
      'a change card while the worker runs',
      25_000,
    );
    expect(getTask(db, task.id).status).toBe('running');
    expect(running).toMatchObject({
      assignee: 'coder',
      needsReview: false,
      summary: { additions: 2, deletions: 1, uncommittedFiles: 2, ahead: 0, merged: false },
    });

    fs.writeFileSync(gate, '');
    const done = await waitFor(() => lastCard(task.id)?.needsReview && lastCard(task.id), 'needs review');
    expect(getTask(db, task.id).status).toBe('done');
    expect(done.summary).toMatchObject({ files: 2, uncommittedFiles: 0, ahead: 1 });
    await waitFor(() => notices('Ready to review').length === 1, 'the ready-to-review notice');

    const found = await api.call('searchCards', { board: 'web', needsReview: true });
    expect(found.ok && found.value.tasks.map((card) => card.id)).toEqual([task.id]);
    const listed = await api.call('boardChanges', { board: 'web' });
    expect(listed.ok && listed.value).toEqual([
      expect.objectContaining({ taskId: task.id, needsReview: true }),
    ]);

    // Moving it between lanes in done is no new reason to announce it.
    const moved = await api.call('moveTask', { id: task.id, assignee: 'other' });
    expect(moved.ok).toBe(true);
    await waitFor(() => lastCard(task.id)?.assignee === 'other', 'the card in its new lane');
    expect(notices('Ready to review')).toHaveLength(1);

    const merged = await api.call('landTask', { id: task.id, action: 'merge' });
    expect(merged.ok).toBe(true);
    const after = await waitFor(() => lastCard(task.id)?.summary?.merged && lastCard(task.id), 'merged');
    expect(after.needsReview).toBe(false);
    expect(git(repo, 'show', 'main:src/cart.ts')).toBe('export const total = 0;');
    expect(fs.existsSync(path.join(paths.workspaces, task.id))).toBe(false);
    const none = await api.call('searchCards', { board: 'web', needsReview: true });
    expect(none.ok && none.value.total).toBe(0);
  });

  it('computes conflicts with base again when base moves on, without any event of the task', async () => {
    const { db, engine, repo, lastCard } = await reviewBoard(['README.md=one\\nTWO\\nthree\\n']);
    const task = createTask(db, { board: 'web', title: 'Shout two', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(task.id)?.needsReview, 'needs review');
    expect(lastCard(task.id)?.summary?.conflicts).toEqual([]);

    commitFiles(repo, { 'README.md': 'one\nzwei\nthree\n' }, 'base edits the same line');
    const card = await waitFor(
      () => (lastCard(task.id)?.summary?.conflicts.length ?? 0) > 0 && lastCard(task.id),
      'the conflict after base moved',
    );
    expect(card.summary).toMatchObject({ conflicts: ['README.md'], behind: 1 });
    expect(card.summary?.baseTip).toBe(git(repo, 'rev-parse', 'main'));
  });

  it('announces the conflict when the drawer computes it first, before the tracker looks at base', async () => {
    const { db, engine, api, repo, lastCard } = await reviewBoard(['README.md=one\\nTWO\\nthree\\n']);
    const task = createTask(db, { board: 'web', title: 'Shout two', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(task.id)?.needsReview, 'needs review');
    commitFiles(repo, { 'README.md': 'one\nzwei\nthree\n' }, 'base edits the same line');
    // The drawer's read stores figures for the new base tip, so the tracker's base check finds
    // nothing left to do: the card must hear of the conflict from the read itself.
    const opened = await api.call('taskChanges', { id: task.id });
    expect(opened.ok && opened.value?.summary.conflicts).toEqual(['README.md']);
    const card = await waitFor(
      () => (lastCard(task.id)?.summary?.conflicts.length ?? 0) > 0 && lastCard(task.id),
      'the conflict on the card',
    );
    expect(card.summary?.baseTip).toBe(git(repo, 'rev-parse', 'main'));
  });

  it('a commit made by a land action reaches the card ("uncommitted" goes away)', async () => {
    const { db, engine, lastCard } = await reviewBoard(['notes.md=draft\\n', '--no-commit']);
    const task = createTask(db, { board: 'web', title: 'Draft notes', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(task.id)?.summary?.uncommittedFiles === 1, 'uncommitted work');
    await commitTaskChanges(db, task.id);
    await waitFor(
      () => lastCard(task.id)?.summary?.uncommittedFiles === 0 && lastCard(task.id)?.summary?.ahead === 1,
      'the commit on the card',
    );
  });

  it('removes an archived task’s worktree when the board says remove, keeps its branch, and keeps it when the board says keep', async () => {
    const { db, engine, repo, paths, lastCard } = await reviewBoard(['src/a.ts=a\\n']);
    const first = createTask(db, { board: 'web', title: 'First', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(first.id)?.needsReview, 'first needs review');
    const folder = path.join(paths.workspaces, first.id);
    expect(fs.existsSync(folder)).toBe(true);
    archiveTask(db, first.id, actor);
    engine.flush();
    await waitFor(() => taskWorktree(db, first.id)?.removedAt, 'the archived worktree removed');
    expect(fs.existsSync(folder)).toBe(false);
    // The work stays reachable: only the folder went.
    expect(git(repo, 'branch', '--list', `switchyard/${first.id}-*`)).toContain(first.id);

    await configureBoardRepository(db, 'web', { afterMerge: 'keep' });
    const second = createTask(db, { board: 'web', title: 'Second', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(second.id)?.needsReview, 'second needs review');
    archiveTask(db, second.id, actor);
    engine.flush();
    // Give the tracker the same chance it had above: the first task's removal took one pass.
    const third = createTask(db, { board: 'web', title: 'Third', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(third.id)?.needsReview, 'third needs review');
    expect(fs.existsSync(path.join(paths.workspaces, second.id))).toBe(true);
    expect(taskWorktree(db, second.id)?.removedAt).toBeNull();
  });

  it('keeps an archived task’s worktree that has uncommitted work (git refuses), saying why', async () => {
    const { db, engine, paths, lastCard } = await reviewBoard(['src/a.ts=a\\n']);
    const task = createTask(db, { board: 'web', title: 'Unsaved', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(task.id)?.needsReview, 'needs review');
    const folder = path.join(paths.workspaces, task.id);
    writeFiles(folder, { 'src/a.ts': 'edited by hand\n' });
    archiveTask(db, task.id, actor);
    engine.flush();
    const other = createTask(db, { board: 'web', title: 'Later', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(other.id)?.needsReview, 'a later task reviewed (the tracker went on)');
    expect(fs.readFileSync(path.join(folder, 'src/a.ts'), 'utf8')).toBe('edited by hand\n');
    expect(taskWorktree(db, task.id)?.removedAt).toBeNull();
  });

  it('says "merged" even when its pass for the merge raced the worktree’s removal', async () => {
    // A git first on PATH that, once armed, forces the interleaving: the tracker's snapshot
    // (`add` with GIT_INDEX_FILE, on the merged event) starts, the merge removes the worktree, and
    // only then does the snapshot go on — in a folder that is gone, so that pass fails.
    const gate = newFolder('switchyard-git-gate-');
    const realGit =
      (originalPath ?? '')
        .split(path.delimiter)
        .map((dir) => path.join(dir, 'git'))
        .find((file) => fs.existsSync(file)) ?? 'git';
    const waitFile = (name: string) =>
      `i=0; while [ ! -e '${gate}/${name}' ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done`;
    fs.writeFileSync(
      path.join(gate, 'git'),
      [
        '#!/bin/sh',
        `if [ -e '${gate}/armed' ]; then`,
        `  if [ "$1" = add ] && [ -n "$GIT_INDEX_FILE" ]; then touch '${gate}/snapshot-started'; ${waitFile('removed')}`,
        `  elif [ "$1" = worktree ] && [ "$2" = remove ]; then ${waitFile('snapshot-started')}`,
        `    '${realGit}' "$@"; status=$?; touch '${gate}/removed'; exit $status`,
        '  fi',
        'fi',
        `exec '${realGit}' "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    process.env.PATH = `${gate}${path.delimiter}${originalPath}`;
    const { api, db, engine, lastCard } = await reviewBoard(['README.md=one\\nTWO\\nthree\\n']);
    const task = createTask(db, { board: 'web', title: 'Shout two', assignee: 'coder' }, actor);
    engine.wake();
    await waitFor(() => lastCard(task.id)?.needsReview, 'needs review');

    fs.writeFileSync(path.join(gate, 'armed'), '');
    const merged = await api.call('landTask', { id: task.id, action: 'merge' });
    expect(merged.ok).toBe(true);
    expect(fs.existsSync(path.join(gate, 'snapshot-started'))).toBe(true); // the race did happen
    const card = await waitFor(() => lastCard(task.id)?.summary?.merged && lastCard(task.id), 'merged');
    expect(card).toMatchObject({ needsReview: false, summary: { merged: true, removed: true, error: null } });
    expect(taskWorktree(db, task.id)?.changes).toMatchObject({ merged: true, removed: true, error: null });
  });
});
