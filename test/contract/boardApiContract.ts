import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALL_NAMES, type BoardEvent, type CallName } from '../../shared/contract';
import type { BoardApi } from '../../renderer/src/api/boardApi';

/**
 * One behaviour suite for every BoardApi: the real API over the real engine and the renderer's
 * in-memory FakeApi both run it (test/contract/boardApi.test.ts). The renderer's tests trust the
 * fake, so whatever the fake does that the core does not — a call the engine lacks, a status it
 * would refuse, an error code it would not give — fails here instead of passing there.
 */

/**
 * A git repository in a fresh temp folder with one commit on `main` (the suite runs in Node; the
 * in-memory API only stores the setting, the real one checks it with git).
 */
function makeGitRepository(): string {
  const repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-contract-repo-')));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    });
  git('init', '--quiet', '--initial-branch', 'main');
  fs.writeFileSync(path.join(repo, 'README.md'), '# project\n');
  git('add', 'README.md');
  git('commit', '--quiet', '-m', 'first');
  return repo;
}

export interface ApiUnderTest {
  api: BoardApi;
  close(): Promise<void> | void;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? `not an ApiError: ${String(error)}`;
  }
  return 'ok';
}

export function boardApiContract(label: string, open: () => Promise<ApiUnderTest> | ApiUnderTest): void {
  describe(`BoardApi contract: ${label}`, () => {
    let subject: ApiUnderTest;
    let api: BoardApi;
    const called = new Set<CallName>();
    const call: BoardApi['call'] = (name, request) => {
      called.add(name);
      return api.call(name, request);
    };
    beforeEach(async () => {
      subject = await open();
      api = subject.api;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('creates, edits, links, comments and reads tasks', async () => {
      const parent = await call('createTask', { board: 'default', title: '  Parent ', assignee: 'Coder' });
      expect(parent).toMatchObject({ title: 'Parent', assignee: 'coder', status: 'ready', board: 'default' });
      const child = await call('createTask', { board: 'default', title: 'Child', parents: [parent.id] });
      expect(child.status).toBe('todo');
      const loose = await call('createTask', { board: 'default', title: 'Loose', status: 'triage' });
      expect(loose.status).toBe('triage');
      const done = await call('createTask', { board: 'default', title: 'Done already', status: 'done' });
      expect(done.status).toBe('done');
      expect(await call('editTask', { id: child.id, priority: 7, body: 'details' })).toMatchObject({
        priority: 7,
        body: 'details',
      });
      expect(await call('addComment', { id: child.id, body: 'a note' })).toBeGreaterThan(0);
      expect(await call('linkTasks', { parentId: loose.id, childId: child.id })).toMatchObject({
        status: 'todo',
      });
      expect(await call('unlinkTasks', { parentId: loose.id, childId: child.id })).toMatchObject({
        status: 'todo',
      });
      const detail = await call('taskDetail', { id: child.id });
      expect(detail.parents.map((p) => p.id)).toEqual([parent.id]);
      expect(detail.comments.map((c) => c.body)).toEqual(['a note']);
      expect((await call('taskDetail', { id: parent.id })).children).toEqual([child.id]);
      expect(await call('tailLog', { id: child.id })).toMatchObject({
        taskId: child.id,
        runId: null,
        text: '',
      });
    });

    it('moves tasks through the shared state machine, with the same error codes', async () => {
      const task = await call('createTask', { board: 'default', title: 'Work', assignee: 'coder' });
      expect(await refusal(call('moveTask', { id: task.id, status: 'running' }))).toBe('illegal_move');
      expect(await refusal(call('stopTask', { id: task.id }))).toBe('illegal_move');
      expect(await refusal(call('unblockTask', { id: task.id }))).toBe('illegal_move');
      expect(await call('blockTask', { id: task.id, reason: 'waiting' })).toMatchObject({
        status: 'blocked',
        blockReason: 'waiting',
      });
      expect(await call('retryTask', { id: task.id })).toMatchObject({ status: 'ready' });
      expect(await call('blockTask', { id: task.id, reason: 'again' })).toMatchObject({ status: 'blocked' });
      expect(await call('unblockTask', { id: task.id })).toMatchObject({
        status: 'ready',
        blockReason: null,
      });
      const moved = await call('moveTask', { id: task.id, status: 'triage', assignee: 'other' });
      expect(moved).toMatchObject({ task: { status: 'triage', assignee: 'other' }, stoppedWorker: false });
      expect(await call('completeTask', { id: task.id, summary: 'shipped' })).toMatchObject({
        status: 'done',
        result: 'shipped',
      });
      expect(await refusal(call('completeTask', { id: task.id }))).toBe('conflict');
      expect(await call('archiveTask', { id: task.id })).toMatchObject({ status: 'archived' });
      expect(await refusal(call('taskDetail', { id: 't_00000000' }))).toBe('not_found');
      expect(await refusal(call('moveTask', { id: task.id }))).toBe('invalid_input');
    });

    it('refuses what the contract refuses, with "validation"', async () => {
      expect(
        await refusal(call('createTask', { board: 'default', title: 'x', status: 'running' as never })),
      ).toBe('validation');
      expect(
        await refusal(call('createTask', { board: 'default', title: 'x', maxRuntimeSeconds: 8 * 24 * 3600 })),
      ).toBe('validation');
      expect(await refusal(call('createTask', { board: 'default', title: 'x', extra: 1 } as never))).toBe(
        'validation',
      );
      expect(await refusal(call('setLaneConcurrency', { lane: 'coder', maxConcurrent: 0 }))).toBe(
        'validation',
      );
    });

    it('reads the board: snapshot, cells, search, lanes, boards', async () => {
      const ready = await call('createTask', { board: 'default', title: 'Find me', assignee: 'coder' });
      await call('createTask', { board: 'default', title: 'Other', assignee: 'coder', status: 'triage' });
      const snapshot = await call('snapshot', { board: 'default' });
      expect(snapshot.tasks.map((card) => card.id)).toContain(ready.id);
      expect(snapshot.cells).toContainEqual({ assignee: 'coder', status: 'ready', count: 1 });
      expect(snapshot.boards.map((board) => board.slug)).toEqual(['default']);
      expect(await call('cellCards', { board: 'default', assignee: 'coder', status: 'ready' })).toMatchObject(
        {
          tasks: [{ id: ready.id }],
          remaining: 0,
        },
      );
      const lane = await call('laneCards', { board: 'default', lanes: ['coder'] });
      expect(lane.tasks.map((card) => card.id).sort()).toEqual(snapshot.tasks.map((card) => card.id).sort());
      expect(lane.cells).toContainEqual({ assignee: 'coder', status: 'ready', count: 1 });
      const found = await call('searchCards', { board: 'default', text: 'find' });
      expect(found.tasks.map((card) => card.id)).toEqual([ready.id]);
      const lanes = await call('laneStatuses', { board: 'default' });
      expect(lanes.find((lane) => lane.name === 'coder')).toMatchObject({ kind: 'terminal', paused: false });
      expect(await refusal(call('snapshot', { board: 'nowhere' }))).toBe('not_found');
      expect((await call('listBoards', {})).map((board) => board.slug)).toEqual(['default']);
    });

    it('controls lanes, the dispatcher, boards and profiles, answering what the core then does', async () => {
      expect(await call('setLanePaused', { lane: 'fresh', paused: true })).toMatchObject({
        name: 'fresh',
        paused: true,
        maxConcurrent: 1,
      });
      expect(await call('setLaneConcurrency', { lane: 'fresh', maxConcurrent: 3 })).toMatchObject({
        paused: true,
        maxConcurrent: 3,
      });
      const events: BoardEvent[] = [];
      const off = api.subscribe((event) => events.push(event));
      const state = await call('setDispatcherEnabled', { enabled: false });
      expect(state.enabled).toBe(false);
      expect((await call('dispatcherState', {})).enabled).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(events.filter((event) => event.type === 'dispatcher')).toHaveLength(1);
      off();
      expect((await call('dryRunDispatch', {})).dryRun).toBe(true);

      expect(await call('createBoard', { slug: 'ops', name: 'Ops' })).toMatchObject({
        slug: 'ops',
        name: 'Ops',
      });
      expect(await refusal(call('createBoard', { slug: 'ops' }))).toBe('conflict');
      expect(await call('archiveBoard', { slug: 'ops' })).toMatchObject({ slug: 'ops' });
      expect(await refusal(call('archiveBoard', { slug: 'default' }))).toBe('invalid_input');

      expect(await call('createProfile', { name: 'Shell', template: 'shell' })).toMatchObject({
        name: 'shell',
        kind: 'profile',
      });
      expect(await refusal(call('createProfile', { name: 'shell', template: 'shell' }))).toBe('conflict');

      // The Lanes view's profile editor: read, save against the version read, copy, delete.
      const file = await call('profileFile', { name: 'shell' });
      const edited = JSON.stringify({ ...(JSON.parse(file.text) as object), maxConcurrent: 2 }, null, 2);
      const saved = await call('saveProfile', { name: 'shell', text: edited, version: file.version });
      expect(saved).toMatchObject({ name: 'shell', text: `${edited}\n`, lane: { name: 'shell' } });
      expect(saved.version).not.toBe(file.version);
      expect((await call('profileFile', { name: 'shell' })).text).toBe(`${edited}\n`);
      // Saved over a version that is no longer the file's: refused, the file as it was.
      expect(
        await refusal(call('saveProfile', { name: 'shell', text: file.text, version: file.version })),
      ).toBe('conflict');
      expect(
        await refusal(
          call('saveProfile', { name: 'shell', text: '{"command": []}', version: saved.version }),
        ),
      ).toBe('invalid_input');
      expect(await refusal(call('saveProfile', { name: 'shell', text: edited, version: null }))).toBe(
        'conflict',
      );
      expect((await call('profileFile', { name: 'shell' })).version).toBe(saved.version);
      const copy = await call('duplicateProfile', { name: 'shell', newName: 'Shell-2' });
      expect(copy).toMatchObject({ name: 'shell-2', lane: { name: 'shell-2', kind: 'profile' } });
      expect(copy.text).toContain('{home}/profiles/shell-2/run.sh');
      expect(await refusal(call('duplicateProfile', { name: 'shell', newName: 'shell-2' }))).toBe('conflict');
      expect(await refusal(call('deleteProfile', { name: 'shell-2', version: file.version }))).toBe(
        'conflict',
      );
      expect(await call('deleteProfile', { name: 'shell-2', version: copy.version })).toMatchObject({
        name: 'shell-2',
      });
      expect(await refusal(call('profileFile', { name: 'shell-2' }))).toBe('not_found');
    });

    it('approvals, lane agent settings and recurring tasks', async () => {
      const lane = await call('setLaneAgentSettings', {
        lane: 'gated',
        requireApproval: true,
        budgetUsdPerDay: 5,
      });
      expect(lane).toMatchObject({ name: 'gated' });
      const task = await call('createTask', { board: 'default', title: 'Needs a yes', assignee: 'gated' });
      const approved = await call('approveTask', { id: task.id });
      expect(approved.approvedAt).not.toBeNull();
      expect(await refusal(call('approveTask', { id: task.id }))).toBe('conflict');
      expect(await refusal(call('approveTask', { id: 't_00000000' }))).toBe('not_found');

      // docs/architecture.md §10 follow-ups: a done task is ready again; anything else is refused, bad text too.
      const answered = await call('createTask', { board: 'default', title: 'Answered', status: 'done' });
      const followedUp = await call('followupTask', { id: answered.id, text: '  and the tests? ' });
      expect(followedUp).toMatchObject({ id: answered.id, status: 'ready', completedAt: null });
      expect(await refusal(call('followupTask', { id: answered.id, text: 'again' }))).toBe('illegal_move');
      expect(await refusal(call('followupTask', { id: answered.id, text: '   ' }))).toBe('validation');

      const recurrence = await call('addRecurrence', {
        board: 'default',
        title: 'Daily check',
        schedule: '0 9 * * *',
        timeZone: 'UTC',
      });
      expect(recurrence).toMatchObject({ board: 'default', title: 'Daily check', paused: false });
      expect((await call('listRecurrences', { board: 'default' })).map((item) => item.id)).toEqual([
        recurrence.id,
      ]);
      expect(await call('setRecurrencePaused', { id: recurrence.id, paused: true })).toMatchObject({
        paused: true,
      });
      expect(await call('removeRecurrence', { id: recurrence.id })).toMatchObject({ id: recurrence.id });
      expect(await call('listRecurrences', { board: 'default' })).toEqual([]);
      expect(await refusal(call('removeRecurrence', { id: recurrence.id }))).toBe('not_found');
    });

    it('repositories and review: a board on a real git repository, a task before its worktree', async () => {
      const repo = makeGitRepository();
      try {
        expect(await call('boardRepository', { board: 'default' })).toBeNull();
        // Nothing to keep without a repository, and only absolute paths.
        expect(await refusal(call('setBoardRepository', { board: 'default', mergeMode: 'squash' }))).toBe(
          'invalid_input',
        );
        expect(await refusal(call('setBoardRepository', { board: 'default', repo: 'relative/path' }))).toBe(
          'validation',
        );
        expect(await refusal(call('setBoardRepository', { board: 'nowhere', repo }))).toBe('not_found');
        expect(await refusal(call('boardRepository', { board: 'nowhere' }))).toBe('not_found');

        const set = await call('setBoardRepository', {
          board: 'default',
          repo,
          base: 'main',
          mergeMode: 'squash',
        });
        expect(set).toEqual({
          board: 'default',
          repo,
          baseBranch: 'main',
          mergeMode: 'squash',
          afterMerge: 'remove',
        });
        expect(await call('boardRepository', { board: 'default' })).toEqual(set);
        // A patch keeps what it does not name.
        expect(await call('setBoardRepository', { board: 'default', afterMerge: 'keep' })).toEqual({
          ...set,
          afterMerge: 'keep',
        });

        // A task of the board gets its worktree when it starts: before that, no changes to show or land.
        const task = await call('createTask', {
          board: 'default',
          title: 'Change the README',
          assignee: 'coder',
        });
        expect(await call('taskChanges', { id: task.id })).toBeNull();
        expect(await call('boardChanges', { board: 'default' })).toEqual([]);
        expect(await refusal(call('landTask', { id: task.id, action: 'merge' }))).toBe('not_found');
        expect(await refusal(call('waiveReview', { id: task.id }))).toBe('not_found');
        expect(await refusal(call('taskChanges', { id: 't_00000000' }))).toBe('not_found');
        expect(await call('runTranscript', { id: task.id })).toEqual({
          runId: null,
          format: null,
          entries: [],
          omitted: 0,
        });
        expect(await refusal(call('runTranscript', { id: task.id, runId: 3 }))).toBe('not_found');

        // Send back: a done task returns to ready, with the comment its next run's prompt includes.
        await call('completeTask', { id: task.id, summary: 'first try' });
        const sentBack = await call('sendBackTask', { id: task.id, comment: 'Use the other heading' });
        expect(sentBack).toMatchObject({ id: task.id, status: 'ready' });
        const detail = await call('taskDetail', { id: task.id });
        expect(detail.comments.map((comment) => comment.body)).toEqual(['Use the other heading']);
        expect(await refusal(call('sendBackTask', { id: 't_00000000', comment: 'x' }))).toBe('not_found');

        expect(await call('setBoardRepository', { board: 'default', repo: null })).toBeNull();
        expect(await call('boardRepository', { board: 'default' })).toBeNull();
      } finally {
        fs.rmSync(repo, { recursive: true, force: true });
      }
    });

    it('has been through every call of the contract', () => {
      // Runs last: a call added to the contract without a scenario here fails this.
      expect(CALL_NAMES.filter((name) => !called.has(name))).toEqual([]);
    });
  });
}
