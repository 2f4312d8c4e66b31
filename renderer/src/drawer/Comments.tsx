import { useState } from 'react';
import type { Comment, Card } from '../../../shared/domain';
import { formatDateTime } from '../card/time';
import { useBoardContext } from '../store/context';

export function Comments({
  task,
  comments,
  onChanged,
}: {
  task: Card;
  comments: Comment[];
  onChanged: () => void;
}) {
  const { store } = useBoardContext();
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const add = async () => {
    if (!body.trim()) return;
    setBusy(true);
    const id = await store.getState().run('addComment', { id: task.id, body });
    setBusy(false);
    if (id === null) return;
    setBody('');
    onChanged();
  };
  return (
    <section className="drawer-section" data-testid="drawer-comments">
      <h3>
        Comments <span className="muted">({comments.length})</span>
      </h3>
      <ol className="comment-list">
        {comments.map((comment) => (
          <li key={comment.id}>
            <div className="muted">
              {comment.author} · {formatDateTime(comment.createdAt)}
            </div>
            <div className="prose">{comment.body}</div>
          </li>
        ))}
      </ol>
      <form
        className="comment-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <textarea
          rows={2}
          aria-label="New comment"
          placeholder="Add a comment (workers read recent comments)"
          value={body}
          onChange={(event) => setBody(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) void add();
          }}
        />
        <button
          type="submit"
          className="small-button"
          disabled={busy || !body.trim()}
          data-testid="comment-submit"
        >
          Comment
        </button>
      </form>
    </section>
  );
}
