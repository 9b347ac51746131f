import { sealAad, verify } from '../../crypto/trm-crypto';
import type { DirectoryService } from '../../directory/directory.service';
import { signingKeysOf } from '../../directory/directory-file.dto';
import { Envelope, FieldError, validateEnvelope, validatePayload } from '../../messages/catalogue';
import { RejectionCode } from '../../messages/rejection-codes';
import { Answerable, Check, passed, rejected, rejectedFor } from './check';
import { unknownRestrictionReasons } from '../use-restriction.policy';
import { CASE_REF, COUNTRY_CODE, UUID } from '../../common/validation';

/**
 * The receiver's checks 1–11 of docs/protocol.md ("What a receiver checks, in order"), one function each,
 * none touching the database. Each returns what it learned or a rejection; the pipeline
 * (InboundService.process) calls them in order and passes what they learned forward.
 */

/** One AMQP delivery as the consumer hands it over: bytes and the properties the broker vouches for. */
export interface InboundDelivery {
  body: Buffer;
  messageId?: string;
  userId?: string;
  type?: string;
  headers: Record<string, unknown>;
}

/** What the body claims before anything is verified (never trusted, only used to pick a key and to answer). */
export interface Heard {
  tooLarge: boolean;
  /** The body as a JSON object; undefined when too large, not UTF-8 JSON, or not an object. */
  body?: Record<string, unknown>;
  /** Whose key checks the signature: a two-letter `from`, else the AMQP user_id. */
  claimed?: string;
  id?: string;
  type?: string;
  /** '' when unreadable; null for a checkpoint. */
  caseRef: string | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Before check 1: read what the body says (a body over the size limit is not parsed). */
export function hear(delivery: InboundDelivery, maxBytes: number): Heard {
  const tooLarge = delivery.body.length > maxBytes;
  const parsed = tooLarge ? undefined : parseJson(delivery.body);
  const body = isRecord(parsed) ? parsed : undefined;
  return {
    tooLarge,
    body,
    claimed: typeof body?.from === 'string' && COUNTRY_CODE.test(body.from) ? body.from : delivery.userId,
    id: typeof body?.id === 'string' && UUID.test(body.id) ? body.id : undefined,
    type: typeof body?.type === 'string' ? body.type.slice(0, 50) : delivery.type,
    caseRef:
      body?.caseRef === null
        ? null
        : typeof body?.caseRef === 'string' && CASE_REF.test(body.caseRef)
          ? body.caseRef
          : '',
  };
}

/** Who the message can be answered as, before (`signer` undefined) or after its signature verified. */
export function answerable(
  delivery: InboundDelivery,
  heard: Heard,
  directory: DirectoryService,
  signer?: string,
): Answerable {
  // RabbitMQ itself vouches for user_id, so a known publisher is still told why its message failed.
  const publisher = delivery.userId && directory.find(delivery.userId) ? delivery.userId : undefined;
  return {
    sender: signer ?? publisher,
    signatureVerified: signer !== undefined,
    id: heard.id,
    type: heard.type,
    caseRef: heard.caseRef,
  };
}

/** Check 1: the signature verifies with the directory key of the claimed sender. Learns the signer. */
export function checkSignature(
  delivery: InboundDelivery,
  heard: Heard,
  directory: DirectoryService,
): Check<string> {
  const participant = heard.claimed ? directory.find(heard.claimed) : undefined;
  const keyId = delivery.headers['x-trm-key-id'];
  const signature = delivery.headers['x-trm-signature'];
  // The current key, or during a rollover the announced or the retiring one (docs/protocol.md, "Key rollover").
  const key = participant && signingKeysOf(participant).find((k) => k.keyId === keyId);
  const authentic =
    participant !== undefined &&
    key !== undefined &&
    typeof signature === 'string' &&
    verify(delivery.body, signature, key.publicKey);
  if (!authentic)
    return rejected(
      RejectionCode.SIGNATURE_INVALID,
      'the signature does not verify with the sender’s directory key',
    );
  return passed(participant.code);
}

/** Check 2: the body is at most the node's size limit. */
export function checkSize(heard: Heard, maxBytes: number): Check<void> {
  if (heard.tooLarge) return rejected(RejectionCode.TOO_LARGE, `the body exceeds ${maxBytes} bytes`);
  return passed(undefined);
}

/** Check 3: the body is a UTF-8 JSON object. */
export function checkJsonObject(heard: Heard): Check<Record<string, unknown>> {
  if (heard.body === undefined) return rejected(RejectionCode.SCHEMA_INVALID, 'the body is not UTF-8 JSON');
  return passed(heard.body);
}

/** Check 4: the signer is the publisher the broker vouches for (user_id). */
export function checkSender(delivery: InboundDelivery, signer: string): Check<void> {
  if (delivery.userId === signer) return passed(undefined);
  return rejected(RejectionCode.SENDER_MISMATCH, 'envelope from does not match the AMQP user_id');
}

/** Check 5: the message is addressed to this node's country. */
export function checkAddressedTo(body: Record<string, unknown>, country: string): Check<void> {
  if (body.to === country) return passed(undefined);
  return rejected(RejectionCode.NOT_ADDRESSED_TO_ME, `the message is not addressed to ${country}`);
}

/** Checks 6–8: version, type, and the envelope's schema and cross-field rules. Learns the envelope. */
export function checkEnvelope(body: Record<string, unknown>): Check<Envelope> {
  const checked = validateEnvelope(body);
  if (!checked.ok) return rejected(checked.code, describeFields('envelope', checked.errors), checked.errors);
  return passed(checked.envelope);
}

/**
 * Check 8b: every use restriction is one this node knows and enforces (docs/protocol.md, "Use restrictions").
 * An unknown one is a condition on the data it cannot honour: refused, never ignored.
 */
export function checkRestrictions(envelope: Envelope): Check<Envelope> {
  const reasons = unknownRestrictionReasons(envelope.restrictions);
  return reasons.length > 0 ? rejectedFor(reasons) : passed(envelope);
}

/** Check 10: the payload opens with this node's key. Learns the plaintext. */
export function openPayload(
  envelope: Envelope,
  open: (sealed: Envelope['sealed'], aad: string) => Buffer,
): Check<Buffer> {
  try {
    return passed(open(envelope.sealed, sealAad(envelope)));
  } catch {
    return rejected(RejectionCode.DECRYPTION_FAILED, 'the payload could not be opened with this node’s key');
  }
}

/** Check 11: the payload is UTF-8 JSON and matches its type's schema and rules. Learns the payload. */
export function checkPayload(envelope: Envelope, plaintext: Buffer): Check<object> {
  const json = parseJson(plaintext);
  if (json === undefined) return rejected(RejectionCode.SCHEMA_INVALID, 'the payload is not UTF-8 JSON');
  const payload = validatePayload(envelope.type, json, envelope);
  if (!payload.ok)
    return rejected(RejectionCode.SCHEMA_INVALID, describeFields('payload', payload.errors), payload.errors);
  return passed(payload.payload);
}

/** Strict UTF-8, then JSON; undefined when either fails. */
export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field paths and constraint names only: values may be personal data. */
function describeFields(part: string, errors: FieldError[]): string {
  const listed = errors.slice(0, 10).map((e) => `${e.path}: ${e.constraints.join(', ')}`);
  return `${part} invalid: ${listed.join('; ')}${errors.length > 10 ? `; and ${errors.length - 10} more` : ''}`.slice(
    0,
    500,
  );
}
