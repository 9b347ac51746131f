// class-transformer's @Type and class-validator-jsonschema read design-time types through this polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  buildMessage,
  Equals,
  IsArray,
  IsBase64,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsString,
  isUUID,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { base64OfBytesPattern } from '../crypto/trm-crypto';
import type { FieldError } from '../common/validation';
import {
  isDeliveryAnswer,
  isInReplyToRequired,
  isTechnicalType,
  MESSAGE_TYPES,
  MessageType,
  VITAL_INTEREST_TYPES,
} from './message-types';
import { composeDecorators, ID_MAX, IsDateTime, IsOptionalNotNull } from './payloads/common.dto';
import { CASE_REF, IsCountryCode } from '../common/validation';

export const CONSENT_SCOPES = [
  'SHARE_IDENTITY',
  'SHARE_HEALTH',
  'CONTACT_FAMILY',
  'CONTACT_ORIGIN_AUTHORITIES',
  'RETURN',
  'CRIMINAL_PROCEEDINGS',
  'REINTEGRATION',
] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

export const LEGAL_BASES = ['CONSENT', 'VITAL_INTEREST', 'NONE'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export const CONSENT_GIVERS = ['VICTIM', 'GUARDIAN', 'LEGAL_REPRESENTATIVE'] as const;
export type ConsentGiver = (typeof CONSENT_GIVERS)[number];

export const SEAL_ALG = 'X25519-HKDF-SHA256-A256GCM';

/** The case reference pattern (src/common/validation.ts), under the name the DTOs use. */
export const CASE_REF_RE = CASE_REF;

/** Base64 length of the sealed ciphertext; the transport's body limit must leave room for it. */
export const SEALED_CT_MAX_CHARS = 400 * 1024;

/** The longest AMQP message_id we echo in `inReplyTo` when rejecting a body we could not parse. */
export const IN_REPLY_TO_MAX = 200;

export interface ConsentSummary {
  consentId: string;
  scopes: ConsentScope[];
  recipients: string[];
  givenBy: ConsentGiver;
  givenAt: string;
  expiresAt?: string;
}

export interface Sealed {
  alg: typeof SEAL_ALG;
  recipientKeyId: string;
  epk: string;
  iv: string;
  ct: string;
  tag: string;
}

/** The wire envelope, as the rest of the code uses it once `validateEnvelope` has accepted it. */
export interface Envelope {
  version: 1;
  id: string;
  type: MessageType;
  from: string;
  to: string;
  /** null only for AUDIT_CHECKPOINT; '' only for a rejection of an unparseable body. */
  caseRef: string | null;
  /** A UUID; the AMQP message_id only for a rejection of an unparseable body. */
  inReplyTo: string | null;
  sentAt: string;
  /** The language of the payload's free text (ISO 639-1): a compatible v1 extension, docs/protocol.md. */
  language?: string;
  legalBasis: LegalBasis;
  consent?: ConsentSummary;
  /** Use restrictions on the payload's personal data (docs/protocol.md, "Use restrictions"). */
  restrictions?: string[];
  sealed: Sealed;
}

/** A use restriction's spelling on the wire: a value the receiver does not know still parses, then is refused. */
export const RESTRICTION_RE = /^[A-Z][A-Z0-9_]{0,63}$/;
export const RESTRICTIONS_MAX = 16;

export class ConsentSummaryDto implements ConsentSummary {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  consentId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CONSENT_SCOPES.length)
  @ArrayUnique()
  @IsIn(CONSENT_SCOPES, { each: true })
  scopes!: ConsentScope[];

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsCountryCode({ each: true })
  recipients!: string[];

  @IsIn(CONSENT_GIVERS)
  givenBy!: ConsentGiver;

  @IsDateTime()
  givenAt!: string;

  @IsOptionalNotNull()
  @IsDateTime()
  expiresAt?: string;
}

/**
 * Canonical standard base64 of exactly `bytes` bytes. A length check alone would let a 31-byte key through
 * (it also encodes to 44 characters); a wrong size or spelling here is a malformed message, not a
 * decryption failure.
 */
function IsBase64OfBytes(bytes: number): PropertyDecorator {
  return Matches(base64OfBytesPattern(bytes), {
    message: `$property must be the canonical standard base64 of ${bytes} bytes`,
  });
}

export class SealedDto implements Sealed {
  @Equals(SEAL_ALG)
  alg!: typeof SEAL_ALG;

  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  recipientKeyId!: string;

  @IsBase64OfBytes(32)
  epk!: string;

  @IsBase64OfBytes(12)
  iv!: string;

  @IsString()
  @Length(4, SEALED_CT_MAX_CHARS)
  @IsBase64()
  ct!: string;

  @IsBase64OfBytes(16)
  tag!: string;
}

function IsCaseRefOrNull(): PropertyDecorator {
  return composeDecorators(
    ValidateBy({
      name: 'isCaseRefOrNull',
      validator: {
        validate: (value: unknown) =>
          value === null || (typeof value === 'string' && (value === '' || CASE_REF_RE.test(value))),
        defaultMessage: buildMessage(() => '$property must be a case reference TRM-<CC>-<year>-<6 digits>'),
      },
    }),
    // Replaces (not merges) the inferred `type: string`, which would forbid null.
    JSONSchema(() => ({
      anyOf: [
        { type: 'string', pattern: CASE_REF_RE.source },
        { type: 'string', maxLength: 0, description: 'only in a rejection of an unparseable body' },
        { type: 'null', description: 'only in an AUDIT_CHECKPOINT' },
      ],
    })),
  );
}

function IsReplyIdOrNull(): PropertyDecorator {
  return composeDecorators(
    ValidateBy({
      name: 'isReplyIdOrNull',
      validator: {
        validate: (value: unknown) =>
          value === null ||
          (typeof value === 'string' && value.length > 0 && value.length <= IN_REPLY_TO_MAX),
        defaultMessage: buildMessage(
          () => `$property must be null or a message id of at most ${IN_REPLY_TO_MAX} characters`,
        ),
      },
    }),
    JSONSchema(() => ({
      anyOf: [{ type: 'string', minLength: 1, maxLength: IN_REPLY_TO_MAX }, { type: 'null' }],
    })),
  );
}

export class EnvelopeDto implements Envelope {
  @Equals(1)
  version!: 1;

  @IsUUID('all')
  id!: string;

  @IsIn(MESSAGE_TYPES)
  type!: MessageType;

  @IsCountryCode()
  from!: string;

  @IsCountryCode()
  to!: string;

  @IsCaseRefOrNull()
  caseRef!: string | null;

  @IsReplyIdOrNull()
  inReplyTo!: string | null;

  @IsDateTime()
  sentAt!: string;

  @IsIn(LEGAL_BASES)
  legalBasis!: LegalBasis;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => ConsentSummaryDto)
  consent?: ConsentSummaryDto;

  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(RESTRICTIONS_MAX)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(RESTRICTION_RE, { each: true })
  restrictions?: string[];

  @IsOptionalNotNull()
  @Matches(/^[a-z]{2}$/, { message: 'language must be an ISO 639-1 code (two lower-case letters)' })
  language?: string;

  @IsObject()
  @ValidateNested()
  @Type(() => SealedDto)
  sealed!: SealedDto;
}

function ruleError(path: string, rule: string, message: string): FieldError {
  return { path, constraints: [`${rule}: ${message}`] };
}

/**
 * Rules that tie envelope fields together (PROTOCOL.md "Body: the envelope"). Run on an envelope that has
 * passed the class validation; each failure is a SCHEMA_INVALID.
 */
export function envelopeRuleErrors(env: Envelope): FieldError[] {
  const errors: FieldError[] = [];
  const technical = isTechnicalType(env.type);

  switch (env.legalBasis) {
    case 'CONSENT':
      if (technical) {
        errors.push(
          ruleError('legalBasis', 'legalBasisNone', 'technical types carry no personal data: use NONE'),
        );
      }
      if (env.consent === undefined) {
        errors.push(
          ruleError('consent', 'consentRequired', 'consent is required when legalBasis is CONSENT'),
        );
      }
      break;
    case 'VITAL_INTEREST':
      // PROTOCOL.md: the alert; the extension: its acknowledgement (only of an alert sent on VITAL_INTEREST,
      // which the policy checks against the case).
      if (!(VITAL_INTEREST_TYPES as readonly string[]).includes(env.type)) {
        errors.push(
          ruleError(
            'legalBasis',
            'vitalInterestOnlyForAlerts',
            'VITAL_INTEREST is only allowed for EMERGENCY_ALERT and its acknowledgement',
          ),
        );
      }
      break;
    case 'NONE':
      if (!technical) {
        errors.push(
          ruleError('legalBasis', 'noneOnlyForTechnical', 'NONE is only allowed for technical message types'),
        );
      }
      if (env.consent !== undefined) {
        errors.push(ruleError('consent', 'consentAbsent', 'consent must be absent when legalBasis is NONE'));
      }
      break;
  }

  if (
    env.consent?.expiresAt !== undefined &&
    Date.parse(env.consent.expiresAt) <= Date.parse(env.consent.givenAt)
  ) {
    errors.push(ruleError('consent.expiresAt', 'expiresAfterGiven', 'expiresAt must be after givenAt'));
  }

  if (env.from === env.to) {
    errors.push(ruleError('to', 'notToSelf', 'to must differ from from'));
  }

  const rejectsUnparseable = env.type === 'DELIVERY_REJECTED' && env.caseRef === '';
  if (env.type === 'AUDIT_CHECKPOINT') {
    if (env.caseRef !== null) {
      errors.push(ruleError('caseRef', 'checkpointCaseRef', 'caseRef must be null for AUDIT_CHECKPOINT'));
    }
    if (env.inReplyTo !== null) {
      errors.push(
        ruleError('inReplyTo', 'checkpointInReplyTo', 'inReplyTo must be null for AUDIT_CHECKPOINT'),
      );
    }
  } else if (env.caseRef === null && env.type !== 'DELIVERY_RECEIPT' && env.type !== 'DELIVERY_REJECTED') {
    // Receipts and rejections carry the caseRef of what they answer: null when that was a checkpoint.
    errors.push(
      ruleError(
        'caseRef',
        'caseRefRequired',
        'caseRef is required (null only for AUDIT_CHECKPOINT and its answers)',
      ),
    );
  } else if (env.caseRef === '' && env.type !== 'DELIVERY_REJECTED') {
    errors.push(
      ruleError(
        'caseRef',
        'caseRefRequired',
        'caseRef may be empty only in a rejection of an unparseable body',
      ),
    );
  }

  if (isDeliveryAnswer(env.type) && env.inReplyTo === null) {
    errors.push(
      ruleError('inReplyTo', 'inReplyToRequired', 'receipts and rejections name the message they answer'),
    );
  }
  if (env.type === 'EMERGENCY_ALERT_ACKNOWLEDGEMENT' && env.inReplyTo === null) {
    errors.push(ruleError('inReplyTo', 'inReplyToRequired', 'an acknowledgement names the alert it answers'));
  } else if (isInReplyToRequired(env.type) && env.inReplyTo === null) {
    errors.push(ruleError('inReplyTo', 'inReplyToRequired', `${env.type} names the request it answers`));
  }
  // Only a rejection of an unparseable body may echo a raw AMQP message_id; every other reply names a UUID.
  if (env.inReplyTo !== null && !rejectsUnparseable && !isUUID(env.inReplyTo, 'all')) {
    errors.push(ruleError('inReplyTo', 'isUuid', 'inReplyTo must be a UUID'));
  }

  return errors;
}
