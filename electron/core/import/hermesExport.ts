import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SwitchyardError } from '../errors';
import { statInputFile } from '../inputFiles';
import { writeHermesShapedDatabase } from '../store/hermesJsonExport';

/**
 * Hermes's own board exports, as `switchyard import-hermes` reads them besides a plain kanban.db:
 *
 * 1. The board archive of `hermes kanban export` (NousResearch/hermes-agent, hermes_cli's
 *    kanban board transfer): `<slug>.tar.gz` with ONE top-level folder holding `manifest.json`
 *    (`"format": "hermes-kanban-board"`, `"format_version": 1`, `board`, `board_name`,
 *    `exported_at`, `hermes_version`, `counts`), `board.json`, `kanban.db` (an online-backup
 *    snapshot with claims and PIDs scrubbed), and optionally `attachments/` and `logs/`.
 *    Only manifest.json and kanban.db are read; nothing named in the archive is ever used as a
 *    path here (both land under fixed names in a private temp folder), so a crafted archive cannot
 *    write anywhere.
 * 2. The dashboard's JSON export (`"format": "hermes-kanban-json"`, `"version": 1`, `board`,
 *    `tasks` as Hermes task records, `links` as `{parent_id, child_id}`): its tasks and links are
 *    written into a temporary kanban.db of the same shape, so both go through the one importer.
 */

export const HERMES_ARCHIVE_FORMAT = 'hermes-kanban-board';
export const HERMES_JSON_FORMAT = 'hermes-kanban-json';

export interface HermesManifest {
  board: string | null;
  boardName: string | null;
  exportedAt: number | null;
  hermesVersion: string | null;
}

export interface PreparedHermesSource {
  /** A kanban.db to import (the file itself, or one unpacked into a temp folder). */
  database: string;
  kind: 'kanban.db' | 'archive' | 'json';
  manifest: HermesManifest | null;
  cleanup(): void;
}

const MANIFEST_MAX_BYTES = 1024 * 1024;
const JSON_EXPORT_MAX_BYTES = 256 * 1024 * 1024;

function firstBytes(file: string, count: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(count);
    const read = fs.readSync(fd, buffer, 0, count, 0);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/** Decides what `file` is and makes a kanban.db of it. The caller must call cleanup(). */
export async function prepareHermesSource(file: string): Promise<PreparedHermesSource> {
  const stat = statInputFile(file);
  const head = firstBytes(file, 16);
  if (head[0] === 0x1f && head[1] === 0x8b) return unpackArchive(file);
  if (head.toString('latin1').trimStart().startsWith('{')) return fromJsonExport(file, stat.size);
  return { database: file, kind: 'kanban.db', manifest: null, cleanup: () => undefined };
}

function privateTempDir(): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-hermes-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

interface TarEntry {
  name: string;
  type: string;
  size: number;
}

function parseOctal(field: Buffer): number {
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function headerOf(block: Buffer, longName: string | null): TarEntry {
  const name = block.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
  const prefix = block.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
  const magic = block.subarray(257, 262).toString('latin1');
  const full = longName ?? (magic === 'ustar' && prefix ? `${prefix}/${name}` : name);
  return {
    name: full,
    type: String.fromCharCode(block[156] ?? 0x30),
    size: parseOctal(block.subarray(124, 136)),
  };
}

/**
 * A streaming tar reader: hands the body of `wanted` entries (by their path below the one top
 * folder) to files under fixed names; everything else is skipped without being kept.
 */
class TarPicker extends Writable {
  private pending: Buffer = Buffer.alloc(0);
  private entry:
    (TarEntry & { remaining: number; padding: number; out: number | null; collect: Buffer[] | null }) | null =
    null;
  private longName: string | null = null;
  private zeroBlocks = 0;
  readonly roots = new Set<string>();
  readonly found = new Set<string>();

  constructor(private readonly wanted: Map<string, string>) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    try {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      this.consume();
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private consume(): void {
    for (;;) {
      if (this.entry) {
        if (this.entry.remaining > 0) {
          if (this.pending.length === 0) return;
          const take = Math.min(this.entry.remaining, this.pending.length);
          const part = this.pending.subarray(0, take);
          if (this.entry.out !== null) fs.writeSync(this.entry.out, part);
          if (this.entry.collect) this.entry.collect.push(Buffer.from(part));
          this.entry.remaining -= take;
          this.pending = this.pending.subarray(take);
          continue;
        }
        if (this.pending.length < this.entry.padding) return;
        this.pending = this.pending.subarray(this.entry.padding);
        this.finishEntry();
        continue;
      }
      if (this.pending.length < 512) return;
      const block = this.pending.subarray(0, 512);
      this.pending = this.pending.subarray(512);
      if (block.every((byte) => byte === 0)) {
        this.zeroBlocks++;
        continue;
      }
      const header = headerOf(block, this.longName);
      this.longName = null;
      const padding = (512 - (header.size % 512)) % 512;
      const isLongName = header.type === 'L';
      const relative = this.relativeName(header);
      const target =
        header.type === '0' || header.type === '\0' ? this.wanted.get(relative ?? '') : undefined;
      this.entry = {
        ...header,
        remaining: header.size,
        padding,
        out: target ? fs.openSync(target, 'wx', 0o600) : null,
        collect: isLongName ? [] : null,
      };
      if (target) this.found.add(relative as string);
    }
  }

  /** The entry's path below the archive's top folder (recording the top folders seen). */
  private relativeName(header: TarEntry): string | null {
    if (header.type === 'L' || header.type === 'x' || header.type === 'g') return null;
    const parts = header.name.split('/').filter((part) => part !== '' && part !== '.');
    if (parts.length === 0) return null;
    this.roots.add(parts[0] as string);
    return parts.slice(1).join('/');
  }

  private finishEntry(): void {
    const entry = this.entry;
    this.entry = null;
    if (!entry) return;
    if (entry.out !== null) fs.closeSync(entry.out);
    if (entry.collect) this.longName = Buffer.concat(entry.collect).toString('utf8').replace(/\0.*$/s, '');
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.entry?.out != null) fs.closeSync(this.entry.out);
    if (this.entry && this.entry.remaining > 0) done(new Error('the archive ends in the middle of a file'));
    else done();
  }
}

async function unpackArchive(file: string): Promise<PreparedHermesSource> {
  const temp = privateTempDir();
  const manifestFile = path.join(temp.dir, 'manifest.json');
  const database = path.join(temp.dir, 'kanban.db');
  const picker = new TarPicker(
    new Map([
      ['manifest.json', manifestFile],
      ['kanban.db', database],
    ]),
  );
  try {
    try {
      await pipeline(fs.createReadStream(file), createGunzip(), picker);
    } catch (error) {
      throw new SwitchyardError(
        'invalid_input',
        `${file} is not a readable Hermes board archive: ${(error as Error).message}`,
      );
    }
    if (picker.roots.size !== 1)
      throw new SwitchyardError(
        'invalid_input',
        `${file} is not a Hermes board archive (it must hold exactly one top-level folder)`,
      );
    if (!picker.found.has('manifest.json'))
      throw new SwitchyardError('invalid_input', `${file} is not a Hermes board archive (no manifest.json)`);
    const manifest = readManifest(manifestFile, file);
    if (!picker.found.has('kanban.db'))
      throw new SwitchyardError('invalid_input', `${file} is a Hermes board archive without its kanban.db`);
    return { database, kind: 'archive', manifest, cleanup: temp.cleanup };
  } catch (error) {
    temp.cleanup();
    throw error;
  }
}

function readManifest(manifestFile: string, archive: string): HermesManifest {
  if (fs.statSync(manifestFile).size > MANIFEST_MAX_BYTES)
    throw new SwitchyardError('invalid_input', `${archive}: manifest.json is larger than 1 MiB`);
  let manifest: Record<string, unknown>;
  try {
    const parsed = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    manifest = parsed as Record<string, unknown>;
  } catch {
    throw new SwitchyardError('invalid_input', `${archive}: manifest.json is not valid JSON`);
  }
  if (manifest.format !== HERMES_ARCHIVE_FORMAT)
    throw new SwitchyardError(
      'invalid_input',
      `${archive} is not a Hermes board archive (manifest format is not "${HERMES_ARCHIVE_FORMAT}")`,
    );
  refuseUnreadableVersion(manifest.format_version, {
    missing: `${archive}: its manifest has no "format_version" number`,
    newer: (version) =>
      `${archive} is Hermes board archive format ${version}; this Switchyard reads format 1`,
  });
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    board: text(manifest.board),
    boardName: text(manifest.board_name),
    exportedAt: typeof manifest.exported_at === 'number' ? manifest.exported_at : null,
    hermesVersion: text(manifest.hermes_version),
  };
}

/** Both Hermes export formats are at version 1: a missing or newer one is refused in one line. */
function refuseUnreadableVersion(
  version: unknown,
  say: { missing: string; newer: (version: number) => string },
): void {
  if (typeof version !== 'number')
    throw new SwitchyardError('invalid_input', `${say.missing} (this Switchyard reads 1)`);
  if (version > 1) throw new SwitchyardError('invalid_input', say.newer(version));
}

function fromJsonExport(file: string, size: number): PreparedHermesSource {
  if (size > JSON_EXPORT_MAX_BYTES)
    throw new SwitchyardError('invalid_input', `${file} is larger than 256 MiB`);
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new SwitchyardError('invalid_input', `${file} is neither a Hermes kanban.db nor valid JSON`);
  }
  if (data?.format !== HERMES_JSON_FORMAT)
    throw new SwitchyardError(
      'invalid_input',
      `${file} is not a Hermes board export (no "format": "${HERMES_JSON_FORMAT}")`,
    );
  refuseUnreadableVersion(data.version, {
    missing: `${file}: this Hermes JSON export has no "version" number`,
    newer: (version) => `${file} is Hermes JSON export version ${version}; this Switchyard reads 1`,
  });
  const tasks = Array.isArray(data.tasks) ? data.tasks : [];
  const links = Array.isArray(data.links) ? data.links : [];
  const temp = privateTempDir();
  const database = path.join(temp.dir, 'kanban.db');
  try {
    writeHermesShapedDatabase(database, tasks, links);
  } catch (error) {
    temp.cleanup();
    throw error;
  }
  const board = data.board && typeof data.board === 'object' ? (data.board as Record<string, unknown>) : {};
  return {
    database,
    kind: 'json',
    manifest: {
      board: typeof board.slug === 'string' ? board.slug : null,
      boardName: typeof board.name === 'string' ? board.name : null,
      exportedAt: typeof data.exported_at === 'number' ? data.exported_at : null,
      hermesVersion: null,
    },
    cleanup: temp.cleanup,
  };
}
