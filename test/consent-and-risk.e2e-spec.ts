import { examplePayload } from '../src/messages/examples';
import { LOCAL_SECOND_COORDINATOR, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { CONSENT, ForeignPeer } from './support/foreign-peer';
import { startFrMkItaly, stopFrMkItaly } from './support/fr-mk-italy';
import {
  api,
  laterMessageDelivered,
  openCase,
  recordGuardian,
  recordAssessment,
  messageStatus,
  recordConsent,
  sendMessage,
  waitDelivered,
} from './support/node-api';
import { expectInstant } from './support/assertions';

/**
 * Issue 3 on the real services: no transfer without the victim's consent and a current risk assessment,
 * enforced by the node itself, outbound and inbound.
 */
describe('consent and risk gates (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let italy: ForeignPeer;

  beforeAll(async () => {
    ({ fr, mk, italy } = await startFrMkItaly(federation));
  });

  afterAll(() => stopFrMkItaly(federation, italy));

  async function count(code: string, sql: string, params: unknown[]): Promise<number> {
    return (await federation.query<{ n: number }>(code, sql, params))[0].n;
  }

  // The example referral is a child's: the case lifecycle wants her guardian on the case before any referral.
  async function openGuardedCase(node: RunningNode, facts: Record<string, string> = {}): Promise<string> {
    const caseRef = await openCase(node, facts);
    await recordGuardian(node, caseRef);
    return caseRef;
  }

  /** Four eyes: the second coordinator confirms the first one's override (test/risk-four-eyes.e2e-spec.ts). */
  async function confirmOverride(caseRef: string, id: string): Promise<void> {
    const confirmed = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides/${id}/confirm`, undefined, {
      as: LOCAL_SECOND_COORDINATOR,
    });
    expect(confirmed.status).toBe(200);
  }

  const referral = (changes: Record<string, unknown> = {}) => ({
    ...examplePayload('REFERRAL_REQUEST'),
    ...changes,
  });

  it('refuses a send the consent does not cover: every missing scope and its fields, nothing stored or published', async () => {
    const caseRef = await openGuardedCase(fr);
    await recordConsent(fr, caseRef, { scopes: ['SHARE_IDENTITY'], recipients: ['MK'] });
    const before = await api(fr, 'GET', `/cases/${caseRef}`);

    const refused = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: referral(),
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('POLICY_REFUSED');
    const reasons = refused.body.reasons as Array<{ code: string; scope: string; fields: string[] }>;
    expect(reasons.map((r) => [r.code, r.scope, r.fields])).toEqual(
      expect.arrayContaining([
        ['CONSENT_INSUFFICIENT', 'SHARE_HEALTH', ['medical']],
        ['CONSENT_INSUFFICIENT', 'RETURN', ['requestedSop', 'residenceInOrigin']],
      ]),
    );
    expect(reasons).toHaveLength(2);

    expect(await count('FR', `SELECT count(*)::int AS n FROM messages WHERE case_ref = $1`, [caseRef])).toBe(
      0,
    );
    expect(
      await count(
        'FR',
        `SELECT count(*)::int AS n FROM outbox WHERE routing_key LIKE 'routine.MK.FR.%' AND message_id NOT IN (SELECT id FROM messages)`,
        [],
      ),
    ).toBe(0);
    const after = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(after.body.case).toEqual(before.body.case);
    expect(
      await count(
        'FR',
        `SELECT count(*)::int AS n FROM audit_log WHERE case_ref = $1 AND action = 'MESSAGE_REFUSED' AND decision = 'DENY'`,
        [caseRef],
      ),
    ).toBe(1);
    // A later message from FR reached MK: had the refused one left, MK would hold its case by now.
    await laterMessageDelivered(fr, 'MK');
    expect(await count('MK', `SELECT count(*)::int AS n FROM cases WHERE case_ref = $1`, [caseRef])).toBe(0);
  });

  it('redacts, on request, the optional field groups the consent does not cover, and says which', async () => {
    const caseRef = await openGuardedCase(fr);
    await recordConsent(fr, caseRef, { scopes: ['SHARE_IDENTITY'], recipients: ['MK'] });
    const stillRefused = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: referral(),
      redact: true,
    });
    expect(stillRefused.status).toBe(422);
    expect(stillRefused.body.reasons.map((r: { scope: string }) => r.scope)).toEqual(['RETURN']);

    const sent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: referral({ requestedSop: 2 }),
      redact: true,
    });
    expect(sent.status).toBe(202);
    expect(sent.body.redacted).toEqual(['medical', 'residenceInOrigin']);
    await waitDelivered(fr, sent.body.id);
    const atMk = await api(mk, 'GET', `/cases/${caseRef}`);
    const received = atMk.body.messages.find((m: { id: string }) => m.id === sent.body.id);
    expect(received.payload.medical).toBeUndefined();
    expect(received.payload.person.familyName).toBe('Petrovska');
    expect(received.consent.scopes).toEqual(['SHARE_IDENTITY']);
  });

  it('lets an emergency alert through on vital interest, and nothing else', async () => {
    // A person who does not see themselves as a victim: a case with no consent at all.
    const caseRef = await openGuardedCase(fr);
    const alert = await sendMessage(fr, caseRef, {
      type: 'EMERGENCY_ALERT',
      to: 'MK',
      legalBasis: 'VITAL_INTEREST',
      payload: examplePayload('EMERGENCY_ALERT'),
    });
    expect(alert.status).toBe(202);
    await waitDelivered(fr, alert.body.id);
    const flagged = await federation.query<{ details: { review?: string } }>(
      'FR',
      `SELECT details FROM audit_log WHERE message_id = $1 AND action = 'MESSAGE_QUEUED'`,
      [alert.body.id],
    );
    expect(flagged[0].details.review).toBe('VITAL_INTEREST');

    const { justification: _, ...unjustified } = examplePayload('EMERGENCY_ALERT') as unknown as Record<
      string,
      unknown
    >;
    const noReason = await sendMessage(fr, caseRef, {
      type: 'EMERGENCY_ALERT',
      to: 'MK',
      legalBasis: 'VITAL_INTEREST',
      payload: unjustified,
    });
    expect(noReason.status).toBe(422);
    expect(JSON.stringify(noReason.body.fields)).toContain('justification');

    const update = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      legalBasis: 'VITAL_INTEREST',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(update.status).toBe(422);
    const withoutConsent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: referral(),
    });
    expect(withoutConsent.status).toBe(422);
    expect(withoutConsent.body.reasons[0].code).toBe('CONSENT_INSUFFICIENT');

    // And inbound: a peer cannot claim vital interest for anything but an alert.
    const id = await italy.send({
      type: 'CASE_UPDATE',
      to: 'MK',
      caseRef: 'TRM-IT-2026-000301',
      payload: examplePayload('CASE_UPDATE'),
      legalBasis: 'VITAL_INTEREST',
    });
    expect((await italy.replyTo(id)).payload.reasonCode).toBe('SCHEMA_INVALID');
  });

  it('rejects inbound a payload that exceeds its declared consent, or a consent that does not name the receiver', async () => {
    const healthWithoutScope = await italy.send({
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      caseRef: 'TRM-IT-2026-000302',
      payload: referral(),
      consent: { ...CONSENT, scopes: ['SHARE_IDENTITY', 'RETURN'] },
    });
    const reply = await italy.replyTo(healthWithoutScope);
    expect(reply.payload.reasonCode).toBe('CONSENT_INSUFFICIENT');
    expect(reply.payload.reason).toContain('SHARE_HEALTH');

    const notForMk = await italy.send({
      type: 'CASE_UPDATE',
      to: 'MK',
      caseRef: 'TRM-IT-2026-000303',
      payload: examplePayload('CASE_UPDATE'),
      consent: { ...CONSENT, recipients: ['FR'] },
    });
    expect((await italy.replyTo(notForMk)).payload.reasonCode).toBe('CONSENT_INSUFFICIENT');
  });

  it('carries a withdrawal to every country that received data and restricts the case there', async () => {
    const caseRef = await openGuardedCase(fr);
    const consentId = await recordConsent(fr, caseRef);
    await recordAssessment(fr, caseRef);
    const sent = await sendMessage(fr, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK', payload: referral() });
    await waitDelivered(fr, sent.body.id);
    // MK has its own consent on its side of the case, so it could answer.
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const beforeWithdrawal = await sendMessage(mk, caseRef, {
      type: 'CASE_UPDATE',
      to: 'FR',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(beforeWithdrawal.status).toBe(202);

    const withdrawnFrom = Date.now();
    const withdrawal = await api(fr, 'POST', `/cases/${caseRef}/consents/${consentId}/withdraw`);
    expect(withdrawal.status).toBe(200);
    expect(withdrawal.body.notified.map((n: { country: string }) => n.country)).toEqual(['MK']);
    expect(withdrawal.body.assessmentsToReview).toBe(1);
    await waitDelivered(fr, withdrawal.body.notified[0].messageId);

    const atMk = await api(mk, 'GET', `/cases/${caseRef}`);
    expectInstant(atMk.body.case.restrictedAt, withdrawnFrom);
    expect(atMk.body.messages.every((m: { payload: unknown }) => m.payload === null)).toBe(true);
    const refused = await sendMessage(mk, caseRef, {
      type: 'CASE_UPDATE',
      to: 'FR',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(refused.status).toBe(422);
    expect(refused.body.reasons[0].code).toBe('CONSENT_INSUFFICIENT');
    // The emergency path stays open.
    const alert = await sendMessage(mk, caseRef, {
      type: 'EMERGENCY_ALERT',
      to: 'FR',
      legalBasis: 'VITAL_INTEREST',
      payload: examplePayload('EMERGENCY_ALERT'),
    });
    expect(alert.status).toBe(202);

    // At FR nothing but the alert path leaves either, and the assessment must be redone before a return.
    const frRefused = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(frRefused.status).toBe(422);
    const assessments = await api(fr, 'GET', `/cases/${caseRef}/risk-assessments`);
    expect(assessments.body.items).toHaveLength(1);
    expectInstant(assessments.body.items[0].reviewRequiredAt, withdrawnFrom);

    // New consent recorded at MK lifts the restriction there.
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    expect((await api(mk, 'GET', `/cases/${caseRef}`)).body.case.restrictedAt).toBeNull();
  });

  it('withdraws even when a country that received data cannot be told: it is listed and audited, the others told; the closure after it goes without its summary', async () => {
    const caseRef = await openGuardedCase(fr);
    const consentId = await recordConsent(fr, caseRef, { recipients: ['MK'] });
    await recordAssessment(fr, caseRef);
    const sent = await sendMessage(fr, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK', payload: referral() });
    await waitDelivered(fr, sent.body.id);
    // Italy got data on vital interest only: no consent record ever named it.
    const alert = await sendMessage(fr, caseRef, {
      type: 'EMERGENCY_ALERT',
      to: 'IT',
      legalBasis: 'VITAL_INTEREST',
      payload: examplePayload('EMERGENCY_ALERT'),
    });
    expect(alert.status).toBe(202);

    const withdrawnFrom = Date.now();
    const withdrawal = await api(fr, 'POST', `/cases/${caseRef}/consents/${consentId}/withdraw`);
    expect(withdrawal.status).toBe(200);
    expectInstant(withdrawal.body.consent.withdrawnAt, withdrawnFrom);
    expect(withdrawal.body.notified.map((n: { country: string }) => n.country)).toEqual(['MK']);
    expect(withdrawal.body.notNotified).toEqual([
      { country: 'IT', reasonCode: 'CONSENT_INSUFFICIENT', reason: 'no consent record ever named IT' },
    ]);
    await waitDelivered(fr, withdrawal.body.notified[0].messageId);
    expectInstant((await api(mk, 'GET', `/cases/${caseRef}`)).body.case.restrictedAt, withdrawnFrom);
    const untold = await federation.query<{ counterpart: string; reason_code: string; decision: string }>(
      'FR',
      `SELECT counterpart, reason_code, decision FROM audit_log
       WHERE case_ref = $1 AND action = 'CONSENT_WITHDRAWAL_NOT_SENT'`,
      [caseRef],
    );
    expect(untold).toEqual([{ counterpart: 'IT', reason_code: 'CONSENT_INSUFFICIENT', decision: 'DENY' }]);
    const consents = await api(fr, 'GET', `/cases/${caseRef}/consents`);
    expect(consents.body.items.map((c: { consentId: string }) => c.consentId)).toEqual([consentId]);
    expect(consents.body.items[0].withdrawnAt).toBe(withdrawal.body.consent.withdrawnAt);

    // The relationship still closes, but the free-text summary is no longer shared.
    const closed = await api(fr, 'POST', `/cases/${caseRef}/close`, {
      reason: 'COMPLETED',
      summary: 'Reintegration programme completed; follow-up checks all positive.',
    });
    expect(closed.status).toBe(202);
    expect(closed.body.notified).toEqual([
      { country: 'MK', messageId: expect.any(String), redacted: ['summary'] },
    ]);
    const queued = await federation.query<{ details: { redacted?: string[] } }>(
      'FR',
      `SELECT details FROM audit_log WHERE message_id = $1 AND action = 'MESSAGE_QUEUED'`,
      [closed.body.notified[0].messageId],
    );
    expect(queued[0].details.redacted).toEqual(['summary']);
    await waitDelivered(fr, closed.body.notified[0].messageId);
  });

  it('cancels the messages queued under a withdrawn consent: the relay never publishes them, their status says why', async () => {
    // No relay: what is committed stays in the outbox, as when the broker is slow or down.
    await federation.stop('FR');
    fr = await federation.start('FR', { outboxRelay: false });
    const caseRef = await openGuardedCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    const consentId = await recordConsent(fr, caseRef, { recipients: ['MK'] });
    await recordAssessment(fr, caseRef);
    const queued = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(queued.status).toBe(202);

    const withdrawal = await api(fr, 'POST', `/cases/${caseRef}/consents/${consentId}/withdraw`);
    expect(withdrawal.status).toBe(200);
    expect(withdrawal.body.cancelled).toEqual([
      { messageId: queued.body.id, type: 'CASE_UPDATE', country: 'MK' },
    ]);
    expect(
      await count('FR', `SELECT count(*)::int AS n FROM outbox WHERE message_id = $1`, [queued.body.id]),
    ).toBe(0);
    const cancelledAudit = await federation.query<{ reason_code: string }>(
      'FR',
      `SELECT reason_code FROM audit_log WHERE message_id = $1 AND action = 'MESSAGE_CANCELLED'`,
      [queued.body.id],
    );
    expect(cancelledAudit).toEqual([{ reason_code: 'CONSENT_WITHDRAWN' }]);

    await federation.stop('FR');
    fr = await federation.start('FR');
    // The withdrawal itself leaves; the cancelled message never does.
    await waitDelivered(fr, withdrawal.body.notified[0].messageId);
    const status = await messageStatus(fr, queued.body.id);
    expect(status).toMatchObject({ status: 'REJECTED', reasonCode: 'CONSENT_WITHDRAWN' });
    expect(status.reason).toContain('withdrawn');
    expect(await count('MK', `SELECT count(*)::int AS n FROM messages WHERE id = $1`, [queued.body.id])).toBe(
      0,
    );
  });

  it('rejects inbound a message that relies on a consent its sender withdrew', async () => {
    const caseRef = 'TRM-IT-2026-000304';
    const consent = { ...CONSENT, consentId: 'it-consent-304' };
    const first = await italy.send({
      type: 'CASE_UPDATE',
      to: 'MK',
      caseRef,
      payload: examplePayload('CASE_UPDATE'),
      consent,
    });
    expect((await italy.replyTo(first)).envelope.type).toBe('DELIVERY_RECEIPT');
    const withdrawn = await italy.send({
      type: 'CONSENT_WITHDRAWN',
      to: 'MK',
      caseRef,
      consent,
      payload: {
        consentId: 'it-consent-304',
        withdrawnAt: new Date().toISOString(),
        scopesWithdrawn: ['SHARE_IDENTITY'],
      },
    });
    expect((await italy.replyTo(withdrawn)).envelope.type).toBe('DELIVERY_RECEIPT');
    const after = await italy.send({
      type: 'CASE_UPDATE',
      to: 'MK',
      caseRef,
      payload: examplePayload('CASE_UPDATE'),
      consent,
    });
    const reply = await italy.replyTo(after);
    expect(reply.payload.reasonCode).toBe('CONSENT_INSUFFICIENT');
    expect(reply.payload.reason).toContain('withdrawn');
  });

  it('blocks a return planned at HIGH risk until a coordinator overrides with a reason, or a new assessment allows it', async () => {
    const caseRef = await openGuardedCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    await recordConsent(fr, caseRef);
    const highId = await recordAssessment(fr, caseRef, {
      level: 'HIGH',
      protectionPlan: 'Escorted travel; police liaison at arrival; shelter address shared with nobody.',
    });
    const plan = { type: 'RETURN_PLAN', to: 'MK', payload: examplePayload('RETURN_PLAN') };

    const refused = await sendMessage(fr, caseRef, plan);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual([
      expect.objectContaining({ code: 'POLICY_DENIED', overridable: true }),
    ]);
    expect(await count('FR', `SELECT count(*)::int AS n FROM messages WHERE case_ref = $1`, [caseRef])).toBe(
      0,
    );

    const tooShort = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'RETURN_PLAN',
      reason: 'ok',
    });
    expect(tooShort.status).toBe(400);
    const override = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'RETURN_PLAN',
      reason: 'Joint protection plan signed by both countries; police escort arranged for the whole journey.',
    });
    expect(override.status).toBe(201);
    expect(override.body.assessmentId).toBe(highId);
    await confirmOverride(caseRef, override.body.id);
    const allowed = await sendMessage(fr, caseRef, plan);
    expect(allowed.status).toBe(202);
    await waitDelivered(fr, allowed.body.id);
    const audited = await federation.query<{ details: { riskOverridden?: boolean } }>(
      'FR',
      `SELECT details FROM audit_log WHERE message_id = $1 AND action = 'MESSAGE_QUEUED'`,
      [allowed.body.id],
    );
    expect(audited[0].details.riskOverridden).toBe(true);

    // CRITICAL: no override is possible; a later LOW assessment allows the return again.
    await recordAssessment(fr, caseRef, { level: 'CRITICAL' });
    expect((await sendMessage(fr, caseRef, plan)).status).toBe(422);
    const noOverride = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'RETURN_PLAN',
      reason: 'We would like to return her anyway, the plane is booked already.',
    });
    expect(noOverride.status).toBe(422);
    expect(noOverride.body.error).toBe('NOT_OVERRIDABLE');
    await recordAssessment(fr, caseRef, { level: 'LOW' });
    expect((await sendMessage(fr, caseRef, plan)).status).toBe(202);
  });

  it('lets a peer’s assessment make the decision stricter, never looser, and believes no assessment dated in the future', async () => {
    const caseRef = await openGuardedCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    await recordConsent(fr, caseRef);
    await recordAssessment(fr, caseRef, { level: 'CRITICAL' });
    const plan = { type: 'RETURN_PLAN', to: 'MK', payload: examplePayload('RETURN_PLAN') };
    const day = 86_400_000;
    const low = (assessedAt: number) => ({
      ...examplePayload('RISK_ASSESSMENT_RESULT'),
      level: 'LOW',
      complete: true,
      assessedAt: new Date(assessedAt).toISOString(),
      validUntil: new Date(Date.now() + 30 * day).toISOString(),
    });

    // Over HTTP: a LOW dated tomorrow would outrank every assessment recorded before tomorrow.
    const future = await api(fr, 'POST', `/cases/${caseRef}/risk-assessments`, {
      level: 'LOW',
      factors: [],
      summary: 'Dated tomorrow by mistake or on purpose.',
      complete: true,
      assessedAt: new Date(Date.now() + day).toISOString(),
      validUntil: new Date(Date.now() + 30 * day).toISOString(),
    });
    expect(future.status).toBe(422);
    expect(future.body.fields).toEqual([expect.objectContaining({ path: 'assessedAt' })]);

    // An unasked peer's LOW, sent after FR's CRITICAL: stored, but FR's own assessment still governs.
    const peerLow = await italy.send({
      type: 'RISK_ASSESSMENT_RESULT',
      to: 'FR',
      caseRef,
      payload: low(Date.now() - 60_000),
    });
    expect((await italy.replyTo(peerLow)).envelope.type).toBe('DELIVERY_RECEIPT');
    const refused = await sendMessage(fr, caseRef, plan);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual([
      expect.objectContaining({ code: 'POLICY_DENIED', message: expect.stringContaining('CRITICAL') }),
    ]);

    // A peer's assessment dated in the future is rejected as STALE, like a sentAt in the future.
    const peerFuture = await italy.send({
      type: 'RISK_ASSESSMENT_RESULT',
      to: 'FR',
      caseRef,
      payload: low(Date.now() + day),
    });
    expect((await italy.replyTo(peerFuture)).payload.reasonCode).toBe('STALE');
    expect(
      await count('FR', `SELECT count(*)::int AS n FROM risk_assessments WHERE case_ref = $1`, [caseRef]),
    ).toBe(2);
  });

  it('never returns a person whose identification is still in progress, nor a child without the safeguards', async () => {
    const inProgress = await openGuardedCase(fr, { identificationStatus: 'IDENTIFICATION_IN_PROGRESS' });
    await recordConsent(fr, inProgress);
    await recordAssessment(fr, inProgress);
    const refused = await sendMessage(fr, inProgress, {
      type: 'RETURN_PLAN',
      to: 'MK',
      payload: examplePayload('RETURN_PLAN'),
    });
    expect(refused.status).toBe(422);
    expect(refused.body.reasons[0].message).toContain('identification is in progress');

    const child = await openGuardedCase(fr, {
      ageStatus: 'PRESUMED_CHILD',
      identificationStatus: 'IDENTIFIED_VICTIM',
    });
    const victimConsent = await api(fr, 'POST', `/cases/${child}/consents`, {
      scopes: ['RETURN'],
      recipients: ['MK'],
      givenBy: 'VICTIM',
      informed: true,
      informedLanguage: 'mk',
    });
    expect(victimConsent.status).toBe(422);
    expect(victimConsent.body.error).toBe('CHILD_NEEDS_GUARDIAN');
    await recordConsent(fr, child, { givenBy: 'GUARDIAN' });
    await recordAssessment(fr, child);
    const { bestInterestsDetermination: _, ...withoutBid } = examplePayload(
      'RETURN_PLAN',
    ) as unknown as Record<string, unknown>;
    const noBid = await sendMessage(fr, child, { type: 'RETURN_PLAN', to: 'MK', payload: withoutBid });
    expect(noBid.status).toBe(422);
    expect(noBid.body.reasons[0].message).toContain('best-interests determination');
    expect(
      (
        await sendMessage(fr, child, {
          type: 'RETURN_PLAN',
          to: 'MK',
          payload: examplePayload('RETURN_PLAN'),
        })
      ).status,
    ).toBe(202);
  });

  it('never lets another country’s referral end identification on a case this node owns', async () => {
    const caseRef = await openGuardedCase(fr, { identificationStatus: 'IDENTIFICATION_IN_PROGRESS' });
    await recordConsent(fr, caseRef);
    await recordAssessment(fr, caseRef);
    // Italy says the person is identified, then that she is not: FR, whose case it is, decides that.
    for (const identificationStatus of ['IDENTIFIED_VICTIM', 'NOT_IDENTIFIED']) {
      const id = await italy.send({
        type: 'REFERRAL_REQUEST',
        to: 'FR',
        caseRef,
        // Without her residence in MK: that travels only to MK.
        payload: referral({ identificationStatus, residenceInOrigin: undefined }),
      });
      expect((await italy.replyTo(id)).envelope.type).toBe('DELIVERY_RECEIPT');
    }
    const atFr = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(atFr.body.case.identificationStatus).toBe('IDENTIFICATION_IN_PROGRESS');
    expect(
      await count(
        'FR',
        `SELECT count(*)::int AS n FROM audit_log WHERE case_ref = $1 AND action = 'CASE_IDENTIFICATION_STATUS_SET'`,
        [caseRef],
      ),
    ).toBe(0);
    const plan = await sendMessage(fr, caseRef, {
      type: 'RETURN_PLAN',
      to: 'MK',
      payload: examplePayload('RETURN_PLAN'),
    });
    expect(plan.status).toBe(422);
    expect(plan.body.reasons.map((r: { message: string }) => r.message)).toContain(
      'no return or removal while identification is in progress',
    );
  });

  it('takes the age a referral states as the receiver will, and never lets a referral make a child an adult', async () => {
    // Opened without an age status: the victim herself consented, before anyone knew she was a child.
    const caseRef = await openGuardedCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    await recordConsent(fr, caseRef, { givenBy: 'VICTIM', recipients: ['MK'] });
    const childReferral = referral({ age: { status: 'PRESUMED_CHILD' } });
    const send = (payload: Record<string, unknown>) =>
      sendMessage(fr, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK', payload });
    // The referral says she is a child: her own consent does not cover it here, as MK would reject it.
    const refused = await send(childReferral);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons.map((r: { code: string }) => r.code)).toEqual(['CONSENT_INSUFFICIENT']);
    expect(await count('FR', `SELECT count(*)::int AS n FROM messages WHERE case_ref = $1`, [caseRef])).toBe(
      0,
    );

    await recordConsent(fr, caseRef, { givenBy: 'GUARDIAN', recipients: ['MK'] });
    const sent = await send(childReferral);
    expect(sent.status).toBe(202);
    await waitDelivered(fr, sent.body.id);
    const ageChanges = (code: string) =>
      federation.query(
        code,
        `SELECT actor, details FROM audit_log WHERE action = 'CASE_AGE_STATUS_SET' AND case_ref = $1 ORDER BY seq`,
        [caseRef],
      );
    const raised = { from: null, to: 'PRESUMED_CHILD', evidence: 'REFERRAL' };
    expect(await ageChanges('FR')).toEqual([{ actor: expect.any(String), details: raised }]);
    expect(await ageChanges('MK')).toEqual([{ actor: 'FR', details: raised }]);

    // A referral presenting her as an adult is refused on sending; one received leaves her protected as a child.
    const adult = {
      age: { status: 'DOCUMENTED_ADULT', ageWhenTrafficked: 22, ageNow: 25 },
      person: { ...examplePayload('REFERRAL_REQUEST').person, dateOfBirth: '2001-03-14' },
    };
    const asAdult = await send(referral(adult));
    expect(asAdult.status).toBe(422);
    expect(asAdult.body.reasons[0].message).toBe(
      "the case is a child's case: a referral cannot present the person as an adult",
    );
    const fromItaly = await italy.send({
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      caseRef,
      payload: referral(adult),
    });
    expect((await italy.replyTo(fromItaly)).envelope.type).toBe('DELIVERY_RECEIPT');
    const atMk = await api(mk, 'GET', `/cases/${caseRef}`);
    expect(atMk.body).toMatchObject({ workflow: { ageStatus: 'PRESUMED_CHILD', child: true } });
    expect(await ageChanges('MK')).toEqual([{ actor: 'FR', details: raised }]);
  });

  it('never takes a person born less than 18 years ago for an adult, whatever the age status says', async () => {
    // Her own consent would count for an adult's referral; a "documented adult" born in 2012 is a child.
    const caseRef = await openGuardedCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    await recordConsent(fr, caseRef, { givenBy: 'VICTIM', recipients: ['MK'] });
    const bornIn2012 = referral({
      age: { status: 'DOCUMENTED_ADULT' },
      person: { ...examplePayload('REFERRAL_REQUEST').person, dateOfBirth: '2012-05-01' },
    });
    const refused = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: bornIn2012,
    });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body.fields)).toContain('person.dateOfBirth less than 18 years ago');
    expect(await count('FR', `SELECT count(*)::int AS n FROM messages WHERE case_ref = $1`, [caseRef])).toBe(
      0,
    );
    expect((await api(fr, 'GET', `/cases/${caseRef}`)).body.case.ageStatus).toBeNull();

    const fromItaly = await italy.send({
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      caseRef: 'TRM-IT-2026-000305',
      payload: bornIn2012,
    });
    const reply = await italy.replyTo(fromItaly);
    expect(reply.payload.reasonCode).toBe('SCHEMA_INVALID');
    expect(reply.payload.reason).toContain('age.status: ageConsistent');
    expect(reply.payload.reason).not.toContain('2012');
  });

  it('traces a child’s family assessed as a source of harm only on a coordinator’s written override', async () => {
    const caseRef = await openGuardedCase(fr, {
      ageStatus: 'PRESUMED_CHILD',
      identificationStatus: 'IDENTIFIED_VICTIM',
    });
    await recordConsent(fr, caseRef);
    await recordAssessment(fr, caseRef, { factors: [{ code: 'RF-04', status: 'PRESENT' }] });
    const tracing = {
      type: 'FAMILY_TRACING_REQUEST',
      to: 'MK',
      payload: examplePayload('FAMILY_TRACING_REQUEST'),
    };
    const refused = await sendMessage(fr, caseRef, tracing);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual([expect.objectContaining({ overridable: true })]);
    const wrongType = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'RETURN_PLAN',
      reason: 'An override for another message type must not be possible at LOW.',
    });
    expect(wrongType.status).toBe(422);
    const override = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'FAMILY_TRACING_REQUEST',
      reason: 'Only the grandmother is traced; the parents are excluded by the court order of 20 November.',
    });
    expect(override.status).toBe(201);
    expect((await sendMessage(fr, caseRef, tracing)).status).toBe(422);
    await confirmOverride(caseRef, override.body.id);
    expect((await sendMessage(fr, caseRef, tracing)).status).toBe(202);
  });

  it('audits the case opened by a peer’s message, its closing, and every read of consents and assessments', async () => {
    const caseRef = await openGuardedCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    const consentId = await recordConsent(fr, caseRef);
    const sent = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    await waitDelivered(fr, sent.body.id);
    const opened = await federation.query<{ actor: string; message_id: string }>(
      'MK',
      `SELECT actor, message_id FROM audit_log WHERE action = 'CASE_OPENED' AND case_ref = $1`,
      [caseRef],
    );
    expect(opened).toEqual([{ actor: 'FR', message_id: sent.body.id }]);
    const received = await federation.query<{ details: { consentId: string } }>(
      'MK',
      `SELECT details FROM audit_log WHERE action = 'MESSAGE_RECEIVED' AND message_id = $1`,
      [sent.body.id],
    );
    expect(received[0].details.consentId).toBe(consentId);

    expect((await api(fr, 'GET', `/cases/${caseRef}/consents`)).status).toBe(200);
    expect((await api(fr, 'GET', `/cases/${caseRef}/risk-assessments`)).status).toBe(200);
    const reads = await federation.query<{ details: { read: string } }>(
      'FR',
      `SELECT details FROM audit_log WHERE action = 'PERSONAL_DATA_READ' AND case_ref = $1 ORDER BY seq`,
      [caseRef],
    );
    expect(reads.map((r) => r.details.read)).toEqual(['consents', 'risk-assessments']);

    const closed = await sendMessage(fr, caseRef, {
      type: 'CASE_CLOSED',
      to: 'MK',
      payload: examplePayload('CASE_CLOSED'),
    });
    await waitDelivered(fr, closed.body.id);
    for (const code of ['FR', 'MK']) {
      const rows = await federation.query<{ actor: string }>(
        code,
        `SELECT actor FROM audit_log WHERE action = 'CASE_CLOSED' AND case_ref = $1`,
        [caseRef],
      );
      expect(rows).toEqual([{ actor: code === 'FR' ? 'api:coordinator' : 'FR' }]);
    }
  });

  it('records the other country’s RISK_ASSESSMENT_RESULT as its assessment of the case', async () => {
    const caseRef = await openGuardedCase(fr);
    await recordConsent(fr, caseRef);
    const referralSent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: referral(),
    });
    await waitDelivered(fr, referralSent.body.id);
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const result = await sendMessage(mk, caseRef, {
      type: 'RISK_ASSESSMENT_RESULT',
      to: 'FR',
      payload: examplePayload('RISK_ASSESSMENT_RESULT'),
    });
    expect(result.status).toBe(202);
    await waitDelivered(mk, result.body.id);
    const assessments = await api(fr, 'GET', `/cases/${caseRef}/risk-assessments`);
    expect(assessments.body.items).toEqual([
      expect.objectContaining({ country: 'MK', sourceMessageId: result.body.id }),
    ]);
  });
});
