import { examplePayload } from '../src/messages/examples';
import {
  eventually,
  LOCAL_SECOND_COORDINATOR,
  LocalFederation,
  RunningNode,
} from '../scripts/lib/local-federation';
import { ForeignPeer } from './support/foreign-peer';
import { startFrMkItaly, stopFrMkItaly } from './support/fr-mk-italy';
import {
  api,
  openCase,
  openSharableCase,
  recordAssessment,
  messageStatus,
  sendMessage,
  waitDelivered,
} from './support/node-api';

/**
 * Issue 15, the facts on the case on the real services: recorded over the API and audited (by id, never by
 * content), and read by the gates of what a node sends and receives.
 */
describe('facts on the case (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let italy: ForeignPeer;

  beforeAll(async () => {
    ({ fr, mk, italy } = await startFrMkItaly(federation));
  });

  afterAll(() => stopFrMkItaly(federation, italy));

  const today = (): string => new Date().toISOString().slice(0, 10);
  const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

  const plan = { type: 'RETURN_PLAN', to: 'MK', payload: examplePayload('RETURN_PLAN') };
  const tracing = {
    type: 'FAMILY_TRACING_REQUEST',
    to: 'MK',
    payload: examplePayload('FAMILY_TRACING_REQUEST'),
  };
  const verification = {
    type: 'IDENTITY_VERIFICATION_REQUEST',
    to: 'MK',
    payload: examplePayload('IDENTITY_VERIFICATION_REQUEST'),
  };

  async function audit(
    code: string,
    caseRef: string,
    action: string,
  ): Promise<Array<{ actor: string; details: Record<string, unknown> }>> {
    return federation.query(
      code,
      `SELECT actor, details FROM audit_log WHERE case_ref = $1 AND action = $2 ORDER BY seq`,
      [caseRef, action],
    );
  }

  async function asylum(node: RunningNode, caseRef: string, body: Record<string, unknown>) {
    return api(node, 'POST', `/cases/${caseRef}/facts/asylum-claim`, body);
  }

  const rules = (body: { reasons?: Array<{ rule?: string }> }): Array<string | undefined> =>
    (body.reasons ?? []).map((r) => r.rule);

  it('refuses family tracing, a return plan and identity verification with the origin while an asylum claim is pending: the case fact decides, not the flag', async () => {
    const caseRef = await openSharableCase(fr);
    // Everything else is in place: each would go.
    for (const message of [plan, tracing, verification]) {
      const check = await api(fr, 'POST', `/cases/${caseRef}/messages/check`, {
        legalBasis: 'CONSENT',
        ...message,
      });
      expect({ type: message.type, wouldSend: check.body.wouldSend }).toEqual({
        type: message.type,
        wouldSend: true,
      });
    }

    const recorded = await asylum(fr, caseRef, { status: 'PENDING', lodgedOn: daysAgo(3) });
    expect(recorded.status).toBe(201);
    expect(recorded.body.asylum.current).toEqual(
      expect.objectContaining({
        status: 'PENDING',
        lodgedOn: daysAgo(3),
        decidedOn: null,
        recordedBy: expect.any(String),
      }),
    );

    // The tracing request says asylumClaimPending: false; the case knows better.
    expect(tracing.payload).toEqual(expect.objectContaining({ asylumClaimPending: false }));
    for (const message of [plan, tracing, verification]) {
      const refused = await sendMessage(fr, caseRef, message);
      expect(refused.status).toBe(422);
      expect(refused.body.error).toBe('POLICY_REFUSED');
      expect(refused.body.reasons).toEqual([
        expect.objectContaining({
          code: 'POLICY_DENIED',
          rule: 'ASYLUM_CLAIM_PENDING',
          message: `an asylum claim is pending on the case: no ${message.type}`,
        }),
      ]);
    }
    // Evaluators count them: family tracing with an asylum claim should be 0 sent, and each try is on record.
    const refusals = await audit('FR', caseRef, 'MESSAGE_REFUSED');
    expect(refusals.map((r) => r.details.rules)).toEqual([
      ['ASYLUM_CLAIM_PENDING'],
      ['ASYLUM_CLAIM_PENDING'],
      ['ASYLUM_CLAIM_PENDING'],
    ]);
    expect(
      (
        await federation.query<{ n: number }>(
          'FR',
          `SELECT count(*)::int AS n FROM messages WHERE case_ref = $1`,
          [caseRef],
        )
      )[0].n,
    ).toBe(0);

    // Refused: the claim's history is kept, and the return may be planned.
    const decided = await asylum(fr, caseRef, {
      status: 'REFUSED',
      lodgedOn: daysAgo(3),
      decidedOn: today(),
    });
    expect(decided.status).toBe(201);
    expect(decided.body.asylum.history.map((c: { status: string }) => c.status)).toEqual([
      'PENDING',
      'REFUSED',
    ]);
    const sent = await sendMessage(fr, caseRef, plan);
    expect(sent.status).toBe(202);

    // Audited by id: neither status nor dates in the audit log.
    const entries = await audit('FR', caseRef, 'CASE_ASYLUM_CLAIM_RECORDED');
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(Object.keys(entry.details)).toEqual(['factId']);
  });

  it('rejects a return plan received while this node records an asylum claim pending', async () => {
    const caseRef = await openSharableCase(fr);
    expect((await asylum(fr, caseRef, { status: 'PENDING', lodgedOn: today() })).status).toBe(201);
    const id = await italy.send({
      type: 'RETURN_PLAN',
      to: 'FR',
      caseRef,
      payload: examplePayload('RETURN_PLAN'),
    });
    const reply = await italy.replyTo(id);
    expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
    expect(reply.payload).toEqual(
      expect.objectContaining({
        reasonCode: 'POLICY_DENIED',
        reason: expect.stringContaining('asylum claim is pending'),
      }),
    );
  });

  it('refuses contradictory or malformed facts with problem details and codes', async () => {
    const caseRef = await openCase(fr);
    const malformed = await asylum(fr, caseRef, { status: 'MAYBE', lodgedOn: 'yesterday' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    expect(malformed.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(['lodgedOn', 'status']);

    const backwards = await asylum(fr, caseRef, {
      status: 'GRANTED',
      lodgedOn: daysAgo(2),
      decidedOn: daysAgo(5),
    });
    expect(backwards.status).toBe(422);
    expect(backwards.body).toEqual(
      expect.objectContaining({ error: 'CHANGE_REFUSED', detail: 'decidedOn lies before lodgedOn' }),
    );

    const noPeriod = await api(fr, 'POST', `/cases/${caseRef}/facts/reflection-period/extensions`, {
      days: 30,
      reason: 'medical treatment continues',
    });
    expect(noPeriod.status).toBe(409);
    expect(noPeriod.body.error).toBe('CASE_STATE_CONFLICT');

    const named = await api(fr, 'POST', `/cases/${caseRef}/facts/threats`, {
      reportedBy: 'Police',
      reportedOn: today(),
      against: ['NEIGHBOUR'],
      kind: 'x',
    });
    expect(named.status).toBe(400);
    const unknown = await api(fr, 'POST', `/cases/TRM-FR-2026-999999/facts/asylum-claim`, {
      status: 'PENDING',
      lodgedOn: today(),
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('CASE_NOT_FOUND');
  });

  it('keeps the reflection period with its end from the country setting, its extensions and the days left; a threat during it makes the assessment due for review and holds the return', async () => {
    const caseRef = await openSharableCase(fr);
    const started = await api(fr, 'POST', `/cases/${caseRef}/facts/reflection-period`, {
      startOn: daysAgo(10),
    });
    expect(started.status).toBe(201);
    expect(started.body.reflection).toEqual(
      expect.objectContaining({
        startOn: daysAgo(10),
        endOn: daysAgo(-20),
        days: 30,
        active: true,
        daysLeft: 20,
      }),
    );
    const again = await api(fr, 'POST', `/cases/${caseRef}/facts/reflection-period`, { startOn: today() });
    expect(again.status).toBe(409);
    const extended = await api(fr, 'POST', `/cases/${caseRef}/facts/reflection-period/extensions`, {
      days: 15,
      reason: 'She is still in hospital; the doctor asks for more time.',
    });
    expect(extended.status).toBe(201);
    expect(extended.body.reflection).toEqual(
      expect.objectContaining({ days: 45, daysLeft: 35, endOn: daysAgo(-35) }),
    );
    expect(extended.body.reflection.extensions).toEqual([
      expect.objectContaining({
        days: 15,
        reason: 'She is still in hospital; the doctor asks for more time.',
      }),
    ]);

    expect(
      (await api(fr, 'POST', `/cases/${caseRef}/messages/check`, { legalBasis: 'CONSENT', ...plan })).body
        .wouldSend,
    ).toBe(true);
    const threat = await api(fr, 'POST', `/cases/${caseRef}/facts/threats`, {
      reportedBy: 'Police, anti-trafficking unit',
      reportedOn: today(),
      against: ['VICTIM', 'FAMILY'],
      kind: 'threatening messages to her mother',
    });
    expect(threat.status).toBe(201);
    expect(threat.body.threats).toEqual([
      expect.objectContaining({
        reportedBy: 'Police, anti-trafficking unit',
        against: ['VICTIM', 'FAMILY'],
        kind: 'threatening messages to her mother',
        duringReflectionPeriod: true,
      }),
    ]);
    // The assessment is due for review, in the threat's transaction.
    const flagged = await federation.query<{ n: number }>(
      'FR',
      `SELECT count(*)::int AS n FROM risk_assessments WHERE case_ref = $1 AND review_required_at IS NOT NULL`,
      [caseRef],
    );
    expect(flagged[0].n).toBe(1);
    expect((await audit('FR', caseRef, 'RISK_REVIEW_REQUIRED')).map((e) => e.details)).toEqual([
      expect.objectContaining({ cause: 'THREAT_REPORTED', assessments: 1 }),
    ]);
    const recordedThreat = await audit('FR', caseRef, 'CASE_THREAT_RECORDED');
    expect(recordedThreat.map((e) => Object.keys(e.details).sort())).toEqual([
      ['duringReflectionPeriod', 'factId'],
    ]);
    // Nothing of the threat's text reaches the audit log.
    const leaked = await federation.query<{ n: number }>(
      'FR',
      `SELECT count(*)::int AS n FROM audit_log WHERE details::text LIKE '%mother%' OR details::text LIKE '%anti-trafficking%'`,
      [],
    );
    expect(leaked[0].n).toBe(0);
    // Stored sealed: the database holds no plain text of it.
    const stored = await federation.query<{ fact: string }>(
      'FR',
      `SELECT fact FROM case_facts WHERE case_ref = $1 AND kind = 'THREAT'`,
      [caseRef],
    );
    expect(stored[0].fact).not.toContain('mother');

    const held = await sendMessage(fr, caseRef, plan);
    expect(held.status).toBe(422);
    expect(rules(held.body)).toContain('THREAT_REVIEW_PENDING');
    const reintegration = await sendMessage(fr, caseRef, {
      type: 'REINTEGRATION_REQUEST',
      to: 'MK',
      payload: examplePayload('REINTEGRATION_REQUEST'),
    });
    expect(reintegration.status).toBe(422);
    expect(rules(reintegration.body)).toEqual(['THREAT_REVIEW_PENDING']);

    // A new assessment, recorded after the threat, lets the return go.
    await recordAssessment(fr, caseRef);
    const sent = await sendMessage(fr, caseRef, plan);
    expect(sent.status).toBe(202);

    // The case file shows the facts, the period and the days left.
    const file = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(file.body.facts.reflection).toEqual(expect.objectContaining({ daysLeft: 35, active: true }));
    expect(file.body.facts.threats).toHaveLength(1);
    const facts = await api(fr, 'GET', `/cases/${caseRef}/facts`);
    expect(facts.status).toBe(200);
    expect(facts.body).toEqual(file.body.facts);
    expect((await audit('FR', caseRef, 'PERSONAL_DATA_READ')).map((e) => e.details.read)).toContain(
      'case-facts',
    );
    // An auditor not granted the case sees the facts' statuses and dates, their free text pseudonymised.
    const asAuditor = await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'auditor' });
    expect(asAuditor.status).toBe(200);
    const [seen] = asAuditor.body.facts.threats;
    expect(seen).toEqual(expect.objectContaining({ reportedOn: today(), against: ['VICTIM', 'FAMILY'] }));
    expect(seen.kind).not.toContain('mother');
    expect(seen.reportedBy).not.toContain('anti-trafficking');
    expect(JSON.stringify(asAuditor.body.facts.reflection.extensions)).not.toContain('hospital');
  });

  it('RF-05 present: no family tracing, and a return only on a confirmed override that it does not go to the family', async () => {
    const caseRef = await openSharableCase(fr);
    const assessmentId = await recordAssessment(fr, caseRef, {
      factors: [
        { code: 'RF-04', status: 'ABSENT' },
        { code: 'RF-05', status: 'PRESENT' },
      ],
    });
    const noTracing = await sendMessage(fr, caseRef, tracing);
    expect(noTracing.status).toBe(422);
    expect(noTracing.body.reasons).toEqual([
      expect.objectContaining({
        rule: 'FAMILY_INVOLVED',
        message: expect.stringContaining('no family tracing'),
      }),
    ]);
    const noReturn = await sendMessage(fr, caseRef, plan);
    expect(noReturn.status).toBe(422);
    expect(noReturn.body.reasons).toEqual([
      expect.objectContaining({ rule: 'FAMILY_INVOLVED', overridable: true }),
    ]);

    const override = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'RETURN_PLAN',
      reason: 'She returns to a secure shelter run by the NGO in Bitola, not to her family: agreed with MK.',
    });
    expect(override.status).toBe(201);
    expect(override.body.assessmentId).toBe(assessmentId);
    expect((await sendMessage(fr, caseRef, plan)).status).toBe(422);
    const confirmed = await api(
      fr,
      'POST',
      `/cases/${caseRef}/risk-overrides/${override.body.id}/confirm`,
      undefined,
      {
        as: LOCAL_SECOND_COORDINATOR,
      },
    );
    expect(confirmed.status).toBe(200);
    expect((await sendMessage(fr, caseRef, plan)).status).toBe(202);
    // Family tracing stays refused: no override lifts RF-05 for it.
    const tracingOverride = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'FAMILY_TRACING_REQUEST',
      reason: 'We would like to trace the family anyway, the mother asked for news.',
    });
    expect(tracingOverride.status).toBe(422);
    expect(tracingOverride.body.error).toBe('NOT_OVERRIDABLE');
  });

  it('RF-02 present: evidence contact with the origin is gated as at HIGH (override with four eyes)', async () => {
    const caseRef = await openSharableCase(fr);
    expect(
      (await api(fr, 'PUT', `/cases/${caseRef}/roles`, { roles: [{ country: 'MK', role: 'ORIGIN' }] }))
        .status,
    ).toBe(200);
    await recordAssessment(fr, caseRef, {
      factors: [
        { code: 'RF-02', status: 'PRESENT' },
        { code: 'RF-04', status: 'ABSENT' },
      ],
    });
    const evidence = { type: 'EVIDENCE_REQUEST', to: 'MK', payload: examplePayload('EVIDENCE_REQUEST') };
    const refused = await sendMessage(fr, caseRef, evidence);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual([
      expect.objectContaining({ rule: 'FAMILY_THREATENED', overridable: true }),
    ]);
    const override = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'EVIDENCE_REQUEST',
      reason: 'The prosecutor in Skopje protects the family; the liaison magistrate confirmed it in writing.',
    });
    expect(override.status).toBe(201);
    await api(fr, 'POST', `/cases/${caseRef}/risk-overrides/${override.body.id}/confirm`, undefined, {
      as: LOCAL_SECOND_COORDINATOR,
    });
    const sent = await sendMessage(fr, caseRef, evidence);
    expect(sent.status).toBe(202);
    await waitDelivered(fr, sent.body.id);
  });

  it("changes its own case's identification status after opening, with history: who, when, from, to, why", async () => {
    const caseRef = await openCase(fr, { identificationStatus: 'PRESUMED_VICTIM' });
    const changed = await api(fr, 'PUT', `/cases/${caseRef}/identification`, {
      status: 'IDENTIFIED_VICTIM',
      reason: 'Identification interview completed with the labour inspectorate.',
    });
    expect(changed.status).toBe(200);
    expect(changed.body.identificationStatus).toBe('IDENTIFIED_VICTIM');
    const facts = await api(fr, 'GET', `/cases/${caseRef}/facts`);
    expect(facts.body.identification).toEqual([
      expect.objectContaining({ from: null, to: 'PRESUMED_VICTIM', source: 'OPENING', reason: null }),
      expect.objectContaining({
        from: 'PRESUMED_VICTIM',
        to: 'IDENTIFIED_VICTIM',
        source: 'COORDINATOR',
        target: 'OWNER_STATUS',
        reason: 'Identification interview completed with the labour inspectorate.',
        recordedBy: expect.stringMatching(/^api:/),
        recordedAt: expect.any(String),
      }),
    ]);
    const audited = await audit('FR', caseRef, 'CASE_IDENTIFICATION_STATUS_SET');
    expect(audited.map((a) => a.details)).toEqual([
      expect.objectContaining({
        from: 'PRESUMED_VICTIM',
        to: 'IDENTIFIED_VICTIM',
        factId: expect.any(String),
      }),
    ]);
    expect(JSON.stringify(audited)).not.toContain('interview');
  });

  it('reopens a closed case with a reason, audited; each country reopens its own part, and messages flow again', async () => {
    const caseRef = await openSharableCase(fr);
    const update = { type: 'CASE_UPDATE', to: 'MK', payload: examplePayload('CASE_UPDATE') };
    const first = await sendMessage(fr, caseRef, update);
    expect(first.status).toBe(202);
    await waitDelivered(fr, first.body.id);
    const closed = await api(fr, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED' });
    expect(closed.status).toBe(202);
    await waitDelivered(fr, closed.body.notified[0].messageId);
    expect((await api(mk, 'GET', `/cases/${caseRef}`)).body.case.status).toBe('CLOSED');
    const closedFact = await asylum(fr, caseRef, { status: 'PENDING', lodgedOn: today() });
    expect(closedFact.status).toBe(409);

    const tooShort = await api(fr, 'POST', `/cases/${caseRef}/reopen`, { reason: 'again' });
    expect(tooShort.status).toBe(400);
    const reopened = await api(fr, 'POST', `/cases/${caseRef}/reopen`, {
      reason: 'Traffickers contacted her again after the closure; assistance resumes.',
    });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toEqual(expect.objectContaining({ status: 'OPEN', closedAt: null }));
    expect(
      (await api(fr, 'POST', `/cases/${caseRef}/reopen`, { reason: 'Traffickers contacted her again.' }))
        .status,
    ).toBe(409);
    const audited = await audit('FR', caseRef, 'CASE_REOPENED');
    expect(audited).toHaveLength(1);
    expect(Object.keys(audited[0].details).sort()).toEqual(['closedAt', 'factId']);
    const facts = await api(fr, 'GET', `/cases/${caseRef}/facts`);
    expect(facts.body.reopenings).toEqual([
      expect.objectContaining({
        reason: 'Traffickers contacted her again after the closure; assistance resumes.',
      }),
    ]);

    // FR sends again; MK, whose part is still closed, refuses until its coordinator reopens it too.
    const second = await sendMessage(fr, caseRef, update);
    expect(second.status).toBe(202);
    const answered = await eventually(async () => {
      const status = await messageStatus(fr, second.body.id);
      return status.status === 'DELIVERED' || status.status === 'REJECTED' ? status : undefined;
    });
    expect(answered).toEqual(
      expect.objectContaining({ status: 'REJECTED', reasonCode: 'CASE_STATE_CONFLICT' }),
    );

    expect(
      (
        await api(mk, 'POST', `/cases/${caseRef}/reopen`, {
          reason: 'France reopened the case: assistance resumes.',
        })
      ).status,
    ).toBe(200);
    const third = await sendMessage(fr, caseRef, update);
    expect(third.status).toBe(202);
    await waitDelivered(fr, third.body.id);
  });
});
