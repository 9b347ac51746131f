// Generates docs/consent-policy.md, the consent policy PROTOCOL.md promises partners ("which scopes each type and
// field group needs is published with the schemas"), from the tables of src/consent/consent.policy.ts and by
// running the pure policies themselves, so the document can never drift from what this node enforces.
// Run: npm run consent-policy (ts-node --transpile-only scripts/consent-policy.ts).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  checkDeclaredConsent,
  CONSENT_EXEMPT_TYPES,
  ConsentFacts,
  consentSummary,
  decideOutboundConsent,
  FIELD_GROUPS,
  TYPE_SCOPES,
  EVIDENCE_CONTACT_TYPES,
  ORIGIN_RECIPIENT,
  queuedAfterWithdrawal,
} from '../src/consent/consent.policy';
import { ASYLUM_BLOCKED_TYPES } from '../src/cases/case-facts.policy';
import { CONSENT_GIVERS, CONSENT_SCOPES, ConsentGiver, ConsentScope } from '../src/messages/envelope.dto';
import { examplePayload } from '../src/messages/examples';
import { isTechnicalType, MESSAGE_TYPES, MessageType, SOP_OF_TYPE } from '../src/messages/message-types';
import {
  AssessmentFacts,
  decideRisk,
  needsRiskAssessment,
  RiskDecision,
  RiskFacts,
  RiskLevel,
} from '../src/risk/risk.policy';
import { buildSchemas } from './schemas';

export const CONSENT_POLICY_DOC = resolve(__dirname, '..', 'docs', 'consent-policy.md');

type Payload = Record<string, unknown>;
type FieldGroup = NonNullable<(typeof FIELD_GROUPS)[MessageType]>[number];
type Schema = Record<string, unknown>;

/** What each scope lets the data be used for (PROTOCOL.md, the `consent` MUST). */
const SCOPE_MEANING: Readonly<Record<ConsentScope, string>> = {
  SHARE_IDENTITY: 'identity and contact data',
  SHARE_HEALTH: 'health and vulnerability data',
  CONTACT_FAMILY: 'family tracing and contact with the family',
  CONTACT_ORIGIN_AUTHORITIES: "contact with the country of origin's authorities or consular services",
  RETURN: 'voluntary return to the country of origin',
  CRIMINAL_PROCEEDINGS: 'use in criminal proceedings, as evidence or as a witness',
  REINTEGRATION: 'reintegration assistance',
};

const NOW = new Date('2026-01-15T12:00:00.000Z');
const DAY = 86_400_000;

const code = (s: string): string => `\`${s}\``;
const list = (items: readonly string[]): string => items.map(code).join(', ');

/** A markdown table laid out as prettier lays it out, so `prettier --check docs` stays quiet. */
function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function example(type: MessageType): Payload {
  return examplePayload(type) as object as Payload;
}

/** Candidate values of a top-level payload field, from its JSON Schema: an enum, or a boolean. */
function candidates(schemas: Record<string, Schema>, type: MessageType, field: string): unknown[] | null {
  const properties = (schemas[`${type}.schema.json`]?.properties ?? {}) as Record<string, Schema>;
  const property = properties[field];
  if (Array.isArray(property?.enum)) return property.enum;
  if (property?.type === 'boolean') return [true, false];
  return null;
}

/**
 * Describes a predicate over one top-level field by trying every value the schema allows, and refuses to
 * guess when the predicate cannot be described that way (it depends on other fields, or the field is free).
 */
function describeCondition(
  schemas: Record<string, Schema>,
  type: MessageType,
  field: string,
  holds: (payload: Payload) => boolean,
  what: string,
): string {
  const values = candidates(schemas, type, field);
  if (!values) throw new Error(`consent-policy: cannot describe ${what} (${type}.${field} is not an enum)`);
  const matching = values.filter((value) => {
    const inExample = holds({ ...example(type), [field]: value });
    if (inExample !== holds({ [field]: value })) {
      throw new Error(`consent-policy: ${what} depends on more than ${type}.${field}; extend the generator`);
    }
    return inExample;
  });
  if (matching.length === 0) throw new Error(`consent-policy: ${what} never holds`);
  return `when ${code(field)} is ${matching.map((v) => code(JSON.stringify(v))).join(' or ')}`;
}

function groupRows(schemas: Record<string, Schema>, type: MessageType): string[][] {
  const typeScopes = TYPE_SCOPES[type] ?? [];
  const groups = FIELD_GROUPS[type] ?? [];
  const rows = typeScopes.map((scope) => ['(the type itself)', code(scope), 'always', 'no']);
  for (const group of groups) {
    const condition = group.when
      ? describeCondition(schemas, type, group.field, group.when, `the condition on ${type}.${group.field}`)
      : 'when present';
    rows.push([code(group.field), code(group.scope), condition, redactability(type, group)]);
  }
  if (EVIDENCE_CONTACT_TYPES.includes(type)) {
    rows.push([
      ORIGIN_RECIPIENT,
      code('CONTACT_ORIGIN_AUTHORITIES'),
      `when the case records the recipient as ${code('ORIGIN')} (${code('countryRoles')})` +
        (type === 'EVIDENCE_REQUEST' ? ', whatever the flag says' : ''),
      'no (required)',
    ]);
  }
  return rows;
}

/** A group is redacted only when its scope is missing and nothing required needs that scope. */
function redactability(type: MessageType, group: FieldGroup): string {
  if (group.required) return 'no (required)';
  if ((TYPE_SCOPES[type] ?? []).includes(group.scope)) {
    return `not on its own: the type needs ${code(group.scope)}`;
  }
  const requiredBy = (FIELD_GROUPS[type] ?? [])
    .filter((g) => g !== group && g.required && g.scope === group.scope)
    .map((g) => code(g.field));
  if (requiredBy.length > 0) return `not when ${requiredBy.join(', ')} needs ${code(group.scope)} too`;
  return 'yes';
}

function typeSection(schemas: Record<string, Schema>, type: MessageType): string {
  const sop = SOP_OF_TYPE[type];
  const heading = `### ${code(type)}${sop === null ? '' : ` (SOP ${sop})`}`;
  if (isTechnicalType(type)) {
    return `${heading}\n\nTechnical: legal basis ${code('NONE')}, no ${code('consent')}, no personal data.`;
  }
  if (CONSENT_EXEMPT_TYPES.includes(type)) {
    return `${heading}\n\nExempt (see below): the declared consent only has to name the recipient.`;
  }
  const rows = groupRows(schemas, type);
  if (rows.length === 0) {
    return `${heading}\n\nNo scope of its own: any live consent that names the recipient covers it.`;
  }
  return `${heading}\n\n${table(['what', 'scope', 'counts', 'redactable'], rows)}`;
}

function consent(givenBy: ConsentGiver): ConsentFacts {
  return {
    consentId: `consent-${givenBy}`,
    scopes: [...CONSENT_SCOPES],
    recipients: ['MK'],
    givenBy,
    givenAt: new Date(NOW.getTime() - DAY),
    expiresAt: null,
    withdrawnAt: null,
  };
}

/** Who may consent, found by asking the policy itself. */
function giversAccepted(child: boolean): ConsentGiver[] {
  return CONSENT_GIVERS.filter(
    (givenBy) =>
      decideOutboundConsent({
        type: 'CASE_UPDATE',
        to: 'MK',
        legalBasis: 'CONSENT',
        payload: example('CASE_UPDATE'),
        consents: [consent(givenBy)],
        child,
        restricted: false,
        now: NOW,
        redact: false,
      }).allow,
  );
}

/** Whose declared consent a receiver accepts, found by asking the policy itself. */
function giversAcceptedInbound(child: boolean): ConsentGiver[] {
  return CONSENT_GIVERS.filter(
    (givenBy) =>
      checkDeclaredConsent({
        type: 'CASE_UPDATE',
        legalBasis: 'CONSENT',
        consent: consentSummary(consent(givenBy)),
        payload: example('CASE_UPDATE'),
        self: 'MK',
        now: NOW,
        withdrawn: false,
        child,
      }).length === 0,
  );
}

function vitalInterestAllowsWithoutConsent(): boolean {
  const decision = decideOutboundConsent({
    type: 'EMERGENCY_ALERT',
    to: 'MK',
    legalBasis: 'VITAL_INTEREST',
    payload: example('EMERGENCY_ALERT'),
    consents: [],
    child: true,
    restricted: true,
    now: NOW,
    redact: false,
  });
  return decision.allow && decision.consent === null && decision.vitalInterest;
}

/** Whether the acknowledgement goes on VITAL_INTEREST exactly when it answers an alert sent on it. */
function acknowledgementOnVitalInterestOnlyForSuchAlerts(): boolean {
  const decide = (answersVitalInterestAlert: boolean) =>
    decideOutboundConsent({
      type: 'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
      to: 'MK',
      legalBasis: 'VITAL_INTEREST',
      payload: example('EMERGENCY_ALERT_ACKNOWLEDGEMENT'),
      consents: [],
      child: true,
      restricted: true,
      now: NOW,
      redact: false,
      answersVitalInterestAlert,
    });
  const answering = decide(true);
  const other = decide(false);
  return answering.allow && answering.consent === null && !other.allow;
}

/** What a withdrawal does to each exempt type still queued under the consent (the others are cancelled). */
function queuedExemptAfterWithdrawal(): string {
  return CONSENT_EXEMPT_TYPES.map((type) => {
    const settled = queuedAfterWithdrawal(type, example(type));
    return settled.action === 'STRIP'
      ? `a ${code(type)} leaves without ${list(settled.fields)}`
      : `a ${code(type)} leaves ${settled.action === 'KEEP' ? 'as it is' : 'never'}`;
  }).join('; ');
}

function consentSection(schemas: Record<string, Schema>): string {
  const forChild = giversAccepted(true);
  const forAdult = giversAccepted(false);
  if (
    list(giversAcceptedInbound(true)) !== list(forChild) ||
    list(giversAcceptedInbound(false)) !== list(forAdult)
  ) {
    throw new Error('consent-policy: sender and receiver disagree on who may consent; update the document');
  }
  if (!vitalInterestAllowsWithoutConsent()) {
    throw new Error('consent-policy: VITAL_INTEREST no longer bypasses consent; update the document');
  }
  if (!acknowledgementOnVitalInterestOnlyForSuchAlerts()) {
    throw new Error(
      'consent-policy: the acknowledgement rule on VITAL_INTEREST changed; update the document',
    );
  }
  const scopeRows = CONSENT_SCOPES.map((scope) => [code(scope), SCOPE_MEANING[scope]]);
  const summaryRows = MESSAGE_TYPES.filter((t) => !isTechnicalType(t)).map((type) => {
    const exempt = CONSENT_EXEMPT_TYPES.includes(type);
    const typeScopes = TYPE_SCOPES[type] ?? [];
    const groupScopes = [...new Set((FIELD_GROUPS[type] ?? []).map((g) => g.scope))];
    return [
      code(type),
      exempt ? 'exempt' : typeScopes.length > 0 ? list(typeScopes) : '-',
      exempt || groupScopes.length === 0 ? '-' : list(groupScopes),
    ];
  });

  return `## Consent

### Scopes

A consent record covers scopes; the envelope's ${code('consent')} summary lists them with the recipient countries,
who gave the consent, when, and until when.

${table(['scope', 'covers'], scopeRows)}

### How a sender uses this

- A message is sent on the legal basis ${code('CONSENT')} and relies on one consent record of its case.
  Eligible records are live (not withdrawn, not expired) and name the recipient country.
- The message needs every scope of its type and every scope of the field groups its payload carries (a
  group counts when its top-level field is present and its condition holds). Among the eligible records
  the node takes the one that leaves least uncovered, the newest among equals. With ${code('redact')}, it
  takes the one that leaves fewest scopes of required groups (and of the type itself) uncovered, then
  the one that leaves least uncovered, then the newest.
- If that record lacks a scope, the send is refused before anything is stored or published (HTTP 422), with
  one reason per missing scope naming the fields that need it (${code('(type)')} when the type itself does).
- With ${code('redact')}, uncovered optional field groups are removed from the payload instead, and the answer
  lists them. A required group cannot be redacted: the message is still refused, naming only the scopes that
  cannot be redacted away.
- The sender puts the record's summary in the envelope's ${code('consent')}: ${code('consentId')}, ${code('scopes')},
  ${code('recipients')}, ${code('givenBy')}, ${code('givenAt')}, and ${code('expiresAt')} when it has one.

### How a receiver uses this

A receiver checks the declared summary against the message it arrived with (PROTOCOL.md) and rejects, with
a ${code('DELIVERY_REJECTED')} whose ${code('reasonCode')} is ${code('CONSENT_INSUFFICIENT')}, a message:

- whose recipient (the receiver itself) is not among ${code('recipients')};
- whose type or payload needs a scope the summary lacks, by the tables below;
- on a person the receiver treats as a child, whose consent was not given by ${list(forChild)};
- whose consent has expired (${code('expiresAt')} at or before the time of receipt), or which the sender
  withdrew earlier (a ${code('CONSENT_WITHDRAWN')} for that ${code('consentId')} was received).

Messages on the legal basis ${code('VITAL_INTEREST')} or ${code('NONE')} declare no consent and are not checked
against one.

### Scopes per message type

${table(['type', 'the type needs', 'field groups may need'], summaryRows)}

${MESSAGE_TYPES.map((type) => typeSection(schemas, type)).join('\n\n')}

### Residence in the country of origin

${code('residenceInOrigin')} travels only to the country it names, the country of origin, when the person returns
there (its ${code('RETURN')} scope above). Sent to any other country, the message is refused (HTTP 422,
${code('POLICY_DENIED')}, field ${code('residenceInOrigin')}), or, with ${code('redact')}, sent without it and the
field listed as redacted. A receiver that is not that country rejects it with ${code('POLICY_DENIED')}.

### Exemptions

${list(CONSENT_EXEMPT_TYPES)} must travel even when no consent is live: the withdrawal itself must reach
every country that received data, and a case must be closable. The sender relies on the latest consent
record that ever named the recipient, even withdrawn or expired, even on a case restricted by a
withdrawal; with no such record the message is refused. The receiver only checks that the declared
consent names it. Their free text (${code('CASE_CLOSED')} ${code('summary')}) travels only when that record
is live and the case is not restricted; otherwise the message goes without it, and the answer and the
audit entry say so (${code('redacted')}).

### An offender's release

A ${code('PROCEEDINGS_STATUS')} reporting ${code('OFFENDER_RELEASED')} or ${code('OFFENDER_ESCAPED')} (a compatible v1
extension, [protocol.md](protocol.md#sop-2-3-and-5-extensions)) needs no scope of its own: the victim must be told
whether or not she cooperates with the police, so a consent that names the recipient suffices, there is no field
group to redact, and it goes through on a closed case. Every other event of the proceedings needs
${code('CRIMINAL_PROCEEDINGS')}. On a case restricted by a withdrawal it is refused like any message (HTTP 422,
${code('CONSENT_INSUFFICIENT')}), loudly: the coordinator then tells her country by other means, or sends an
${code('EMERGENCY_ALERT')} when her life, freedom or physical integrity is in danger.

### Vital interest

The one transfer without consent (Council of Europe Convention, art. 33): an ${code('EMERGENCY_ALERT')}
may be sent on the legal basis ${code('VITAL_INTEREST')} when a person's life, freedom or physical integrity
is in immediate danger, with a written ${code('justification')} in its payload. It needs no consent record,
goes through even on a restricted case or for a child whose guardian cannot be reached, carries no
${code('consent')} summary, and is flagged for review by auditors.

The alerted country answers it with an ${code('EMERGENCY_ALERT_ACKNOWLEDGEMENT')} (a compatible v1 extension,
[protocol.md](protocol.md#extensions)): its ${code('outcome')}, the ${code('actionsTaken')} and ${code('notes')}, and
no field for the person's identity, contact or health, so it carries no personal data beyond what the
alert carried. It goes on ${code('VITAL_INTEREST')} only when its ${code('inReplyTo')} names an alert that itself
went on ${code('VITAL_INTEREST')}, from the country it answers; an acknowledgement of an alert sent on consent
goes on consent, like any other message. Sent otherwise on ${code('VITAL_INTEREST')}, it is refused (HTTP 422,
${code('CONSENT_INSUFFICIENT')}) and rejected by a receiver with ${code('CONSENT_INSUFFICIENT')}. It is flagged
for review like the alert, and like the alert it goes through on a restricted case.

Any other type on that legal basis is refused (outbound) and rejected (inbound) as a schema error.

### Children

A child (documented, presumed or disputed age: a person is protected as a child until verified) cannot
consent alone. For a child, only consent given by ${list(forChild)} counts, with the child's own
view recorded; for an adult, consent given by ${list(forAdult)} counts. A receiver that treats the person
as a child rejects a message whose declared consent was given by anyone else (exempt types aside).

### Withdrawal and restricted cases

A withdrawal ends a consent record (a change is a new record; records are never edited). The node that
holds the consent sends ${code('CONSENT_WITHDRAWN')} to every country that received data of the case. The
withdrawal always stands: a country that cannot be told (no consent record ever named it, it left the
directory, it does not accept the type) is listed in the answer (${code('notNotified')}) and audited, for the
coordinator to tell it by other means; what this node awaits from it or owes it on the case is cancelled
(reason ${code('CONSENT_WITHDRAWN_UNTOLD')}, audited as ${code('EXPECTATIONS_CANCELLED')}), as it is for a
country that was told, except an emergency alert's acknowledgement.

Messages queued under the withdrawn consent that the relay has not yet taken are cancelled: they never
leave, and their status is ${code('REJECTED')} with the reason code ${code('CONSENT_WITHDRAWN')} (an emergency
alert among them may be sent again on vital interest). The exempt types must still travel, so they are
treated as if sent after the withdrawal: ${queuedExemptAfterWithdrawal()}. Its outbox row is replaced by one
sealed and signed anew under the same id (audited as ${code('MESSAGE_REDACTED')}, listed in the answer's
${code('redacted')}): cancelling a closure would leave the peer's part of the case open for good, since this
node has already closed it and a second ${code('CASE_CLOSED')} is refused. A row the relay had already taken
when the withdrawal committed is in flight (the broker may have it) and leaves as it was, summary included;
the ${code('CONSENT_WITHDRAWN')} queued by the withdrawal follows it to the same country.

A node told of a withdrawal restricts the case: it sends nothing more on it but an emergency alert (and an
acknowledgement of an alert on vital interest), a ${code('CONSENT_WITHDRAWN')} or a ${code('CASE_CLOSED')}, until
new consent is recorded.`;
}

// ---------------------------------------------------------------------------------------------------------
// Risk: the gated types and the outcome per level are computed by running src/risk/risk.policy.ts.

function assessment(level: RiskLevel, change: Partial<AssessmentFacts> = {}): AssessmentFacts {
  return {
    id: 'assessment',
    country: 'MK',
    level,
    factors: [{ code: 'RF-04', status: 'ABSENT' }],
    protectionPlan: 'a protection plan',
    complete: true,
    assessedAt: new Date(NOW.getTime() - DAY),
    validUntil: new Date(NOW.getTime() + 30 * DAY),
    reviewRequiredAt: null,
    ...change,
  };
}

interface Gated {
  type: MessageType;
  /** A payload for which the type is gated. */
  payload: Payload;
  when: string;
}

/** Every type the risk gate applies to, and when, found by asking `needsRiskAssessment`. */
function gatedTypes(schemas: Record<string, Schema>): Gated[] {
  const gated: Gated[] = [];
  for (const type of MESSAGE_TYPES) {
    const properties = Object.keys(
      (schemas[`${type}.schema.json`]?.properties ?? {}) as Record<string, Schema>,
    );
    const varying = properties.filter((field) => {
      const values = candidates(schemas, type, field) ?? [];
      return new Set(values.map((v) => needsRiskAssessment(type, { ...example(type), [field]: v }))).size > 1;
    });
    if (varying.length > 1)
      throw new Error(`consent-policy: the risk gate of ${type} depends on several fields`);
    if (varying.length === 0) {
      if (needsRiskAssessment(type, example(type)))
        gated.push({ type, payload: example(type), when: 'always' });
      continue;
    }
    const field = varying[0];
    const holds = (payload: Payload) => needsRiskAssessment(type, payload);
    const value = (candidates(schemas, type, field) ?? []).find((v) =>
      holds({ ...example(type), [field]: v }),
    );
    gated.push({
      type,
      payload: { ...example(type), [field]: value },
      when: describeCondition(schemas, type, field, holds, `the risk gate of ${type}`),
    });
  }
  return gated;
}

function riskFacts(gated: Gated, change: Partial<RiskFacts>): RiskFacts {
  return {
    type: gated.type,
    payload: gated.payload,
    child: false,
    identificationStatus: 'IDENTIFIED_VICTIM',
    assessments: [assessment('LOW')],
    overrides: [],
    consentGivenBy: 'VICTIM',
    self: 'MK',
    recipientIsOrigin: false,
    now: NOW,
    maxClockSkewMs: 300_000,
    ...change,
  };
}

/** "refused, overridable" only when a coordinator's override would lift every reason. */
function outcome(decision: RiskDecision): string {
  if (decision.allow) return decision.overridden ? 'allowed (overridden)' : 'allowed';
  return decision.reasons.every((r) => r.overridable) ? 'refused, overridable' : 'refused';
}

const LEVEL_SCENARIOS: ReadonlyArray<[string, (type: MessageType) => Partial<RiskFacts>]> = [
  ['no current assessment', () => ({ assessments: [] })],
  ['LOW', () => ({ assessments: [assessment('LOW')] })],
  ['LOW, incomplete', () => ({ assessments: [assessment('LOW', { complete: false })] })],
  ['MEDIUM, protection plan recorded', () => ({ assessments: [assessment('MEDIUM')] })],
  ['MEDIUM, no protection plan', () => ({ assessments: [assessment('MEDIUM', { protectionPlan: null })] })],
  ['HIGH', () => ({ assessments: [assessment('HIGH')] })],
  [
    'HIGH, override requested, not yet confirmed',
    (type) => ({
      assessments: [assessment('HIGH')],
      overrides: [{ assessmentId: 'assessment', messageType: type, confirmed: false }],
    }),
  ],
  [
    'HIGH, override confirmed',
    (type) => ({
      assessments: [assessment('HIGH')],
      overrides: [{ assessmentId: 'assessment', messageType: type, confirmed: true }],
    }),
  ],
  [
    'HIGH, override confirmed, no protection plan',
    (type) => ({
      assessments: [assessment('HIGH', { protectionPlan: null })],
      overrides: [{ assessmentId: 'assessment', messageType: type, confirmed: true }],
    }),
  ],
  [
    'CRITICAL, override confirmed',
    (type) => ({
      assessments: [assessment('CRITICAL')],
      overrides: [{ assessmentId: 'assessment', messageType: type, confirmed: true }],
    }),
  ],
];

/** Rules beyond the level, each shown with the reason the policy gives; a rule that stops refusing fails. */
const RISK_RULES: ReadonlyArray<{
  rule: string;
  type: MessageType;
  change: (g: Gated) => Partial<RiskFacts>;
}> = [
  {
    rule: 'No return or removal while identification is in progress (presumed victim, identification in progress).',
    type: 'RETURN_PLAN',
    change: () => ({ identificationStatus: 'IDENTIFICATION_IN_PROGRESS' }),
  },
  {
    rule: "No return before the person's identification status is recorded.",
    type: 'RETURN_PLAN',
    change: () => ({ identificationStatus: null }),
  },
  {
    rule: "A child's return needs the consent of a guardian or legal representative.",
    type: 'RETURN_PLAN',
    change: () => ({ child: true, consentGivenBy: 'VICTIM' }),
  },
  {
    rule: `A child's return needs a recorded best-interests determination (${code('bestInterestsDetermination')}).`,
    type: 'RETURN_PLAN',
    change: (g) => ({
      child: true,
      consentGivenBy: 'GUARDIAN',
      payload: without(g.payload, 'bestInterestsDetermination'),
    }),
  },
  {
    rule: `No return of a child whose best-interests determination did not find return in the child's best interests (${code('outcome')} other than ${code('RETURN_IN_BEST_INTERESTS')}).`,
    type: 'RETURN_PLAN',
    change: (g) => ({
      child: true,
      consentGivenBy: 'GUARDIAN',
      payload: {
        ...g.payload,
        bestInterestsDetermination: {
          ...(g.payload.bestInterestsDetermination as object),
          outcome: 'RETURN_NOT_IN_BEST_INTERESTS',
        },
      },
    }),
  },
  {
    rule: `A child's return needs a named child-protection receiver on arrival (${code('childProtectionReceiver')}).`,
    type: 'RETURN_PLAN',
    change: (g) => ({
      child: true,
      consentGivenBy: 'GUARDIAN',
      payload: without(g.payload, 'childProtectionReceiver'),
    }),
  },
  {
    rule: `Family tracing only when the person has said she wishes to return to her family (${code('wishToReturnToFamily')} ${code('true')}): the rule holds whatever validated the payload, not only by the schema.`,
    type: 'FAMILY_TRACING_REQUEST',
    change: (g) => ({ payload: { ...g.payload, wishToReturnToFamily: false } }),
  },
  {
    rule: `No family tracing while an asylum claim is pending: the case's asylum fact decides (see "Facts on the case"); a request whose ${code('asylumClaimPending')} says ${code('true')} is refused too.`,
    type: 'FAMILY_TRACING_REQUEST',
    change: (g) => ({ payload: { ...g.payload, asylumClaimPending: true } }),
  },
  ...ASYLUM_BLOCKED_TYPES.map((type) => ({
    rule: `No ${code(type)} while the case's facts record an asylum claim ${code('PENDING')} (rule ${code('ASYLUM_CLAIM_PENDING')}).`,
    type,
    change: () => ({ asylumClaimPending: true }),
  })),
  {
    rule: `A threat reported on the case holds ${code('RETURN_PLAN')}, ${code('RETURN_PLAN_CONFIRMATION')} and ${code('REINTEGRATION_REQUEST')} until this node records a new assessment after it (rule ${code('THREAT_REVIEW_PENDING')}).`,
    type: 'RETURN_PLAN',
    change: () => ({ threats: [NOW] }),
  },
  {
    rule: `No family tracing when the current assessment finds the family tied to the trafficker (RF-05 present, rule ${code('FAMILY_INVOLVED')}); no override lifts it.`,
    type: 'FAMILY_TRACING_REQUEST',
    change: () => ({ assessments: [assessment('LOW', { factors: [{ code: 'RF-05', status: 'PRESENT' }] })] }),
  },
  {
    rule: `With RF-05 present a return is presumed to go to the family: a return elsewhere needs a coordinator's override with a written reason for ${code('RETURN_PLAN')}, confirmed by a second coordinator (rule ${code('FAMILY_INVOLVED')}).`,
    type: 'RETURN_PLAN',
    change: () => ({ assessments: [assessment('LOW', { factors: [{ code: 'RF-05', status: 'PRESENT' }] })] }),
  },
  {
    rule: `With threats against the family in the country of origin (RF-02 present), evidence contact with the origin's authorities is gated as at HIGH, whatever the level: a coordinator's override for ${code('EVIDENCE_REQUEST')}, confirmed by a second coordinator (rule ${code('FAMILY_THREATENED')}).`,
    type: 'EVIDENCE_REQUEST',
    change: () => ({ assessments: [assessment('LOW', { factors: [{ code: 'RF-02', status: 'PRESENT' }] })] }),
  },
  {
    rule: `Family tracing for a child only once the current assessment has assessed RF-04 (family or community as a source of harm) as present or absent; unknown or missing is refused.`,
    type: 'FAMILY_TRACING_REQUEST',
    change: () => ({
      child: true,
      assessments: [assessment('LOW', { factors: [{ code: 'RF-04', status: 'UNKNOWN' }] })],
    }),
  },
  {
    rule: `Family tracing for a child whose family the current assessment found a source of harm (RF-04 present) needs a coordinator's override with a written reason, for that assessment and ${code('FAMILY_TRACING_REQUEST')}, confirmed by a second coordinator, at any level below CRITICAL.`,
    type: 'FAMILY_TRACING_REQUEST',
    change: () => ({
      child: true,
      assessments: [assessment('LOW', { factors: [{ code: 'RF-04', status: 'PRESENT' }] })],
    }),
  },
];

function without(payload: Payload, field: string): Payload {
  const { [field]: _removed, ...rest } = payload;
  return rest;
}

function riskSection(schemas: Record<string, Schema>): string {
  const gated = gatedTypes(schemas);
  const byType = new Map(gated.map((g) => [g.type, g]));
  const gatedRows = gated.map((g) => [
    code(g.type),
    g.when !== 'always' && needsRiskAssessment(g.type, example(g.type), true)
      ? `${g.when}, or when the case records the recipient as ${code('ORIGIN')}`
      : g.when,
  ]);
  const levelRows = LEVEL_SCENARIOS.map(([label, change]) => [
    label,
    ...gated.map((g) => outcome(decideRisk(riskFacts(g, change(g.type))))),
  ]);
  const rules = RISK_RULES.map(({ rule, type, change }) => {
    const g = byType.get(type);
    if (!g) throw new Error(`consent-policy: ${type} is no longer gated by risk; update RISK_RULES`);
    const decision = decideRisk(riskFacts(g, change(g)));
    if (decision.allow) throw new Error(`consent-policy: the risk rule "${rule}" no longer refuses`);
    const overridable = decision.reasons.every((r) => r.overridable) ? ' (overridable)' : '';
    return `- ${rule} Reason given: "${decision.reasons.map((r) => r.message).join('; ')}"${overridable}.`;
  });

  return `## Risk and security gate

Besides consent, the sending node refuses (HTTP 422, reason code ${code('POLICY_DENIED')}) a message that
contacts the country of origin's authorities, traces the family or plans a return without a current risk and
security assessment that permits it (${code('src/risk/risk.policy.ts')}).

### Which messages need an assessment

${table(['type', 'needs a current assessment'], gatedRows)}

Every other type goes through without one.

### The current assessment

The node's own newest assessment governs; another country's can only make the decision stricter, never
looser. Of each country's assessments, the newest one that is still valid (${code('validUntil')} later than
now), not awaiting review and not dated in the future (${code('assessedAt')} at most
${code('TRM_MAX_CLOCK_SKEW_SECONDS')} ahead) counts; a peer's ${code('RISK_ASSESSMENT_RESULT')}, asked for or
not, is one such country's. The node's own must be among them (without it: no current assessment), and the
strictest of them is the current assessment (the level first, then incomplete before complete; the node's own
on a tie). So a peer's LOW after this node's CRITICAL changes nothing, while a peer's CRITICAL blocks a return
this node assessed as LOW. A peer's newer assessment replaces its own older one, never the node's.
An assessment is marked for review when something happened since (for example, consent withdrawn: traffickers
pressure victims to withdraw), and no longer counts until a new one is recorded. A coordinator's override
names the current assessment, whichever country's it is.

Dates: an assessment recorded over HTTP with an ${code('assessedAt')} in the future (beyond the clock skew) is
refused (HTTP 422, ${code('INVALID_ASSESSMENT')}, field ${code('assessedAt')}); a peer's
${code('RISK_ASSESSMENT_RESULT')} with one is rejected with ${code('STALE')}, like a ${code('sentAt')} in the
future.

### Outcome by level

For an identified adult on a live consent (the other rules below add to these):

${table(['current assessment', ...gated.map((g) => code(g.type))], levelRows)}

- Incomplete (a contribution, such as family tracing, still missing): refused, except family tracing (the
  missing contribution is often the tracing itself).
- MEDIUM: a return plan needs a protection plan recorded in the assessment.
- HIGH: refused unless a coordinator requests an override, with a written reason, for that assessment and
  that message type, **and a second coordinator confirms it** (four eyes:
  ${code('POST /cases/{caseRef}/risk-overrides')}, then ${code('POST /cases/{caseRef}/risk-overrides/{id}/confirm')}
  by another coordinator; the requester cannot confirm her own, ${code('OVERRIDE_SELF_CONFIRMATION')}). Until then the override is
  ${code('PENDING_CONFIRMATION')} and lifts nothing. An override for another type, or on an older assessment,
  does not count, and one whose assessment is no longer current can no longer be confirmed. A return plan
  also needs a protection plan recorded in the assessment, override or not.
- CRITICAL: immediate danger; never overridden: use the emergency path (${code('EMERGENCY_ALERT')}).

### Other rules

${rules.join('\n')}

Every reason that applies is reported at once, consent and risk together, so a coordinator sees everything
that stands in the way.

${factsSection()}`;
}

/** The facts on the case that the gates read (src/cases/case-facts.policy.ts). */
function factsSection(): string {
  return `## Facts on the case

A node's coordinators record facts on a case for that node's gates (${code('POST /cases/{ref}/facts/…')},
each audited by its id, never its content; the facts are stored encrypted and none travels). The reasons
they give carry the protocol's ${code('POLICY_DENIED')} and, beside it, the ${code('rule')} that refused
(${code('ASYLUM_CLAIM_PENDING')}, ${code('THREAT_REVIEW_PENDING')}, ${code('FAMILY_INVOLVED')},
${code('FAMILY_THREATENED')}), in the HTTP refusal and the ${code('MESSAGE_REFUSED')} audit entry.

- **Asylum claim**: ${code('PENDING')}, ${code('GRANTED')} or ${code('REFUSED')}, lodged and decided dates,
  every status kept. While the latest is ${code('PENDING')}: no ${code('FAMILY_TRACING_REQUEST')}, no
  ${code('RETURN_PLAN')}, no ${code('IDENTITY_VERIFICATION_REQUEST')} (the catalogue's identity verification,
  which always contacts the country of origin's authorities), whether this node sends it or receives it.
  The case fact is the source of truth. The ${code('asylumClaimPending')} flag of a
  ${code('FAMILY_TRACING_REQUEST')} stays on the wire for compatibility: it is the sender's statement of its
  own case's fact; a sender sets it from its case, and a ${code('true')} is still refused on either side, but
  a ${code('false')} lifts nothing the case records.
- **Identification status**: the case's owner may change its own case's status after opening it
  (${code('PUT /cases/{ref}/identification')}, with a reason); every change is kept with who, when, from, to
  and why, the case's opening and the owner's referrals included.
- **Reflection and recovery period**: its start; its end follows from the country's period
  (${code('TRM_REFLECTION_PERIOD_DAYS')}, at least the Convention's 30 days), extended with a reason. The case
  file shows it with the days left.
- **Threats reported**: by whom (a role or agency, never a name), when, against whom (the person, the family,
  a witness, a professional, others) and a short kind. A threat makes the case's assessments due for review
  at once (audited ${code('RISK_REVIEW_REQUIRED')}), and holds the return's sends until this node records a
  new assessment after it; one reported during the reflection period is marked so.
- **Reopening**: a closed case may be opened again with a reason. Each country reopens its own part: the
  ${code('CASE_CLOSED')} exchanged before the reopening no longer close anything on the node that reopened, and
  a peer that closed its part refuses messages (${code('CASE_STATE_CONFLICT')}) until its own coordinator
  reopens it.`;
}

/** The whole document, deterministic: the same code always yields the same bytes. */
export function buildConsentPolicyDoc(): string {
  const schemas = buildSchemas();
  return `# TRM v1 consent policy

<!-- Generated by scripts/consent-policy.ts from src/consent/consent.policy.ts and src/risk/risk.policy.ts.
Do not edit: run \`npm run consent-policy\`. -->

Which consent scopes each message type and payload field group needs, and the risk gate, as every trm-broker
node enforces them when sending and receiving. Other implementations apply the same rules to take part
(PROTOCOL.md: the \`consent\` MUST).

${consentSection(schemas)}

${riskSection(schemas)}
`;
}

function main(): void {
  writeFileSync(CONSENT_POLICY_DOC, buildConsentPolicyDoc());
  console.log(`consent-policy: wrote ${CONSENT_POLICY_DOC}`);
}

if (require.main === module) main();
