/**
 * The log thread's batches to the main thread through shared memory (structuredLogs.ts), not
 * through postMessage.
 *
 * Why not a message: Node's MessagePort queues a message under the receiving port's mutex and wakes
 * the receiver's event loop (uv_async_send) while it still holds it. The main thread wakes, often on
 * the same CPU, preempts the lower-priority log thread inside that critical section, and blocks on
 * the mutex in MessagePort::OnMessage until the log thread is given a core again — on a loaded
 * machine tens of milliseconds, once 96 ms, with the main thread neither running nor waiting for a
 * core (a priority inversion; the main thread's user stack and the log thread's state at that moment
 * in bench/RESULTS.md, "Rows 5 and 12: what the main thread sleeps on"). Here nothing is locked: one
 * slot that belongs either to the writer (empty) or to the reader (full), handed over with one
 * atomic store each way, and the main thread takes it on its own timer.
 */

/** The slot's text capacity: 40 logs' states are a few KB; a larger batch goes by message instead. */
export const LOG_STATE_MAILBOX_BYTES = 256 * 1024;

/** Int32 words before the text: who holds the slot, and the text's length in bytes. */
const OWNER = 0;
const LENGTH = 1;
const HEADER_BYTES = 8;
const EMPTY = 0; // the writer's: it may put a batch
const FULL = 1; // the reader's: a batch waits to be taken

export function createLogStateMailbox(bytes = LOG_STATE_MAILBOX_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + bytes);
}

/** What both sides see of the slot: the header's words and the text after them. */
abstract class LogStateMailboxSide {
  protected readonly control: Int32Array;
  protected readonly text: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, 2);
    this.text = new Uint8Array(buffer, HEADER_BYTES);
  }
}

/** The log thread's side. */
export class LogStateMailboxWriter extends LogStateMailboxSide {
  private readonly encoder = new TextEncoder();

  /**
   * Puts a batch: "put", "busy" (the last one is not taken yet: keep the changes, try later) or
   * "too big" (send it another way).
   */
  put(batch: string): 'put' | 'busy' | 'too big' {
    if (Atomics.load(this.control, OWNER) !== EMPTY) return 'busy';
    const { read, written } = this.encoder.encodeInto(batch, this.text);
    if (read < batch.length) return 'too big';
    Atomics.store(this.control, LENGTH, written);
    // Last: the store that hands the slot over publishes the text written before it.
    Atomics.store(this.control, OWNER, FULL);
    return 'put';
  }
}

/** The main thread's side. */
export class LogStateMailboxReader extends LogStateMailboxSide {
  private readonly decoder = new TextDecoder();

  /** The waiting batch, or null; taking it gives the slot back to the writer. */
  take(): string | null {
    if (Atomics.load(this.control, OWNER) !== FULL) return null;
    // slice copies out of shared memory (TextDecoder does not read a shared buffer).
    const batch = this.decoder.decode(this.text.slice(0, Atomics.load(this.control, LENGTH)));
    Atomics.store(this.control, OWNER, EMPTY);
    return batch;
  }
}
