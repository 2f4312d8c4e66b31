import { useEffect, useRef, useState } from 'react';
import {
  SKIP_REASON_LABELS,
  SKIP_REASONS,
  TASK_STATUSES,
  type SkipReason,
  type TaskStatus,
} from '../../../shared/domain';
import { describeDispatcher } from '../../../shared/dispatch';
import { useBoard, useBoardContext, useBoardIndex } from '../store/context';
import { boardColumnCount } from '../store/selectors';
import { isFilterActive, EMPTY_FILTER, needsReviewCount } from '../store/filter';
import { SEARCH_LIMIT as SEARCH_SHOWN_AT_MOST } from '../store/boardStore';
import { laneLabel, laneTestId } from '../store/laneModel';
import { useDensity, type Density } from '../board/density';
import '../styles/toolbar.css';

/** Board switcher, search and filters, new task, dispatcher switch, view and settings (docs/architecture.md §7). */
export function Toolbar() {
  const { store } = useBoardContext();
  const view = useBoard((state) => state.view);
  return (
    <header className="toolbar" role="toolbar" aria-label="Board tools">
      <span className="brand" aria-hidden="true">
        ⇄ Switchyard
      </span>
      <BoardSwitcher />
      <div className="view-switch" role="group" aria-label="View">
        <button
          type="button"
          className={view === 'board' ? 'active' : ''}
          aria-pressed={view === 'board'}
          onClick={() => store.getState().setView('board')}
        >
          Board
        </button>
        <button
          type="button"
          className={view === 'lanes' ? 'active' : ''}
          aria-pressed={view === 'lanes'}
          data-testid="view-lanes"
          onClick={() => store.getState().setView('lanes')}
        >
          Lanes
        </button>
      </div>
      <FilterBar />
      <span className="toolbar-spacer" />
      <DensitySwitch />
      <DispatcherSwitch />
      <button
        type="button"
        className="button primary"
        data-testid="new-task"
        onClick={() => store.getState().setCreateOpen(true)}
      >
        + New task
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label="Settings"
        title="Settings and problems"
        data-testid="open-settings"
        onClick={() => store.getState().setSettingsOpen(true)}
      >
        ⚙
        <ProblemCount />
      </button>
    </header>
  );
}

function DensitySwitch() {
  const [density, setDensity] = useDensity();
  return (
    <label className="density-switch" title="Card density (remembered)">
      <select
        aria-label="Density"
        data-testid="density"
        value={density}
        onChange={(event) => setDensity(event.target.value as Density)}
      >
        <option value="comfortable">Comfortable</option>
        <option value="compact">Compact</option>
      </select>
    </label>
  );
}

function ProblemCount() {
  const count = useBoard((state) => state.problems.length);
  return count > 0 ? <span className="problem-count">{count}</span> : null;
}

function BoardSwitcher() {
  const { store } = useBoardContext();
  const board = useBoard((state) => state.board);
  const boards = useBoard((state) => state.boards);
  const [creating, setCreating] = useState(false);
  const [slug, setSlug] = useState('');

  const create = async () => {
    const created = await store.getState().run('createBoard', { slug: slug.trim().toLowerCase() });
    if (!created) return;
    setCreating(false);
    setSlug('');
    await store.getState().load(created.slug);
  };

  if (creating) {
    return (
      <form
        className="board-create"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <input
          autoFocus
          aria-label="New board slug"
          placeholder="new-board"
          pattern="[a-z0-9][a-z0-9_\-]{0,63}"
          value={slug}
          onChange={(event) => setSlug(event.target.value)}
          onKeyDown={(event) => event.key === 'Escape' && setCreating(false)}
        />
        <button type="submit" className="small-button">
          Create
        </button>
        <button type="button" className="small-button" onClick={() => setCreating(false)}>
          Cancel
        </button>
      </form>
    );
  }
  const known = boards.some((entry) => entry.slug === board)
    ? boards
    : [...boards, { slug: board, name: board }];
  return (
    <select
      className="board-select"
      aria-label="Board"
      data-testid="board-select"
      value={board}
      onChange={(event) => {
        if (event.target.value === '__new__') setCreating(true);
        else void store.getState().load(event.target.value);
      }}
    >
      {known
        .filter((entry) => !('archivedAt' in entry) || entry.archivedAt === null)
        .map((entry) => (
          <option key={entry.slug} value={entry.slug}>
            {entry.name && entry.name !== entry.slug ? `${entry.name} (${entry.slug})` : entry.slug}
          </option>
        ))}
      <option value="__new__">+ New board…</option>
    </select>
  );
}

function FilterBar() {
  const { store } = useBoardContext();
  const filter = useBoard((state) => state.filter);
  const { lanes } = useBoardIndex();
  const allLanes = useBoard((state) => state.lanes);
  const [text, setText] = useState(filter.text);
  const search = useRef<HTMLInputElement>(null);

  // Typing filters after a short pause, so 10,000 cards are not re-indexed per keystroke.
  useEffect(() => {
    const timer = setTimeout(() => store.getState().setFilter({ text }), 120);
    return () => clearTimeout(timer);
  }, [text, store]);
  useEffect(() => setText(filter.text), [filter.text]);

  // "/" focuses the search box, as in most boards.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target?.tagName ?? '')) {
        event.preventDefault();
        search.current?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const laneKeys = [...new Set([...lanes.map((lane) => lane.key), ...Object.keys(allLanes)])];
  return (
    <div className="filters" role="search">
      <input
        ref={search}
        type="search"
        className="search"
        placeholder="Search  /"
        aria-label="Search cards"
        data-testid="search"
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <select
        aria-label="Filter by lane"
        data-testid="filter-lane"
        value={filter.lane ?? '__all__'}
        onChange={(event) =>
          store.getState().setFilter({ lane: event.target.value === '__all__' ? null : event.target.value })
        }
      >
        <option value="__all__">All lanes</option>
        {laneKeys.map((key) => (
          <option key={laneTestId(key)} value={key}>
            {laneLabel(key)}
          </option>
        ))}
      </select>
      <select
        aria-label="Filter by status"
        data-testid="filter-status"
        value={filter.status ?? ''}
        onChange={(event) =>
          store.getState().setFilter({ status: (event.target.value || null) as TaskStatus | null })
        }
      >
        <option value="">All statuses</option>
        {TASK_STATUSES.filter((status) => status !== 'archived').map((status) => (
          <option key={status} value={status}>
            {status}
          </option>
        ))}
      </select>
      <select
        aria-label="Filter by skip reason"
        data-testid="filter-skip"
        value={filter.skipReason ?? ''}
        onChange={(event) =>
          store.getState().setFilter({ skipReason: (event.target.value || null) as SkipReason | null })
        }
      >
        <option value="">Any skip reason</option>
        {SKIP_REASONS.map((reason) => (
          <option key={reason} value={reason}>
            {SKIP_REASON_LABELS[reason]}
          </option>
        ))}
      </select>
      <label className="attention-toggle" title="Blocked, broken profile, failures or in backoff">
        <input
          type="checkbox"
          data-testid="filter-attention"
          checked={filter.needsAttention}
          onChange={(event) => store.getState().setFilter({ needsAttention: event.target.checked })}
        />
        Needs attention
      </label>
      <NeedsReviewToggle checked={filter.needsReview} />
      <SearchStatus />
      {isFilterActive(filter) && (
        <button
          type="button"
          className="small-button"
          onClick={() => {
            setText('');
            store.getState().setFilter(EMPTY_FILTER);
          }}
        >
          Clear
        </button>
      )}
    </div>
  );
}

/**
 * docs/architecture.md §9: done tasks whose changes wait for a merge (or to be sent back, discarded, waived),
 * with how many there are on the board — loaded or not (the core's change cards cover them all).
 */
function NeedsReviewToggle({ checked }: { checked: boolean }) {
  const { store } = useBoardContext();
  const count = useBoard((state) => needsReviewCount(state.changes));
  // Shown on boards whose tasks work in a repository (they have change cards), not on the others.
  const reviewable = useBoard((state) => Object.keys(state.changes).length > 0);
  if (!reviewable && !checked) return null;
  return (
    <label className="attention-toggle review-toggle" title="Done tasks whose changes are not merged yet">
      <input
        type="checkbox"
        data-testid="filter-review"
        checked={checked}
        onChange={(event) => store.getState().setFilter({ needsReview: event.target.checked })}
      />
      Needs review
      <span className="review-count" data-testid="review-count">
        {count}
      </span>
    </label>
  );
}

/** On a board loaded in part, the filter's matches come from the core: say so while they do. */
function SearchStatus() {
  const search = useBoard((state) => state.search);
  if (!search) return null;
  const text =
    search.state === 'loading'
      ? 'Searching the whole board…'
      : search.state === 'error'
        ? 'Search failed: showing loaded cards only'
        : search.total > SEARCH_SHOWN_AT_MOST
          ? `${search.total} matches; showing the first ${SEARCH_SHOWN_AT_MOST}`
          : null;
  return text ? (
    <span className="search-status" data-testid="search-status" role="status">
      {text}
    </span>
  ) : null;
}

function DispatcherSwitch() {
  const { store } = useBoardContext();
  const dispatcher = useBoard((state) => state.dispatcher);
  // Running and ready on the board shown come from the core's cell counts of that board (a task a
  // terminal claimed runs too). The global limit (SPEC §3: one for the whole dispatcher) is of the
  // workers it spawned, on every board: its figure is the slots its capacity check counts
  // (workerSlotsInUse), so a terminal's claim, which uses no slot, does not fill it.
  const runningHere = useBoard((state) => boardColumnCount(state.cellTotals, 'running'));
  const ready = useBoard((state) => boardColumnCount(state.cellTotals, 'ready'));
  if (!dispatcher) return null;
  const toggle = async () => {
    const state = await store.getState().run('setDispatcherEnabled', { enabled: !dispatcher.enabled });
    if (state) store.getState().setDispatcher(state);
  };
  // Whether tasks are actually started, not only the stored switch (off under --no-dispatch).
  const summary = describeDispatcher(dispatcher);
  return (
    <div className="dispatcher" data-testid="dispatcher">
      {dispatcher.fault && (
        <span className="stuck-warning" role="alert" data-testid="database-fault" title={dispatcher.fault}>
          ⚠ database damaged — dispatching stopped
        </span>
      )}
      {dispatcher.stuck && (
        <span
          className="stuck-warning"
          role="alert"
          data-testid="stuck-warning"
          title="Ready work could start but nothing was spawned for several ticks"
        >
          ⚠ stuck
        </span>
      )}
      <span
        className="dispatcher-counts"
        data-testid="dispatcher-counts"
        title="running on this board (workers and terminals' claims) · workers the dispatcher runs on all boards / its global limit (a terminal's claim uses none) · ready on this board"
      >
        {runningHere} running here · {dispatcher.workerSlotsInUse}/{dispatcher.globalMaxConcurrent} workers in
        all boards · {ready} ready
      </span>
      <label className="switch" title={summary.detail ?? 'Start and stop the dispatcher'}>
        <input
          type="checkbox"
          role="switch"
          data-testid="dispatcher-toggle"
          checked={summary.on}
          disabled={!summary.switchable}
          onChange={() => void toggle()}
        />
        <span data-testid="dispatcher-label">{summary.label}</span>
      </label>
    </div>
  );
}
