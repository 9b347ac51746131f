import { examplePayload } from '../src/messages/examples';
import { LOCAL_SECOND_COORDINATOR, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import {
  api,
  openCase,
  recordAssessment,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from './support/node-api';

const SECOND = { name: LOCAL_SECOND_COORDINATOR.name, password: LOCAL_SECOND_COORDINATOR.password };
const PLAN = 'Escorted travel; police liaison at arrival; shelter address shared with nobody.';
const REASON =
  'Joint protection plan signed by both countries; police escort arranged for the whole journey.';

/**
 * Four eyes on risk overrides (docs/consent-policy.md, docs/access.md): at HIGH a coordinator's override is
 * pending until a second coordinator confirms it; the requester cannot confirm her own; both steps audited;
 * CRITICAL never overridable. FR and MK are real nodes; MK is FR's recipient.
 */
describe('risk overrides need a second coordinator (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    await federation.start('MK');
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  async function highRiskCase(): Promise<string> {
    const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    await recordGuardian(fr, caseRef);
    await recordConsent(fr, caseRef);
    await recordAssessment(fr, caseRef, { level: 'HIGH', protectionPlan: PLAN });
    return caseRef;
  }

  const requestOverride = (caseRef: string, messageType: string) =>
    api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, { messageType, reason: REASON });
  const confirm = (caseRef: string, id: string, as: 'coordinator' | typeof SECOND) =>
    api(fr, 'POST', `/cases/${caseRef}/risk-overrides/${id}/confirm`, undefined, { as });
  const stored = async (caseRef: string): Promise<number> =>
    (
      await federation.query<{ n: number }>(
        'FR',
        `SELECT count(*)::int AS n FROM messages WHERE case_ref = $1`,
        [caseRef],
      )
    )[0].n;
  const audited = (caseRef: string) =>
    federation.query<{ action: string; actor: string; decision: string | null; reason_code: string | null }>(
      'FR',
      `SELECT action, actor, decision, reason_code FROM audit_log
       WHERE case_ref = $1 AND action LIKE 'RISK_OVERRIDE%' ORDER BY seq`,
      [caseRef],
    );

  it.each([
    ['a return plan', 'RETURN_PLAN', () => examplePayload('RETURN_PLAN')],
    [
      'an evidence request to the origin’s authorities',
      'EVIDENCE_REQUEST',
      () => ({ ...examplePayload('EVIDENCE_REQUEST'), targetsOriginAuthorities: true }),
    ],
  ])(
    'refuses %s at HIGH while the override is pending, and delivers it once a second coordinator confirmed',
    async (_, type, payload) => {
      const caseRef = await highRiskCase();
      const message = { type, to: 'MK', payload: payload() };
      expect((await sendMessage(fr, caseRef, message)).status).toBe(422);

      const requested = await requestOverride(caseRef, type);
      expect(requested.status).toBe(201);
      expect(requested.body).toMatchObject({
        messageType: type,
        status: 'PENDING_CONFIRMATION',
        requestedBy: 'api:coordinator',
        confirmedBy: null,
      });
      const overrideId = requested.body.id as string;

      const pending = await sendMessage(fr, caseRef, message);
      expect(pending.status).toBe(422);
      expect(pending.body.reasons).toEqual([
        {
          code: 'POLICY_DENIED',
          message: `the risk is HIGH: the override for ${type} awaits a second coordinator's confirmation`,
          overridable: true,
        },
      ]);

      // Her own override: refused, audited, and still pending.
      const own = await confirm(caseRef, overrideId, 'coordinator');
      expect(own.status).toBe(403);
      expect(own.body.error).toBe('OVERRIDE_SELF_CONFIRMATION');
      expect((await sendMessage(fr, caseRef, message)).status).toBe(422);
      expect(await stored(caseRef)).toBe(0);

      const confirmed = await confirm(caseRef, overrideId, SECOND);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({
        id: overrideId,
        status: 'CONFIRMED',
        requestedBy: 'api:coordinator',
        confirmedBy: `api:${SECOND.name}`,
      });
      expect((await confirm(caseRef, overrideId, SECOND)).body.error).toBe('OVERRIDE_ALREADY_CONFIRMED');

      const sent = await sendMessage(fr, caseRef, message);
      expect(sent.status).toBe(202);
      await waitDelivered(fr, sent.body.id);

      expect(await audited(caseRef)).toEqual([
        { action: 'RISK_OVERRIDE_REQUESTED', actor: 'api:coordinator', decision: null, reason_code: null },
        {
          action: 'RISK_OVERRIDE_CONFIRMATION_REFUSED',
          actor: 'api:coordinator',
          decision: 'DENY',
          reason_code: 'OVERRIDE_SELF_CONFIRMATION',
        },
        {
          action: 'RISK_OVERRIDE_CONFIRMED',
          actor: `api:${SECOND.name}`,
          decision: 'ALLOW',
          reason_code: null,
        },
        {
          action: 'RISK_OVERRIDE_CONFIRMATION_REFUSED',
          actor: `api:${SECOND.name}`,
          decision: 'DENY',
          reason_code: 'OVERRIDE_ALREADY_CONFIRMED',
        },
      ]);

      // The case file shows each override's status and who asked and confirmed, not the written reason.
      const file = await api(fr, 'GET', `/cases/${caseRef}`);
      expect(file.body.riskOverrides).toEqual([
        {
          id: overrideId,
          assessmentId: requested.body.assessmentId,
          messageType: type,
          status: 'CONFIRMED',
          requestedBy: 'api:coordinator',
          requestedAt: requested.body.requestedAt,
          confirmedBy: `api:${SECOND.name}`,
          confirmedAt: confirmed.body.confirmedAt,
        },
      ]);
      expect(JSON.stringify(file.body.riskOverrides)).not.toContain('escort');
    },
  );

  it('never overrides CRITICAL, and a pending override of an assessment since replaced cannot be confirmed', async () => {
    const caseRef = await highRiskCase();
    const requested = await requestOverride(caseRef, 'RETURN_PLAN');
    expect(requested.status).toBe(201);
    await recordAssessment(fr, caseRef, { level: 'CRITICAL' });
    const critical = await requestOverride(caseRef, 'RETURN_PLAN');
    expect(critical.status).toBe(422);
    expect(critical.body.error).toBe('NOT_OVERRIDABLE');
    const stale = await confirm(caseRef, requested.body.id, SECOND);
    expect(stale.status).toBe(422);
    expect(stale.body.error).toBe('OVERRIDE_STALE');
    const file = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(file.body.riskOverrides.map((o: { status: string }) => o.status)).toEqual([
      'PENDING_CONFIRMATION',
    ]);
  });

  it('keeps the four eyes in the database too: the requester cannot be written as the confirmer', async () => {
    const caseRef = await highRiskCase();
    const requested = await requestOverride(caseRef, 'RETURN_PLAN');
    await expect(
      federation.query(
        'FR',
        `UPDATE risk_overrides SET confirmed_by = overridden_by, confirmed_at = now() WHERE id = $1`,
        [requested.body.id],
      ),
    ).rejects.toThrow(/risk_overrides_four_eyes/);
  });
});
