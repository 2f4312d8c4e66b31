import type { TaskEvent } from '../../shared/domain';
import { formatTime } from './output';

/**
 * Events as people read them (`show`, `dispatch --watch`): a sentence per kind, times as ISO with
 * "ago"/"in", never epoch milliseconds. `--json` keeps the raw payload.
 */

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;

/** "3 min ago" / "in 15 min" / "just now", relative to `now`. */
export function relativeTime(ms: number, now: number): string {
  const delta = ms - now;
  const seconds = Math.round(Math.abs(delta) / 1000);
  if (seconds < 5) return 'just now';
  const amount =
    seconds < 60
      ? `${seconds} s`
      : seconds < 3600
        ? `${Math.round(seconds / 60)} min`
        : seconds < 86_400 * 2
          ? `${Math.round(seconds / 360) / 10} h`
          : `${Math.round(seconds / 86_400)} days`;
  return delta < 0 ? `${amount} ago` : `in ${amount}`;
}

/** ISO time with its distance from now: `2026-12-04 14:25:00Z (3 min ago)`; `-` for none. */
export function formatWhen(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return '-';
  return `${formatTime(ms)} (${relativeTime(ms, now)})`;
}

/** Any payload field not covered by a sentence: `key value`, times (…At) as ISO. */
function otherFields(payload: Record<string, unknown>, skip: readonly string[]): string {
  return Object.entries(payload)
    .filter(([key, value]) => !skip.includes(key) && value !== null && value !== undefined)
    .map(([key, value]) => {
      if (/At$/.test(key) && typeof value === 'number') return `${key} ${formatTime(value)}`;
      return `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`;
    })
    .join(', ');
}

/** What happened, in words: "spawned (pid 4242)", "crashed (failure 2 of the limit): exit 1" … */
export function describeEvent(event: Pick<TaskEvent, 'kind' | 'payload'>): string {
  const p = event.payload;
  const by = text(p.by) ? ` by ${text(p.by)}` : '';
  let sentence: string;
  let used: string[] = ['by'];
  switch (event.kind) {
    case 'created':
      sentence = `created in ${text(p.status) ?? '?'}${text(p.assignee) ? ` for lane ${text(p.assignee)}` : ''}${by}`;
      used = ['status', 'assignee', 'by'];
      break;
    case 'promoted':
      sentence = `promoted ${text(p.from) ?? 'todo'} → ${text(p.to) ?? 'ready'}${text(p.reason) ? ` (${text(p.reason)})` : ''}`;
      used = ['from', 'to', 'reason'];
      break;
    case 'claimed':
      sentence = `claimed${by}${typeof p.expiresAt === 'number' ? `, claim expires ${formatTime(p.expiresAt)}` : ''}`;
      used = ['by', 'expiresAt', 'lane'];
      break;
    case 'spawned':
      sentence = `spawned${text(p.pid) ? ` (pid ${text(p.pid)})` : ''}${text(p.resumedSession) ? `, resuming session ${text(p.resumedSession)}` : p.followup === true ? ', with a follow-up' : ''}`;
      used = ['pid', 'lane', 'resumedSession', 'followup'];
      break;
    case 'followup':
      sentence = `follow-up${by}: ${text(p.text) ?? ''} (${text(p.from) ?? '?'} → ready)`;
      used = ['by', 'text', 'from', 'to'];
      break;
    case 'adopted':
      sentence = `worker adopted after a restart${text(p.pid) ? ` (pid ${text(p.pid)})` : ''}`;
      used = ['pid'];
      break;
    case 'heartbeat':
      sentence = `heartbeat${text(p.note) ? `: ${text(p.note)}` : ''}`;
      used = ['note', 'by'];
      break;
    case 'completed':
      sentence = `completed${by}${text(p.exitCode) ? ` (exit ${text(p.exitCode)})` : ''}${text(p.summary) ? `: ${text(p.summary)}` : ''}`;
      used = ['by', 'exitCode', 'summary'];
      break;
    case 'crashed':
    case 'timed_out':
    case 'spawn_failed':
      sentence = `${event.kind.replace('_', ' ')}${text(p.failureCount) ? ` (failure ${text(p.failureCount)})` : ''}${text(p.error) ? `: ${text(p.error)}` : ''}`;
      used = ['failureCount', 'error'];
      break;
    case 'lost':
      sentence = `worker lost${text(p.error) ? `: ${text(p.error)}` : ''} — back to ready`;
      used = ['error'];
      break;
    case 'gave_up':
      sentence = `gave up after ${text(p.failureCount) ?? '?'} failures${text(p.lastError) ? `: ${text(p.lastError)}` : ''} — now blocked`;
      used = ['failureCount', 'lastError'];
      break;
    case 'reclaimed':
      sentence = `claim expired${text(p.owner) ? ` (was ${text(p.owner)})` : ''}; back to ready`;
      used = ['owner'];
      break;
    case 'blocked':
      sentence = `blocked${by}${text(p.reason) ? `: ${text(p.reason)}` : ''}`;
      used = ['by', 'reason'];
      break;
    case 'unblocked':
      sentence = `unblocked${by}${text(p.to) ? ` → ${text(p.to)}` : ''}`;
      used = ['by', 'to'];
      break;
    case 'assigned':
      sentence = `lane ${text(p.from) ?? 'none'} → ${text(p.to) ?? 'none'}${by}`;
      used = ['from', 'to', 'by'];
      break;
    case 'moved':
      sentence = `moved ${text(p.from) ?? '?'} → ${text(p.to) ?? '?'}${by}`;
      used = ['from', 'to', 'by'];
      break;
    case 'edited':
      sentence = `edited ${Array.isArray(p.fields) ? p.fields.join(', ') : ''}${by}`.replace('  ', ' ');
      used = ['fields', 'by'];
      break;
    case 'linked':
    case 'unlinked':
      sentence = `${event.kind} ${event.kind === 'linked' ? 'to' : 'from'} parent ${text(p.parent) ?? '?'}${by}`;
      used = ['parent', 'by'];
      break;
    default:
      sentence = `${event.kind}${by}`;
  }
  const rest = otherFields(p, used);
  return rest ? `${sentence} [${rest}]` : sentence;
}
