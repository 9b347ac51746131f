export enum AuditErrorCode {
  /** A caller tried to record an entry the log does not take (bad action code, decision, or size). */
  INVALID_ENTRY = 'INVALID_ENTRY',
  /** An auditor's query is malformed (e.g. a cursor that names no entry). */
  INVALID_QUERY = 'INVALID_QUERY',
  NOT_FOUND = 'NOT_FOUND',
  /** An auditor asked for what needs an admin's grant of the case (its evidence bundle). */
  CASE_NOT_GRANTED = 'CASE_NOT_GRANTED',
}

/**
 * The audit module's one error type; AuditErrorFilter maps each code to an HTTP status. None is retryable:
 * the same entry or query fails the same way again.
 */
export class AuditError extends Error {
  constructor(
    readonly code: AuditErrorCode,
    message: string,
  ) {
    super(message);
  }
}
