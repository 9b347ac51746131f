/** What the access layer refuses, mapped to HTTP in AccessErrorFilter. */
export enum AccessErrorCode {
  /** No credentials, or credentials that do not authenticate: 401. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** Login refused: unknown name, wrong password, locked or disabled account alike (401, one message). */
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  /** Authenticated, but the route is not for this role (or declares no role at all): 403. */
  FORBIDDEN = 'FORBIDDEN',
  /** An account, key, case or submission this caller may not know about: 404. */
  NOT_FOUND = 'NOT_FOUND',
  ACCOUNT_EXISTS = 'ACCOUNT_EXISTS',
  /** A request that breaks an account rule (agency code for role agency, password length…): 422. */
  INVALID_REQUEST = 'INVALID_REQUEST',
}

export class AccessError extends Error {
  override readonly name = 'AccessError';
  constructor(
    readonly code: AccessErrorCode,
    message: string,
  ) {
    super(message);
  }
}
