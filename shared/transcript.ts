import { z } from 'zod';

/**
 * docs/architecture.md §10 structured runs: an agent's event stream (Claude Code `--output-format stream-json`, Codex
 * `exec --json`), one JSON object per line, read into a transcript. Pure and incremental: feed it
 * text as it arrives, in pieces of any size; it never holds more than one unfinished line (capped).
 * A line that is not JSON, or JSON of a kind we do not know, is kept as raw text — never dropped.
 */

export const TRANSCRIPT_FORMATS = ['claude-stream-json', 'codex-json'] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

export const transcriptEntrySchema = z.object({
  kind: z.enum(['message', 'tool_call', 'tool_result', 'error', 'result', 'system', 'raw']),
  text: z.string(),
  /** tool_call: the tool's name; tool_result: the call's name when known. */
  tool: z.string().nullable(),
  /** Pairs a tool_result with its tool_call. */
  callId: z.string().nullable(),
  isError: z.boolean(),
});
export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

export const runUsageSchema = z.object({
  tokensIn: z.number().int().nullable(),
  tokensOut: z.number().int().nullable(),
  costUsd: z.number().nullable(),
  sessionId: z.string().nullable(),
  lastMessage: z.string().nullable(),
});
export type RunUsage = z.infer<typeof runUsageSchema>;

/** One entry's text is capped: a tool result can be a whole file. */
export const ENTRY_TEXT_MAX_CHARS = 4_000;
const MAX_PENDING_CHARS = 4 * 1024 * 1024;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function clip(text: string): string {
  return text.length > ENTRY_TEXT_MAX_CHARS ? `${text.slice(0, ENTRY_TEXT_MAX_CHARS)}…` : text;
}

function entry(
  kind: TranscriptEntry['kind'],
  text: string,
  extra: Partial<Omit<TranscriptEntry, 'kind' | 'text'>> = {},
): TranscriptEntry {
  return { kind, text: clip(text), tool: null, callId: null, isError: false, ...extra };
}

/** Tool input or result content as readable text. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value))
    return value
      .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : JSON.stringify(part)))
      .join('\n');
  return JSON.stringify(value ?? null);
}

/** A text content block of a Claude Code message, as its compact JSON writes it. */
const CLAUDE_TEXT_BLOCK = /"type"\s*:\s*"text"/;
const CLAUDE_ASSISTANT = /"type"\s*:\s*"assistant"/;
/** Message lines held back between two reads of the totals (see TranscriptParser.setAside). */
const MAX_DEFERRED_LINES = 64;
/** Lines that change usage or the session, by format (found with indexOf before any JSON.parse). */
const USAGE_MARKERS: Record<TranscriptFormat, readonly string[]> = {
  'claude-stream-json': ['"result"'],
  'codex-json': ['turn.completed', 'thread.started'],
};

/** The line of `text` around index `at` (a line never reaches past `end`, a newline). */
function lineAround(text: string, at: number, end: number): { start: number; end: number } {
  const start = text.lastIndexOf('\n', at) + 1;
  const stop = text.indexOf('\n', at);
  return { start, end: stop < 0 || stop > end ? end : stop };
}

export class TranscriptParser {
  private pending = '';
  private readonly usage: RunUsage = {
    tokensIn: null,
    tokensOut: null,
    costUsd: null,
    sessionId: null,
    lastMessage: null,
  };
  /** Tool names by call id, so a result can say which tool it answers. */
  private readonly toolNames = new Map<string, string>();

  private readonly onEntry: (entry: TranscriptEntry) => void;
  /**
   * No listener: only the totals matter (the supervisor follows every byte an agent writes, issue 13
   * bench), so a line that cannot change them is not parsed at all — most of a busy agent's lines are
   * tool calls and their results.
   */
  private readonly totalsOnly: boolean;

  constructor(
    readonly format: TranscriptFormat,
    onEntry?: (entry: TranscriptEntry) => void,
  ) {
    this.onEntry = onEntry ?? (() => undefined);
    this.totalsOnly = onEntry === undefined;
  }

  /**
   * Totals only: the lines that may set the last message since the totals were last read, oldest
   * first, parsed when the totals are read (the card asks at most 10 times a second) — newest first,
   * stopping at the first that yields a message, which is what parsing them all in order would leave.
   */
  private deferredMessageLines: string[] = [];
  /** Messages seen so far (to tell whether a parsed line set the last message). */
  private messages = 0;

  private setAside(raw: string): void {
    this.deferredMessageLines.push(raw);
    // Bounded: past the bound they are parsed as when the totals are read — newest first, until one
    // sets the message; the older ones could no longer change it. (Parsing the oldest one each time
    // instead parsed nearly every message line of a busy agent: issue 17, target 12.)
    if (this.deferredMessageLines.length > MAX_DEFERRED_LINES) this.flushDeferred();
  }

  /**
   * Totals only: true when `raw` cannot change the totals (skipped) or holds a message (set aside),
   * decided with a substring test before any JSON.parse. Until the session id is known every line
   * is parsed.
   */
  private deferOrSkip(raw: string): boolean {
    if (this.usage.sessionId === null) return false;
    if (this.format === 'claude-stream-json') {
      if (raw.includes('"result"')) {
        // The final result may replace the last message: the one set aside comes first.
        this.flushDeferred();
        return false;
      }
      if (this.isMessageLine(raw)) this.setAside(raw);
      return true;
    }
    if (this.isMessageLine(raw)) {
      this.setAside(raw);
      return true;
    }
    return !USAGE_MARKERS[this.format].some((marker) => raw.includes(marker));
  }

  /** A line that sets the last message: an assistant message with text, a completed agent_message. */
  private isMessageLine(raw: string): boolean {
    return this.format === 'claude-stream-json'
      ? CLAUDE_ASSISTANT.test(raw) && CLAUDE_TEXT_BLOCK.test(raw)
      : raw.includes('agent_message') && raw.includes('item.completed');
  }

  /**
   * Totals only, session known: the new complete lines are searched (indexOf, no split into lines)
   * for the few that matter — each line that changes usage, parsed in order, and the last line that
   * holds a message, set aside (setAside).
   */
  private pushTotalsOnly(text: string): void {
    const combined = this.pending + text;
    const end = combined.lastIndexOf('\n');
    if (end < 0) {
      this.pending = combined;
      this.capPending();
      return;
    }
    this.pending = combined.slice(end + 1);
    let from = 0;
    while (from < end) {
      const usage = this.nextUsageLine(combined, from, end);
      const messages = this.lastMessageLines(combined, from, usage === null ? end : usage.start);
      for (let index = messages.length - 1; index >= 0; index -= 1) this.setAside(messages[index] as string);
      if (usage === null) break;
      // The usage line may replace the last message (Claude Code's result): the one set aside first.
      this.flushDeferred();
      this.parseLine(combined.slice(usage.start, usage.end));
      from = usage.end + 1;
    }
    this.capPending();
  }

  private nextUsageLine(text: string, from: number, end: number): { start: number; end: number } | null {
    let first = -1;
    for (const marker of USAGE_MARKERS[this.format]) {
      const at = text.indexOf(marker, from);
      if (at >= 0 && at < end && (first < 0 || at < first)) first = at;
    }
    return first < 0 ? null : lineAround(text, first, end);
  }

  /**
   * The last lines of text[from, to) that may hold a message, newest first, searching back from its
   * end: at most MAX_DEFERRED_LINES (older ones could only matter if every newer one had no text).
   */
  private lastMessageLines(text: string, from: number, to: number): string[] {
    const marker = this.format === 'claude-stream-json' ? '"text"' : 'agent_message';
    const found: string[] = [];
    let position = to - 1;
    while (position >= from && found.length < MAX_DEFERRED_LINES) {
      const at = text.lastIndexOf(marker, position);
      if (at < from) break;
      const line = lineAround(text, at, to);
      const raw = text.slice(line.start, line.end);
      if (this.isMessageLine(raw)) found.push(raw);
      position = line.start - 2;
    }
    return found;
  }

  private capPending(): void {
    if (this.pending.length > MAX_PENDING_CHARS) {
      // A "line" this long is not an event: keep its start as raw text and go on.
      this.onEntry(entry('raw', this.pending));
      this.pending = '';
    }
  }

  private flushDeferred(): void {
    const lines = this.deferredMessageLines;
    this.deferredMessageLines = [];
    for (let index = lines.length - 1; index >= 0; index -= 1) {
      const before = this.messages;
      this.parseLine(lines[index] as string);
      if (this.messages !== before) return;
    }
  }

  /** What the agent reported so far (Claude Code: its final `result`; Codex: summed over turns). */
  get totals(): RunUsage {
    this.flushDeferred();
    return { ...this.usage };
  }

  push(text: string): void {
    if (this.totalsOnly && this.usage.sessionId !== null) {
      this.pushTotalsOnly(text);
      return;
    }
    const combined = this.pending + text;
    const lines = combined.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    this.capPending();
  }

  /** The stream ended: an unfinished last line (a truncated event) is kept as raw text. */
  end(): void {
    if (this.pending.trim()) this.line(this.pending);
    this.pending = '';
  }

  private line(raw: string): void {
    if (this.totalsOnly && this.deferOrSkip(raw)) return;
    this.parseLine(raw);
  }

  private parseLine(raw: string): void {
    const text = raw.replace(/\r$/, '');
    if (!text.trim()) return;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      this.onEntry(entry('raw', text));
      return;
    }
    const handled =
      isObject(event) && (this.format === 'claude-stream-json' ? this.claude(event) : this.codex(event));
    if (!handled) this.onEntry(entry('raw', text));
  }

  private message(text: string): void {
    if (!text.trim()) return;
    this.messages += 1;
    this.usage.lastMessage = clip(text.trim());
    this.onEntry(entry('message', text));
  }

  // Claude Code stream-json: system/init, assistant and user messages (content blocks), result.
  private claude(event: Json): boolean {
    if (typeof event.session_id === 'string') this.usage.sessionId = event.session_id;
    switch (event.type) {
      case 'system':
        this.onEntry(
          entry(
            'system',
            `${str(event.subtype) ?? 'system'}${event.model ? ` · ${String(event.model)}` : ''}`,
          ),
        );
        return true;
      case 'assistant':
      case 'user': {
        const message = isObject(event.message) ? event.message : null;
        if (!message) return false;
        const content =
          typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
        if (!Array.isArray(content)) return false;
        for (const block of content) this.claudeBlock(block, event.type === 'assistant');
        return true;
      }
      case 'result': {
        const usage = isObject(event.usage) ? event.usage : {};
        this.usage.tokensIn =
          num(usage.input_tokens) +
          num(usage.cache_creation_input_tokens) +
          num(usage.cache_read_input_tokens);
        this.usage.tokensOut = num(usage.output_tokens);
        if (typeof event.total_cost_usd === 'number') this.usage.costUsd = event.total_cost_usd;
        const isError =
          event.is_error === true || (typeof event.subtype === 'string' && event.subtype !== 'success');
        const text = str(event.result) ?? str(event.subtype) ?? 'finished';
        if (!isError && text.trim()) this.usage.lastMessage = clip(text.trim());
        this.onEntry(entry(isError ? 'error' : 'result', text, { isError }));
        return true;
      }
      default:
        return false;
    }
  }

  private claudeBlock(block: unknown, fromAssistant: boolean): void {
    if (!isObject(block)) return;
    if (block.type === 'text' && typeof block.text === 'string') {
      if (fromAssistant) this.message(block.text);
      else this.onEntry(entry('system', block.text));
    } else if (block.type === 'tool_use') {
      const id = str(block.id);
      const name = str(block.name) ?? 'tool';
      if (id) this.toolNames.set(id, name);
      this.onEntry(entry('tool_call', asText(block.input), { tool: name, callId: id }));
    } else if (block.type === 'tool_result') {
      const id = str(block.tool_use_id);
      const isError = block.is_error === true;
      this.onEntry(
        entry('tool_result', asText(block.content), {
          tool: (id && this.toolNames.get(id)) || null,
          callId: id,
          isError,
        }),
      );
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      this.onEntry(entry('system', block.thinking));
    }
  }

  // Codex exec --json: thread.started, turn.*, item.started/updated/completed, error.
  private codex(event: Json): boolean {
    switch (event.type) {
      case 'thread.started':
        if (typeof event.thread_id === 'string') this.usage.sessionId = event.thread_id;
        this.onEntry(entry('system', `thread ${String(event.thread_id ?? '')}`.trim()));
        return true;
      case 'turn.started':
      case 'item.started':
      case 'item.updated':
        // Started/updated items are completed later with their final content.
        return true;
      case 'turn.completed': {
        const usage = isObject(event.usage) ? event.usage : {};
        this.usage.tokensIn = (this.usage.tokensIn ?? 0) + num(usage.input_tokens);
        this.usage.tokensOut = (this.usage.tokensOut ?? 0) + num(usage.output_tokens);
        return true;
      }
      case 'turn.failed': {
        const error = isObject(event.error) ? str(event.error.message) : null;
        this.onEntry(entry('error', error ?? 'turn failed', { isError: true }));
        return true;
      }
      case 'error':
        this.onEntry(entry('error', str(event.message) ?? 'error', { isError: true }));
        return true;
      case 'item.completed':
        return isObject(event.item) && this.codexItem(event.item);
      default:
        return false;
    }
  }

  private codexItem(item: Json): boolean {
    const id = str(item.id);
    switch (item.type) {
      case 'agent_message':
        this.message(str(item.text) ?? '');
        return true;
      case 'reasoning':
        this.onEntry(entry('system', str(item.text) ?? ''));
        return true;
      case 'command_execution': {
        const command = str(item.command) ?? '';
        const exitCode = typeof item.exit_code === 'number' ? item.exit_code : null;
        this.onEntry(entry('tool_call', command, { tool: 'command', callId: id }));
        this.onEntry(
          entry(
            'tool_result',
            `${asText(item.aggregated_output ?? '')}${exitCode === null ? '' : `\n(exit ${exitCode})`}`,
            {
              tool: 'command',
              callId: id,
              isError: item.status === 'failed' || (exitCode !== null && exitCode !== 0),
            },
          ),
        );
        return true;
      }
      case 'file_change':
        this.onEntry(entry('tool_call', asText(item.changes), { tool: 'file_change', callId: id }));
        return true;
      case 'mcp_tool_call': {
        const name = [str(item.server), str(item.tool)].filter(Boolean).join('.') || 'mcp';
        this.onEntry(entry('tool_call', asText(item.arguments ?? null), { tool: name, callId: id }));
        if (item.result !== undefined || item.error !== undefined)
          this.onEntry(
            entry('tool_result', asText(item.error ?? item.result), {
              tool: name,
              callId: id,
              isError: item.error !== undefined && item.error !== null,
            }),
          );
        return true;
      }
      case 'web_search':
        this.onEntry(entry('tool_call', str(item.query) ?? '', { tool: 'web_search', callId: id }));
        return true;
      case 'error':
        this.onEntry(entry('error', str(item.message) ?? 'error', { isError: true }));
        return true;
      default:
        return false;
    }
  }
}
