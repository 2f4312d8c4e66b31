import fs from 'node:fs';
import { SLUG_PATTERN } from '../../shared/constants';
import { closestName } from '../../shared/laneNames';
import { loadLanesFile } from '../core/config/lanesFile';
import { profileDir } from '../core/config/home';
import { assigneesInUse } from '../core/store/tasks';
import type { CliContext } from './context';

/**
 * A lane name nobody has used before is allowed (it becomes a terminal lane, docs/architecture.md §3), but is most
 * often a typo: `--assignee orion-c` for `orion-cc`. Say so on stderr, with the closest known name.
 */
export async function warnOfUnknownLane(context: CliContext, assignee: string): Promise<void> {
  const name = assignee.trim().toLowerCase();
  if (!SLUG_PATTERN.test(name)) return; // the core refuses it with its own message
  if (fs.existsSync(profileDir(context.paths, name))) return;
  const declared = loadLanesFile(context.paths).lanes;
  if (declared.has(name)) return;
  const inUse = assigneesInUse(context.db());
  if (inUse.includes(name)) return;
  // Only a name nobody uses loads the profile reader (and its zod schema): `create --assignee` of a
  // known lane stops above (performance issue 17, target 4c).
  const { listProfileFolders } = await import('../core/config/profiles');
  const known = new Set([
    ...listProfileFolders(context.paths).folders.map((folder) => folder.name),
    ...declared.keys(),
    ...inUse,
  ]);
  const closest = closestName(name, known);
  context.output.err(
    `warning: "${name}" is a new terminal lane — no profile of that name, not declared in lanes.json, no task uses it` +
      (closest ? `; did you mean "${closest}"?` : ' (switchyard lanes lists the lanes)'),
  );
}
