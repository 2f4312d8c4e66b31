import fs from 'node:fs';

/**
 * "Has this folder changed?" from one stat: creating, renaming or deleting an entry changes a
 * folder's mtime and ctime (POSIX), and replacing or remounting it changes its device/inode. Used
 * to skip work that depends only on a folder's names (the PATH search cache, the profiles listing).
 *
 * File system timestamps are coarse (ext4 a few ms, HFS+ 1 s, FAT 2 s): an entry created in the same
 * quantum as the folder's last change leaves its timestamps as they were. So an identity is only
 * `settled` — safe to rely on — when the folder's mtime and ctime are at least RECENT_CHANGE_MS older
 * than the moment it was looked at (the "racily clean" rule of git's index); a folder changed just
 * now must be read the plain way until it has been quiet for that long.
 */

/** Longer than the coarsest common timestamp granularity (FAT's 2 s). */
export const RECENT_CHANGE_MS = 3000;

export interface FolderIdentity {
  /** Device, inode, mtime and ctime (ns); `missing` (ENOENT) or `unusable` (not a folder, EACCES …). */
  key: string;
  /** Its timestamps are old enough that a change after `checkedAt` would move them. */
  settled: boolean;
}

export function folderIdentity(folder: string, checkedAt: number): FolderIdentity {
  let stat: fs.BigIntStats | undefined;
  try {
    stat = fs.statSync(folder, { bigint: true, throwIfNoEntry: false });
    if (!stat) return { key: 'missing', settled: false };
  } catch {
    stat = undefined; // EACCES, ENOTDIR …: never relied on
  }
  if (!stat?.isDirectory()) return { key: 'unusable', settled: false };
  const settledBefore = BigInt(checkedAt - RECENT_CHANGE_MS) * 1_000_000n;
  return {
    key: `${stat.dev}:${stat.ino}:${stat.mtimeNs}:${stat.ctimeNs}`,
    settled: stat.mtimeNs < settledBefore && stat.ctimeNs < settledBefore,
  };
}
