import { Problem } from '../common/problem-details';
import { CaseError, CaseErrorCode } from '../cases/case.errors';
import { ConsentError, ConsentErrorCode } from '../consent/consent.errors';
import { RiskError, RiskErrorCode } from '../risk/risk.errors';
import { TransferError, TransferErrorCode } from '../transfers/transfer.errors';

export type DomainError = TransferError | ConsentError | RiskError | CaseError;

export const DOMAIN_ERRORS = [TransferError, ConsentError, RiskError, CaseError] as const;

export function isDomainError(error: unknown): error is DomainError {
  return DOMAIN_ERRORS.some((type) => error instanceof type);
}

/**
 * The one place domain errors become HTTP. Each switch is exhaustive: a new code that nobody maps fails to
 * compile (the `never` below).
 */
export function domainProblem(error: DomainError): Problem {
  const details =
    error instanceof TransferError
      ? error.details
      : error instanceof RiskError
        ? { fields: error.fields }
        : {};
  return {
    status: statusOf(error),
    code: error.code,
    detail: error.message,
    ...(details.fields ? { fields: details.fields } : {}),
    ...(details.reasons ? { reasons: details.reasons } : {}),
  };
}

function statusOf(error: DomainError): number {
  if (error instanceof TransferError) return transferStatus(error.code);
  if (error instanceof ConsentError) return consentStatus(error.code);
  if (error instanceof CaseError) return caseStatus(error.code);
  return riskStatus(error.code);
}

function transferStatus(code: TransferErrorCode): number {
  switch (code) {
    case TransferErrorCode.CASE_NOT_FOUND:
    case TransferErrorCode.MESSAGE_NOT_FOUND:
      return 404;
    case TransferErrorCode.INVALID_MESSAGE:
    case TransferErrorCode.POLICY_REFUSED:
      return 422;
    case TransferErrorCode.CASE_STATE_CONFLICT:
      return 409;
    default:
      return unmapped(code);
  }
}

function consentStatus(code: ConsentErrorCode): number {
  switch (code) {
    case ConsentErrorCode.CONSENT_NOT_FOUND:
      return 404;
    case ConsentErrorCode.ALREADY_WITHDRAWN:
    case ConsentErrorCode.CHILD_NEEDS_GUARDIAN:
      return 422;
    default:
      return unmapped(code);
  }
}

function riskStatus(code: RiskErrorCode): number {
  switch (code) {
    case RiskErrorCode.CASE_NOT_FOUND:
    case RiskErrorCode.OVERRIDE_NOT_FOUND:
      return 404;
    case RiskErrorCode.OVERRIDE_SELF_CONFIRMATION:
      return 403;
    case RiskErrorCode.OVERRIDE_ALREADY_CONFIRMED:
      return 409;
    case RiskErrorCode.NOT_OVERRIDABLE:
    case RiskErrorCode.INVALID_ASSESSMENT:
    case RiskErrorCode.OVERRIDE_STALE:
      return 422;
    default:
      return unmapped(code);
  }
}

function caseStatus(code: CaseErrorCode): number {
  switch (code) {
    case CaseErrorCode.CASE_NOT_FOUND:
    case CaseErrorCode.SECRET_NOT_FOUND:
      return 404;
    case CaseErrorCode.CASE_STATE_CONFLICT:
      return 409;
    case CaseErrorCode.CHANGE_REFUSED:
      return 422;
    default:
      return unmapped(code);
  }
}

function unmapped(code: never): never {
  throw new Error(`unmapped domain error ${String(code)}`);
}
