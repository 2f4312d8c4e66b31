import type { Card } from '../../../shared/domain';
import { useBoardContext } from '../store/context';

/**
 * docs/architecture.md §10: a task waiting for approval is approved from its card. The core records who approved
 * (an `approved` event); the dispatcher starts it on its next tick.
 */
export function ApproveButton({ task }: { task: Card }) {
  const { store } = useBoardContext();
  return (
    <button
      type="button"
      className="button card-approve"
      data-testid={`approve-${task.id}`}
      // Keep the card's drag sensor and click-to-open away from the button.
      onPointerDown={(event) => event.stopPropagation()}
      onKeyDown={(event) => event.stopPropagation()}
      onClick={async (event) => {
        event.stopPropagation();
        const updated = await store.getState().run('approveTask', { id: task.id });
        if (updated) store.getState().upsertTasks([updated]);
      }}
    >
      Approve
    </button>
  );
}
