/**
 * The contract between a node and its partner agencies on the national exchange (docs/agencies.md): the
 * submission body, its checks in order, the reply kinds and the refusal codes. No Nest, no database, no
 * broker: the consumer and the tests share it, and the example client builds exactly what it checks.
 */
import { OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsObject, IsUUID, Matches, ValidateNested } from 'class-validator';
import { SendMessageDto } from '../api/send-message.dto';
import { sealAad, verify } from '../crypto/trm-crypto';
import { classErrors, FieldError } from '../messages/catalogue';
import { CASE_REF_RE, SealedDto } from '../messages/envelope.dto';
import type { PolicyReason } from '../transfers/transfer.policy';
import { UUID } from '../common/validation';

export const AGENCY_CONTRACT_VERSION = 1;

/** Why a submission was refused. The first four leave only a dead letter: nobody identified to answer. */
export enum AgencyRefusalCode {
  NO_USER_ID = 'NO_USER_ID',
  UNKNOWN_AGENCY = 'UNKNOWN_AGENCY',
  AGENCY_INACTIVE = 'AGENCY_INACTIVE',
  WRONG_ROUTING_KEY = 'WRONG_ROUTING_KEY',
  TOO_LARGE = 'TOO_LARGE',
  SIGNATURE_INVALID = 'SIGNATURE_INVALID',
  INVALID_JSON = 'INVALID_JSON',
  INVALID_REQUEST = 'INVALID_REQUEST',
  /** The case is not granted to the agency, or does not exist: the two are answered alike. */
  CASE_NOT_GRANTED = 'CASE_NOT_GRANTED',
  DECRYPTION_FAILED = 'DECRYPTION_FAILED',
  INVALID_MESSAGE = 'INVALID_MESSAGE',
  POLICY_REFUSED = 'POLICY_REFUSED',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}

/** What arrives on an agency's reply queue (AMQP `type` and the body's `kind`). */
export const AGENCY_REPLY_KINDS = [
  'SUBMISSION_ACCEPTED',
  'SUBMISSION_REFUSED',
  'DELIVERY_RECEIPT',
  'DELIVERY_REJECTED',
  'ANSWER',
] as const;
export type AgencyReplyKind = (typeof AGENCY_REPLY_KINDS)[number];

/**
 * The submission body: the HTTP request of `POST /cases/{caseRef}/messages` (SendMessageDto) with its case
 * reference, a request id for idempotency, and the payload sealed for the node instead of in clear.
 */
export class AgencySubmissionDto extends OmitType(SendMessageDto, ['payload'] as const) {
  @Equals(AGENCY_CONTRACT_VERSION)
  version!: 1;

  @IsUUID()
  requestId!: string;

  @Matches(CASE_REF_RE, { message: 'caseRef must be a case reference TRM-<CC>-<year>-<6 digits>' })
  caseRef!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => SealedDto)
  sealed!: SealedDto;
}

/** An agency's public keys, as the example client prints them and `npm run agency:add` registers them. */
export interface AgencyPublicKeys {
  signingKey: { keyId: string; publicKey: string };
  encryptionKey: { keyId: string; publicKey: string };
}

/** The registry's view of the agency a submission comes from (identified by the broker's user_id). */
export interface AgencyIdentity {
  code: string;
  signingKeyId: string;
  signingPublicKey: string;
}

/** A refusal an agency is told about; never carries a value from the submission, only paths and codes. */
export interface Refusal {
  code: AgencyRefusalCode;
  message: string;
  requestId?: string;
  fields?: FieldError[];
  reasons?: PolicyReason[];
}

export type ParsedSubmission = { ok: true; request: AgencySubmissionDto } | { ok: false; refusal: Refusal };

const utf8 = new TextDecoder('utf-8', { fatal: true });

const refuse = (
  code: AgencyRefusalCode,
  message: string,
  extra: Partial<Refusal> = {},
): ParsedSubmission => ({
  ok: false,
  refusal: { code, message, ...extra },
});

/**
 * The checks of a submission from an identified agency, in order: size, signature (over the exact body
 * bytes, with the agency's registered key), UTF-8 JSON, request schema. The sealed payload is opened later,
 * by the holder of the node's key.
 */
export function parseSubmission(
  body: Buffer,
  headers: Record<string, unknown>,
  agency: AgencyIdentity,
  maxBytes: number,
): ParsedSubmission {
  if (body.length > maxBytes)
    return refuse(AgencyRefusalCode.TOO_LARGE, `the body exceeds ${maxBytes} bytes`);
  const signature = headers['x-trm-signature'];
  if (
    headers['x-trm-key-id'] !== agency.signingKeyId ||
    typeof signature !== 'string' ||
    !verify(body, signature, agency.signingPublicKey)
  ) {
    return refuse(
      AgencyRefusalCode.SIGNATURE_INVALID,
      'the signature does not verify with the agency’s registered signing key',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(body));
  } catch {
    return refuse(AgencyRefusalCode.INVALID_JSON, 'the body is not UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return refuse(AgencyRefusalCode.INVALID_REQUEST, 'the body must be a JSON object', {
      fields: [{ path: '', constraints: ['isObject: the submission must be a JSON object'] }],
    });
  }
  const input = parsed as Record<string, unknown>;
  const requestId =
    typeof input.requestId === 'string' && UUID.test(input.requestId) ? input.requestId : undefined;
  const fields = classErrors(AgencySubmissionDto, input);
  if (fields.length > 0) {
    return refuse(AgencyRefusalCode.INVALID_REQUEST, 'the submission does not follow the contract', {
      requestId,
      fields,
    });
  }
  return { ok: true, request: input as unknown as AgencySubmissionDto };
}

/** The AAD of a submission's sealed payload: PROTOCOL.md's `id|type|from|to|caseRef`, from = the agency. */
export function submissionAad(
  request: Pick<AgencySubmissionDto, 'requestId' | 'type' | 'to' | 'caseRef'>,
  agency: string,
): string {
  return sealAad({
    id: request.requestId,
    type: request.type,
    from: agency,
    to: request.to,
    caseRef: request.caseRef,
  });
}

/** The AAD of an answer's payload, sealed by the node for the agency: `replyId|type|<CC>|<agency>|caseRef`. */
export function answerAad(
  reply: { replyId: string; type: string; caseRef: string | null },
  node: string,
  agency: string,
): string {
  return sealAad({ id: reply.replyId, type: reply.type, from: node, to: agency, caseRef: reply.caseRef });
}
