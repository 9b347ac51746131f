import type { ConsentGiver, ConsentScope, ConsentSummary, LegalBasis } from '../messages/envelope.dto';
import type { MessageType } from '../messages/message-types';
import { HEALTH_STEPS } from '../messages/payloads/assistance.dto';
import { reportsRelease } from '../messages/payloads/proceedings.dto';
import { RejectionCode } from '../messages/rejection-codes';

/**
 * Which consent scopes a message needs, and the consent decision for sending or receiving it. Pure: the
 * same rules decide for HTTP and AMQP, outbound and inbound. Published for partners in docs/consent-policy.md.
 */

type Payload = Record<string, unknown>;

interface FieldGroup {
  /** A top-level payload field. */
  field: string;
  scope: ConsentScope;
  /** Only when the payload says so (e.g. a referral for return). */
  when?: (payload: Payload) => boolean;
  /** A required group cannot be redacted away: the message makes no sense without it. */
  required?: boolean;
}

/** Scopes the type itself needs, whatever the payload holds. */
export const TYPE_SCOPES: Readonly<Partial<Record<MessageType, readonly ConsentScope[]>>> = {
  REFERRAL_REQUEST: ['SHARE_IDENTITY'],
  IDENTITY_VERIFICATION_REQUEST: ['SHARE_IDENTITY', 'CONTACT_ORIGIN_AUTHORITIES'],
  IDENTITY_VERIFICATION_RESULT: ['SHARE_IDENTITY'],
  EMERGENCY_ALERT: ['SHARE_IDENTITY'],
  FAMILY_TRACING_REQUEST: ['CONTACT_FAMILY'],
  FAMILY_TRACING_RESULT: ['CONTACT_FAMILY'],
  RETURN_PLAN: ['RETURN'],
  RETURN_PLAN_CONFIRMATION: ['RETURN'],
  ARRIVAL_CONFIRMATION: ['RETURN'],
  REINTEGRATION_REQUEST: ['REINTEGRATION'],
  REINTEGRATION_CONFIRMATION: ['REINTEGRATION'],
  EVIDENCE_REQUEST: ['CRIMINAL_PROCEEDINGS'],
  EVIDENCE_RESPONSE: ['CRIMINAL_PROCEEDINGS'],
  // The extensions (docs/protocol.md). Finding a missing person and her documents concern her identity; a
  // travel document is asked of the country of origin's consular or passport services.
  MISSING_PERSON_SEARCH_RESULT: ['SHARE_IDENTITY'],
  TRAVEL_DOCUMENT_REQUEST: ['SHARE_IDENTITY', 'CONTACT_ORIGIN_AUTHORITIES'],
  TRAVEL_DOCUMENT_RESULT: ['SHARE_IDENTITY'],
  WITNESS_APPEARANCE_REQUEST: ['CRIMINAL_PROCEEDINGS'],
  WITNESS_APPEARANCE_RESPONSE: ['CRIMINAL_PROCEEDINGS'],
  COMPLAINT_TRANSFER: ['CRIMINAL_PROCEEDINGS'],
  COMPENSATION_CLAIM_UPDATE: ['CRIMINAL_PROCEEDINGS'],
};

/** Field groups that need a scope of their own. Assistance (SOPs 2–3) never needs CRIMINAL_PROCEEDINGS. */
export const FIELD_GROUPS: Readonly<Partial<Record<MessageType, readonly FieldGroup[]>>> = {
  REFERRAL_REQUEST: [
    { field: 'person', scope: 'SHARE_IDENTITY', required: true },
    { field: 'residenceInOrigin', scope: 'SHARE_IDENTITY' },
    { field: 'medical', scope: 'SHARE_HEALTH' },
    { field: 'requestedSop', scope: 'RETURN', when: (p) => p.requestedSop === 4, required: true },
    {
      field: 'requestedSop',
      scope: 'CRIMINAL_PROCEEDINGS',
      when: (p) => p.requestedSop === 5,
      required: true,
    },
    // Residence in the country of origin travels only when the person returns there (domain.md).
    { field: 'residenceInOrigin', scope: 'RETURN' },
  ],
  IDENTITY_VERIFICATION_REQUEST: [
    { field: 'person', scope: 'SHARE_IDENTITY', required: true },
    { field: 'documents', scope: 'SHARE_IDENTITY' },
  ],
  CASE_UPDATE: [
    { field: 'sop', scope: 'RETURN', when: (p) => p.sop === 4, required: true },
    { field: 'sop', scope: 'CRIMINAL_PROCEEDINGS', when: (p) => p.sop === 5, required: true },
  ],
  FAMILY_TRACING_REQUEST: [{ field: 'familyMembers', scope: 'SHARE_IDENTITY' }],
  // A medical or psychological step is health data; the other steps of assistance need no scope of their own.
  ASSISTANCE_STEP_REPORT: [
    {
      field: 'step',
      scope: 'SHARE_HEALTH',
      when: (p) => (HEALTH_STEPS as readonly unknown[]).includes(p.step),
      required: true,
    },
  ],
  TRAVEL_DOCUMENT_REQUEST: [
    { field: 'person', scope: 'SHARE_IDENTITY', required: true },
    { field: 'knownDocuments', scope: 'SHARE_IDENTITY' },
  ],
  // Proceedings need CRIMINAL_PROCEEDINGS, except an offender's release or escape: the victim must be told
  // whether or not she cooperates with the police, so no scope can hold it back and nothing can be redacted.
  PROCEEDINGS_STATUS: [
    {
      field: 'event',
      scope: 'CRIMINAL_PROCEEDINGS',
      when: (p) => !reportsRelease(p),
      required: true,
    },
  ],
  EVIDENCE_REQUEST: [
    {
      field: 'targetsOriginAuthorities',
      scope: 'CONTACT_ORIGIN_AUTHORITIES',
      when: (p) => p.targetsOriginAuthorities === true,
      required: true,
    },
  ],
};

/**
 * Types that involve the recipient's authorities in the proceedings (evidence, a witness's testimony, a
 * complaint to investigate): to the country of origin, they contact its authorities.
 */
export const EVIDENCE_CONTACT_TYPES: readonly MessageType[] = [
  'EVIDENCE_REQUEST',
  'WITNESS_APPEARANCE_REQUEST',
  'COMPLAINT_TRANSFER',
];

/**
 * Whether the message contacts the country of origin's authorities: the sender's flag says so, or the case
 * records the recipient as the country of origin (whatever the flag says).
 */
export function contactsOriginAuthorities(
  type: MessageType,
  payload: Payload,
  recipientIsOrigin: boolean,
): boolean {
  return (
    EVIDENCE_CONTACT_TYPES.includes(type) && (payload.targetsOriginAuthorities === true || recipientIsOrigin)
  );
}

/** The payload without these top-level fields (what a redaction leaves). */
export function withoutFields(payload: Payload, fields: readonly string[]): Payload {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => !fields.includes(key)));
}

/** What stands for the recipient in a scope need that the case's country roles, not the payload, create. */
export const ORIGIN_RECIPIENT = '(recipient: the country of origin)';

/**
 * Residence in the country of origin travels only to that country, when the person returns there (domain.md,
 * "Least data per message type"): a message carrying it to any other country is refused, or, on request,
 * sent without it. The reason names no country: a receiver sends it back to the sender.
 */
export function misplacedResidenceReasons(to: string, payload: Payload): ConsentReason[] {
  const residence = payload.residenceInOrigin as { country?: unknown } | undefined;
  if (residence === undefined || residence.country === to) return [];
  return [
    {
      code: RejectionCode.POLICY_DENIED,
      message:
        'residenceInOrigin travels only to the country of origin it names, when the person returns there',
      fields: ['residenceInOrigin'],
    },
  ];
}

/** Types that must travel even when no consent is live: the withdrawal itself, and closing the case. */
export const CONSENT_EXEMPT_TYPES: readonly MessageType[] = ['CONSENT_WITHDRAWN', 'CASE_CLOSED'];

/**
 * Free-text fields of an exempt type. They travel only under a live consent on an unrestricted case: after a
 * withdrawal the data may not be shared further, so the message still goes (the relationship must close)
 * without them.
 */
export const EXEMPT_FREE_TEXT: Readonly<Partial<Record<MessageType, readonly string[]>>> = {
  CASE_CLOSED: ['summary'],
};

/**
 * What a consent withdrawal does to a message still queued under that consent, not yet published: the data
 * may not be shared further. A message that needs consent is CANCELLED (it never leaves). An exempt one must
 * still travel, so it is STRIPPED of its free text, exactly as it would be if it were sent after the
 * withdrawal (a CASE_CLOSED loses its `summary`): cancelling it instead would leave the peer's part of the
 * case open for good, since this node has already closed it and a second CASE_CLOSED is refused. An exempt
 * message with no free text is KEPT as it is.
 */
export type QueuedAfterWithdrawal =
  { action: 'CANCEL' } | { action: 'STRIP'; fields: string[] } | { action: 'KEEP' };

export function queuedAfterWithdrawal(type: MessageType, payload: Payload): QueuedAfterWithdrawal {
  if (!CONSENT_EXEMPT_TYPES.includes(type)) return { action: 'CANCEL' };
  const fields = (EXEMPT_FREE_TEXT[type] ?? []).filter((field) => payload[field] !== undefined);
  return fields.length > 0 ? { action: 'STRIP', fields } : { action: 'KEEP' };
}

export interface ScopeNeed {
  scope: ConsentScope;
  /** The payload fields that need it; `(type)` when the message type itself does. */
  fields: string[];
  required: boolean;
}

/**
 * Every scope the message needs, with the fields that need it. `recipientIsOrigin`: the case records the
 * country the message goes to as the country of origin (`countryRoles`).
 */
export function scopesNeeded(type: MessageType, payload: Payload, recipientIsOrigin = false): ScopeNeed[] {
  const needs = new Map<ConsentScope, ScopeNeed>();
  const add = (scope: ConsentScope, field: string, required: boolean): void => {
    const need = needs.get(scope) ?? { scope, fields: [], required: false };
    if (!need.fields.includes(field)) need.fields.push(field);
    need.required ||= required;
    needs.set(scope, need);
  };
  for (const scope of TYPE_SCOPES[type] ?? []) add(scope, '(type)', true);
  for (const group of FIELD_GROUPS[type] ?? []) {
    if (payload[group.field] === undefined) continue;
    if (group.when && !group.when(payload)) continue;
    add(group.scope, group.field, group.required ?? false);
  }
  // The case's roles decide, not only the sender's flag: evidence contact with the origin is contact with its
  // authorities whatever targetsOriginAuthorities says.
  if (recipientIsOrigin && EVIDENCE_CONTACT_TYPES.includes(type))
    add('CONTACT_ORIGIN_AUTHORITIES', ORIGIN_RECIPIENT, true);
  return [...needs.values()];
}

/** A consent record as the policy sees it. */
export interface ConsentFacts {
  consentId: string;
  scopes: readonly ConsentScope[];
  recipients: readonly string[];
  givenBy: ConsentGiver;
  givenAt: Date;
  expiresAt: Date | null;
  withdrawnAt: Date | null;
}

export interface ConsentReason {
  code: RejectionCode;
  message: string;
  scope?: ConsentScope;
  fields?: string[];
}

export interface OutboundConsentFacts {
  type: MessageType;
  to: string;
  legalBasis: Exclude<LegalBasis, 'NONE'>;
  payload: Payload;
  /** Every consent record of the case, live or not, newest first. */
  consents: readonly ConsentFacts[];
  /** A child (documented, presumed or disputed age): only a guardian or legal representative consents. */
  child: boolean;
  /** The case was restricted by a withdrawal a peer told us about, and no consent was recorded since. */
  restricted: boolean;
  now: Date;
  /** Remove uncovered, optional field groups instead of refusing. */
  redact: boolean;
  /** The case records `to` as the country of origin. */
  recipientIsOrigin?: boolean;
  /** The message answers an EMERGENCY_ALERT that `to` sent this node on VITAL_INTEREST (`vitalInterestReasons`). */
  answersVitalInterestAlert?: boolean;
}

export type OutboundConsentDecision =
  | {
      allow: true;
      consent: ConsentFacts | null;
      payload: Payload;
      redacted: string[];
      vitalInterest: boolean;
    }
  | { allow: false; reasons: ConsentReason[] };

const isLive = (c: ConsentFacts, now: Date): boolean =>
  c.withdrawnAt === null && (c.expiresAt === null || c.expiresAt > now);

const GUARDIANS: readonly ConsentGiver[] = ['GUARDIAN', 'LEGAL_REPRESENTATIVE'];

const deny = (reasons: ConsentReason[]): OutboundConsentDecision => ({ allow: false, reasons });

/**
 * VITAL_INTEREST, the one legal basis without consent, covers the emergency alert (PROTOCOL.md, with a
 * written justification) and, as a compatible extension, the alerted country's acknowledgement of an alert
 * that itself went on VITAL_INTEREST, and nothing else: an acknowledgement of an alert sent on consent goes
 * on consent too. `answersVitalInterestAlert`: the message's `inReplyTo` names an EMERGENCY_ALERT that came
 * from its recipient (for a receiver: that this node sent to its sender) on VITAL_INTEREST. The envelope
 * rules already keep VITAL_INTEREST off every other type.
 */
export function vitalInterestReasons(facts: {
  type: MessageType;
  legalBasis: LegalBasis;
  answersVitalInterestAlert: boolean;
}): ConsentReason[] {
  if (facts.legalBasis !== 'VITAL_INTEREST' || facts.type === 'EMERGENCY_ALERT') return [];
  if (facts.type === 'EMERGENCY_ALERT_ACKNOWLEDGEMENT' && facts.answersVitalInterestAlert) return [];
  return [
    {
      code: RejectionCode.CONSENT_INSUFFICIENT,
      message:
        facts.type === 'EMERGENCY_ALERT_ACKNOWLEDGEMENT'
          ? 'VITAL_INTEREST covers an acknowledgement only of an alert that itself went on VITAL_INTEREST, between the same two countries; this one needs consent'
          : 'VITAL_INTEREST is a legal basis for EMERGENCY_ALERT and its acknowledgement only',
    },
  ];
}

export function decideOutboundConsent(facts: OutboundConsentFacts): OutboundConsentDecision {
  if (facts.legalBasis === 'VITAL_INTEREST') {
    const reasons = vitalInterestReasons({
      type: facts.type,
      legalBasis: facts.legalBasis,
      answersVitalInterestAlert: facts.answersVitalInterestAlert ?? false,
    });
    if (reasons.length > 0) return deny(reasons);
    return { allow: true, consent: null, payload: facts.payload, redacted: [], vitalInterest: true };
  }
  if (CONSENT_EXEMPT_TYPES.includes(facts.type)) {
    const latest = facts.consents.find((c) => c.recipients.includes(facts.to));
    if (!latest) {
      return deny([
        { code: RejectionCode.CONSENT_INSUFFICIENT, message: `no consent record ever named ${facts.to}` },
      ]);
    }
    const dropped =
      facts.restricted || !isLive(latest, facts.now)
        ? (EXEMPT_FREE_TEXT[facts.type] ?? []).filter((field) => facts.payload[field] !== undefined)
        : [];
    return {
      allow: true,
      consent: latest,
      payload: withoutFields(facts.payload, dropped),
      redacted: dropped,
      vitalInterest: false,
    };
  }
  if (facts.restricted) {
    return deny([
      {
        code: RejectionCode.CONSENT_INSUFFICIENT,
        message:
          'consent on this case was withdrawn; record new consent before sending anything but an emergency alert',
      },
    ]);
  }
  const eligible = facts.consents.filter(
    (c) =>
      isLive(c, facts.now) &&
      c.recipients.includes(facts.to) &&
      (!facts.child || GUARDIANS.includes(c.givenBy)),
  );
  if (eligible.length === 0) {
    const why = facts.child
      ? `no live consent from a guardian or legal representative names ${facts.to} (the person is treated as a child)`
      : `no live consent names ${facts.to} as a recipient`;
    return deny([{ code: RejectionCode.CONSENT_INSUFFICIENT, message: why }]);
  }

  const needs = scopesNeeded(facts.type, facts.payload, facts.recipientIsOrigin);
  const missingFor = (c: ConsentFacts) => needs.filter((n) => !c.scopes.includes(n.scope));
  // The consent that leaves least uncovered; among equals the newest (the list is newest first). When
  // redacting, what cannot be redacted away counts first: a consent that lets the message go with some
  // optional groups removed beats one that leaves fewer scopes missing but refuses the message.
  const rank = (c: ConsentFacts) => {
    const missing = missingFor(c);
    return {
      unredactable: facts.redact ? missing.filter((n) => n.required).length : 0,
      total: missing.length,
    };
  };
  const better = (x: ReturnType<typeof rank>, y: ReturnType<typeof rank>): boolean =>
    x.unredactable !== y.unredactable ? x.unredactable < y.unredactable : x.total < y.total;
  const best = eligible.reduce((a, b) => (better(rank(b), rank(a)) ? b : a));
  const missing = missingFor(best);
  if (missing.length === 0) {
    return { allow: true, consent: best, payload: facts.payload, redacted: [], vitalInterest: false };
  }

  const unredactable = facts.redact ? missing.filter((n) => n.required) : missing;
  if (unredactable.length > 0) {
    return deny(
      (facts.redact ? unredactable : missing).map((n) => ({
        code: RejectionCode.CONSENT_INSUFFICIENT,
        message: `consent ${best.consentId} does not cover ${n.scope}, needed by ${n.fields.join(', ')}`,
        scope: n.scope,
        fields: n.fields,
      })),
    );
  }
  const removed = [...new Set(missing.flatMap((n) => n.fields))];
  return {
    allow: true,
    consent: best,
    payload: withoutFields(facts.payload, removed),
    redacted: removed,
    vitalInterest: false,
  };
}

export interface InboundConsentFacts {
  type: MessageType;
  legalBasis: LegalBasis;
  consent: ConsentSummary | undefined;
  payload: Payload;
  self: string;
  now: Date;
  /** The sender told us earlier that it withdrew this consent. */
  withdrawn: boolean;
  /** The receiver treats the person as a child (documented, presumed or disputed age). */
  child: boolean;
  /** The receiver's case records the receiver itself as the country of origin. */
  selfIsOrigin?: boolean;
}

/** The receiver's check of the sender's declared consent against what the message carries (PROTOCOL.md). */
export function checkDeclaredConsent(facts: InboundConsentFacts): ConsentReason[] {
  if (facts.legalBasis !== 'CONSENT' || !facts.consent) return [];
  const summary = facts.consent;
  const reasons: ConsentReason[] = [];
  const insufficient = (message: string, extra: Partial<ConsentReason> = {}) =>
    reasons.push({ code: RejectionCode.CONSENT_INSUFFICIENT, message, ...extra });
  if (!summary.recipients.includes(facts.self))
    insufficient(`the declared consent does not name ${facts.self}`);
  if (CONSENT_EXEMPT_TYPES.includes(facts.type)) return reasons;
  if (facts.withdrawn) insufficient('the declared consent was withdrawn');
  if (summary.expiresAt && new Date(summary.expiresAt) <= facts.now)
    insufficient('the declared consent has expired');
  if (facts.child && !GUARDIANS.includes(summary.givenBy)) {
    insufficient(
      'the person is treated as a child: consent must come from a guardian or legal representative',
    );
  }
  for (const need of scopesNeeded(facts.type, facts.payload, facts.selfIsOrigin)) {
    if (!summary.scopes.includes(need.scope)) {
      insufficient(`the declared consent lacks ${need.scope}, needed by ${need.fields.join(', ')}`, {
        scope: need.scope,
        fields: need.fields,
      });
    }
  }
  return reasons;
}

/** The envelope's consent summary for a record. */
export function consentSummary(c: ConsentFacts): ConsentSummary {
  return {
    consentId: c.consentId,
    scopes: [...c.scopes],
    recipients: [...c.recipients],
    givenBy: c.givenBy,
    givenAt: c.givenAt.toISOString(),
    ...(c.expiresAt ? { expiresAt: c.expiresAt.toISOString() } : {}),
  };
}
