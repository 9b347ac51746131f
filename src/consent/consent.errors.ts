export enum ConsentErrorCode {
  CONSENT_NOT_FOUND = 'CONSENT_NOT_FOUND',
  ALREADY_WITHDRAWN = 'ALREADY_WITHDRAWN',
  CHILD_NEEDS_GUARDIAN = 'CHILD_NEEDS_GUARDIAN',
}

export class ConsentError extends Error {
  constructor(
    readonly code: ConsentErrorCode,
    message: string,
  ) {
    super(message);
  }
}
