import type { FieldError } from '../messages/catalogue';

export enum RiskErrorCode {
  CASE_NOT_FOUND = 'CASE_NOT_FOUND',
  NOT_OVERRIDABLE = 'NOT_OVERRIDABLE',
  INVALID_ASSESSMENT = 'INVALID_ASSESSMENT',
  OVERRIDE_NOT_FOUND = 'OVERRIDE_NOT_FOUND',
  /** Four eyes: the coordinator who requested an override cannot confirm it. */
  OVERRIDE_SELF_CONFIRMATION = 'OVERRIDE_SELF_CONFIRMATION',
  OVERRIDE_ALREADY_CONFIRMED = 'OVERRIDE_ALREADY_CONFIRMED',
  /** The assessment the override names is no longer the current one. */
  OVERRIDE_STALE = 'OVERRIDE_STALE',
}

export class RiskError extends Error {
  constructor(
    readonly code: RiskErrorCode,
    message: string,
    /** Which request fields are wrong, as a validation error names them. */
    readonly fields?: FieldError[],
  ) {
    super(message);
  }
}
