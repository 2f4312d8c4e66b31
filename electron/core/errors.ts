import type { CORE_ERROR_CODES } from '../../shared/constants';

/** Errors a user can act on. The CLI prints `message` on one line; the contract forwards `code`. */
export type ErrorCode = (typeof CORE_ERROR_CODES)[number];

export class SwitchyardError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SwitchyardError';
  }
}

export const invalidInput = (message: string): SwitchyardError =>
  new SwitchyardError('invalid_input', message);
export const notFound = (message: string): SwitchyardError => new SwitchyardError('not_found', message);
