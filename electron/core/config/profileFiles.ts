import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROFILE_FILE, PROFILE_MAX_BYTES, checkProfileText } from '../../../shared/profile';
import { SwitchyardError, invalidInput, notFound } from '../errors';
import { ensureOwnedDir } from '../ownedFiles';
import type { HomePaths } from './home';
import { readSmallTextFile, writeFileAtomically } from './jsonFile';
import { profileDir, profileFile } from './profiles';

/**
 * Profiles edited from the app (the Lanes view): the same files on disk as by hand. Every change is
 * checked against the version of profile.json the editor read, so a file someone changed on disk
 * meanwhile is never overwritten (nor removed); writes are atomic (temp file + rename).
 */

export interface ProfileText {
  name: string;
  /** profile.json as it is on disk. */
  text: string;
  /** Names this exact content; saving with an older version is refused. */
  version: string;
}

export const profileVersion = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);

/** profile.json's text, or null when the profile folder has none. */
function currentText(paths: Pick<HomePaths, 'profiles'>, name: string): string | null {
  const read = readSmallTextFile(profileFile(paths, name), PROFILE_MAX_BYTES);
  if (read === null) return null;
  if ('problem' in read) throw invalidInput(`profiles/${name}/${PROFILE_FILE}: ${read.problem}`);
  return read.text;
}

export function readProfileText(paths: Pick<HomePaths, 'profiles'>, name: string): ProfileText {
  const text = currentText(paths, name);
  if (text === null) throw notFound(`no profile "${name}" (expected ${profileFile(paths, name)})`);
  return { name, text, version: profileVersion(text) };
}

/** The one-line refusal when the file moved on under the editor; nothing is written. */
function changedOnDisk(name: string, now: string | null): SwitchyardError {
  return new SwitchyardError(
    'conflict',
    now === null
      ? `profiles/${name}/${PROFILE_FILE} was removed on disk since you opened it; nothing was saved (copy your text, then create the profile again)`
      : `profiles/${name}/${PROFILE_FILE} changed on disk since you opened it; nothing was saved (reload it to see the change, then edit again)`,
  );
}

/**
 * Writes profile.json after checking it with the loader's schema. `version` is what the editor
 * read (null: a new profile, which must not exist yet).
 */
export function saveProfileText(
  paths: Pick<HomePaths, 'home' | 'profiles'>,
  name: string,
  text: string,
  version: string | null,
): ProfileText {
  const check = checkProfileText(text);
  if (!check.ok) {
    const [first] = check.problems;
    throw invalidInput(`${PROFILE_FILE}: ${first?.message ?? 'invalid'}`);
  }
  const now = currentText(paths, name);
  if (version === null && now !== null)
    throw new SwitchyardError('conflict', `profile "${name}" already exists; open it to edit it`);
  if (version !== null && (now === null || profileVersion(now) !== version)) throw changedOnDisk(name, now);
  const content = text.endsWith('\n') ? text : `${text}\n`;
  writeFileAtomically(paths.home, profileFile(paths, name), content);
  return { name, text: content, version: profileVersion(content) };
}

/**
 * A copy of profile `from` named `to`: every file of its folder (scripts keep their modes), and a
 * command that ran a script of the old folder (`{home}/profiles/FROM/…`) runs the copy's.
 */
export function duplicateProfile(
  paths: Pick<HomePaths, 'home' | 'profiles'>,
  from: string,
  to: string,
): ProfileText {
  const source = readProfileText(paths, from);
  const target = profileDir(paths, to);
  if (fs.existsSync(target)) throw new SwitchyardError('conflict', `profile "${to}" already exists`);
  const raw = JSON.parse(source.text) as { command?: unknown };
  if (Array.isArray(raw.command)) {
    const oldFolder = `{home}/profiles/${from}/`;
    raw.command = raw.command.map((part: unknown) =>
      typeof part === 'string' && part.startsWith(oldFolder)
        ? `{home}/profiles/${to}/${part.slice(oldFolder.length)}`
        : part,
    );
  }
  ensureOwnedDir(paths.home, target);
  // Scripts first: the copy becomes a profile (and valid) only once everything it runs exists.
  for (const entry of fs.readdirSync(profileDir(paths, from), { withFileTypes: true })) {
    if (!entry.isFile() || entry.name === PROFILE_FILE || entry.name.startsWith('.')) continue;
    const file = path.join(profileDir(paths, from), entry.name);
    writeFileAtomically(
      paths.home,
      path.join(target, entry.name),
      fs.readFileSync(file, 'utf8'),
      fs.statSync(file).mode & 0o777,
    );
  }
  const text = `${JSON.stringify(raw, null, 2)}\n`;
  writeFileAtomically(paths.home, profileFile(paths, to), text);
  return { name: to, text, version: profileVersion(text) };
}

/**
 * Deletes a profile by moving its folder to `profiles/.trash/` (hidden, so no lane), nothing lost;
 * refused when profile.json changed since `version` was read.
 */
export function deleteProfile(
  paths: Pick<HomePaths, 'home' | 'profiles'>,
  name: string,
  version: string,
): string {
  const now = currentText(paths, name);
  if (now === null && !fs.existsSync(profileDir(paths, name))) throw notFound(`no profile "${name}"`);
  if (now === null || profileVersion(now) !== version) throw changedOnDisk(name, now);
  const trash = ensureOwnedDir(paths.home, path.join(paths.profiles, '.trash'));
  const movedTo = path.join(trash, `${name}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.renameSync(profileDir(paths, name), movedTo);
  return movedTo;
}
