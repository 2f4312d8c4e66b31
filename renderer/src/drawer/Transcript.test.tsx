// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { cardOf } from '../../../shared/domain';
import { FakeBoardApi } from '../test/fakeBoardApi';
import { makeRun, makeTask } from '../test/fixtures';
import { renderInBoard } from '../test/renderInBoard';
import { TranscriptView } from './Transcript';

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
    const container = await renderInBoard(api, <TranscriptView task={cardOf(task)} runs={runs} />);
    expect(container.querySelector('h3')?.textContent).toBe('Transcript (run 2, claude-stream-json)');
  });
});
