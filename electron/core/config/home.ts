import os from 'node:os';
import path from 'node:path';

/** docs/architecture.md §1: one home folder for the app, the CLI, the web server and every worker. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SWITCHYARD_HOME?.trim();
  return path.resolve(fromEnv ? fromEnv : path.join(os.homedir(), '.switchyard'));
}

export interface HomePaths {
  home: string;
  database: string;
  profiles: string;
  lanesFile: string;
  settingsFile: string;
  logs: string;
  workspaces: string;
  bin: string;
  backups: string;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    database: path.join(home, 'switchyard.db'),
    profiles: path.join(home, 'profiles'),
    lanesFile: path.join(home, 'lanes.json'),
    settingsFile: path.join(home, 'settings.json'),
    logs: path.join(home, 'logs'),
    workspaces: path.join(home, 'workspaces'),
    bin: path.join(home, 'bin'),
    backups: path.join(home, 'backups'),
  };
}

/** A profile's folder (config/profiles.ts re-exports it; here so a lane-name check need not load profiles.ts). */
export function profileDir(paths: Pick<HomePaths, 'profiles'>, name: string): string {
  return path.join(paths.profiles, name);
}
