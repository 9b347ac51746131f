import { COUNTRY_CODE } from '../common/validation';
/**
 * The TRM v1 message types (PROTOCOL.md, "Message types"), and the compatible v1 extensions of
 * docs/protocol.md beside the type they extend. The order is the table's order, so listings, schemas and
 * docs read like the protocol.
 */
export const MESSAGE_TYPES = [
  'REFERRAL_REQUEST',
  'REFERRAL_CONFIRMATION',
  'REFERRAL_DECLINED',
  'IDENTITY_VERIFICATION_REQUEST',
  'IDENTITY_VERIFICATION_RESULT',
  'EMERGENCY_ALERT',
  'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
  'MISSING_PERSON_SEARCH_RESULT',
  'CASE_UPDATE',
  'ASSISTANCE_STEP_REPORT',
  'TRAVEL_DOCUMENT_REQUEST',
  'TRAVEL_DOCUMENT_RESULT',
  'RISK_ASSESSMENT_REQUEST',
  'RISK_ASSESSMENT_RESULT',
  'FAMILY_TRACING_REQUEST',
  'FAMILY_TRACING_RESULT',
  'RETURN_PLAN',
  'RETURN_PLAN_CONFIRMATION',
  'ARRIVAL_CONFIRMATION',
  'REINTEGRATION_REQUEST',
  'REINTEGRATION_CONFIRMATION',
  'EVIDENCE_REQUEST',
  'EVIDENCE_RESPONSE',
  'WITNESS_APPEARANCE_REQUEST',
  'WITNESS_APPEARANCE_RESPONSE',
  'COMPLAINT_TRANSFER',
  'PROCEEDINGS_STATUS',
  'COMPENSATION_CLAIM_UPDATE',
  'CONSENT_WITHDRAWN',
  'CASE_CLOSED',
  'DELIVERY_RECEIPT',
  'DELIVERY_REJECTED',
  'AUDIT_CHECKPOINT',
] as const;

export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Types that carry no personal data: legal basis NONE, no consent, always accepted by every participant. */
export const TECHNICAL_TYPES = ['DELIVERY_RECEIPT', 'DELIVERY_REJECTED', 'AUDIT_CHECKPOINT'] as const;

export type TechnicalType = (typeof TECHNICAL_TYPES)[number];

/**
 * Compatible v1 extensions (docs/protocol.md, "Extensions"): types PROTOCOL.md does not define. A participant
 * takes one only when its directory entry lists it in `accepts` (leaving `accepts` out means every v1 type,
 * not an extension), so an implementation that knows only PROTOCOL.md is never sent one.
 */
export const EXTENSION_TYPES = [
  'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
  'MISSING_PERSON_SEARCH_RESULT',
  'ASSISTANCE_STEP_REPORT',
  'TRAVEL_DOCUMENT_REQUEST',
  'TRAVEL_DOCUMENT_RESULT',
  'WITNESS_APPEARANCE_REQUEST',
  'WITNESS_APPEARANCE_RESPONSE',
  'COMPLAINT_TRANSFER',
  'PROCEEDINGS_STATUS',
  'COMPENSATION_CLAIM_UPDATE',
] as const;

export type ExtensionType = (typeof EXTENSION_TYPES)[number];

/**
 * The types that may travel on the legal basis VITAL_INTEREST: the alert (PROTOCOL.md), and the extension that
 * answers an alert sent on it (and only such an alert: consent.policy's `vitalInterestReasons`).
 */
export const VITAL_INTEREST_TYPES = ['EMERGENCY_ALERT', 'EMERGENCY_ALERT_ACKNOWLEDGEMENT'] as const;

/**
 * Business types whose envelope must name in `inReplyTo` the message they answer (extensions, so no
 * PROTOCOL.md sender is bound by it): the alert's acknowledgement, and the answers that settle a request of
 * their own (the lifecycle checks that `inReplyTo` names that request, from the country answered).
 */
export const IN_REPLY_TO_REQUIRED = [
  'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
  'TRAVEL_DOCUMENT_RESULT',
  'WITNESS_APPEARANCE_RESPONSE',
] as const satisfies readonly ExtensionType[];

export type Lane = 'urgent' | 'routine';

/** The five SOPs of the TRM guidelines. */
export const SOPS = [1, 2, 3, 4, 5] as const;

export type Sop = (typeof SOPS)[number];

const MESSAGE_TYPE_SET: ReadonlySet<string> = new Set(MESSAGE_TYPES);
const TECHNICAL_TYPE_SET: ReadonlySet<string> = new Set(TECHNICAL_TYPES);

export function isMessageType(s: unknown): s is MessageType {
  return typeof s === 'string' && MESSAGE_TYPE_SET.has(s);
}

export function isTechnicalType(t: MessageType): t is TechnicalType {
  return TECHNICAL_TYPE_SET.has(t);
}

/** A receipt or a rejection: it answers one message, changes no case, and is never answered itself. */
export function isDeliveryAnswer(type: unknown): boolean {
  return type === 'DELIVERY_RECEIPT' || type === 'DELIVERY_REJECTED';
}

export function isExtensionType(t: string): t is ExtensionType {
  return (EXTENSION_TYPES as readonly string[]).includes(t);
}

export function isInReplyToRequired(t: MessageType): boolean {
  return (IN_REPLY_TO_REQUIRED as readonly string[]).includes(t);
}

/** An alert must never wait behind a backlog of routine traffic, so it travels on its own queue. */
export function laneOf(type: MessageType): Lane {
  return type === 'EMERGENCY_ALERT' ? 'urgent' : 'routine';
}

/**
 * `<lane>.<to>.<from>.<TYPE>`. The codes are checked because a `.`, `*` or `#` smuggled into a routing key
 * would route the message to another participant's queue.
 */
export function routingKey(type: MessageType, to: string, from: string): string {
  if (!COUNTRY_CODE.test(to) || !COUNTRY_CODE.test(from)) {
    throw new RangeError('routingKey: participant codes must be ISO 3166-1 alpha-2 (two capital letters)');
  }
  return `${laneOf(type)}.${to}.${from}.${type}`;
}

/** The SOP each type belongs to (PROTOCOL.md table); null for the "any" and technical rows. */
export const SOP_OF_TYPE: Readonly<Record<MessageType, Sop | null>> = {
  REFERRAL_REQUEST: 1,
  REFERRAL_CONFIRMATION: 1,
  REFERRAL_DECLINED: 1,
  IDENTITY_VERIFICATION_REQUEST: 1,
  IDENTITY_VERIFICATION_RESULT: 1,
  EMERGENCY_ALERT: 2,
  EMERGENCY_ALERT_ACKNOWLEDGEMENT: 2,
  MISSING_PERSON_SEARCH_RESULT: 2,
  CASE_UPDATE: 3,
  ASSISTANCE_STEP_REPORT: 3,
  TRAVEL_DOCUMENT_REQUEST: 3,
  TRAVEL_DOCUMENT_RESULT: 3,
  RISK_ASSESSMENT_REQUEST: 4,
  RISK_ASSESSMENT_RESULT: 4,
  FAMILY_TRACING_REQUEST: 4,
  FAMILY_TRACING_RESULT: 4,
  RETURN_PLAN: 4,
  RETURN_PLAN_CONFIRMATION: 4,
  ARRIVAL_CONFIRMATION: 4,
  REINTEGRATION_REQUEST: 4,
  REINTEGRATION_CONFIRMATION: 4,
  EVIDENCE_REQUEST: 5,
  EVIDENCE_RESPONSE: 5,
  WITNESS_APPEARANCE_REQUEST: 5,
  WITNESS_APPEARANCE_RESPONSE: 5,
  COMPLAINT_TRANSFER: 5,
  PROCEEDINGS_STATUS: 5,
  COMPENSATION_CLAIM_UPDATE: 5,
  CONSENT_WITHDRAWN: null,
  CASE_CLOSED: null,
  DELIVERY_RECEIPT: null,
  DELIVERY_REJECTED: null,
  AUDIT_CHECKPOINT: null,
};

/**
 * Business replies expected for each request, so the cases module can track open requests and deadlines.
 * Total over every type (empty when a type expects no business reply) so a lookup never needs a guard.
 * Receipts and rejections answer every message at the transport level and are deliberately not listed.
 */
export const REPLY_TYPES: Readonly<Record<MessageType, readonly MessageType[]>> = {
  REFERRAL_REQUEST: ['REFERRAL_CONFIRMATION', 'REFERRAL_DECLINED'],
  REFERRAL_CONFIRMATION: [],
  REFERRAL_DECLINED: [],
  IDENTITY_VERIFICATION_REQUEST: ['IDENTITY_VERIFICATION_RESULT'],
  IDENTITY_VERIFICATION_RESULT: [],
  EMERGENCY_ALERT: ['EMERGENCY_ALERT_ACKNOWLEDGEMENT'],
  EMERGENCY_ALERT_ACKNOWLEDGEMENT: [],
  MISSING_PERSON_SEARCH_RESULT: [],
  CASE_UPDATE: [],
  ASSISTANCE_STEP_REPORT: [],
  TRAVEL_DOCUMENT_REQUEST: ['TRAVEL_DOCUMENT_RESULT'],
  TRAVEL_DOCUMENT_RESULT: [],
  RISK_ASSESSMENT_REQUEST: ['RISK_ASSESSMENT_RESULT'],
  RISK_ASSESSMENT_RESULT: [],
  FAMILY_TRACING_REQUEST: ['FAMILY_TRACING_RESULT'],
  FAMILY_TRACING_RESULT: [],
  RETURN_PLAN: ['RETURN_PLAN_CONFIRMATION', 'ARRIVAL_CONFIRMATION'],
  RETURN_PLAN_CONFIRMATION: [],
  ARRIVAL_CONFIRMATION: [],
  REINTEGRATION_REQUEST: ['REINTEGRATION_CONFIRMATION'],
  REINTEGRATION_CONFIRMATION: [],
  EVIDENCE_REQUEST: ['EVIDENCE_RESPONSE'],
  EVIDENCE_RESPONSE: [],
  WITNESS_APPEARANCE_REQUEST: ['WITNESS_APPEARANCE_RESPONSE'],
  WITNESS_APPEARANCE_RESPONSE: [],
  COMPLAINT_TRANSFER: [],
  PROCEEDINGS_STATUS: [],
  COMPENSATION_CLAIM_UPDATE: [],
  CONSENT_WITHDRAWN: [],
  CASE_CLOSED: [],
  DELIVERY_RECEIPT: [],
  DELIVERY_REJECTED: [],
  AUDIT_CHECKPOINT: [],
};

/** The request types a reply may answer (the inverse of REPLY_TYPES), e.g. to match `inReplyTo`. */
export function requestTypesAnsweredBy(reply: MessageType): MessageType[] {
  return MESSAGE_TYPES.filter((request) => REPLY_TYPES[request].includes(reply));
}
