import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProfileText } from '../../../shared/profile';
import { useTempHomes } from '../../../test/helpers/home';
import { deleteProfile, duplicateProfile, readProfileText, saveProfileText } from './profileFiles';
import { createProfileFromTemplate } from './profileTemplates';
import { listProfileFolders, readProfile } from './profiles';

/** Profiles edited from the app: the loader's checks, atomic writes, and never over a newer file. */

const tempHome = useTempHomes();

describe('profile files from the app', () => {
  it('saves only what the loader accepts, and never over a file changed on disk since it was read', () => {
    const paths = tempHome();
    createProfileFromTemplate(paths, 'writer', 'hermes');
    const file = path.join(paths.profiles, 'writer', 'profile.json');
    const read = readProfileText(paths, 'writer');
    expect(read.text).toBe(fs.readFileSync(file, 'utf8'));

    const bad = JSON.stringify({ command: ['hermes'], maxConcurrent: 0 });
    expect(() => saveProfileText(paths, 'writer', bad, read.version)).toThrow(
      'profile.json: maxConcurrent must be a whole number, at least 1',
    );
    expect(fs.readFileSync(file, 'utf8')).toBe(read.text);

    const edited = JSON.stringify(
      { command: ['hermes', 'chat', '-q', '{prompt}'], maxConcurrent: 2 },
      null,
      2,
    );
    const saved = saveProfileText(paths, 'writer', edited, read.version);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${edited}\n`);
    expect(saved.version).not.toBe(read.version);
    const loaded = readProfile(paths, 'writer', { pathEnv: '' });
    expect(loaded.profile ?? (loaded.ok ? loaded.profile : null)).toMatchObject({ maxConcurrent: 2 });

    // Someone edits the file by hand: a save from the older version is refused, the file stays theirs.
    fs.writeFileSync(file, '{"command": ["hermes"], "maxConcurrent": 4}\n');
    expect(() => saveProfileText(paths, 'writer', edited, saved.version)).toThrow(
      'profiles/writer/profile.json changed on disk since you opened it; nothing was saved',
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('{"command": ["hermes"], "maxConcurrent": 4}\n');
    // A new profile never replaces an existing one.
    expect(() => saveProfileText(paths, 'writer', edited, null)).toThrow('profile "writer" already exists');
    // No temp file is left behind by the refused saves.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['profile.json']);
  });

  it('duplicates a folder with its scripts, pointing the copy at its own script', () => {
    const paths = tempHome();
    createProfileFromTemplate(paths, 'helper', 'shell');
    const copy = duplicateProfile(paths, 'helper', 'helper-2');
    expect(JSON.parse(copy.text).command[0]).toBe('{home}/profiles/helper-2/run.sh');
    const script = path.join(paths.profiles, 'helper-2', 'run.sh');
    expect(fs.readFileSync(script, 'utf8')).toBe(
      fs.readFileSync(path.join(paths.profiles, 'helper', 'run.sh'), 'utf8'),
    );
    expect(fs.statSync(script).mode & 0o111).not.toBe(0);
    expect(readProfile(paths, 'helper-2').ok).toBe(true);
    expect(() => duplicateProfile(paths, 'helper', 'helper-2')).toThrow('profile "helper-2" already exists');
  });

  it('deletes by moving the folder to profiles/.trash, refused when the file changed since it was read', () => {
    const paths = tempHome();
    createProfileFromTemplate(paths, 'gone', 'hermes');
    const read = readProfileText(paths, 'gone');
    fs.appendFileSync(path.join(paths.profiles, 'gone', 'profile.json'), ' ');
    expect(() => deleteProfile(paths, 'gone', read.version)).toThrow('changed on disk since you opened it');
    expect(fs.existsSync(path.join(paths.profiles, 'gone'))).toBe(true);

    const movedTo = deleteProfile(paths, 'gone', readProfileText(paths, 'gone').version);
    expect(path.dirname(movedTo)).toBe(path.join(paths.profiles, '.trash'));
    expect(fs.existsSync(path.join(movedTo, 'profile.json'))).toBe(true);
    expect(listProfileFolders(paths).folders.map((folder) => folder.name)).toEqual([]);
  });
});

describe('checkProfileText (the editor and the loader)', () => {
  it('gives one message per wrong field, in the file order of fields', () => {
    const check = checkProfileText(
      JSON.stringify({ output: 'xml', command: [], maxConcurrent: 1.5, env: { A: 1 }, colour: 'red' }),
    );
    expect(check.ok).toBe(false);
    expect(check.ok ? [] : check.problems).toEqual([
      { field: 'command', message: 'command must be a non-empty array of strings' },
      { field: 'env', message: 'env.A must be a string' },
      { field: 'maxConcurrent', message: 'maxConcurrent must be a whole number, at least 1' },
      { field: 'output', message: 'output must be one of "text", "claude-stream-json", "codex-json"' },
      {
        field: 'colour',
        message:
          'unknown field "colour" (allowed: command, env, maxConcurrent, maxRuntimeSeconds, completion, description, retryExitCodes, output, onSuccess)',
      },
    ]);
    expect(checkProfileText('{\n  "command": ["agent"],\n  "maxConcurrent": 2,\n}')).toEqual({
      ok: false,
      problems: [{ field: null, message: expect.stringMatching(/^invalid JSON \(.* at line 4 column 1\)$/) }],
    });
  });
});
