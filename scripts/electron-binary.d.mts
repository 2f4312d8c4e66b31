/** Types of scripts/electron-binary.mjs for the TypeScript specs that share it. */
export function electronBinary(): string | null;
export function missingElectronLine(script: string): string;
