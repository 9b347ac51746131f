import type { PayloadOf } from './catalogue';
import type { MessageType } from './message-types';
import { RejectionCode } from './rejection-codes';

// A fictional case modelled on the source's "minor returned from France": Ana Petrovska, born 2009-03-14 in
// North Macedonia, trafficked through Serbia and Italy, identified in France, returning to MK. Every name,
// number and address here is invented.

const CASE_MANAGER_MK = {
  name: 'Марија Стојановска',
  institution: 'Center for Social Work Skopje',
  role: 'Case manager, SOP 4 (return and reintegration)',
  phone: '+389 2 000 0000',
  email: 'case.manager@example.mk',
};

const EXAMPLES: { readonly [T in MessageType]: PayloadOf<T> } = {
  REFERRAL_REQUEST: {
    person: {
      givenName: 'Ana',
      familyName: 'Petrovska',
      otherNames: ['Ана Петровска'],
      sex: 'FEMALE',
      dateOfBirth: '2009-03-14',
      placeOfBirth: 'Skopje',
      nationality: 'MK',
      languages: ['mk', 'en'],
    },
    age: { status: 'DOCUMENTED_CHILD', ageWhenTrafficked: 16, ageNow: 17 },
    residenceInOrigin: { country: 'MK', region: 'Skopje', locality: 'Kisela Voda' },
    exploitationTypes: ['SEXUAL'],
    identificationStatus: 'IDENTIFIED_VICTIM',
    medical: {
      conditions: ['untreated respiratory infection'],
      vulnerabilities: ['minor', 'post-traumatic stress'],
      needsUrgentCare: false,
    },
    riskSummary: {
      level: 'HIGH',
      summary: 'Traffickers know the family home; threats against the family reported in September.',
      assessedAt: '2026-11-20T14:00:00.000Z',
      validUntil: '2026-12-20T14:00:00.000Z',
    },
    assistanceNeeds: ['secure accommodation for a child', 'psychological support', 'schooling'],
    estimatedDeparture: '2026-12-05T09:30:00+01:00',
    otherInformation: 'Promised marriage in France; transited Serbia and Italy; exploited for nine months.',
    requestedSop: 4,
    placement: { description: 'secure child shelter, region Île-de-France', region: 'Île-de-France' },
  },
  REFERRAL_CONFIRMATION: {
    caseManager: CASE_MANAGER_MK,
    eligible: true,
    assistanceOffered: ['secure child shelter', 'guardian appointment', 'psychological counselling'],
    notes: 'Guardian appointed by the Center for Social Work before arrival.',
  },
  REFERRAL_DECLINED: {
    reason: 'No capacity for a secure placement of a child in the requested region this month.',
    alternatives: 'A partner NGO in Bitola can receive her from 15 December.',
  },
  IDENTITY_VERIFICATION_REQUEST: {
    person: {
      givenName: 'Ana',
      familyName: 'Petrovska',
      otherNames: ['Ана Петровска'],
      sex: 'FEMALE',
      dateOfBirth: '2009-03-14',
      placeOfBirth: 'Skopje',
      nationality: 'MK',
    },
    documents: [{ kind: 'PASSPORT', number: 'X0000000', issuingCountry: 'MK' }],
    questions: 'Please confirm identity and whether a passport was reported lost or stolen.',
  },
  IDENTITY_VERIFICATION_RESULT: {
    outcome: 'CONFIRMED',
    details: 'Civil registry entry and passport issuance record match.',
  },
  EMERGENCY_ALERT: {
    danger: 'FREEDOM',
    description:
      'Credible report that the trafficking network knows where she is placed and plans to take her.',
    locationHint: 'Île-de-France',
    justification:
      'Immediate risk of abduction; no time to obtain the guardian’s consent (Convention art. 33).',
    immediateActionsRequested: ['move her to another secure shelter', 'alert the police liaison officer'],
  },
  EMERGENCY_ALERT_ACKNOWLEDGEMENT: {
    outcome: 'ACTION_TAKEN',
    actionsTaken: ['moved to another secure shelter within the hour', 'police liaison officer informed'],
    notes: 'Shelter staff briefed; a further update follows tomorrow.',
  },
  MISSING_PERSON_SEARCH_RESULT: {
    outcome: 'FOUND_SAFE',
    foundAt: '2026-11-30T22:40:00+01:00',
    locationHint: 'Île-de-France',
    placement: { description: 'another secure child shelter, region Île-de-France', region: 'Île-de-France' },
    actionsTaken: ['found by the juvenile brigade at a railway station', 'placed in another secure shelter'],
    notes: 'Unharmed; she left the shelter after a phone call she would not describe.',
  },
  CASE_UPDATE: {
    sop: 3,
    summary: 'Started school in the shelter programme; attends counselling twice a week.',
    status: 'assistance ongoing',
  },
  ASSISTANCE_STEP_REPORT: {
    sop: 3,
    step: 'EDUCATION',
    stepStatus: 'STARTED',
    date: '2026-11-16',
    provider: 'Académie de Paris, reception class',
    placement: { description: 'secure child shelter, region Île-de-France', region: 'Île-de-France' },
    summary: 'Enrolled in a reception class for newly arrived pupils; French lessons every morning.',
  },
  TRAVEL_DOCUMENT_REQUEST: {
    person: {
      givenName: 'Ana',
      familyName: 'Petrovska',
      otherNames: ['Ана Петровска'],
      sex: 'FEMALE',
      dateOfBirth: '2009-03-14',
      placeOfBirth: 'Skopje',
      nationality: 'MK',
    },
    documentKind: 'TRAVEL_DOCUMENT',
    knownDocuments: [{ kind: 'PASSPORT', number: 'X0000000', issuingCountry: 'MK' }],
    neededBy: '2026-12-03',
    notes:
      'Her passport was taken by the traffickers; an emergency travel document is enough for the return.',
  },
  TRAVEL_DOCUMENT_RESULT: {
    outcome: 'ISSUED',
    documentKind: 'TRAVEL_DOCUMENT',
    validUntil: '2026-12-31',
    collection: 'Embassy of North Macedonia in Paris, handed to the French case manager',
    details: 'Single-journey travel document Paris–Skopje.',
  },
  RISK_ASSESSMENT_REQUEST: {
    purpose: 'RETURN',
    questions: 'Is the family home safe? Have threats against the family continued?',
    dueBy: '2026-11-30T17:00:00.000Z',
  },
  RISK_ASSESSMENT_RESULT: {
    level: 'MEDIUM',
    factors: [
      { code: 'RF-02', status: 'PRESENT', note: 'threatening messages to her mother in September' },
      { code: 'RF-04', status: 'ABSENT' },
      { code: 'RF-19', status: 'PRESENT' },
    ],
    summary: 'Family not involved; threats have stopped since the arrests in Skopje.',
    protectionPlan: 'Police patrol near the home for three months; guardian visits weekly.',
    assessedAt: '2026-11-28T10:00:00.000Z',
    validUntil: '2027-01-28T10:00:00.000Z',
    complete: true,
  },
  FAMILY_TRACING_REQUEST: {
    wishToReturnToFamily: true,
    asylumClaimPending: false,
    familyMembers: [
      { relation: 'mother', givenName: 'Елена', familyName: 'Петровска', lastKnownLocality: 'Kisela Voda' },
    ],
    notes: 'She asked to return to her mother.',
  },
  FAMILY_TRACING_RESULT: {
    outcome: 'FOUND',
    familyRiskAssessed: true,
    summary: 'Mother found at the known address; the family risk assessment found no involvement.',
  },
  RETURN_PLAN: {
    estimatedDeparture: '2026-12-05T09:30:00+01:00',
    travel: { mode: 'AIR', escort: true, details: 'Escorted by a social worker; met at the aircraft door.' },
    receivingOrganisation: { name: 'Center for Social Work Skopje', contact: 'duty officer +389 2 000 0001' },
    bestInterestsDetermination: {
      date: '2026-11-29',
      outcome: 'RETURN_IN_BEST_INTERESTS',
      by: 'Juge des enfants',
    },
    childProtectionReceiver: 'Center for Social Work Skopje, child protection unit',
    riskAssessmentRef: '0192f1c6-4b00-7000-8000-000000000042',
  },
  RETURN_PLAN_CONFIRMATION: {
    accepted: true,
    receptionArrangements:
      'Met at Skopje airport by the guardian and a social worker; first night in a shelter.',
    caseManager: CASE_MANAGER_MK,
  },
  ARRIVAL_CONFIRMATION: {
    arrivedAt: '2026-12-05T13:05:00+01:00',
    receivedBy: 'Center for Social Work Skopje',
    followUpScheduled: '2026-12-12',
  },
  REINTEGRATION_REQUEST: {
    needs: ['schooling', 'psychological support', 'family counselling'],
    durationMonths: 12,
  },
  REINTEGRATION_CONFIRMATION: {
    accepted: true,
    programme: 'Twelve-month reintegration programme with school enrolment and monthly counselling.',
    caseManager: CASE_MANAGER_MK,
  },
  EVIDENCE_REQUEST: {
    purpose: 'Investigation of the network that recruited her in Skopje.',
    requestingAuthority: 'Public Prosecutor’s Office, Skopje',
    targetsOriginAuthorities: false,
    items: ['witness statement taken in France', 'records of the French police investigation'],
  },
  EVIDENCE_RESPONSE: {
    summary: 'Statement and investigation records transmitted through the liaison magistrate.',
    itemsProvided: ['witness statement taken in France'],
  },
  WITNESS_APPEARANCE_REQUEST: {
    requestingAuthority: 'Tribunal judiciaire de Paris, juge d’instruction',
    proceedingsRef: 'JI-2026-00000',
    hearingAt: '2027-01-12T09:30:00+01:00',
    venue: 'Tribunal judiciaire de Paris',
    appearanceOptions: ['IN_PERSON', 'VIDEO_LINK'],
    protectionMeasures: ['SCREENING_FROM_DEFENDANT', 'CLOSED_HEARING', 'SUPPORT_PERSON'],
    travelCostsCovered: true,
    notes: 'The defendants will be in the courtroom; testimony by video link avoids travelling to France.',
  },
  WITNESS_APPEARANCE_RESPONSE: {
    willAppear: true,
    appearanceMode: 'VIDEO_LINK',
    remoteFrom: 'MK',
    protectionMeasuresRequested: ['SCREENING_FROM_DEFENDANT', 'SUPPORT_PERSON'],
    notes: 'She agrees to testify by video link from the Basic Court Skopje, with her guardian beside her.',
  },
  COMPLAINT_TRANSFER: {
    transferringAuthority: 'Public Prosecutor’s Office, Skopje',
    complaintDate: '2026-11-25',
    exploitationTypes: ['SEXUAL'],
    offenceSummary:
      'Recruited in Skopje with a promise of marriage; exploited in Paris for nine months by the same network.',
    placesOfOffence: ['Paris', 'Île-de-France'],
    suspectsIdentified: true,
    documentsTransmitted: ['complaint and statement, through the liaison magistrate'],
    victimWishesToBeInformed: true,
  },
  PROCEEDINGS_STATUS: {
    event: 'HEARING_SCHEDULED',
    authority: 'Tribunal judiciaire de Paris',
    proceedingsRef: 'JI-2026-00000',
    hearingAt: '2027-01-12T09:30:00+01:00',
    summary: 'Trial of three defendants; her testimony by video link is planned for the first day.',
  },
  COMPENSATION_CLAIM_UPDATE: {
    claimAgainst: 'STATE_FUND',
    claimStatus: 'AWARDED',
    authority: 'Commission d’indemnisation des victimes d’infractions, Paris',
    amountAwarded: { amount: 15000, currency: 'EUR' },
    nextStepDate: '2027-02-15',
    notes: 'Payment arranged through her lawyer; nothing is needed from her.',
  },
  CONSENT_WITHDRAWN: {
    consentId: '0192f1c6-0000-7000-8000-000000000001',
    withdrawnAt: '2026-12-20T08:00:00.000Z',
    scopesWithdrawn: ['CRIMINAL_PROCEEDINGS'],
  },
  CASE_CLOSED: {
    reason: 'COMPLETED',
    summary: 'Reintegration programme completed; follow-up checks all positive.',
  },
  DELIVERY_RECEIPT: {
    receivedAt: '2026-11-23T10:15:01.250Z',
    messageId: '0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f10',
  },
  DELIVERY_REJECTED: {
    reasonCode: RejectionCode.SCHEMA_INVALID,
    reason: 'payload: person.languages must contain at least 1 elements',
  },
  AUDIT_CHECKPOINT: {
    seq: 1042,
    headHash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    at: '2026-11-23T12:00:00.000Z',
  },
};

/** The day the examples' dates were written for: she is 17, MK assessed the risk three days ago, the departure is in four days. */
export const EXAMPLES_WRITTEN_FOR = new Date('2026-12-01T00:00:00.000Z');

const DAY_MS = 86_400_000;
const ISO_DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})((?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?)$/;

/**
 * A valid, realistic payload for `type`; a fresh copy every call, so callers may mutate it. Its dates move
 * with `now` by whole days, all together: the story stays the same on any day (her age, a current risk
 * assessment, a departure still ahead), so tests and the demo do not break as the calendar moves on.
 */
export function examplePayload<T extends MessageType>(type: T, now: Date = new Date()): PayloadOf<T> {
  const days = Math.floor((now.getTime() - EXAMPLES_WRITTEN_FOR.getTime()) / DAY_MS);
  return shiftDates(structuredClone(EXAMPLES[type]), days);
}

/** Every ISO date or date-time string moved by `days` calendar days, the time and offset kept as written. */
function shiftDates<V>(value: V, days: number): V {
  if (typeof value === 'string') {
    const match = ISO_DATE_PREFIX.exec(value);
    if (!match) return value;
    const shifted = new Date(Date.parse(`${match[1]}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
    return `${shifted}${match[2]}` as V;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => shiftDates(item, days)) as V;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shiftDates(item, days)])) as V;
  }
  return value;
}
