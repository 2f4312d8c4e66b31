import { describe, expect, it } from 'vitest';
import { createLogStateMailbox, LogStateMailboxReader, LogStateMailboxWriter } from './logStateMailbox';

// The log thread's batches to the main thread without a lock (logStateMailbox.ts).
describe('the log-state mailbox', () => {
  it('hands one batch over at a time: busy until it is taken, then free again', () => {
    const buffer = createLogStateMailbox(64);
    const writer = new LogStateMailboxWriter(buffer);
    const reader = new LogStateMailboxReader(buffer);
    expect(reader.take()).toBeNull();
    expect(writer.put('[{"id":1,"lastLine":"héllo ✓"}]')).toBe('put');
    expect(writer.put('[{"id":2}]')).toBe('busy');
    expect(reader.take()).toBe('[{"id":1,"lastLine":"héllo ✓"}]');
    expect(reader.take()).toBeNull();
    expect(writer.put('[{"id":2}]')).toBe('put');
    expect(reader.take()).toBe('[{"id":2}]');
  });

  it('refuses a batch larger than the slot and keeps the slot free', () => {
    const buffer = createLogStateMailbox(16);
    const writer = new LogStateMailboxWriter(buffer);
    const reader = new LogStateMailboxReader(buffer);
    expect(writer.put('x'.repeat(17))).toBe('too big');
    // Four bytes of UTF-8 per character: 5 characters do not fit in 16 bytes.
    expect(writer.put('😀😀😀😀😀'.slice(0, 10))).toBe('too big');
    expect(reader.take()).toBeNull();
    expect(writer.put('x'.repeat(16))).toBe('put');
    expect(reader.take()).toBe('x'.repeat(16));
  });
});
