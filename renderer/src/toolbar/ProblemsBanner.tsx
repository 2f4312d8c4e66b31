import { useBoard, useBoardContext } from '../store/context';

/**
 * lanes.json, settings.json and profile-folder problems, above the board and the Lanes view
 * (issue 15: they used to show only inside the settings dialog, so a typo in lanes.json went
 * unseen while the lane it meant to pause kept running).
 */
export function ProblemsBanner() {
  const { store } = useBoardContext();
  const problems = useBoard((state) => state.problems);
  if (problems.length === 0) return null;
  return (
    <div className="problems-banner" role="alert" data-testid="problems-banner">
      <strong>
        {problems.length === 1 ? 'A configuration problem' : `${problems.length} configuration problems`}:
      </strong>
      <ul>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
      <button type="button" className="link-button" onClick={() => store.getState().setSettingsOpen(true)}>
        Settings
      </button>
    </div>
  );
}
