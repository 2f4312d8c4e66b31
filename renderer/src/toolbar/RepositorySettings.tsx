import { useEffect, useState, type FormEvent } from 'react';
import type { CallRequest } from '../../../shared/contract';
import {
  AFTER_MERGE,
  MERGE_MODES,
  type AfterMerge,
  type BoardRepository,
  type MergeMode,
} from '../../../shared/repository';
import { errorMessage } from '../api/boardApi';
import { TextField } from '../dialogs/FormFields';
import { useBoardContext } from '../store/context';

const MERGE_MODE_LABELS: Record<MergeMode, string> = {
  ff: 'Fast-forward only',
  merge: 'Merge commit',
  squash: 'Squash into one commit',
};

const AFTER_MERGE_LABELS: Record<AfterMerge, string> = {
  remove: 'Remove the worktree',
  keep: 'Keep the worktree',
};

interface Draft {
  repo: string;
  base: string;
  mergeMode: MergeMode;
  afterMerge: AfterMerge;
}

const EMPTY_DRAFT: Draft = { repo: '', base: '', mergeMode: 'merge', afterMerge: 'remove' };

/** The form's fields for a stored setting (null: the board has no repository). */
const draftOf = (setting: BoardRepository | null): Draft | null =>
  setting
    ? {
        repo: setting.repo,
        base: setting.baseBranch,
        mergeMode: setting.mergeMode,
        afterMerge: setting.afterMerge,
      }
    : null;

/**
 * docs/architecture.md §9: the board's repository, base branch, merge mode and what happens to a worktree after
 * a merge or an archive — the same call and the same checks as `switchyard boards edit --repo`
 * (setBoardRepository → configureBoardRepository): on bad input one line says why and nothing
 * is saved.
 */
export function RepositorySettings({ board }: { board: string }) {
  const { api, store } = useBoardContext();
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [saved, setSaved] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    api.call('boardRepository', { board }).then(
      (setting) => {
        if (!live) return;
        const current = draftOf(setting);
        setSaved(current);
        setDraft(current ?? EMPTY_DRAFT);
      },
      (reason: unknown) => live && setError(errorMessage(reason)),
    );
    return () => {
      live = false;
    };
  }, [api, board]);

  const save = async (request: CallRequest<'setBoardRepository'>) => {
    setBusy(true);
    setError(null);
    try {
      const setting = await api.call('setBoardRepository', request);
      const current = draftOf(setting);
      setSaved(current);
      setDraft(current ?? EMPTY_DRAFT);
      store
        .getState()
        .pushToast(
          'info',
          setting
            ? `Board ${board} works on ${setting.repo} (${setting.baseBranch})`
            : `Board ${board} no longer uses a repository`,
        );
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const repo = draft.repo.trim();
    if (!repo) {
      setError('a repository path is required (an absolute path of a git work tree)');
      return;
    }
    const base = draft.base.trim();
    void save({
      board,
      repo,
      ...(base ? { base } : {}),
      mergeMode: draft.mergeMode,
      afterMerge: draft.afterMerge,
    });
  };

  const field = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft({ ...draft, [key]: value });
    setError(null);
  };

  return (
    <section data-testid="repository-settings">
      <h3>Repository</h3>
      <p className="muted">
        Tasks of <strong>{board}</strong> work in a worktree of this repository, each on its own branch made
        from the base branch.
      </p>
      <form className="repository-form" onSubmit={submit}>
        <TextField
          label="Repository"
          type="text"
          spellCheck={false}
          placeholder="/home/you/src/project"
          data-testid="repository-path"
          value={draft.repo}
          onChange={(repo) => field('repo', repo)}
        />
        <TextField
          label="Base branch"
          type="text"
          spellCheck={false}
          placeholder="the branch checked out there"
          data-testid="repository-base"
          value={draft.base}
          onChange={(base) => field('base', base)}
        />
        <label>
          Merge
          <select
            data-testid="repository-merge-mode"
            value={draft.mergeMode}
            onChange={(event) => field('mergeMode', event.target.value as MergeMode)}
          >
            {MERGE_MODES.map((mode) => (
              <option key={mode} value={mode}>
                {MERGE_MODE_LABELS[mode]}
              </option>
            ))}
          </select>
        </label>
        <label>
          After a merge or an archive
          <select
            data-testid="repository-after-merge"
            value={draft.afterMerge}
            onChange={(event) => field('afterMerge', event.target.value as AfterMerge)}
          >
            {AFTER_MERGE.map((choice) => (
              <option key={choice} value={choice}>
                {AFTER_MERGE_LABELS[choice]}
              </option>
            ))}
          </select>
        </label>
        {error && (
          <p className="problem" role="alert" data-testid="repository-error">
            {error}
          </p>
        )}
        <div className="repository-actions">
          <button type="submit" className="button primary" disabled={busy} data-testid="repository-save">
            {saved ? 'Save' : 'Use this repository'}
          </button>
          {saved && (
            <button
              type="button"
              className="button"
              disabled={busy}
              data-testid="repository-clear"
              onClick={() => void save({ board, repo: null })}
            >
              Stop using a repository
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
