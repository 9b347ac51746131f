import { TransferError } from '../transfer.errors';

/**
 * What a sender step returns: what it learned, or the refusal that stops the send (the same TransferError a
 * coordinator gets as 422 or 409, and the dry run as its verdict).
 */
export type SendStep<T> = { ok: true; value: T } | { ok: false; refusal: TransferError };

export function proceed<T>(value: T): SendStep<T> {
  return { ok: true, value };
}

export function refuse<T = never>(refusal: TransferError): SendStep<T> {
  return { ok: false, refusal };
}

/** The pipeline stops at the first refusal: thrown, so the send's transaction rolls back. */
export function orRefuse<T>(step: SendStep<T>): T {
  if (!step.ok) throw step.refusal;
  return step.value;
}
