import { Suspense, lazy, useCallback, useEffect, useRef, useState } from 'react';
import type { TaskDetail } from '../../../shared/contract';
import { cardOf, waitsForParents, type Card, type Task } from '../../../shared/domain';
import { errorMessage } from '../api/boardApi';
import { formatDateTime, withReadableTimes } from '../card/time';
import { cardById, type DrawerTab } from '../store/boardStore';
import { useBoard, useBoardContext } from '../store/context';
import { laneLabel, laneKeyOf } from '../store/laneModel';
import { DrawerActions } from './DrawerActions';
import { drawerPanelId, drawerTabId, DrawerTabs } from './DrawerTabs';
import { EditTaskForm } from './EditTaskForm';
import { Dependencies } from './Dependencies';
import { Comments } from './Comments';
import { LogTail } from './LogTail';
import { RunHistory } from './RunHistory';
import { TranscriptView } from './Transcript';
import '../styles/drawer.css';

// The diff viewer and its syntax grammars load only when a Changes tab opens (the board's first paint stays light).
const ChangesTab = lazy(() =>
  import('../changes/ChangesTab').then((module) => ({ default: module.ChangesTab })),
);

/** Click a card: everything about the task, and what can be done with it (docs/architecture.md §7). */
export function Drawer() {
  const openTaskId = useBoard((state) => state.openTaskId);
  return openTaskId ? <TaskDrawer key={openTaskId} taskId={openTaskId} /> : null;
}

/** Loads taskDetail on open and again whenever the task changes on the board. */
function useTaskDetail(taskId: string, version: number | undefined) {
  const { api } = useBoardContext();
  const [detail, setDetail] = useState<TaskDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  const loaded = useRef(false);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(
      () => {
        api.call('taskDetail', { id: taskId }).then(
          (value) => {
            if (!live) return;
            loaded.current = true;
            setDetail(value);
            setError(null);
          },
          (reason: unknown) => live && setError(errorMessage(reason)),
        );
      },
      // The board changes often while a task runs: coalesce refreshes after the first load.
      loaded.current ? 150 : 0,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, taskId, version, nonce]);
  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  return { detail, error, refresh };
}

/** A task the board has not loaded, as a card: its dependency counts from the detail's parents. */
function cardOfDetail(detail: TaskDetail): Card {
  const parents = detail.parents.filter((parent) => parent.status !== 'archived');
  return cardOf(detail.task, {
    parentsTotal: parents.length,
    parentsDone: parents.filter((parent) => parent.status === 'done').length,
  });
}

function TaskDrawer({ taskId }: { taskId: string }) {
  const { store } = useBoardContext();
  const boardTask = useBoard((state) => cardById(state, taskId));
  const { detail, error, refresh } = useTaskDetail(taskId, boardTask?.updatedAt);
  const task: Card | undefined = boardTask ?? (detail ? cardOfDetail(detail) : undefined);
  const close = () => store.getState().openTask(null);
  const [tab, setTab] = useState<DrawerTab>(() => store.getState().openTaskTab);
  // docs/architecture.md §9: a task working in a repository has a Changes tab (its diff against base).
  const workspace = detail?.task.workspace ?? '';
  const hasWorktree = workspace === 'repo' || workspace.startsWith('worktree:');

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !store.getState().confirm) store.getState().openTask(null);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [store]);

  return (
    <aside
      className="drawer"
      role="dialog"
      aria-label={task ? `Task ${task.title}` : 'Task'}
      data-testid="drawer"
    >
      <header className="drawer-header">
        <div className="drawer-title-block">
          <span className="card-id">{taskId}</span>
          {task && (
            <span className={`status-pill status-${task.status}`} data-testid="drawer-status">
              {task.status}
            </span>
          )}
          {task && <span className="muted">in {laneLabel(laneKeyOf(task.assignee))}</span>}
        </div>
        <button
          type="button"
          className="icon-button"
          aria-label="Close"
          data-testid="drawer-close"
          onClick={close}
        >
          ×
        </button>
      </header>
      {!task && !error && <p className="muted drawer-section">Loading…</p>}
      {error && !task && (
        <p className="problem drawer-section" role="alert">
          {error}
        </p>
      )}
      {task && hasWorktree && <DrawerTabs selected={tab} onSelect={setTab} />}
      {task && hasWorktree && tab === 'changes' && (
        <div className="drawer-body" {...tabPanelProps('changes')}>
          <Suspense fallback={<p className="muted drawer-section">Loading changes…</p>}>
            <ChangesTab task={task} />
          </Suspense>
        </div>
      )}
      {task && (!hasWorktree || tab === 'details') && (
        <div className="drawer-body" {...(hasWorktree ? tabPanelProps('details') : {})}>
          {/* Cards carry no body: the description comes with the detail (contract cardSchema). */}
          {detail ? (
            <EditTaskForm task={task} body={detail.task.body} />
          ) : (
            <p className="muted drawer-section">Loading…</p>
          )}
          <DrawerActions task={task} onChanged={refresh} />
          <TaskFacts task={task} full={detail?.task} />
          <Dependencies task={task} detail={detail} onChanged={refresh} />
          <Comments task={task} comments={detail?.comments ?? []} onChanged={refresh} />
          <RunHistory runs={detail?.runs ?? []} />
          <TranscriptView task={task} runs={detail?.runs ?? []} />
          <LogTail task={task} runs={detail?.runs ?? []} />
          <EventList detail={detail} />
        </div>
      )}
    </aside>
  );
}

/** What makes a drawer body the panel of its tab. */
function tabPanelProps(tab: DrawerTab) {
  return { role: 'tabpanel', id: drawerPanelId(tab), 'aria-labelledby': drawerTabId(tab) } as const;
}

/** `task` is the board's card (freshest); `full` the detail's task, for what cards leave out. */
function TaskFacts({ task, full }: { task: Card; full: Task | undefined }) {
  const waiting = waitsForParents(task);
  const facts: [string, string][] = [
    ['Created', `${formatDateTime(task.createdAt)}${full?.createdBy ? ` by ${full.createdBy}` : ''}`],
  ];
  if (task.startedAt) facts.push(['Started', formatDateTime(task.startedAt)]);
  if (task.completedAt) facts.push(['Completed', formatDateTime(task.completedAt)]);
  if (full) facts.push(['Workspace', full.workspace]);
  if (full?.maxRuntimeSeconds) facts.push(['Max runtime', `${full.maxRuntimeSeconds} s`]);
  if (task.failureCount > 0) facts.push(['Failures', String(task.failureCount)]);
  // Skip reason, next attempt and block reason are leftovers once the task moved on: only say
  // them while they hold (the core keeps the last values on the row).
  const ready = task.status === 'ready';
  if (ready && task.nextAttemptAt) facts.push(['Next attempt', formatDateTime(task.nextAttemptAt)]);
  if (ready && task.skipReason)
    facts.push(['Waiting because', withReadableTimes(task.skipDetail ?? task.skipReason)]);
  if (task.status === 'todo' && waiting)
    facts.push(['Waiting for', 'its parents to be done (see dependencies)']);
  if (task.claimOwner) facts.push(['Claimed by', task.claimOwner]);
  if (task.status === 'blocked' && task.blockReason) facts.push(['Blocked', task.blockReason]);
  if (task.lastError) facts.push(['Last error', task.lastError]);
  return (
    <section className="drawer-section">
      <dl className="facts">
        {facts.map(([label, value]) => (
          <div key={label} className="fact">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {full?.result && (
        <div className="result">
          <h3>Result</h3>
          <pre className="prose">{full.result}</pre>
        </div>
      )}
    </section>
  );
}

function EventList({ detail }: { detail: TaskDetail | null }) {
  const [expanded, setExpanded] = useState(false);
  const events = detail?.events ?? [];
  const shown = expanded ? events : events.slice(-15);
  return (
    <section className="drawer-section">
      <h3>
        Events <span className="muted">({events.length})</span>
      </h3>
      {events.length > shown.length && (
        <button type="button" className="link-button" onClick={() => setExpanded(true)}>
          Show all {events.length}
        </button>
      )}
      <ol className="event-list" data-testid="drawer-events">
        {shown.map((event) => (
          <li key={event.id}>
            <span className="muted">{formatDateTime(event.createdAt)}</span> <strong>{event.kind}</strong>{' '}
            <span className="event-payload">{summarizePayload(event.payload)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function summarizePayload(payload: Record<string, unknown>): string {
  return Object.entries(payload)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ')
    .slice(0, 300);
}
