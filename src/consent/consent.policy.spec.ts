import type { ConsentScope, ConsentSummary, LegalBasis } from '../messages/envelope.dto';
import { examplePayload } from '../messages/examples';
import { MESSAGE_TYPES, MessageType } from '../messages/message-types';
import { RejectionCode } from '../messages/rejection-codes';
import {
  checkDeclaredConsent,
  ConsentFacts,
  consentSummary,
  contactsOriginAuthorities,
  decideOutboundConsent,
  InboundConsentFacts,
  misplacedResidenceReasons,
  ORIGIN_RECIPIENT,
  OutboundConsentDecision,
  OutboundConsentFacts,
  queuedAfterWithdrawal,
  scopesNeeded,
  vitalInterestReasons,
} from './consent.policy';

// The fictional case of src/messages/examples.ts: Ana Petrovska, 17, identified in France (FR), returning to
// North Macedonia (MK). Italy (IT) was a transit country. Consent ids name who gave them and when.

type Payload = Record<string, unknown>;

const NOW = new Date('2026-11-23T12:00:00.000Z');
const { CONSENT_INSUFFICIENT } = RejectionCode;

/** The example payload of `type` with some fields changed; a field changed to `undefined` is removed. */
function payloadOf(type: MessageType, change: Payload = {}): Payload {
  const payload: Payload = { ...(examplePayload(type) as object), ...change };
  for (const [key, value] of Object.entries(change)) if (value === undefined) delete payload[key];
  return payload;
}

/** A guardian's consent, recorded three days ago for six months, covering a referral for return to MK. */
function consent(change: Partial<ConsentFacts> = {}): ConsentFacts {
  return {
    consentId: 'consent-guardian-2026-11-20',
    scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH', 'RETURN'],
    recipients: ['MK'],
    givenBy: 'GUARDIAN',
    givenAt: new Date('2026-11-20T09:00:00.000Z'),
    expiresAt: new Date('2027-05-20T09:00:00.000Z'),
    withdrawnAt: null,
    ...change,
  };
}

type Need = [ConsentScope, string[], boolean];
const needs = (type: MessageType, payload: Payload): Need[] =>
  scopesNeeded(type, payload).map((n) => [n.scope, n.fields, n.required]);

describe('scopesNeeded', () => {
  const SCOPES_OF_EXAMPLE: Record<MessageType, Need[]> = {
    REFERRAL_REQUEST: [
      ['SHARE_IDENTITY', ['(type)', 'person', 'residenceInOrigin'], true],
      ['SHARE_HEALTH', ['medical'], false],
      ['RETURN', ['requestedSop', 'residenceInOrigin'], true],
    ],
    REFERRAL_CONFIRMATION: [],
    REFERRAL_DECLINED: [],
    IDENTITY_VERIFICATION_REQUEST: [
      ['SHARE_IDENTITY', ['(type)', 'person', 'documents'], true],
      ['CONTACT_ORIGIN_AUTHORITIES', ['(type)'], true],
    ],
    IDENTITY_VERIFICATION_RESULT: [['SHARE_IDENTITY', ['(type)'], true]],
    EMERGENCY_ALERT: [['SHARE_IDENTITY', ['(type)'], true]],
    EMERGENCY_ALERT_ACKNOWLEDGEMENT: [],
    MISSING_PERSON_SEARCH_RESULT: [['SHARE_IDENTITY', ['(type)'], true]],
    CASE_UPDATE: [],
    // Schooling: no scope of its own (a medical step needs SHARE_HEALTH, below).
    ASSISTANCE_STEP_REPORT: [],
    TRAVEL_DOCUMENT_REQUEST: [
      ['SHARE_IDENTITY', ['(type)', 'person', 'knownDocuments'], true],
      ['CONTACT_ORIGIN_AUTHORITIES', ['(type)'], true],
    ],
    TRAVEL_DOCUMENT_RESULT: [['SHARE_IDENTITY', ['(type)'], true]],
    RISK_ASSESSMENT_REQUEST: [],
    RISK_ASSESSMENT_RESULT: [],
    FAMILY_TRACING_REQUEST: [
      ['CONTACT_FAMILY', ['(type)'], true],
      ['SHARE_IDENTITY', ['familyMembers'], false],
    ],
    FAMILY_TRACING_RESULT: [['CONTACT_FAMILY', ['(type)'], true]],
    RETURN_PLAN: [['RETURN', ['(type)'], true]],
    RETURN_PLAN_CONFIRMATION: [['RETURN', ['(type)'], true]],
    ARRIVAL_CONFIRMATION: [['RETURN', ['(type)'], true]],
    REINTEGRATION_REQUEST: [['REINTEGRATION', ['(type)'], true]],
    REINTEGRATION_CONFIRMATION: [['REINTEGRATION', ['(type)'], true]],
    EVIDENCE_REQUEST: [['CRIMINAL_PROCEEDINGS', ['(type)'], true]],
    EVIDENCE_RESPONSE: [['CRIMINAL_PROCEEDINGS', ['(type)'], true]],
    WITNESS_APPEARANCE_REQUEST: [['CRIMINAL_PROCEEDINGS', ['(type)'], true]],
    WITNESS_APPEARANCE_RESPONSE: [['CRIMINAL_PROCEEDINGS', ['(type)'], true]],
    COMPLAINT_TRANSFER: [['CRIMINAL_PROCEEDINGS', ['(type)'], true]],
    // A hearing date (the example): proceedings data.
    PROCEEDINGS_STATUS: [['CRIMINAL_PROCEEDINGS', ['event'], true]],
    COMPENSATION_CLAIM_UPDATE: [['CRIMINAL_PROCEEDINGS', ['(type)'], true]],
    CONSENT_WITHDRAWN: [],
    CASE_CLOSED: [],
    DELIVERY_RECEIPT: [],
    DELIVERY_REJECTED: [],
    AUDIT_CHECKPOINT: [],
  };

  it.each(MESSAGE_TYPES.map((type) => [type, SCOPES_OF_EXAMPLE[type]] as const))(
    '%s (the example payload)',
    (type, expected) => {
      expect(needs(type, payloadOf(type))).toEqual(expected);
    },
  );

  it.each<[string, MessageType, Payload, Need[]]>([
    [
      'a referral for return without medical data',
      'REFERRAL_REQUEST',
      { medical: undefined },
      [
        ['SHARE_IDENTITY', ['(type)', 'person', 'residenceInOrigin'], true],
        ['RETURN', ['requestedSop', 'residenceInOrigin'], true],
      ],
    ],
    [
      'a referral for return without the residence in the country of origin',
      'REFERRAL_REQUEST',
      { residenceInOrigin: undefined },
      [
        ['SHARE_IDENTITY', ['(type)', 'person'], true],
        ['SHARE_HEALTH', ['medical'], false],
        ['RETURN', ['requestedSop'], true],
      ],
    ],
    [
      'a referral for criminal proceedings (SOP 5)',
      'REFERRAL_REQUEST',
      { requestedSop: 5, residenceInOrigin: undefined },
      [
        ['SHARE_IDENTITY', ['(type)', 'person'], true],
        ['SHARE_HEALTH', ['medical'], false],
        ['CRIMINAL_PROCEEDINGS', ['requestedSop'], true],
      ],
    ],
    [
      'a referral for first assistance (SOP 2) with the residence in the country of origin: RETURN, optional',
      'REFERRAL_REQUEST',
      { requestedSop: 2 },
      [
        ['SHARE_IDENTITY', ['(type)', 'person', 'residenceInOrigin'], true],
        ['SHARE_HEALTH', ['medical'], false],
        ['RETURN', ['residenceInOrigin'], false],
      ],
    ],
    [
      'a referral for criminal proceedings (SOP 5) with the residence in the country of origin',
      'REFERRAL_REQUEST',
      { requestedSop: 5 },
      [
        ['SHARE_IDENTITY', ['(type)', 'person', 'residenceInOrigin'], true],
        ['SHARE_HEALTH', ['medical'], false],
        ['CRIMINAL_PROCEEDINGS', ['requestedSop'], true],
        ['RETURN', ['residenceInOrigin'], false],
      ],
    ],
    [
      'a referral for first assistance (SOP 2): neither RETURN nor CRIMINAL_PROCEEDINGS',
      'REFERRAL_REQUEST',
      { requestedSop: 2, residenceInOrigin: undefined },
      [
        ['SHARE_IDENTITY', ['(type)', 'person'], true],
        ['SHARE_HEALTH', ['medical'], false],
      ],
    ],
    [
      'a referral for assistance (SOP 3) with nothing optional',
      'REFERRAL_REQUEST',
      { requestedSop: 3, residenceInOrigin: undefined, medical: undefined },
      [['SHARE_IDENTITY', ['(type)', 'person'], true]],
    ],
    [
      'an identity verification without documents',
      'IDENTITY_VERIFICATION_REQUEST',
      { documents: undefined },
      [
        ['SHARE_IDENTITY', ['(type)', 'person'], true],
        ['CONTACT_ORIGIN_AUTHORITIES', ['(type)'], true],
      ],
    ],
    [
      'an evidence request to the country of origin’s authorities',
      'EVIDENCE_REQUEST',
      { targetsOriginAuthorities: true },
      [
        ['CRIMINAL_PROCEEDINGS', ['(type)'], true],
        ['CONTACT_ORIGIN_AUTHORITIES', ['targetsOriginAuthorities'], true],
      ],
    ],
    [
      'an evidence request that stays with the destination’s authorities',
      'EVIDENCE_REQUEST',
      { targetsOriginAuthorities: false },
      [['CRIMINAL_PROCEEDINGS', ['(type)'], true]],
    ],
    [
      'a family tracing request without named family members',
      'FAMILY_TRACING_REQUEST',
      { familyMembers: undefined },
      [['CONTACT_FAMILY', ['(type)'], true]],
    ],
    ['a case update on identification (SOP 1)', 'CASE_UPDATE', { sop: 1 }, []],
    ['a case update on first assistance (SOP 2)', 'CASE_UPDATE', { sop: 2 }, []],
    [
      'a case update on the return (SOP 4): RETURN, required',
      'CASE_UPDATE',
      { sop: 4 },
      [['RETURN', ['sop'], true]],
    ],
    [
      'a case update on criminal proceedings (SOP 5): CRIMINAL_PROCEEDINGS, required',
      'CASE_UPDATE',
      { sop: 5 },
      [['CRIMINAL_PROCEEDINGS', ['sop'], true]],
    ],
    [
      'an offender’s release: no scope can hold it back, the victim must be told',
      'PROCEEDINGS_STATUS',
      { event: 'OFFENDER_RELEASED', hearingAt: undefined, release: { at: '2029-06-01T08:00:00Z' } },
      [],
    ],
    [
      'an offender’s escape: no scope either',
      'PROCEEDINGS_STATUS',
      { event: 'OFFENDER_ESCAPED', hearingAt: undefined, release: { at: '2029-06-01T08:00:00Z' } },
      [],
    ],
    [
      'a verdict: CRIMINAL_PROCEEDINGS, required',
      'PROCEEDINGS_STATUS',
      { event: 'VERDICT', hearingAt: undefined },
      [['CRIMINAL_PROCEEDINGS', ['event'], true]],
    ],
    [
      'a medical step of assistance: SHARE_HEALTH, required (never CRIMINAL_PROCEEDINGS)',
      'ASSISTANCE_STEP_REPORT',
      { step: 'MEDICAL_CARE' },
      [['SHARE_HEALTH', ['step'], true]],
    ],
    [
      'psychological support: SHARE_HEALTH, required',
      'ASSISTANCE_STEP_REPORT',
      { step: 'PSYCHOLOGICAL_SUPPORT', sop: 2 },
      [['SHARE_HEALTH', ['step'], true]],
    ],
    ['legal aid: no scope of its own', 'ASSISTANCE_STEP_REPORT', { step: 'LEGAL_AID' }, []],
    [
      'a travel document request without earlier documents',
      'TRAVEL_DOCUMENT_REQUEST',
      { knownDocuments: undefined },
      [
        ['SHARE_IDENTITY', ['(type)', 'person'], true],
        ['CONTACT_ORIGIN_AUTHORITIES', ['(type)'], true],
      ],
    ],
  ])('%s', (_, type, change, expected) => {
    expect(needs(type, payloadOf(type, change))).toEqual(expected);
  });

  it.each<MessageType>(['WITNESS_APPEARANCE_REQUEST', 'COMPLAINT_TRANSFER', 'EVIDENCE_REQUEST'])(
    '%s to a country the case records as the origin contacts its authorities: CONTACT_ORIGIN_AUTHORITIES',
    (type) => {
      const payload = payloadOf(type, type === 'EVIDENCE_REQUEST' ? { targetsOriginAuthorities: false } : {});
      expect(scopesNeeded(type, payload, true)).toContainEqual({
        scope: 'CONTACT_ORIGIN_AUTHORITIES',
        fields: [ORIGIN_RECIPIENT],
        required: true,
      });
      expect(contactsOriginAuthorities(type, payload, true)).toBe(true);
      expect(contactsOriginAuthorities(type, payload, false)).toBe(false);
    },
  );

  it('sends an offender’s release under a consent without CRIMINAL_PROCEEDINGS, and redacts nothing of it', () => {
    const release = payloadOf('PROCEEDINGS_STATUS', {
      event: 'OFFENDER_RELEASED',
      hearingAt: undefined,
      release: { at: '2029-06-01T08:00:00Z', conditions: ['no contact with the victim'] },
    });
    for (const redact of [false, true]) {
      const decision = decideOutboundConsent({
        type: 'PROCEEDINGS_STATUS',
        to: 'MK',
        legalBasis: 'CONSENT',
        payload: release,
        consents: [consent()],
        child: true,
        restricted: false,
        now: NOW,
        redact,
      });
      expect(decision).toMatchObject({ allow: true, payload: release, redacted: [] });
    }
    // A hearing date under the same consent is refused: it is proceedings data.
    const hearing = decideOutboundConsent({
      type: 'PROCEEDINGS_STATUS',
      to: 'MK',
      legalBasis: 'CONSENT',
      payload: payloadOf('PROCEEDINGS_STATUS'),
      consents: [consent()],
      child: true,
      restricted: false,
      now: NOW,
      redact: true,
    });
    expect(hearing).toMatchObject({
      allow: false,
      reasons: [{ scope: 'CRIMINAL_PROCEEDINGS', fields: ['event'] }],
    });
  });

  it.each<[string, MessageType, Payload]>([
    ['a referral for first assistance', 'REFERRAL_REQUEST', { requestedSop: 2 }],
    ['a referral for assistance and social inclusion', 'REFERRAL_REQUEST', { requestedSop: 3 }],
    ['an emergency alert', 'EMERGENCY_ALERT', {}],
    ['a case update on first assistance', 'CASE_UPDATE', { sop: 2 }],
    ['a case update on assistance', 'CASE_UPDATE', { sop: 3 }],
  ])('never makes assistance wait for CRIMINAL_PROCEEDINGS: %s', (_, type, change) => {
    expect(scopesNeeded(type, payloadOf(type, change)).map((n) => n.scope)).not.toContain(
      'CRIMINAL_PROCEEDINGS',
    );
  });
});

describe('decideOutboundConsent', () => {
  // Ana is 17: a documented child, so only her guardian or legal representative consents.
  const base: OutboundConsentFacts = {
    type: 'REFERRAL_REQUEST',
    to: 'MK',
    legalBasis: 'CONSENT',
    payload: payloadOf('REFERRAL_REQUEST'),
    consents: [consent()],
    child: true,
    restricted: false,
    now: NOW,
    redact: false,
  };
  const decide = (change: Partial<OutboundConsentFacts>): OutboundConsentDecision =>
    decideOutboundConsent({ ...base, ...change });
  const refusal = (...messages: string[]): OutboundConsentDecision => ({
    allow: false,
    reasons: messages.map((message) => ({ code: CONSENT_INSUFFICIENT, message })),
  });
  const missing = (consentId: string, scope: ConsentScope, fields: string[]) => ({
    code: CONSENT_INSUFFICIENT,
    message: `consent ${consentId} does not cover ${scope}, needed by ${fields.join(', ')}`,
    scope,
    fields,
  });

  it('allows a referral the guardian’s live consent covers, unchanged', () => {
    expect(decide({})).toEqual({
      allow: true,
      consent: consent(),
      payload: base.payload,
      redacted: [],
      vitalInterest: false,
    });
  });

  describe('VITAL_INTEREST', () => {
    it.each<[string, Partial<OutboundConsentFacts>]>([
      ['with no consent at all', { consents: [] }],
      ['on a case restricted by a withdrawal', { consents: [], restricted: true }],
      ['with only a withdrawn consent', { consents: [consent({ withdrawnAt: new Date('2026-11-22') })] }],
      ['for a child whose guardian could not be reached', { consents: [consent({ givenBy: 'VICTIM' })] }],
    ])('lets an emergency alert through %s, flagged for review', (_, change) => {
      const payload = payloadOf('EMERGENCY_ALERT');
      expect(decide({ type: 'EMERGENCY_ALERT', legalBasis: 'VITAL_INTEREST', payload, ...change })).toEqual({
        allow: true,
        consent: null,
        payload,
        redacted: [],
        vitalInterest: true,
      });
    });

    it('lets an alert’s acknowledgement through on a restricted case, only when it answers an alert sent on VITAL_INTEREST', () => {
      const payload = payloadOf('EMERGENCY_ALERT_ACKNOWLEDGEMENT');
      const ack = (answersVitalInterestAlert: boolean) =>
        decide({
          type: 'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
          legalBasis: 'VITAL_INTEREST',
          payload,
          consents: [],
          restricted: true,
          answersVitalInterestAlert,
        });
      expect(ack(true)).toEqual({ allow: true, consent: null, payload, redacted: [], vitalInterest: true });
      expect(ack(false)).toEqual({
        allow: false,
        reasons: [
          {
            code: CONSENT_INSUFFICIENT,
            message: expect.stringContaining('only of an alert that itself went on VITAL_INTEREST'),
          },
        ],
      });
    });

    it('never lets any other type through, whatever it answers', () => {
      const decision = decide({
        type: 'CASE_UPDATE',
        legalBasis: 'VITAL_INTEREST',
        payload: payloadOf('CASE_UPDATE'),
        answersVitalInterestAlert: true,
      });
      expect(decision.allow).toBe(false);
    });
  });

  describe.each<MessageType>(['CONSENT_WITHDRAWN', 'CASE_CLOSED'])('exempt type %s', (type) => {
    const payload = payloadOf(type);
    const forItaly = consent({ consentId: 'consent-guardian-2026-11-22-IT', recipients: ['IT'] });
    const withdrawn = consent({
      consentId: 'consent-guardian-2026-11-20',
      withdrawnAt: new Date('2026-11-21T08:00:00.000Z'),
    });
    const older = consent({
      consentId: 'consent-victim-2026-10-01',
      givenBy: 'VICTIM',
      givenAt: new Date('2026-10-01T09:00:00.000Z'),
    });

    it('relies on the latest record naming the recipient, even withdrawn, even on a restricted case', () => {
      expect(decide({ type, payload, consents: [forItaly, withdrawn, older], restricted: true })).toEqual({
        allow: true,
        consent: withdrawn,
        // The closure's free-text summary does not travel once the consent is withdrawn.
        payload: type === 'CASE_CLOSED' ? payloadOf(type, { summary: undefined }) : payload,
        redacted: type === 'CASE_CLOSED' ? ['summary'] : [],
        vitalInterest: false,
      });
    });

    it('relies on an expired record too', () => {
      const expired = consent({ expiresAt: new Date('2026-11-22T00:00:00.000Z') });
      expect(decide({ type, payload, consents: [expired] })).toMatchObject({ allow: true, consent: expired });
    });

    it.each<[string, ConsentFacts[]]>([
      ['no consent record at all', []],
      ['records that only ever named Italy', [forItaly]],
    ])('is refused when %s', (_, consents) => {
      expect(decide({ type, payload, consents })).toEqual(refusal('no consent record ever named MK'));
    });
  });

  describe('CASE_CLOSED after a withdrawal', () => {
    const payload = payloadOf('CASE_CLOSED', { summary: 'Reintegration completed in Skopje.' });
    const withoutSummary = payloadOf('CASE_CLOSED', { summary: undefined });
    const live = consent();
    const closing = (change: Partial<OutboundConsentFacts>) =>
      decide({ type: 'CASE_CLOSED', payload, ...change });

    it('keeps the summary under a live consent on an unrestricted case', () => {
      expect(closing({ consents: [live] })).toMatchObject({ allow: true, payload, redacted: [] });
    });

    it.each<[string, Partial<OutboundConsentFacts>]>([
      [
        'the consent was withdrawn',
        { consents: [consent({ withdrawnAt: new Date('2026-11-21T08:00:00Z') })] },
      ],
      ['the consent expired', { consents: [consent({ expiresAt: new Date('2026-11-22T00:00:00Z') })] }],
      ['a peer restricted the case', { consents: [live], restricted: true }],
    ])('still closes, without the free-text summary, when %s', (_, change) => {
      expect(closing(change)).toMatchObject({ allow: true, payload: withoutSummary, redacted: ['summary'] });
    });

    it('has nothing to drop from a closure without a summary', () => {
      expect(
        closing({
          payload: withoutSummary,
          consents: [consent({ withdrawnAt: new Date('2026-11-21T08:00:00Z') })],
        }),
      ).toMatchObject({ allow: true, payload: withoutSummary, redacted: [] });
    });
  });

  it('refuses anything else on a case restricted by a withdrawal, even with a live consent', () => {
    expect(decide({ restricted: true })).toEqual(
      refusal(
        'consent on this case was withdrawn; record new consent before sending anything but an emergency alert',
      ),
    );
  });

  describe('no eligible consent', () => {
    const forAdult = `no live consent names MK as a recipient`;
    const forChild = `no live consent from a guardian or legal representative names MK (the person is treated as a child)`;

    it.each<[string, Partial<OutboundConsentFacts>, string]>([
      ['no consent recorded (adult)', { child: false, consents: [] }, forAdult],
      ['no consent recorded (child)', { consents: [] }, forChild],
      ['consent naming only Italy', { child: false, consents: [consent({ recipients: ['IT'] })] }, forAdult],
      [
        'consent expired yesterday',
        { child: false, consents: [consent({ expiresAt: new Date('2026-11-22T12:00:00.000Z') })] },
        forAdult,
      ],
      [
        'consent expiring this very moment',
        { child: false, consents: [consent({ expiresAt: NOW })] },
        forAdult,
      ],
      [
        'consent withdrawn',
        { child: false, consents: [consent({ withdrawnAt: new Date('2026-11-22T16:30:00.000Z') })] },
        forAdult,
      ],
      ['a child’s own consent', { consents: [consent({ givenBy: 'VICTIM' })] }, forChild],
      [
        'a child’s own consent beside the guardian’s withdrawn one',
        {
          consents: [
            consent({ consentId: 'consent-victim-2026-11-22', givenBy: 'VICTIM' }),
            consent({ withdrawnAt: new Date('2026-11-21T10:00:00.000Z') }),
          ],
        },
        forChild,
      ],
    ])('refuses with %s', (_, change, message) => {
      expect(decide(change)).toEqual(refusal(message));
    });
  });

  describe('who consents', () => {
    it.each<[string, Partial<ConsentFacts>, boolean]>([
      ['a guardian for a child', { givenBy: 'GUARDIAN' }, true],
      ['a legal representative for a child', { givenBy: 'LEGAL_REPRESENTATIVE' }, true],
      ['the adult person', { givenBy: 'VICTIM' }, false],
      ['a legal representative for an adult', { givenBy: 'LEGAL_REPRESENTATIVE' }, false],
    ])('accepts %s', (_, change, child) => {
      const given = consent(change);
      expect(decide({ child, consents: [given] })).toEqual({
        allow: true,
        consent: given,
        payload: base.payload,
        redacted: [],
        vitalInterest: false,
      });
    });
  });

  describe('missing scopes', () => {
    it.each<[string, Partial<OutboundConsentFacts>, ReturnType<typeof missing>[]]>([
      [
        'a referral for return on identity-only consent: one reason per scope',
        { consents: [consent({ scopes: ['SHARE_IDENTITY'] })] },
        [
          missing('consent-guardian-2026-11-20', 'SHARE_HEALTH', ['medical']),
          missing('consent-guardian-2026-11-20', 'RETURN', ['requestedSop', 'residenceInOrigin']),
        ],
      ],
      [
        'a referral on consent to contact the family only: the type and its fields',
        { consents: [consent({ scopes: ['CONTACT_FAMILY'] })] },
        [
          missing('consent-guardian-2026-11-20', 'SHARE_IDENTITY', ['(type)', 'person', 'residenceInOrigin']),
          missing('consent-guardian-2026-11-20', 'SHARE_HEALTH', ['medical']),
          missing('consent-guardian-2026-11-20', 'RETURN', ['requestedSop', 'residenceInOrigin']),
        ],
      ],
      [
        'a referral for first assistance carrying the residence in the country of origin without RETURN',
        {
          payload: payloadOf('REFERRAL_REQUEST', { requestedSop: 2 }),
          consents: [consent({ scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH'] })],
        },
        [missing('consent-guardian-2026-11-20', 'RETURN', ['residenceInOrigin'])],
      ],
      [
        'a case update on the return (SOP 4) without RETURN',
        {
          type: 'CASE_UPDATE',
          payload: payloadOf('CASE_UPDATE', { sop: 4 }),
          consents: [consent({ scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH'] })],
        },
        [missing('consent-guardian-2026-11-20', 'RETURN', ['sop'])],
      ],
      [
        'a case update on criminal proceedings (SOP 5) without CRIMINAL_PROCEEDINGS',
        { type: 'CASE_UPDATE', payload: payloadOf('CASE_UPDATE', { sop: 5 }) },
        [missing('consent-guardian-2026-11-20', 'CRIMINAL_PROCEEDINGS', ['sop'])],
      ],
      [
        'a referral for criminal proceedings without CRIMINAL_PROCEEDINGS',
        { payload: payloadOf('REFERRAL_REQUEST', { requestedSop: 5, residenceInOrigin: undefined }) },
        [missing('consent-guardian-2026-11-20', 'CRIMINAL_PROCEEDINGS', ['requestedSop'])],
      ],
      [
        'an evidence request to the origin’s authorities without CONTACT_ORIGIN_AUTHORITIES',
        {
          type: 'EVIDENCE_REQUEST',
          payload: payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true }),
          consents: [consent({ scopes: ['CRIMINAL_PROCEEDINGS'] })],
        },
        [missing('consent-guardian-2026-11-20', 'CONTACT_ORIGIN_AUTHORITIES', ['targetsOriginAuthorities'])],
      ],
      [
        'an identity verification with the origin without CONTACT_ORIGIN_AUTHORITIES',
        {
          type: 'IDENTITY_VERIFICATION_REQUEST',
          payload: payloadOf('IDENTITY_VERIFICATION_REQUEST'),
        },
        [missing('consent-guardian-2026-11-20', 'CONTACT_ORIGIN_AUTHORITIES', ['(type)'])],
      ],
      [
        'a return plan on consent to reintegration only',
        {
          type: 'RETURN_PLAN',
          payload: payloadOf('RETURN_PLAN'),
          consents: [consent({ scopes: ['REINTEGRATION'] })],
        },
        [missing('consent-guardian-2026-11-20', 'RETURN', ['(type)'])],
      ],
    ])('refuses %s', (_, change, reasons) => {
      expect(decide(change)).toEqual({ allow: false, reasons });
    });

    it.each<[string, number, ConsentScope[]]>([
      ['first assistance', 2, ['SHARE_IDENTITY']],
      ['assistance', 3, ['SHARE_IDENTITY']],
      ['the return', 4, ['RETURN']],
      ['criminal proceedings', 5, ['CRIMINAL_PROCEEDINGS']],
    ])('allows a case update on %s (SOP %i) on consent to %s', (_, sop, scopes) => {
      const payload = payloadOf('CASE_UPDATE', { sop });
      const given = consent({ scopes });
      expect(decide({ type: 'CASE_UPDATE', payload, consents: [given] })).toEqual({
        allow: true,
        consent: given,
        payload,
        redacted: [],
        vitalInterest: false,
      });
    });

    it('allows a referral for first assistance without CRIMINAL_PROCEEDINGS or RETURN', () => {
      const payload = payloadOf('REFERRAL_REQUEST', { requestedSop: 2, residenceInOrigin: undefined });
      const given = consent({ scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH'] });
      expect(decide({ payload, consents: [given] })).toEqual({
        allow: true,
        consent: given,
        payload,
        redacted: [],
        vitalInterest: false,
      });
    });
  });

  describe('choosing among several consents (newest first)', () => {
    const identityOnly = consent({ consentId: 'consent-2026-11-22-identity', scopes: ['SHARE_IDENTITY'] });
    const full = consent({ consentId: 'consent-2026-11-15-full' });
    const noHealth = consent({
      consentId: 'consent-2026-11-22-no-health',
      scopes: ['SHARE_IDENTITY', 'RETURN'],
    });
    const noReturn = consent({
      consentId: 'consent-2026-11-18-no-return',
      scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH'],
    });

    it('takes the one that leaves least uncovered, even if older', () => {
      expect(decide({ consents: [identityOnly, full] })).toMatchObject({ allow: true, consent: full });
    });

    it('takes the newest of two that both cover everything', () => {
      const newer = consent({ consentId: 'consent-2026-11-22-full' });
      expect(decide({ consents: [newer, full] })).toMatchObject({ allow: true, consent: newer });
    });

    it('names the newest among equally incomplete ones', () => {
      expect(decide({ consents: [noHealth, noReturn] })).toEqual({
        allow: false,
        reasons: [missing('consent-2026-11-22-no-health', 'SHARE_HEALTH', ['medical'])],
      });
      expect(decide({ consents: [noReturn, noHealth] })).toEqual({
        allow: false,
        reasons: [missing('consent-2026-11-18-no-return', 'RETURN', ['requestedSop', 'residenceInOrigin'])],
      });
    });

    it('ignores a fuller consent that is withdrawn, expired or for another country', () => {
      const consents = [
        consent({ consentId: 'withdrawn-full', withdrawnAt: new Date('2026-11-22T10:00:00.000Z') }),
        consent({ consentId: 'expired-full', expiresAt: new Date('2026-11-23T11:59:59.000Z') }),
        consent({ consentId: 'italy-full', recipients: ['IT'] }),
        noHealth,
      ];
      expect(decide({ consents })).toEqual({
        allow: false,
        reasons: [missing('consent-2026-11-22-no-health', 'SHARE_HEALTH', ['medical'])],
      });
    });
  });

  describe('redact', () => {
    it('removes an uncovered optional group, lists it, keeps every other field', () => {
      const given = consent({ scopes: ['SHARE_IDENTITY', 'RETURN'] });
      const decision = decide({ consents: [given], redact: true });
      const { medical: _medical, ...rest } = base.payload;
      expect(decision).toEqual({
        allow: true,
        consent: given,
        payload: rest,
        redacted: ['medical'],
        vitalInterest: false,
      });
      if (!decision.allow) throw new Error('unreachable');
      expect(decision.payload).not.toHaveProperty('medical');
      expect(Object.keys(decision.payload)).toEqual(Object.keys(base.payload).filter((k) => k !== 'medical'));
      expect(base.payload).toHaveProperty('medical'); // the caller's payload is left alone
    });

    it('removes the family members of a tracing request the consent does not let identify', () => {
      const payload = payloadOf('FAMILY_TRACING_REQUEST');
      const given = consent({ scopes: ['CONTACT_FAMILY'] });
      expect(decide({ type: 'FAMILY_TRACING_REQUEST', payload, consents: [given], redact: true })).toEqual({
        allow: true,
        consent: given,
        payload: { wishToReturnToFamily: true, asylumClaimPending: false, notes: payload.notes },
        redacted: ['familyMembers'],
        vitalInterest: false,
      });
    });

    it('removes the residence in the country of origin from a referral that is not for return, without RETURN', () => {
      const payload = payloadOf('REFERRAL_REQUEST', { requestedSop: 2 });
      const given = consent({ scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH'] });
      const { residenceInOrigin: _residence, ...rest } = payload;
      expect(decide({ payload, consents: [given], redact: true })).toEqual({
        allow: true,
        consent: given,
        payload: rest,
        redacted: ['residenceInOrigin'],
        vitalInterest: false,
      });
    });

    it('changes nothing when the consent covers everything', () => {
      expect(decide({ redact: true })).toEqual({
        allow: true,
        consent: consent(),
        payload: base.payload,
        redacted: [],
        vitalInterest: false,
      });
    });

    it.each<[string, Partial<OutboundConsentFacts>, ReturnType<typeof missing>[]]>([
      [
        'lists only the unredactable scope when an optional one is missing too',
        { consents: [consent({ scopes: ['SHARE_IDENTITY'] })] },
        [missing('consent-guardian-2026-11-20', 'RETURN', ['requestedSop', 'residenceInOrigin'])],
      ],
      [
        'cannot redact the scope the type itself needs',
        { consents: [consent({ scopes: ['SHARE_HEALTH', 'RETURN'] })] },
        [missing('consent-guardian-2026-11-20', 'SHARE_IDENTITY', ['(type)', 'person', 'residenceInOrigin'])],
      ],
      [
        'cannot redact the contact with the origin’s authorities out of an evidence request',
        {
          type: 'EVIDENCE_REQUEST',
          payload: payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true }),
          consents: [consent({ scopes: ['CRIMINAL_PROCEEDINGS'] })],
        },
        [missing('consent-guardian-2026-11-20', 'CONTACT_ORIGIN_AUTHORITIES', ['targetsOriginAuthorities'])],
      ],
      [
        'cannot redact the purpose of a referral for proceedings',
        {
          payload: payloadOf('REFERRAL_REQUEST', { requestedSop: 5 }),
          consents: [consent({ scopes: ['SHARE_IDENTITY'] })],
        },
        [missing('consent-guardian-2026-11-20', 'CRIMINAL_PROCEEDINGS', ['requestedSop'])],
      ],
      [
        'cannot redact the SOP of a case update on the return',
        {
          type: 'CASE_UPDATE',
          payload: payloadOf('CASE_UPDATE', { sop: 4 }),
          consents: [consent({ scopes: ['SHARE_IDENTITY'] })],
        },
        [missing('consent-guardian-2026-11-20', 'RETURN', ['sop'])],
      ],
      [
        'cannot redact the SOP of a case update on criminal proceedings',
        { type: 'CASE_UPDATE', payload: payloadOf('CASE_UPDATE', { sop: 5 }) },
        [missing('consent-guardian-2026-11-20', 'CRIMINAL_PROCEEDINGS', ['sop'])],
      ],
    ])('still refuses: %s', (_, change, reasons) => {
      expect(decide({ ...change, redact: true })).toEqual({ allow: false, reasons });
    });

    describe('choosing among several consents', () => {
      // A referral for first assistance: SHARE_IDENTITY required; SHARE_HEALTH and RETURN optional.
      const payload = payloadOf('REFERRAL_REQUEST', { requestedSop: 2 });
      const identityOnly = consent({ consentId: 'consent-2026-11-12-identity', scopes: ['SHARE_IDENTITY'] });
      const noIdentity = consent({
        consentId: 'consent-2026-11-22-no-identity',
        scopes: ['SHARE_HEALTH', 'RETURN'],
      });
      const noHealth = consent({
        consentId: 'consent-2026-11-21-no-health',
        scopes: ['SHARE_IDENTITY', 'RETURN'],
      });
      const noReturn = consent({
        consentId: 'consent-2026-11-19-no-return',
        scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH'],
      });
      const without = (...fields: string[]): Payload =>
        Object.fromEntries(Object.entries(payload).filter(([key]) => !fields.includes(key)));
      const redacting = (given: ConsentFacts, ...fields: string[]): OutboundConsentDecision => ({
        allow: true,
        consent: given,
        payload: without(...fields),
        redacted: fields,
        vitalInterest: false,
      });

      it.each<[string, ConsentFacts[], OutboundConsentDecision]>([
        [
          'prefers an older consent that misses more, but only what can be redacted',
          [noIdentity, identityOnly],
          redacting(identityOnly, 'medical', 'residenceInOrigin'),
        ],
        ['then the one that misses least', [identityOnly, noHealth], redacting(noHealth, 'medical')],
        ['then the newest among equals', [noHealth, noReturn], redacting(noHealth, 'medical')],
        [
          'then the newest among equals, whichever it is',
          [noReturn, noHealth],
          redacting(noReturn, 'residenceInOrigin'),
        ],
      ])('%s', (_, consents, expected) => {
        expect(decide({ payload, consents, redact: true })).toEqual(expected);
      });

      it('still ranks by what is missing in all when not redacting', () => {
        expect(decide({ payload, consents: [noIdentity, identityOnly] })).toEqual({
          allow: false,
          reasons: [
            missing('consent-2026-11-22-no-identity', 'SHARE_IDENTITY', [
              '(type)',
              'person',
              'residenceInOrigin',
            ]),
          ],
        });
      });

      it('names the consent that misses fewest unredactable scopes when none lets the message go', () => {
        // A referral for return: SHARE_IDENTITY and RETURN required. Both consents miss two scopes.
        const forReturn = payloadOf('REFERRAL_REQUEST');
        const healthOnly = consent({ consentId: 'consent-2026-11-22-health', scopes: ['SHARE_HEALTH'] });
        expect(decide({ payload: forReturn, consents: [healthOnly, identityOnly], redact: true })).toEqual({
          allow: false,
          reasons: [missing('consent-2026-11-12-identity', 'RETURN', ['requestedSop', 'residenceInOrigin'])],
        });
        // Without redaction, the newest of the two.
        expect(decide({ payload: forReturn, consents: [healthOnly, identityOnly] })).toEqual({
          allow: false,
          reasons: [
            missing('consent-2026-11-22-health', 'SHARE_IDENTITY', ['(type)', 'person', 'residenceInOrigin']),
            missing('consent-2026-11-22-health', 'RETURN', ['requestedSop', 'residenceInOrigin']),
          ],
        });
      });
    });

    it('does not redact a refusal that is not about scopes', () => {
      expect(decide({ consents: [consent({ givenBy: 'VICTIM' })], redact: true })).toEqual(
        refusal(
          'no live consent from a guardian or legal representative names MK (the person is treated as a child)',
        ),
      );
    });
  });
});

describe('checkDeclaredConsent', () => {
  const summary = (change: Partial<ConsentSummary> = {}): ConsentSummary => ({
    ...consentSummary(consent()),
    ...change,
  });
  const base: InboundConsentFacts = {
    type: 'REFERRAL_REQUEST',
    legalBasis: 'CONSENT',
    consent: summary(),
    payload: payloadOf('REFERRAL_REQUEST'),
    self: 'MK',
    now: NOW,
    withdrawn: false,
    child: true,
  };
  const check = (change: Partial<InboundConsentFacts>) => checkDeclaredConsent({ ...base, ...change });
  const reason = (message: string, scope?: ConsentScope, fields?: string[]) => ({
    code: CONSENT_INSUFFICIENT,
    message,
    ...(scope ? { scope, fields } : {}),
  });
  const CHILD = 'the person is treated as a child: consent must come from a guardian or legal representative';

  it.each<[string, Partial<InboundConsentFacts>, ReturnType<typeof reason>[]]>([
    ['a referral its declared consent covers', {}, []],
    [
      'a consent that does not name the receiver',
      { self: 'IT' },
      [reason('the declared consent does not name IT')],
    ],
    [
      'a consent the sender withdrew earlier',
      { withdrawn: true },
      [reason('the declared consent was withdrawn')],
    ],
    [
      'an expired consent',
      { consent: summary({ expiresAt: '2026-11-22T12:00:00.000Z' }) },
      [reason('the declared consent has expired')],
    ],
    [
      'a consent expiring this very moment',
      { consent: summary({ expiresAt: NOW.toISOString() }) },
      [reason('the declared consent has expired')],
    ],
    ['a consent without expiry', { consent: summary({ expiresAt: undefined }) }, []],
    [
      'a payload exceeding the declared scopes: one reason per scope with its fields',
      { consent: summary({ scopes: ['SHARE_IDENTITY'] }) },
      [
        reason('the declared consent lacks SHARE_HEALTH, needed by medical', 'SHARE_HEALTH', ['medical']),
        reason('the declared consent lacks RETURN, needed by requestedSop, residenceInOrigin', 'RETURN', [
          'requestedSop',
          'residenceInOrigin',
        ]),
      ],
    ],
    [
      'a referral for first assistance carrying the residence in the country of origin without RETURN',
      {
        payload: payloadOf('REFERRAL_REQUEST', { requestedSop: 2 }),
        consent: summary({ scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH'] }),
      },
      [
        reason('the declared consent lacks RETURN, needed by residenceInOrigin', 'RETURN', [
          'residenceInOrigin',
        ]),
      ],
    ],
    [
      'a case update on the return (SOP 4) without RETURN',
      {
        type: 'CASE_UPDATE',
        payload: payloadOf('CASE_UPDATE', { sop: 4 }),
        consent: summary({ scopes: ['SHARE_IDENTITY'] }),
      },
      [reason('the declared consent lacks RETURN, needed by sop', 'RETURN', ['sop'])],
    ],
    [
      'a case update on criminal proceedings (SOP 5) without CRIMINAL_PROCEEDINGS',
      { type: 'CASE_UPDATE', payload: payloadOf('CASE_UPDATE', { sop: 5 }) },
      [
        reason('the declared consent lacks CRIMINAL_PROCEEDINGS, needed by sop', 'CRIMINAL_PROCEEDINGS', [
          'sop',
        ]),
      ],
    ],
    [
      'a case update on assistance (SOP 3) on any consent naming the receiver',
      { type: 'CASE_UPDATE', payload: payloadOf('CASE_UPDATE'), consent: summary({ scopes: [] }) },
      [],
    ],
    ['a child’s own consent', { consent: summary({ givenBy: 'VICTIM' }) }, [reason(CHILD)]],
    [
      'a child’s legal representative’s consent',
      { consent: summary({ givenBy: 'LEGAL_REPRESENTATIVE' }) },
      [],
    ],
    ['an adult’s own consent', { child: false, consent: summary({ givenBy: 'VICTIM' }) }, []],
    [
      'a child’s own consent for a return plan',
      { type: 'RETURN_PLAN', payload: payloadOf('RETURN_PLAN'), consent: summary({ givenBy: 'VICTIM' }) },
      [reason(CHILD)],
    ],
    [
      'a type the declared consent does not cover',
      {
        type: 'RETURN_PLAN',
        payload: payloadOf('RETURN_PLAN'),
        consent: summary({ scopes: ['SHARE_IDENTITY'] }),
      },
      [reason('the declared consent lacks RETURN, needed by (type)', 'RETURN', ['(type)'])],
    ],
    [
      'an evidence request to the origin’s authorities on consent to proceedings only',
      {
        type: 'EVIDENCE_REQUEST',
        payload: payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: true }),
        consent: summary({ scopes: ['CRIMINAL_PROCEEDINGS'] }),
      },
      [
        reason(
          'the declared consent lacks CONTACT_ORIGIN_AUTHORITIES, needed by targetsOriginAuthorities',
          'CONTACT_ORIGIN_AUTHORITIES',
          ['targetsOriginAuthorities'],
        ),
      ],
    ],
    [
      'every fault at once',
      {
        self: 'IT',
        withdrawn: true,
        consent: summary({
          scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH'],
          givenBy: 'VICTIM',
          expiresAt: '2026-11-01T00:00:00.000Z',
        }),
      },
      [
        reason('the declared consent does not name IT'),
        reason('the declared consent was withdrawn'),
        reason('the declared consent has expired'),
        reason(CHILD),
        reason('the declared consent lacks RETURN, needed by requestedSop, residenceInOrigin', 'RETURN', [
          'requestedSop',
          'residenceInOrigin',
        ]),
      ],
    ],
  ])('%s', (_, change, expected) => {
    expect(check(change)).toEqual(expected);
  });

  it.each<[string, MessageType, LegalBasis]>([
    ['a delivery receipt (legal basis NONE)', 'DELIVERY_RECEIPT', 'NONE'],
    ['an audit checkpoint (legal basis NONE)', 'AUDIT_CHECKPOINT', 'NONE'],
    ['an emergency alert on VITAL_INTEREST', 'EMERGENCY_ALERT', 'VITAL_INTEREST'],
  ])('skips %s: nothing was declared', (_, type, legalBasis) => {
    expect(check({ type, legalBasis, consent: undefined, payload: payloadOf(type), self: 'IT' })).toEqual([]);
  });

  it('skips an emergency alert on VITAL_INTEREST for a child, whatever consent it carries', () => {
    const type = 'EMERGENCY_ALERT';
    const consent = summary({ givenBy: 'VICTIM' });
    expect(check({ type, legalBasis: 'VITAL_INTEREST', consent, payload: payloadOf(type) })).toEqual([]);
  });

  describe.each<MessageType>(['CONSENT_WITHDRAWN', 'CASE_CLOSED'])('exempt type %s', (type) => {
    const stale = summary({ scopes: [], expiresAt: '2026-11-01T00:00:00.000Z' });

    it('only needs the receiver among the recipients, even withdrawn and expired', () => {
      expect(check({ type, payload: payloadOf(type), consent: stale, withdrawn: true })).toEqual([]);
    });

    it('does not ask a child’s withdrawal or closure for a guardian’s consent', () => {
      const own = summary({ givenBy: 'VICTIM' });
      expect(check({ type, payload: payloadOf(type), consent: own, withdrawn: true })).toEqual([]);
    });

    it('is rejected when the consent never named the receiver', () => {
      expect(check({ type, payload: payloadOf(type), consent: stale, withdrawn: true, self: 'IT' })).toEqual([
        reason('the declared consent does not name IT'),
      ]);
    });
  });
});

describe('consentSummary', () => {
  it('summarises a record for the envelope, with ISO dates', () => {
    expect(consentSummary(consent())).toEqual({
      consentId: 'consent-guardian-2026-11-20',
      scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH', 'RETURN'],
      recipients: ['MK'],
      givenBy: 'GUARDIAN',
      givenAt: '2026-11-20T09:00:00.000Z',
      expiresAt: '2027-05-20T09:00:00.000Z',
    });
  });

  it('leaves expiresAt out when the consent has no expiry, and never carries the withdrawal', () => {
    const summary = consentSummary(consent({ expiresAt: null, withdrawnAt: new Date('2026-11-22') }));
    expect(summary).not.toHaveProperty('expiresAt');
    expect(summary).not.toHaveProperty('withdrawnAt');
  });

  it('copies the lists, so the envelope cannot alter the record', () => {
    const record = consent();
    const summary = consentSummary(record);
    summary.scopes.push('CRIMINAL_PROCEEDINGS');
    summary.recipients.push('IT');
    expect(record.scopes).toEqual(['SHARE_IDENTITY', 'SHARE_HEALTH', 'RETURN']);
    expect(record.recipients).toEqual(['MK']);
  });

  it.each<[string, ConsentFacts]>([
    ['with an expiry', consent()],
    ['without an expiry', consent({ expiresAt: null, givenBy: 'LEGAL_REPRESENTATIVE' })],
  ])('round-trips %s', (_, record) => {
    const summary = consentSummary(record);
    const back: ConsentFacts = {
      consentId: summary.consentId,
      scopes: summary.scopes,
      recipients: summary.recipients,
      givenBy: summary.givenBy,
      givenAt: new Date(summary.givenAt),
      expiresAt: summary.expiresAt ? new Date(summary.expiresAt) : null,
      withdrawnAt: null,
    };
    expect(back).toEqual(record);
    expect(consentSummary(back)).toEqual(summary);
  });

  // The sender's and the receiver's checks agree: what the sender lets out, the receiver lets in.
  it.each<[string, MessageType, Payload, ConsentScope[], boolean]>([
    ['a referral for return', 'REFERRAL_REQUEST', {}, ['SHARE_IDENTITY', 'SHARE_HEALTH', 'RETURN'], false],
    ['a referral with its medical data redacted', 'REFERRAL_REQUEST', {}, ['SHARE_IDENTITY', 'RETURN'], true],
    ['a family tracing request, members redacted', 'FAMILY_TRACING_REQUEST', {}, ['CONTACT_FAMILY'], true],
    [
      'an evidence request to the origin',
      'EVIDENCE_REQUEST',
      { targetsOriginAuthorities: true },
      ['CRIMINAL_PROCEEDINGS', 'CONTACT_ORIGIN_AUTHORITIES'],
      false,
    ],
    ['a return plan', 'RETURN_PLAN', {}, ['RETURN'], false],
    [
      'a referral for first assistance, residence redacted',
      'REFERRAL_REQUEST',
      { requestedSop: 2 },
      ['SHARE_IDENTITY', 'SHARE_HEALTH'],
      true,
    ],
    ['a case update on the return', 'CASE_UPDATE', { sop: 4 }, ['RETURN'], false],
    ['a case update on criminal proceedings', 'CASE_UPDATE', { sop: 5 }, ['CRIMINAL_PROCEEDINGS'], false],
  ])('is accepted by the receiver for what the sender allowed: %s', (_, type, change, scopes, redact) => {
    const given = consent({ scopes, recipients: ['MK', 'IT'] });
    const decision = decideOutboundConsent({
      type,
      to: 'MK',
      legalBasis: 'CONSENT',
      payload: payloadOf(type, change),
      consents: [given],
      child: true,
      restricted: false,
      now: NOW,
      redact,
    });
    if (!decision.allow || !decision.consent) throw new Error(`expected ${type} to be allowed`);
    expect(decision.redacted.length > 0).toBe(redact);
    expect(
      checkDeclaredConsent({
        type,
        legalBasis: 'CONSENT',
        consent: consentSummary(decision.consent),
        payload: decision.payload,
        self: 'MK',
        now: NOW,
        withdrawn: false,
        child: true,
      }),
    ).toEqual([]);
  });
});

describe('evidence contact with the country of origin, by the case’s country roles', () => {
  // FR asks MK, recorded as the country of origin, for evidence; the sender's flag says otherwise.
  const evidence = payloadOf('EVIDENCE_REQUEST', { targetsOriginAuthorities: false });
  const criminal = consent({ consentId: 'consent-proceedings', scopes: ['CRIMINAL_PROCEEDINGS'] });

  it('needs CONTACT_ORIGIN_AUTHORITIES when the recipient is the origin, whatever the flag says', () => {
    expect(scopesNeeded('EVIDENCE_REQUEST', evidence, true)).toContainEqual({
      scope: 'CONTACT_ORIGIN_AUTHORITIES',
      fields: [ORIGIN_RECIPIENT],
      required: true,
    });
    expect(scopesNeeded('EVIDENCE_REQUEST', evidence, false).map((n) => n.scope)).toEqual([
      'CRIMINAL_PROCEEDINGS',
    ]);
  });

  it('refuses to send it to the origin without that scope, even with redaction asked for', () => {
    const facts: OutboundConsentFacts = {
      type: 'EVIDENCE_REQUEST',
      to: 'MK',
      legalBasis: 'CONSENT',
      payload: evidence,
      consents: [criminal],
      child: false,
      restricted: false,
      now: NOW,
      redact: true,
      recipientIsOrigin: true,
    };
    expect(decideOutboundConsent(facts)).toEqual({
      allow: false,
      reasons: [
        {
          code: CONSENT_INSUFFICIENT,
          message: `consent consent-proceedings does not cover CONTACT_ORIGIN_AUTHORITIES, needed by ${ORIGIN_RECIPIENT}`,
          scope: 'CONTACT_ORIGIN_AUTHORITIES',
          fields: [ORIGIN_RECIPIENT],
        },
      ],
    });
    expect(decideOutboundConsent({ ...facts, recipientIsOrigin: false }).allow).toBe(true);
  });

  it('is rejected by a receiver that its case records as the origin', () => {
    const facts: InboundConsentFacts = {
      type: 'EVIDENCE_REQUEST',
      legalBasis: 'CONSENT',
      consent: consentSummary(criminal),
      payload: evidence,
      self: 'MK',
      now: NOW,
      withdrawn: false,
      child: false,
      selfIsOrigin: true,
    };
    expect(checkDeclaredConsent(facts).map((r) => r.scope)).toEqual(['CONTACT_ORIGIN_AUTHORITIES']);
    expect(checkDeclaredConsent({ ...facts, selfIsOrigin: false })).toEqual([]);
  });
});

describe('misplacedResidenceReasons: residence in the origin travels only to that country', () => {
  const referral = payloadOf('REFERRAL_REQUEST'); // residenceInOrigin names MK

  it('lets it go to the country of origin it names', () => {
    expect(misplacedResidenceReasons('MK', referral)).toEqual([]);
  });

  it('refuses it to any other country, naming the field', () => {
    expect(misplacedResidenceReasons('IT', referral)).toEqual([
      {
        code: RejectionCode.POLICY_DENIED,
        message:
          'residenceInOrigin travels only to the country of origin it names, when the person returns there',
        fields: ['residenceInOrigin'],
      },
    ]);
  });

  it('has nothing to say about a message without it', () => {
    expect(
      misplacedResidenceReasons('IT', payloadOf('REFERRAL_REQUEST', { residenceInOrigin: undefined })),
    ).toEqual([]);
  });
});

describe('queuedAfterWithdrawal: a message queued under a consent that is then withdrawn', () => {
  const business = MESSAGE_TYPES.filter(
    (type) =>
      ![
        'CONSENT_WITHDRAWN',
        'CASE_CLOSED',
        'DELIVERY_RECEIPT',
        'DELIVERY_REJECTED',
        'AUDIT_CHECKPOINT',
      ].includes(type),
  );

  it.each(business)('%s is cancelled: it never leaves', (type) => {
    expect(queuedAfterWithdrawal(type, payloadOf(type))).toEqual({ action: 'CANCEL' });
  });

  it.each<[string, Payload, ReturnType<typeof queuedAfterWithdrawal>]>([
    [
      'with a summary',
      { reason: 'COMPLETED', summary: 'Reintegration completed.' },
      { action: 'STRIP', fields: ['summary'] },
    ],
    ['without a summary', { reason: 'COMPLETED' }, { action: 'KEEP' }],
  ])(
    'CASE_CLOSED %s still travels, without its free text, as one sent after the withdrawal',
    (_name, payload, expected) => {
      expect(queuedAfterWithdrawal('CASE_CLOSED', payload)).toEqual(expected);
    },
  );

  it('the earlier withdrawal itself is kept as it is', () => {
    expect(queuedAfterWithdrawal('CONSENT_WITHDRAWN', payloadOf('CONSENT_WITHDRAWN'))).toEqual({
      action: 'KEEP',
    });
  });

  it('strips exactly what a CASE_CLOSED sent after the withdrawal loses', () => {
    const payload = { reason: 'COMPLETED', summary: 'Reintegration completed.' };
    const sentAfter = decideOutboundConsent({
      type: 'CASE_CLOSED',
      to: 'MK',
      legalBasis: 'CONSENT',
      payload,
      consents: [
        {
          consentId: 'c-1',
          scopes: ['SHARE_IDENTITY'],
          recipients: ['MK'],
          givenBy: 'GUARDIAN',
          givenAt: NOW,
          expiresAt: null,
          withdrawnAt: NOW,
        },
      ],
      child: false,
      restricted: false,
      now: NOW,
      redact: false,
    });
    expect(sentAfter.allow && sentAfter.redacted).toEqual(['summary']);
    expect(queuedAfterWithdrawal('CASE_CLOSED', payload)).toEqual({ action: 'STRIP', fields: ['summary'] });
  });
});

describe('vitalInterestReasons: the legal basis without consent, for the sender and the receiver alike', () => {
  it.each<[MessageType, LegalBasis, boolean, boolean]>([
    ['EMERGENCY_ALERT', 'VITAL_INTEREST', false, true],
    ['EMERGENCY_ALERT_ACKNOWLEDGEMENT', 'VITAL_INTEREST', true, true],
    // Acknowledging an alert sent on consent, or answering nothing, or another country's alert: consent.
    ['EMERGENCY_ALERT_ACKNOWLEDGEMENT', 'VITAL_INTEREST', false, false],
    ['EMERGENCY_ALERT_ACKNOWLEDGEMENT', 'CONSENT', false, true],
    ['CASE_UPDATE', 'VITAL_INTEREST', true, false],
    ['REFERRAL_REQUEST', 'VITAL_INTEREST', false, false],
    ['CASE_UPDATE', 'CONSENT', false, true],
  ])('%s on %s (answers a VITAL_INTEREST alert: %s) is allowed: %s', (type, legalBasis, answers, allowed) => {
    const reasons = vitalInterestReasons({ type, legalBasis, answersVitalInterestAlert: answers });
    expect(reasons.map((r) => r.code)).toEqual(allowed ? [] : [CONSENT_INSUFFICIENT]);
  });
});
