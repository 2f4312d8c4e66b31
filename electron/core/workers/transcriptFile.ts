import fs from 'node:fs';
import readline from 'node:readline';
import { TranscriptParser, type TranscriptEntry, type TranscriptFormat } from '../../../shared/transcript';

/** The drawer shows at most this many entries: the last ones (a long run has thousands). */
export const TRANSCRIPT_MAX_ENTRIES = 400;

/** Codex's event types; anything else with a `type` is read as Claude Code's stream-json. */
const CODEX_TYPES =
  /^"?(thread\.started|turn\.(started|completed|failed)|item\.(started|updated|completed))"?$/;

/** Which agent wrote this line (the first JSON event of a log decides). */
function sniffFormat(line: string): TranscriptFormat | null {
  try {
    const event = JSON.parse(line) as { type?: unknown };
    if (typeof event?.type !== 'string') return null;
    return CODEX_TYPES.test(event.type) ? 'codex-json' : 'claude-stream-json';
  } catch {
    return null;
  }
}

export interface ReadTranscript {
  format: TranscriptFormat | null;
  entries: TranscriptEntry[];
  /** Entries before these were left out. */
  omitted: number;
}

/**
 * A run's transcript read from its log, streamed line by line (never the whole file in memory),
 * keeping the last TRANSCRIPT_MAX_ENTRIES entries. A log with no JSON event is plain text: no format.
 */
export async function readTranscript(logPath: string): Promise<ReadTranscript> {
  const entries: TranscriptEntry[] = [];
  let omitted = 0;
  let parser: TranscriptParser | null = null;
  const early: string[] = [];
  const keep = (entry: TranscriptEntry): void => {
    entries.push(entry);
    if (entries.length > TRANSCRIPT_MAX_ENTRIES) {
      entries.shift();
      omitted += 1;
    }
  };
  let stream: fs.ReadStream;
  try {
    stream = fs.createReadStream(logPath, { encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { format: null, entries, omitted };
    throw error;
  }
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!parser) {
      const format = sniffFormat(line);
      if (!format) {
        // Lines before the first event (a wrapper's banner): kept as raw text once we know the format.
        if (early.length < 50) early.push(line);
        continue;
      }
      parser = new TranscriptParser(format, keep);
      for (const before of early) parser.push(`${before}\n`);
    }
    parser.push(`${line}\n`);
  }
  parser?.end();
  return { format: parser?.format ?? null, entries, omitted };
}
