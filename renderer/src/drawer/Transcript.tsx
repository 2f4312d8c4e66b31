import { useEffect, useState } from 'react';
import type { CallResponse } from '../../../shared/contract';
import type { Card, Run } from '../../../shared/domain';
import type { TranscriptEntry } from '../../../shared/transcript';
import { useBoardContext } from '../store/context';
import { runNumberOf } from './runNumber';

type Transcript = CallResponse<'runTranscript'>;

/**
 * docs/architecture.md §10: a structured run's transcript — the agent's messages, its tool calls with their results
 * (collapsed), errors and the final result — with the run's tokens and cost. The raw log stays below.
 */
export function TranscriptView({ task, runs }: { task: Card; runs: Run[] }) {
  const { store } = useBoardContext();
  const [transcript, setTranscript] = useState<Transcript | null>(null);
  useEffect(() => {
    let live = true;
    void store
      .getState()
      .run('runTranscript', { id: task.id })
      .then((value) => {
        if (live && value) setTranscript(value);
      });
    return () => {
      live = false;
    };
  }, [store, task.id, task.updatedAt, task.status]);

  if (!transcript?.format) return null;
  const run = runs.find((candidate) => candidate.id === transcript.runId);
  // Numbered as the run history and the log number it; until the detail has the run, no number.
  const runNumber = transcript.runId === null ? null : runNumberOf(runs, transcript.runId);
  return (
    <section className="drawer-section transcript" data-testid="drawer-transcript">
      <h3>
        Transcript{' '}
        <span className="muted">
          ({runNumber !== null && `run ${runNumber}, `}
          {transcript.format})
        </span>
      </h3>
      {run && <RunUsageLine run={run} />}
      {transcript.omitted > 0 && <p className="muted">{transcript.omitted} earlier entries left out</p>}
      <ol className="transcript-entries">
        {transcript.entries.map((entry, index) => (
          <TranscriptItem key={index} entry={entry} />
        ))}
      </ol>
    </section>
  );
}

export function RunUsageLine({ run }: { run: Run }) {
  if (run.tokensIn === null && run.tokensOut === null && run.costUsd === null) return null;
  return (
    <p className="run-usage" data-testid={`run-usage-${run.id}`}>
      tokens in <strong>{(run.tokensIn ?? 0).toLocaleString('en-US')}</strong> · out{' '}
      <strong>{(run.tokensOut ?? 0).toLocaleString('en-US')}</strong>
      {run.costUsd !== null && (
        <>
          {' '}
          · cost <strong title="as the agent reported it">${run.costUsd}</strong>
        </>
      )}
      {run.agentSession && <span className="muted"> · session {run.agentSession}</span>}
    </p>
  );
}

function TranscriptItem({ entry }: { entry: TranscriptEntry }) {
  const kind = `transcript-${entry.kind}${entry.isError ? ' transcript-failed' : ''}`;
  if (entry.kind === 'tool_call' || entry.kind === 'tool_result') {
    const label = entry.kind === 'tool_call' ? `▸ ${entry.tool ?? 'tool'}` : `◂ ${entry.tool ?? 'result'}`;
    return (
      <li className={kind} data-kind={entry.kind}>
        <details>
          <summary>
            {label}
            {entry.isError && <span className="problem"> failed</span>}
            <span className="muted"> {firstLine(entry.text)}</span>
          </summary>
          <pre>{entry.text}</pre>
        </details>
      </li>
    );
  }
  return (
    <li className={kind} data-kind={entry.kind}>
      {entry.kind === 'raw' ? <code>{entry.text}</code> : entry.text}
    </li>
  );
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 90 ? `${line.slice(0, 90)}…` : line;
}
