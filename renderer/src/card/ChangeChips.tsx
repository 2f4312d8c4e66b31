import type { ChangeCard } from '../../../shared/repository';

/**
 * docs/architecture.md §9 on the card: files changed with +/− lines, "uncommitted", "conflicts with base",
 * "merged", "needs review" — read from the summary the core stored when it last computed the
 * task's changes (the same computation the drawer's Changes tab shows), pushed live.
 */
export function ChangeChips({ taskId, card }: { taskId: string; card: ChangeCard }) {
  const summary = card.summary;
  if (!summary) return null;
  const live = !summary.removed;
  const showFigures = summary.files > 0 && (live || summary.merged);
  if (!showFigures && !summary.merged && !card.needsReview) return null;
  return (
    <div className="card-changes" data-testid={`changes-${taskId}`}>
      {showFigures && (
        <span
          className="card-change-figures"
          title={`${summary.files} file${summary.files === 1 ? '' : 's'} changed against base`}
          data-testid={`change-figures-${taskId}`}
        >
          {summary.files} file{summary.files === 1 ? '' : 's'}{' '}
          <span className="diff-plus">+{summary.additions}</span>{' '}
          <span className="diff-minus">−{summary.deletions}</span>
        </span>
      )}
      {live && summary.uncommittedFiles > 0 && (
        <span className="card-chip card-chip-warn" title={`${summary.uncommittedFiles} uncommitted file(s)`}>
          uncommitted
        </span>
      )}
      {live && summary.conflicts.length > 0 && (
        <span
          className="card-chip card-chip-bad"
          title={`a merge would conflict in ${summary.conflicts.join(', ')}`}
          data-testid={`change-conflicts-${taskId}`}
        >
          conflicts with base
        </span>
      )}
      {summary.merged && (
        <span className="card-chip card-chip-good" data-testid={`change-merged-${taskId}`}>
          merged
        </span>
      )}
      {card.needsReview && (
        <span className="card-chip card-chip-review" data-testid={`needs-review-${taskId}`}>
          needs review
        </span>
      )}
      {summary.error && (
        <span className="card-chip card-chip-warn" title={summary.error}>
          changes unknown
        </span>
      )}
    </div>
  );
}
