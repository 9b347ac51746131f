import type { FieldError } from '../messages/catalogue';
import type { PolicyReason } from './transfer.policy';

export enum TransferErrorCode {
  CASE_NOT_FOUND = 'CASE_NOT_FOUND',
  MESSAGE_NOT_FOUND = 'MESSAGE_NOT_FOUND',
  INVALID_MESSAGE = 'INVALID_MESSAGE',
  POLICY_REFUSED = 'POLICY_REFUSED',
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
}
