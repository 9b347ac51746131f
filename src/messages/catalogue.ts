import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, ValidationTypes, ValidatorOptions, validateSync } from 'class-validator';
import { Envelope, EnvelopeDto, envelopeRuleErrors } from './envelope.dto';
import { isMessageType, MessageType } from './message-types';
import {
  AssistanceStepReportPayload,
  emergencyAlertAcknowledgementRuleErrors,
  EmergencyAlertAcknowledgementPayload,
  emergencyAlertRuleErrors,
  EmergencyAlertPayload,
  CaseUpdatePayload,
  MissingPersonSearchResultPayload,
  TravelDocumentRequestPayload,
  TravelDocumentResultPayload,
} from './payloads/assistance.dto';
import { CaseClosedPayload, ConsentWithdrawnPayload } from './payloads/case.dto';
import {
  IdentityVerificationRequestPayload,
  IdentityVerificationResultPayload,
  ReferralConfirmationPayload,
  ReferralDeclinedPayload,
  ReferralRequestPayload,
  referralRequestRuleErrors,
} from './payloads/identification.dto';
import {
  CompensationClaimUpdatePayload,
  ComplaintTransferPayload,
  EvidenceRequestPayload,
  EvidenceResponsePayload,
  ProceedingsStatusPayload,
  proceedingsStatusRuleErrors,
  WitnessAppearanceRequestPayload,
  WitnessAppearanceResponsePayload,
  witnessAppearanceResponseRuleErrors,
} from './payloads/proceedings.dto';
import {
  ArrivalConfirmationPayload,
  FamilyTracingRequestPayload,
  FamilyTracingResultPayload,
  ReintegrationConfirmationPayload,
  ReintegrationRequestPayload,
  RiskAssessmentRequestPayload,
  RiskAssessmentResultPayload,
  riskAssessmentResultRuleErrors,
  ReturnPlanConfirmationPayload,
  ReturnPlanPayload,
} from './payloads/return.dto';
import {
  AuditCheckpointPayload,
  DeliveryReceiptPayload,
  DeliveryRejectedPayload,
} from './payloads/technical.dto';
import { RejectionCode } from './rejection-codes';

export type { ConsentSummary, Envelope, LegalBasis, Sealed } from './envelope.dto';

import type { FieldError } from '../common/validation';

export type { FieldError };

export const PAYLOAD_CLASSES = {
  REFERRAL_REQUEST: ReferralRequestPayload,
  REFERRAL_CONFIRMATION: ReferralConfirmationPayload,
  REFERRAL_DECLINED: ReferralDeclinedPayload,
  IDENTITY_VERIFICATION_REQUEST: IdentityVerificationRequestPayload,
  IDENTITY_VERIFICATION_RESULT: IdentityVerificationResultPayload,
  EMERGENCY_ALERT: EmergencyAlertPayload,
  EMERGENCY_ALERT_ACKNOWLEDGEMENT: EmergencyAlertAcknowledgementPayload,
  MISSING_PERSON_SEARCH_RESULT: MissingPersonSearchResultPayload,
  CASE_UPDATE: CaseUpdatePayload,
  ASSISTANCE_STEP_REPORT: AssistanceStepReportPayload,
  TRAVEL_DOCUMENT_REQUEST: TravelDocumentRequestPayload,
  TRAVEL_DOCUMENT_RESULT: TravelDocumentResultPayload,
  RISK_ASSESSMENT_REQUEST: RiskAssessmentRequestPayload,
  RISK_ASSESSMENT_RESULT: RiskAssessmentResultPayload,
  FAMILY_TRACING_REQUEST: FamilyTracingRequestPayload,
  FAMILY_TRACING_RESULT: FamilyTracingResultPayload,
  RETURN_PLAN: ReturnPlanPayload,
  RETURN_PLAN_CONFIRMATION: ReturnPlanConfirmationPayload,
  ARRIVAL_CONFIRMATION: ArrivalConfirmationPayload,
  REINTEGRATION_REQUEST: ReintegrationRequestPayload,
  REINTEGRATION_CONFIRMATION: ReintegrationConfirmationPayload,
  EVIDENCE_REQUEST: EvidenceRequestPayload,
  EVIDENCE_RESPONSE: EvidenceResponsePayload,
  WITNESS_APPEARANCE_REQUEST: WitnessAppearanceRequestPayload,
  WITNESS_APPEARANCE_RESPONSE: WitnessAppearanceResponsePayload,
  COMPLAINT_TRANSFER: ComplaintTransferPayload,
  PROCEEDINGS_STATUS: ProceedingsStatusPayload,
  COMPENSATION_CLAIM_UPDATE: CompensationClaimUpdatePayload,
  CONSENT_WITHDRAWN: ConsentWithdrawnPayload,
  CASE_CLOSED: CaseClosedPayload,
  DELIVERY_RECEIPT: DeliveryReceiptPayload,
  DELIVERY_REJECTED: DeliveryRejectedPayload,
  AUDIT_CHECKPOINT: AuditCheckpointPayload,
} as const satisfies Record<MessageType, ClassConstructor<object>>;

export type PayloadOf<T extends MessageType> = InstanceType<(typeof PAYLOAD_CLASSES)[T]>;

/** Far deeper than any payload needs (the deepest is 4 levels), far shallower than a stack overflow. */
export const MAX_NESTING_DEPTH = 16;

export type EnvelopeValidation =
  { ok: true; envelope: Envelope } | { ok: false; code: RejectionCode; errors: FieldError[] };

export type PayloadValidation<T extends MessageType = MessageType> =
  { ok: true; payload: PayloadOf<T> } | { ok: false; errors: FieldError[] };

const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  // The defaults would copy the whole input and each offending value into the errors.
  validationError: { target: false, value: false },
};

// class-transformer silently skips `__proto__` and `constructor`, and any key naming an Object.prototype
// method, so the whitelist never sees them: reject them here instead of letting them through unreported.
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

const SAFE_KEY = /^[A-Za-z0-9_$-]{1,64}$/;

/** Unknown keys come from the sender: keep paths printable and short whatever they are. */
function pathOf(parent: string, key: string | undefined): string {
  if (key === undefined) return parent;
  const segment = SAFE_KEY.test(key) ? key : '<invalid-key>';
  return parent === '' ? segment : `${parent}.${segment}`;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Depth and key checks before class-transformer walks the input; iterative so depth cannot blow the stack. */
/** PostgreSQL text and jsonb cannot hold NUL or an unpaired UTF-16 surrogate: refuse them at the door. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this pattern is for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasUnstorableText(value: string): boolean {
  return UNSTORABLE.test(value);
}

/**
 * Depth, forbidden keys and unstorable characters, checked iteratively (a recursive walk would overflow the
 * stack on hostile nesting). Exported for the HTTP edge, which must refuse the same bodies.
 */
export function structureErrors(input: unknown): FieldError[] {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: input, depth: 1, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'string' && hasUnstorableText(value)) {
      return [{ path, constraints: ['storableText: contains a NUL character or an unpaired surrogate'] }];
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_NESTING_DEPTH) {
      return [{ path, constraints: [`maxDepth: nested deeper than ${MAX_NESTING_DEPTH} levels`] }];
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        stack.push({ value: item, depth: depth + 1, path: pathOf(path, `${index}`) }),
      );
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key) || hasUnstorableText(key)) {
        return [{ path: pathOf(path, key), constraints: ['forbiddenKey: property name is not allowed'] }];
      }
      stack.push({
        value: (value as Record<string, unknown>)[key],
        depth: depth + 1,
        path: pathOf(path, key),
      });
    }
  }
  return [];
}

function flatten(errors: ValidationError[], parent: string, out: FieldError[]): FieldError[] {
  for (const error of errors) {
    const path = pathOf(parent, error.property);
    if (error.constraints) {
      out.push({
        path,
        constraints: Object.entries(error.constraints).map(([name, message]) =>
          // The whitelist message repeats the sender's key, already (sanitised) in the path.
          name === ValidationTypes.WHITELIST ? `${name}: property is not allowed` : `${name}: ${message}`,
        ),
      });
    }
    if (error.children && error.children.length > 0) flatten(error.children, path, out);
  }
  return out;
}

/** Structure checks, then class validation of `input` as `cls`; exported for other edges' request DTOs. */
export function classErrors(cls: ClassConstructor<object>, input: Record<string, unknown>): FieldError[] {
  const structural = structureErrors(input);
  if (structural.length > 0) return structural;
  return flatten(validateSync(plainToInstance(cls, input), VALIDATOR_OPTIONS), '', []);
}

function envelopeFailure(code: RejectionCode, errors: FieldError[]): EnvelopeValidation {
  return { ok: false, code, errors };
}

/**
 * Validates a parsed envelope (the AMQP body or an HTTP submission) and says which DELIVERY_REJECTED reason
 * applies. The envelope returned is the input itself, unchanged, once every check has passed.
 */
export function validateEnvelope(input: unknown): EnvelopeValidation {
  if (!isJsonObject(input)) {
    return envelopeFailure(RejectionCode.SCHEMA_INVALID, [
      { path: '', constraints: ['isObject: the envelope must be a JSON object'] },
    ]);
  }
  if (input.version !== 1) {
    return envelopeFailure(RejectionCode.UNSUPPORTED_VERSION, [
      { path: 'version', constraints: ['isSupportedVersion: only version 1 is supported'] },
    ]);
  }
  if (!isMessageType(input.type)) {
    return envelopeFailure(RejectionCode.UNKNOWN_TYPE, [
      { path: 'type', constraints: ['isKnownType: type is not a TRM v1 message type'] },
    ]);
  }
  const errors = classErrors(EnvelopeDto, input);
  if (errors.length > 0) return envelopeFailure(RejectionCode.SCHEMA_INVALID, errors);

  const envelope = input as unknown as Envelope;
  const ruleErrors = envelopeRuleErrors(envelope);
  if (ruleErrors.length > 0) return envelopeFailure(RejectionCode.SCHEMA_INVALID, ruleErrors);
  return { ok: true, envelope };
}

/**
 * Cross-field rules of a payload that has passed its class validation, some of which depend on the
 * envelope (an emergency alert sent under VITAL_INTEREST must carry a justification).
 */
export function payloadRuleErrors(
  type: MessageType,
  payload: object,
  envelope?: Pick<Envelope, 'legalBasis'> & Partial<Pick<Envelope, 'sentAt'>>,
): FieldError[] {
  switch (type) {
    case 'REFERRAL_REQUEST':
      // Ages are judged now and at the message's sentAt, so a birthday on the way is no contradiction.
      return referralRequestRuleErrors(
        payload as ReferralRequestPayload,
        new Date(),
        envelope?.sentAt ? new Date(envelope.sentAt) : undefined,
      );
    case 'EMERGENCY_ALERT':
      return emergencyAlertRuleErrors(payload as EmergencyAlertPayload, envelope);
    case 'EMERGENCY_ALERT_ACKNOWLEDGEMENT':
      return emergencyAlertAcknowledgementRuleErrors(payload as EmergencyAlertAcknowledgementPayload);
    case 'RISK_ASSESSMENT_RESULT':
      return riskAssessmentResultRuleErrors(payload as RiskAssessmentResultPayload);
    case 'WITNESS_APPEARANCE_RESPONSE':
      return witnessAppearanceResponseRuleErrors(payload as WitnessAppearanceResponsePayload);
    case 'PROCEEDINGS_STATUS':
      return proceedingsStatusRuleErrors(payload as ProceedingsStatusPayload);
    default:
      return [];
  }
}

/**
 * Validates a decrypted (or submitted) payload against the schema of `type`. Pass the envelope whenever
 * there is one, so the rules that depend on it run. The payload returned is the input itself, unchanged.
 */
export function validatePayload<T extends MessageType>(
  type: T,
  payload: unknown,
  envelope?: Pick<Envelope, 'legalBasis'> & Partial<Pick<Envelope, 'sentAt'>>,
): PayloadValidation<T> {
  if (!isMessageType(type)) {
    return { ok: false, errors: [{ path: '', constraints: ['isKnownType: not a TRM v1 message type'] }] };
  }
  if (!isJsonObject(payload)) {
    return {
      ok: false,
      errors: [{ path: '', constraints: ['isObject: the payload must be a JSON object'] }],
    };
  }
  const errors = classErrors(PAYLOAD_CLASSES[type], payload);
  if (errors.length > 0) return { ok: false, errors };
  const ruleErrors = payloadRuleErrors(type, payload, envelope);
  if (ruleErrors.length > 0) return { ok: false, errors: ruleErrors };
  return { ok: true, payload: payload as PayloadOf<T> };
}
