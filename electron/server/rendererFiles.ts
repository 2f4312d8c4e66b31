import fs from 'node:fs';
import path from 'node:path';

/**
 * The built renderer's files for `switchyard serve`, kept in memory once read (docs/architecture.md
 * §8; performance issue 17, target 7). A streamed file took one trip to the thread pool and one
 * turn of the event loop per 64 KB chunk, and while a board opens the loop is taking turns with the
 * snapshot's read ahead and the engine's first tick: the 478 KB of the board's code waited behind
 * them chunk by chunk. A kept file is answered in one write. A file is kept as long as its size and
 * modification time are those of the file on disk, so a rebuilt renderer is served anew.
 */

/** Larger files (source maps) are streamed as before and never kept. */
export const MAX_KEPT_FILE_BYTES = 2 * 1024 * 1024;

interface KeptFile {
  size: number;
  mtimeMs: number;
  bytes: Buffer;
}

export class RendererFiles {
  private readonly kept = new Map<string, KeptFile>();

  constructor(private readonly maxFileBytes = MAX_KEPT_FILE_BYTES) {}

  /** Whether `stat`'s file is small enough to keep (else the caller streams it). */
  keeps(stat: fs.Stats): boolean {
    return stat.size <= this.maxFileBytes;
  }

  /** The file's bytes as they are on disk (`stat`, just taken): kept ones when they still match. */
  async read(file: string, stat: fs.Stats): Promise<Buffer> {
    const kept = this.kept.get(file);
    if (kept && kept.size === stat.size && kept.mtimeMs === stat.mtimeMs) return kept.bytes;
    const bytes = await fs.promises.readFile(file);
    // Keep it only if it did not change while it was read.
    if (bytes.length === stat.size) this.kept.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, bytes });
    return bytes;
  }

  /**
   * Reads the page and the board's code ahead (index.html and assets/, not the source maps), in the
   * background, so a board opened right after `serve` starts gets them from memory too. Failures
   * only mean they are read when asked for.
   */
  warm(rendererDir: string): Promise<void> {
    const read = async (file: string): Promise<void> => {
      const stat = await fs.promises.stat(file);
      if (stat.isFile() && this.keeps(stat)) await this.read(file, stat);
    };
    const assets = path.join(rendererDir, 'assets');
    return Promise.all([
      read(path.join(rendererDir, 'index.html')).catch(() => undefined),
      fs.promises
        .readdir(assets)
        .then((names) =>
          Promise.all(
            names
              .filter((name) => !name.endsWith('.map'))
              .map((name) => read(path.join(assets, name)).catch(() => undefined)),
          ),
        )
        .catch(() => undefined),
    ]).then(() => undefined);
  }
}
