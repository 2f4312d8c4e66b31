// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { cardOf } from '../../../shared/domain';
import { createBoardStore } from '../store/boardStore';
import { BoardProvider, createBoardContextValue } from '../store/context';
import { FakeBoardApi } from '../test/fakeBoardApi';
import { makeRun, makeTask } from '../test/fixtures';
import { TranscriptView } from './Transcript';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | null = null;
let container: HTMLElement | null = null;
afterEach(() => {
  act(() => root?.unmount());
  container?.remove();
  root = null;
});

describe('the transcript', () => {
  it("names its run as the run history and the log do (the task's second run), not by the run's database id", async () => {
    const task = makeTask({ status: 'done' });
    // Runs 3 and 7 of the database are this task's first and second: other tasks ran between.
    const runs = [
      makeRun({ taskId: task.id, id: 3 }),
      makeRun({ taskId: task.id, id: 7, outcome: 'completed', exitCode: 0, error: null }),
    ];
    const api = new FakeBoardApi().on('runTranscript', () => ({
      runId: 7,
      format: 'claude-stream-json',
      entries: [{ kind: 'message', text: 'done it', tool: null, callId: null, isError: false }],
      omitted: 0,
    }));
    const store = createBoardStore(api);
    container = document.createElement('div');
    document.body.appendChild(container);
    await act(async () => {
      root = createRoot(container as HTMLElement);
      root.render(
        <BoardProvider value={createBoardContextValue(api, store)}>
          <TranscriptView task={cardOf(task)} runs={runs} />
        </BoardProvider>,
      );
    });
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(container.querySelector('h3')?.textContent).toBe('Transcript (run 2, claude-stream-json)');
  });
});
