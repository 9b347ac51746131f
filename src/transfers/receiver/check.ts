import type { Envelope, FieldError } from '../../messages/catalogue';
import { RejectionCode } from '../../messages/rejection-codes';

/** A check failed: the protocol's reason code and a reason free of personal data. */
export class Rejection extends Error {
  constructor(
    readonly code: RejectionCode,
    readonly reason: string,
    readonly fields: FieldError[] = [],
  ) {
    super(reason);
  }
}

/** What a receiver check returns: what it learned, or the rejection that stops the message. */
export type Check<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export function passed<T>(value: T): Check<T> {
  return { ok: true, value };
}

export function rejected<T = never>(
  code: RejectionCode,
  reason: string,
  fields: FieldError[] = [],
): Check<T> {
  return { ok: false, rejection: new Rejection(code, reason, fields) };
}

/** The first of several policy reasons decides the code; the reason lists them all. */
export function rejectedFor<T = never>(reasons: { code: RejectionCode; message: string }[]): Check<T> {
  return rejected(reasons[0].code, reasons.map((r) => r.message).join('; '));
}

/**
 * What the receiver knows of a message when it rejects it: enough to answer its sender, nothing more. Each
 * stage of the pipeline builds its own (a later stage never edits an earlier one's).
 */
export interface Answerable {
  /** Who is answered: the verified signer, or else the publisher the broker vouches for (user_id). */
  sender?: string;
  signatureVerified: boolean;
  id?: string;
  type?: string;
  /** '' when unreadable; null for a checkpoint. */
  caseRef: string | null;
  /** Set once the envelope passed check 8: only then is its id remembered as this sender's. */
  envelope?: Envelope;
}
