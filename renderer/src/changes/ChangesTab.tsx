import { useEffect, useMemo, useState } from 'react';
import { Diff, Hunk, parseDiff, tokenize, type FileData, type HunkTokens } from 'react-diff-view';
import { refractor } from 'refractor/lib/common.js';
import 'react-diff-view/style/index.css';
import type { Card } from '../../../shared/domain';
import type { FileChange, TaskChanges } from '../../../shared/repository';
import { useBoard, useBoardContext } from '../store/context';
import '../styles/changes.css';

/** Files longer than this start collapsed; a diff of many lines collapses every file (docs/architecture.md §9). */
const COLLAPSE_FILE_LINES = 400;
const COLLAPSE_ALL_LINES = 3_000;
/** Syntax highlighting is for what a person reads at once; a huge file is shown plain. */
const HIGHLIGHT_MAX_LINES = 1_500;

const LANGUAGES: Record<string, string> = {
  ts: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  mjs: 'javascript',
  jsx: 'jsx',
  json: 'json',
  css: 'css',
  md: 'markdown',
  py: 'python',
  go: 'go',
  rs: 'rust',
  sh: 'bash',
  yml: 'yaml',
  yaml: 'yaml',
  html: 'markup',
};

/** react-diff-view's tokenizer expects refractor 3 (highlight → nodes); refractor 4 returns a root. */
const refractorAdapter = {
  highlight: (text: string, language: string) => refractor.highlight(text, language).children,
};

function languageOf(file: string): string | null {
  const language = LANGUAGES[file.split('.').pop()?.toLowerCase() ?? ''];
  return language && refractor.registered(language) ? language : null;
}

const linesOf = (file: FileData): number => file.hunks.reduce((sum, hunk) => sum + hunk.changes.length, 0);

/** The drawer's Changes tab: what the task changed against its base branch, and landing it. */
export function ChangesTab({ task }: { task: Card }) {
  const { api, store } = useBoardContext();
  const [changes, setChanges] = useState<TaskChanges | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<'unified' | 'split'>('unified');
  const [nonce, setNonce] = useState(0);
  const [comment, setComment] = useState('');
  // Fetched again whenever the core's summary of the task changes (its tracker recomputes it every
  // few seconds while the worker runs and pushes only changes): live, throttled, one computation.
  const summaryVersion = useBoard((state) => state.changes[task.id]?.summary?.computedAt ?? 0);
  // The core's reading of "needs review" (docs/architecture.md §9), pushed with the card's figures.
  const needsReview = useBoard((state) => state.changes[task.id]?.needsReview ?? false);

  useEffect(() => {
    let live = true;
    const load = () =>
      api.call('taskChanges', { id: task.id }).then(
        (value) => live && (setChanges(value), setError(null)),
        (reason: unknown) => live && setError(reason instanceof Error ? reason.message : String(reason)),
      );
    void load();
    return () => {
      live = false;
    };
  }, [api, task.id, task.updatedAt, summaryVersion, nonce]);

  // A large diff is shown collapsed from the file list the core sent, and each file's part of the
  // patch is parsed only when it is opened: parsing 30,000 lines up front kept the tab blank for
  // most of a second (bench: `npm run bench -- review`).
  const changedLines = changes ? changes.summary.additions + changes.summary.deletions : 0;
  const lazy = changedLines > COLLAPSE_ALL_LINES;
  const files = useMemo(
    () => (changes?.patch && !lazy ? parseDiff(changes.patch) : []),
    [changes?.patch, lazy],
  );
  const totalLines = useMemo(() => files.reduce((sum, file) => sum + linesOf(file), 0), [files]);
  const parsedByPath = useMemo(() => new Map(files.map((file) => [pathOf(file), file])), [files]);

  if (error) return <p className="problem drawer-section">{error}</p>;
  if (changes === undefined) return <p className="muted drawer-section">Loading changes…</p>;
  if (changes === null) return <p className="muted drawer-section">This task has no repository worktree.</p>;

  const { summary, worktree } = changes;
  const land = async (action: 'merge' | 'rebase' | 'commit' | 'push' | 'discard') => {
    if (action === 'discard') {
      const ok = await store
        .getState()
        .askConfirm(`Discard the work of “${task.title}”? Its worktree and branch are deleted.`, 'Discard');
      if (!ok) return;
    }
    const result = await store.getState().run('landTask', { id: task.id, action });
    if (result) {
      store
        .getState()
        .pushToast('info', result.command ? `${result.message} ${result.command}` : result.message);
      setNonce((n) => n + 1);
    }
  };
  // A form, not window.prompt: Electron has no prompt() (it throws there).
  const sendBack = async () => {
    if (!comment.trim()) return;
    const updated = await store.getState().run('sendBackTask', { id: task.id, comment: comment.trim() });
    if (updated) {
      store.getState().upsertTasks([updated]);
      store.getState().pushToast('info', `Sent “${task.title}” back to ready`, task.id);
      setComment('');
    }
  };
  // Waiving says the change is not coming: it stays unmerged on its branch, the task leaves
  // "needs review", and children held for the merge (onSuccess "review") stop waiting.
  const waive = async () => {
    const ok = await store
      .getState()
      .askConfirm(
        `Waive the review of “${task.title}”? Its changes stay unmerged on ${worktree.branch}, it leaves “needs review”, and tasks waiting for its merge go ahead without it.`,
        'Waive review',
      );
    if (!ok) return;
    const updated = await store.getState().run('waiveReview', { id: task.id });
    if (updated) {
      store.getState().upsertTasks([updated]);
      store
        .getState()
        .pushToast('info', `Review of “${task.title}” waived; its changes stay unmerged`, task.id);
    }
  };
  const live = !summary.removed;

  return (
    <section className="drawer-section changes" data-testid="drawer-changes">
      <div className="changes-head">
        <code>{worktree.branch}</code> → <code>{worktree.baseBranch}</code>
        <span className="muted">
          {' '}
          {summary.ahead} ahead, {summary.behind} behind · {summary.files} file
          {summary.files === 1 ? '' : 's'}{' '}
        </span>
        <span className="diff-plus">+{summary.additions}</span>{' '}
        <span className="diff-minus">−{summary.deletions}</span>
        {summary.uncommittedFiles > 0 && (
          <span className="chip chip-warn">{summary.uncommittedFiles} uncommitted</span>
        )}
        {summary.conflicts.length > 0 && (
          <span className="chip chip-bad" data-testid="changes-conflicts">
            conflicts with {worktree.baseBranch}: {summary.conflicts.join(', ')}
          </span>
        )}
        {summary.merged && <span className="chip chip-good">merged</span>}
      </div>
      {live && (
        <div className="changes-actions">
          <button type="button" onClick={() => void land('merge')} data-testid="changes-merge">
            Merge into {worktree.baseBranch}
          </button>
          <button type="button" onClick={() => void land('rebase')}>
            Rebase
          </button>
          {summary.uncommittedFiles > 0 && (
            <button type="button" onClick={() => void land('commit')}>
              Commit
            </button>
          )}
          <button type="button" onClick={() => void land('push')}>
            Push / PR
          </button>
          {needsReview && (
            <button type="button" onClick={() => void waive()} data-testid="changes-waive">
              Waive review
            </button>
          )}
          <button type="button" className="danger" onClick={() => void land('discard')}>
            Discard
          </button>
          <span className="spacer" />
          <label>
            <input type="radio" checked={view === 'unified'} onChange={() => setView('unified')} /> Unified
          </label>
          <label>
            <input type="radio" checked={view === 'split'} onChange={() => setView('split')} /> Split
          </label>
        </div>
      )}
      {live && task.status !== 'running' && (
        <form
          className="changes-send-back"
          onSubmit={(event) => {
            event.preventDefault();
            void sendBack();
          }}
        >
          <textarea
            rows={2}
            aria-label="What should change"
            placeholder="What should change? The next run reads this."
            data-testid="send-back-comment"
            value={comment}
            onChange={(event) => setComment(event.target.value)}
          />
          <button type="submit" disabled={!comment.trim()} data-testid="send-back">
            Send back
          </button>
        </form>
      )}
      {changes.truncated && (
        <p className="muted">The diff is too large to show whole; it is cut after whole files.</p>
      )}
      <ul className="changes-files" data-testid="changes-files">
        {changes.files.map((file) => (
          <li key={file.path}>
            <span className={`file-status file-${file.status}`}>{file.status}</span>{' '}
            {file.oldPath ? `${file.oldPath} → ${file.path}` : file.path}{' '}
            {file.binary ? (
              <span className="muted">binary</span>
            ) : (
              <>
                <span className="diff-plus">+{file.additions}</span>{' '}
                <span className="diff-minus">−{file.deletions}</span>
              </>
            )}
          </li>
        ))}
      </ul>
      {changes.files.map((change) =>
        lazy ? (
          <LazyFileDiff
            key={`${change.oldPath}→${change.path}`}
            change={change}
            patch={changes.patch}
            view={view}
          />
        ) : (
          <ParsedFileDiff
            key={`${change.oldPath}→${change.path}`}
            change={change}
            file={parsedByPath.get(change.path) ?? null}
            view={view}
            collapsed={totalLines > COLLAPSE_ALL_LINES}
          />
        ),
      )}
    </section>
  );
}

/**
 * One file's part of a unified diff, found without parsing the rest: from its `diff --git` header
 * (or its `+++`/`---`/`rename to` line) to the next file's header; null when git quoted the path.
 */
function patchSectionOf(patch: string, change: FileChange): string | null {
  const markers = [
    `\ndiff --git a/${change.oldPath ?? change.path} b/${change.path}\n`,
    change.status === 'deleted' ? `\n--- a/${change.path}\n` : `\n+++ b/${change.path}\n`,
    `\nrename to ${change.path}\n`,
  ];
  const text = `\n${patch}`; // every header now starts a line, the first one too
  for (const marker of markers) {
    const at = text.indexOf(marker);
    if (at < 0) continue;
    const start = text.lastIndexOf('\ndiff --git ', marker.startsWith('\ndiff --git') ? at : at - 1);
    if (start < 0) continue;
    const end = text.indexOf('\ndiff --git ', at + 1);
    return text.slice(start + 1, end < 0 ? text.length : end + 1);
  }
  return null;
}

/** The path the core's file list names a parsed file by (a deleted file by its old path). */
const pathOf = (file: FileData): string => (file.type === 'delete' ? file.oldPath : file.newPath);

/** The parsed part of a file the core listed. */
function parsedFileOf(candidates: readonly FileData[], change: FileChange): FileData | null {
  return candidates.find((file) => pathOf(file) === change.path) ?? null;
}

/** A file of a diff small enough to parse whole: open unless it (or the whole diff) is long. */
function ParsedFileDiff({
  change,
  file,
  view,
  collapsed,
}: {
  change: FileChange;
  file: FileData | null;
  view: 'unified' | 'split';
  collapsed: boolean;
}) {
  const [open, setOpen] = useState(!collapsed && (file === null || linesOf(file) <= COLLAPSE_FILE_LINES));
  return <FileDiff change={change} file={file} view={view} open={open} onToggle={() => setOpen(!open)} />;
}

/** A collapsed file of a large diff: its header from the file list; parsed when opened. */
function LazyFileDiff({
  change,
  patch,
  view,
}: {
  change: FileChange;
  patch: string;
  view: 'unified' | 'split';
}) {
  const [open, setOpen] = useState(false);
  const parsed = useMemo(() => {
    if (!open) return null;
    const section = patchSectionOf(patch, change);
    // Not found alone (a path git quoted): the whole patch is parsed, once this file is asked for.
    return (
      (section ? parsedFileOf(parseDiff(section), change) : null) ?? parsedFileOf(parseDiff(patch), change)
    );
  }, [open, patch, change]);
  return <FileDiff change={change} file={parsed} view={view} open={open} onToggle={() => setOpen(!open)} />;
}

/**
 * One file of the diff. Its head — status, binary, lines — is the core's file list (git's own
 * reading); the parsed patch gives only the lines: a parser of the patch text alone calls a new
 * binary or empty file "modify", as it has no ---/+++ lines.
 */
function FileDiff({
  change,
  file,
  view,
  open,
  onToggle,
}: {
  change: FileChange;
  file: FileData | null;
  view: 'unified' | 'split';
  open: boolean;
  onToggle: () => void;
}) {
  const lines = file ? linesOf(file) : 0;
  const tokens = useMemo<HunkTokens | null>(() => {
    const language = languageOf(change.path);
    if (!open || !file || !language || lines > HIGHLIGHT_MAX_LINES) return null;
    try {
      return tokenize(file.hunks, { highlight: true, refractor: refractorAdapter as never, language });
    } catch {
      return null; // highlighting is a nicety: a grammar that fails shows the plain diff
    }
  }, [file, change.path, open, lines]);
  const title = change.oldPath ? `${change.oldPath} → ${change.path}` : change.path;
  const changed = (change.additions ?? 0) + (change.deletions ?? 0);
  return (
    <div className="file-diff" data-testid="file-diff">
      <button type="button" className="file-diff-head" onClick={onToggle} aria-expanded={open}>
        {open ? '▾' : '▸'} {title}{' '}
        <span className="muted">
          ({change.status}
          {change.binary ? ', binary' : `, ${changed} changed line${changed === 1 ? '' : 's'}`})
        </span>
      </button>
      {open && change.binary && <p className="muted">Binary file: not shown.</p>}
      {open && !change.binary && !file && (
        <p className="muted">This file is not in the diff that was sent.</p>
      )}
      {open && !change.binary && file && file.hunks.length > 0 && (
        <Diff viewType={view} diffType={file.type} hunks={file.hunks} tokens={tokens}>
          {(hunks) => hunks.map((hunk) => <Hunk key={hunk.content} hunk={hunk} />)}
        </Diff>
      )}
    </div>
  );
}
