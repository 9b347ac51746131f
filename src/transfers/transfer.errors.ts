import { RejectionCode } from '../messages/rejection-codes';
import type { FieldError } from '../messages/catalogue';
import type { PolicyReason } from './transfer.policy';

export enum TransferErrorCode {
  CASE_NOT_FOUND = 'CASE_NOT_FOUND',
  MESSAGE_NOT_FOUND = 'MESSAGE_NOT_FOUND',
  INVALID_MESSAGE = 'INVALID_MESSAGE',
  POLICY_REFUSED = 'POLICY_REFUSED',
  /** The message contradicts the state of the case (the case lifecycle's refusals). */
  CASE_STATE_CONFLICT = 'CASE_STATE_CONFLICT',
}

/** The transfer pipeline's one error type; the HTTP exception filter maps each code to a status. */
export class TransferError extends Error {
  constructor(
    readonly code: TransferErrorCode,
    message: string,
    readonly details: { fields?: FieldError[]; reasons?: PolicyReason[] } = {},
  ) {
    super(message);
  }

  static invalid(fields: FieldError[]): TransferError {
    return new TransferError(TransferErrorCode.INVALID_MESSAGE, 'the message is invalid', { fields });
  }

  static refused(reasons: PolicyReason[]): TransferError {
    return new TransferError(TransferErrorCode.POLICY_REFUSED, 'the message was refused', { reasons });
  }

  /** A conflict with the case's state (409) when any reason is one; otherwise a policy refusal (422). */
  static contradicts(reasons: PolicyReason[]): TransferError {
    return reasons.some((r) => r.code === RejectionCode.CASE_STATE_CONFLICT)
      ? new TransferError(TransferErrorCode.CASE_STATE_CONFLICT, 'the message contradicts the case', {
          reasons,
        })
      : TransferError.refused(reasons);
  }
}
