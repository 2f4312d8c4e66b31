import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { PROFILE_TEMPLATE_NAMES, type ProfileTemplateName } from '../../../shared/constants';
import type { ProfileText } from '../../../shared/contract';
import { ApiError, errorMessage } from '../api/boardApi';
import { assigneeSchema } from '../../../shared/domain';
import { checkProfileText } from '../../../shared/profile';
import { describeRefusal } from '../../../shared/refusalText';
import { useBoardContext } from '../store/context';
import { FormActions, FormError, TextField } from '../dialogs/FormFields';
import { Modal } from '../dialogs/Modal';

/**
 * Profiles from the Lanes view (docs/profiles.md): a new one from a template, then profile.json in
 * an editor checked as you type by the loader's own schema (shared/profile.ts), one message per
 * field. Saving names the version that was read, so a file changed on disk meanwhile is refused
 * (and the text kept); duplicate and delete work on the same files.
 */

const TEMPLATE_NOTES: Record<ProfileTemplateName, string> = {
  shell: 'a script (run.sh) you edit, reporting back with switchyard complete',
  claude: 'Claude Code in print mode, stream-json transcript, cost per run',
  codex: 'Codex exec --json, workspace-write sandbox',
  hermes: 'Hermes Agent, one query per task',
};

/** The name a lane gets (lowercase), or the rule it breaks. */
function checkName(name: string): { name: string } | { problem: string } {
  const parsed = assigneeSchema.safeParse(name);
  return parsed.success
    ? { name: parsed.data }
    : { problem: describeRefusal(parsed.error, { field: 'name' }) };
}

export function NewProfileDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (name: string) => void;
}) {
  const { api, store } = useBoardContext();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<ProfileTemplateName>('claude');
  const [error, setError] = useState<string | null>(null);
  const checked = name.trim() ? checkName(name) : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!checked || 'problem' in checked) return setError(checked ? checked.problem : 'A name is required.');
    try {
      const lane = await api.call('createProfile', { name: checked.name, template });
      store.getState().upsertLane(lane);
      onCreated(lane.name);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  };

  return (
    <Modal
      as="form"
      className="task-form"
      label="New profile"
      testId="new-profile-dialog"
      onClose={onClose}
      onSubmit={(event) => void submit(event)}
    >
      <h2>New profile</h2>
      <TextField
        label="Name (the lane tasks are assigned to)"
        autoFocus
        data-testid="new-profile-name"
        placeholder="e.g. reviewer"
        value={name}
        onChange={(typed) => {
          setName(typed);
          setError(null);
        }}
      />
      {checked && 'problem' in checked && <p className="form-error">{checked.problem}</p>}
      <fieldset className="template-choice">
        <legend>Start from</legend>
        {PROFILE_TEMPLATE_NAMES.map((option) => (
          <label key={option}>
            <input
              type="radio"
              name="template"
              value={option}
              checked={template === option}
              data-testid={`new-profile-template-${option}`}
              onChange={() => setTemplate(option)}
            />
            <strong>{option}</strong> <span className="muted">{TEMPLATE_NOTES[option]}</span>
          </label>
        ))}
      </fieldset>
      <FormError message={error} />
      <FormActions
        cancelLabel="Cancel"
        onCancel={onClose}
        submitLabel="Create and edit"
        submitTestId="new-profile-create"
      />
    </Modal>
  );
}

export function ProfileEditor({
  name,
  onClose,
  onOpen,
}: {
  name: string;
  onClose: () => void;
  /** Another profile to edit (the copy just made). */
  onOpen: (name: string) => void;
}) {
  const { api, store } = useBoardContext();
  /** What was read; `version` null: no profile.json yet (saving creates it). */
  const [file, setFile] = useState<(Omit<ProfileText, 'version'> & { version: string | null }) | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [copyName, setCopyName] = useState<string | null>(null);

  const load = async () => {
    try {
      const read = await api.call('profileFile', { name });
      setFile(read);
      setText(read.text);
      setError(null);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'not_found') {
        // The folder has no profile.json yet: start one (saved as new, never over a file).
        const start = `${JSON.stringify({ command: ['agent', '{prompt}'] }, null, 2)}\n`;
        setFile({ name, text: '', version: null });
        setText(start);
        setError(null);
        return;
      }
      setError(errorMessage(failure));
    }
  };
  // Loaded once per profile (the dialog is keyed by name); "Reload from disk" loads again.
  useEffect(() => {
    void load();
  }, []);

  // The loader's own check, as the user types.
  const check = useMemo(() => checkProfileText(text), [text]);
  const edited = file !== null && text !== file.text;

  const save = async () => {
    if (!file || !check.ok) return;
    try {
      const result = await api.call('saveProfile', { name, text, version: file.version });
      store.getState().upsertLane(result.lane);
      setFile(result);
      setText(result.text);
      setError(null);
      setSaved(true);
    } catch (failure) {
      // Nothing was written: the text stays in the editor.
      setError(errorMessage(failure));
    }
  };
  const reload = async () => {
    if (
      edited &&
      !(await store.getState().askConfirm('Discard your edits and load the file from disk?', 'Reload'))
    )
      return;
    await load();
  };
  const duplicate = async () => {
    const checked = checkName(copyName ?? '');
    if ('problem' in checked) return setError(checked.problem);
    try {
      const copy = await api.call('duplicateProfile', { name, newName: checked.name });
      store.getState().upsertLane(copy.lane);
      store.getState().pushToast('info', `Copied ${name} to ${copy.name}`);
      onOpen(copy.name);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  };
  const remove = async () => {
    if (!file?.version) return;
    const ok = await store
      .getState()
      .askConfirm(
        `Delete profile “${name}”? Its folder moves to profiles/.trash; its tasks stay, on a lane without a profile.`,
        'Delete',
      );
    if (!ok) return;
    try {
      const deleted = await api.call('deleteProfile', { name, version: file.version });
      store.getState().pushToast('info', `Deleted profile ${name} (moved to ${deleted.movedTo})`);
      const lanes = await store.getState().run('laneStatuses', { board: store.getState().board });
      if (lanes) store.getState().replaceLanes(lanes);
      onClose();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  };

  return (
    <Modal
      className="task-form profile-editor"
      label={`Profile ${name}`}
      testId="profile-editor"
      onClose={onClose}
    >
      <h2>
        Profile <code>{name}</code> <span className="muted">profiles/{name}/profile.json</span>
      </h2>
      {file === null && !error && <p className="muted">Loading…</p>}
      {file !== null && (
        <>
          <textarea
            className="profile-text"
            spellCheck={false}
            rows={16}
            aria-label="profile.json"
            data-testid="profile-text"
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              setSaved(false);
            }}
          />
          {check.ok ? (
            <p className="form-note" data-testid="profile-valid">
              {saved && !edited ? 'Saved. ' : ''}Valid: {check.value.command[0]} · {check.value.maxConcurrent}{' '}
              at a time · completion {check.value.completion} · output {check.value.output}
            </p>
          ) : (
            <ul className="problem-list" data-testid="profile-problems">
              {check.problems.map((problem) => (
                <li key={problem.field ?? '-'} data-testid={`profile-problem-${problem.field ?? 'file'}`}>
                  {problem.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <FormError message={error} testId="profile-error" />
      {copyName !== null && (
        <form
          className="action-row"
          onSubmit={(event) => {
            event.preventDefault();
            void duplicate();
          }}
        >
          <input
            autoFocus
            aria-label="Name of the copy"
            data-testid="profile-copy-name"
            value={copyName}
            onChange={(event) => setCopyName(event.target.value)}
          />
          <button type="submit" className="button" data-testid="profile-copy-create">
            Copy
          </button>
        </form>
      )}
      <div className="modal-actions">
        <button
          type="button"
          className="button danger"
          data-testid="profile-delete"
          disabled={!file?.version}
          onClick={() => void remove()}
        >
          Delete…
        </button>
        <button
          type="button"
          className="button"
          data-testid="profile-duplicate"
          onClick={() => setCopyName(`${name}-copy`)}
        >
          Duplicate…
        </button>
        <button type="button" className="button" data-testid="profile-reload" onClick={() => void reload()}>
          Reload from disk
        </button>
        <span className="spacer" />
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
        <button
          type="button"
          className="button primary"
          data-testid="profile-save"
          disabled={!check.ok || !edited}
          onClick={() => void save()}
        >
          Save
        </button>
      </div>
    </Modal>
  );
}
