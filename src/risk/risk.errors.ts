import type { FieldError } from '../messages/catalogue';

export enum RiskErrorCode {
  CASE_NOT_FOUND = 'CASE_NOT_FOUND',
  NOT_OVERRIDABLE = 'NOT_OVERRIDABLE',
  INVALID_ASSESSMENT = 'INVALID_ASSESSMENT',
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
