import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TranscriptParser, type TranscriptEntry, type TranscriptFormat } from '../../../shared/transcript';

/** docs/architecture.md §10: recorded Claude Code and Codex sessions (test/fixtures/transcripts) read incrementally. */

const fixture = (name: string): string =>
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'transcripts', name), 'utf8');

function parse(format: TranscriptFormat, text: string, pieceSize = text.length) {
  const entries: TranscriptEntry[] = [];
  const parser = new TranscriptParser(format, (entry) => entries.push(entry));
  for (let at = 0; at < text.length; at += pieceSize) parser.push(text.slice(at, at + pieceSize));
  parser.end();
  return { entries, totals: parser.totals };
}

describe('Claude Code stream-json', () => {
  const text = fixture('claude-stream.jsonl');

  it('gives messages, tool calls with results, the result, and the totals of its result event', () => {
    const { entries, totals } = parse('claude-stream-json', text);
    expect(entries.map((entry) => [entry.kind, entry.tool])).toEqual([
      ['system', null],
      ['message', null],
      ['tool_call', 'Bash'],
      ['tool_result', 'Bash'],
      ['tool_call', 'Edit'],
      ['tool_result', 'Edit'],
      ['message', null],
      ['result', null],
    ]);
    expect(entries[2]?.text).toBe('{"command":"npm test -- login","description":"Run the login tests"}');
    expect(entries[3]?.text).toBe('FAIL src/login.test.ts\n  expected 200, received 401');
    expect(totals).toEqual({
      tokensIn: 42 + 5210 + 17350,
      tokensOut: 436,
      costUsd: 0.0412735,
      sessionId: '8f2c1a9e-4b7d-4e0a-9c31-2d5e6f7a8b90',
      lastMessage: 'Fixed the off-by-one in token expiry; the login tests pass now.',
    });
  });

  it('reads the same whatever the pieces the stream arrives in', () => {
    const whole = parse('claude-stream-json', text);
    for (const size of [1, 7, 100]) expect(parse('claude-stream-json', text, size)).toEqual(whole);
  });

  it('keeps a truncated event and a garbage line as raw text and goes on', () => {
    const lines = text.split('\n');
    const broken = [
      ...lines.slice(0, 3),
      '{"type":"assistant","message":{"conte',
      'not json at all',
      ...lines.slice(3),
    ].join('\n');
    const { entries, totals } = parse('claude-stream-json', broken, 13);
    expect(entries.filter((entry) => entry.kind === 'raw').map((entry) => entry.text)).toEqual([
      '{"type":"assistant","message":{"conte',
      'not json at all',
    ]);
    expect(entries).toHaveLength(10);
    expect(totals.costUsd).toBe(0.0412735);
  });

  it('keeps JSON of an unknown kind as raw text, and an unfinished last line too', () => {
    const { entries } = parse('claude-stream-json', '{"type":"stream_event","x":1}\n{"type":"result","subt');
    expect(entries.map((entry) => entry.kind)).toEqual(['raw', 'raw']);
  });
});

describe('Codex exec --json', () => {
  it('gives reasoning, the command with its output, the message, and usage from turn.completed', () => {
    const { entries, totals } = parse('codex-json', fixture('codex-exec.jsonl'), 5);
    expect(entries.map((entry) => entry.kind)).toEqual([
      'system',
      'system',
      'tool_call',
      'tool_result',
      'message',
    ]);
    expect(entries[2]).toMatchObject({ tool: 'command', text: 'bash -lc ls' });
    expect(entries[3]?.text).toBe('README.md\nsrc\npackage.json\n\n(exit 0)');
    expect(totals).toEqual({
      tokensIn: 24763,
      tokensOut: 122,
      costUsd: null,
      sessionId: '0199a213-81c0-7800-8aa1-bbab2a035a53',
      lastMessage: 'The repository has a README, a src folder and package.json.',
    });
  });
});

describe('totals without a listener (what the supervisor keeps per run)', () => {
  it.each([
    ['claude-stream-json', 'claude-stream.jsonl'],
    ['codex-json', 'codex-exec.jsonl'],
  ] as const)(
    '%s: the same totals as a full parse, read in small pieces, garbage included',
    (format, name) => {
      const lines = fixture(name).split('\n');
      // A truncated event and a line of garbage in the middle, as the supervisor may meet them.
      const text = [
        ...lines.slice(0, 3),
        '{"type":"assistant","message":{"content":[{"type":"te',
        'oops',
        ...lines.slice(3),
      ].join('\n');
      const totalsOnly = new TranscriptParser(format);
      for (let at = 0; at < text.length; at += 7) totalsOnly.push(text.slice(at, at + 7));
      totalsOnly.end();
      const full = parse(format, text, 7).totals;
      expect(full.sessionId).not.toBeNull();
      expect(full.tokensIn).not.toBeNull();
      expect(full.lastMessage).not.toBeNull();
      expect(totalsOnly.totals).toEqual(full);

      // Read while the agent still runs (before its last lines): what a full parse says so far.
      for (const cut of [4, 6, lines.length - 2]) {
        const partial = `${lines.slice(0, cut).join('\n')}\n`;
        const running = new TranscriptParser(format);
        running.push(partial);
        expect(running.totals, `first ${cut} lines`).toEqual(parse(format, partial).totals);
      }
    },
  );
});

describe('totals without a listener on mixed streams', () => {
  const claudeLines = [
    { type: 'system', subtype: 'init', session_id: 's-1', model: 'm' },
    { type: 'assistant', message: { content: [{ type: 'text', text: 'First look.' }] }, session_id: 's-1' },
    {
      type: 'assistant',
      message: { content: [{ type: 'tool_use', id: 't1', name: 'Read', input: { text: 'x' } }] },
    },
    {
      type: 'user',
      message: {
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'file "text"' }] },
        ],
      },
    },
    { type: 'user', message: { content: [{ type: 'text', text: 'a user note, not the agent' }] } },
    { type: 'assistant', message: { content: [{ type: 'text', text: '   ' }] } },
    { type: 'assistant', message: { content: [{ type: 'text', text: 'Second: the "result" is near.' }] } },
    {
      type: 'result',
      subtype: 'success',
      result: 'All done.',
      total_cost_usd: 0.5,
      usage: { input_tokens: 7, output_tokens: 3 },
    },
    { type: 'assistant', message: { content: [{ type: 'text', text: 'An afterthought.' }] } },
  ].map((event) => JSON.stringify(event));
  const codexLines = [
    { type: 'thread.started', thread_id: 'th-1' },
    { type: 'item.completed', item: { id: 'i0', type: 'agent_message', text: 'One.' } },
    { type: 'turn.completed', usage: { input_tokens: 10, output_tokens: 2 } },
    { type: 'item.completed', item: { id: 'i1', type: 'agent_message', text: 'Two.' } },
    { type: 'item.started', item: { id: 'i2', type: 'agent_message', text: '' } },
    {
      type: 'item.completed',
      item: { id: 'i3', type: 'command_execution', command: 'ls', aggregated_output: 'agent_message' },
    },
    { type: 'turn.completed', usage: { input_tokens: 5, output_tokens: 1 } },
  ].map((event) => JSON.stringify(event));

  it.each([
    ['claude-stream-json', claudeLines],
    ['codex-json', codexLines],
  ] as const)('%s: after every line, in any piece size, the totals of a full parse', (format, lines) => {
    for (let cut = 1; cut <= lines.length; cut += 1) {
      const text = `${lines.slice(0, cut).join('\n')}\n`;
      for (const size of [1, 5, 64, text.length]) {
        const totalsOnly = new TranscriptParser(format);
        for (let at = 0; at < text.length; at += size) totalsOnly.push(text.slice(at, at + size));
        expect(totalsOnly.totals, `${cut} lines in pieces of ${size}`).toEqual(parse(format, text).totals);
      }
    }
  });
});

describe('totals without a listener on a long stream (issue 17, target 12)', () => {
  it.each(['claude-stream-json', 'codex-json'] as const)(
    '%s: a message line is parsed only when it may be the last message, not each one',
    (format) => {
      const lines = [
        format === 'claude-stream-json'
          ? JSON.stringify({ type: 'system', subtype: 'init', session_id: 's-1' })
          : JSON.stringify({ type: 'thread.started', thread_id: 'th-1' }),
      ];
      for (let n = 0; n < 5_000; n += 1)
        lines.push(
          format === 'claude-stream-json'
            ? JSON.stringify({
                type: 'assistant',
                message: { content: [{ type: 'text', text: `Step ${n}.` }] },
                session_id: 's-1',
              })
            : JSON.stringify({
                type: 'item.completed',
                item: { id: `i${n}`, type: 'agent_message', text: `Step ${n}.` },
              }),
        );
      const text = `${lines.join('\n')}\n`;
      const totalsOnly = new TranscriptParser(format);
      const jsonParse = vi.spyOn(JSON, 'parse');
      try {
        for (let at = 0; at < text.length; at += 64 * 1024) totalsOnly.push(text.slice(at, at + 64 * 1024));
        expect(totalsOnly.totals.lastMessage).toBe('Step 4999.');
        // One parse per 64 lines set aside at most (the bound), plus the first line and the read.
        expect(jsonParse.mock.calls.length).toBeLessThanOrEqual(5_000 / 64 + 10);
      } finally {
        jsonParse.mockRestore();
      }
      expect(totalsOnly.totals).toEqual(parse(format, text).totals);
    },
  );
});
