import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Card, Run } from '../../../shared/domain';
import { errorMessage } from '../api/boardApi';
import { useBoardContext } from '../store/context';
import { runNumberOf } from './runNumber';

export const LOG_POLL_MS = 1000;
const LOG_KEEP_CHARS = 200_000;

/** The run's log, followed with tailLog(afterOffset) about once a second while the drawer is open. */
export function LogTail({ task, runs }: { task: Card; runs: readonly Run[] }) {
  const { api } = useBoardContext();
  const [text, setText] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const [runId, setRunId] = useState<number | null>(null);
  const box = useRef<HTMLPreElement>(null);
  const live = task.status === 'running';

  useEffect(() => {
    let stopped = false;
    let offset: number | undefined;
    let currentRun: number | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const tail = await api.call(
          'tailLog',
          offset === undefined ? { id: task.id } : { id: task.id, afterOffset: offset },
        );
        if (stopped) return;
        if (tail.runId !== currentRun && offset !== undefined) {
          // A new attempt started: the offset was the old log's, so this read skipped as many
          // bytes of the new one. Read the new log afresh at once, as when the drawer opens.
          offset = undefined;
          void poll();
          return;
        }
        if (tail.runId !== currentRun) {
          // The first read, or of a new attempt: its log replaces the old one.
          currentRun = tail.runId;
          setRunId(tail.runId);
          setText(tail.text);
        } else if (tail.text) {
          setText((previous) => (previous + tail.text).slice(-LOG_KEEP_CHARS));
        }
        offset = tail.offset;
        setNote(tail.truncated ? 'earlier output not shown' : null);
      } catch (error) {
        if (!stopped) setNote(errorMessage(error));
      }
      if (!stopped) timer = setTimeout(() => void poll(), LOG_POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, task.id]);

  // Follow the tail while the reader is at the bottom; scrolling up stops following (the text
  // stays put to be read), "Jump to latest" or scrolling back down starts it again. Whether to
  // follow is decided by where the reader was before new text came, not after (issue 15: a chunk
  // taller than the old margin left the log at line 1 for good).
  const [following, setFollowing] = useState(true);
  const followingRef = useRef(true);
  const follow = (value: boolean) => {
    followingRef.current = value;
    setFollowing(value);
  };
  useLayoutEffect(() => {
    const element = box.current;
    if (element && followingRef.current) element.scrollTop = element.scrollHeight;
  }, [text]);
  const onScroll = () => {
    const element = box.current;
    if (!element) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 8;
    if (atBottom !== followingRef.current) follow(atBottom);
  };
  const jumpToLatest = () => {
    follow(true);
    const element = box.current;
    if (element) element.scrollTop = element.scrollHeight;
  };

  // Until the drawer's detail has the new run, its number is not known: none is shown.
  const runNumber = runId === null ? null : runNumberOf(runs, runId);
  return (
    <section className="drawer-section" data-testid="drawer-log">
      <h3>
        Log {runNumber !== null && <span className="muted">run {runNumber}</span>}{' '}
        {live && <span className="live-dot" title="live" />}
        {live && (
          <span className="muted log-follow-state">{following ? 'following' : 'paused (scrolled up)'}</span>
        )}
      </h3>
      {note && <p className="muted">{note}</p>}
      <div className="log-tail-box">
        <pre
          ref={box}
          className="log-tail"
          data-testid="log-tail"
          data-following={following}
          onScroll={onScroll}
        >
          {text || (note ? '' : 'No output yet.')}
        </pre>
        {!following && (
          <button type="button" className="log-jump" data-testid="log-jump" onClick={jumpToLatest}>
            ↓ Jump to latest
          </button>
        )}
      </div>
    </section>
  );
}
