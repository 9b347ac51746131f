export enum CaseErrorCode {
  CASE_NOT_FOUND = 'CASE_NOT_FOUND',
  /** The change contradicts the state of the case (e.g. it is closed). */
  CASE_STATE_CONFLICT = 'CASE_STATE_CONFLICT',
  /** The change is well-formed but a rule refuses it (e.g. a documented age on a presumption). */
  CHANGE_REFUSED = 'CHANGE_REFUSED',
  /** No local secret with this id on the case. */
  SECRET_NOT_FOUND = 'SECRET_NOT_FOUND',
}

/** The cases module's one error type; the HTTP exception filter maps each code to a status. */
export class CaseError extends Error {
  constructor(
    readonly code: CaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}
