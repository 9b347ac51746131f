import { examplePayload } from '../../src/messages/examples';
import type { MessageType } from '../../src/messages/message-types';
import { eventually, LocalFederation, RunningNode } from '../../scripts/lib/local-federation';
import { ForeignPeer, Reply } from '../support/foreign-peer';
import {
  api,
  ApiResponse,
  messageStatus,
  openCase,
  recordAssessment,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from '../support/node-api';

/**
 * The two cases of domain.md, played step by step on real nodes. Each scenario is a table of steps: who sends
 * what to whom, what the sender's API answers, and what each node's case workflow shows afterwards. A step
 * may carry more expectations later (e.g. the deadlines' expected replies) without changing the runner.
 */

type Payload = Record<string, unknown>;

interface CaseExpectation {
  status?: 'OPEN' | 'CLOSED';
  /** SOP number → status; SOPs not listed are not checked. */
  phases?: Record<string, string>;
  roles?: Record<string, string>;
  checklist?: Record<string, unknown>;
  managerCountries?: string[];
}

interface Step {
  name: string;
  from: string;
  to: string;
  type: MessageType;
  payload?: Payload;
  /** The name of the earlier step whose message this one answers. */
  answers?: string;
  /** Sets up the case first (consent, guardian, assessment…). */
  before?: (caseRef: string) => Promise<void>;
  /** Delivered (default), refused by the sender's node (HTTP status, reason code), or rejected on arrival. */
  outcome?: { refused: number; code: string } | { rejected: string };
  /** What each node's case shows after the step. */
  expect?: Record<string, CaseExpectation>;
  /** Further checks after the step (e.g. the expected replies it opens or closes), with the ids so far. */
  after?: (context: { caseRef: string; ids: ReadonlyMap<string, string> }) => Promise<void>;
}

const federation = new LocalFederation({ codes: ['FR', 'IT', 'MK', 'HR'], logLevel: 'error' });
const nodes: Record<string, RunningNode> = {};
let croatia: ForeignPeer;

beforeAll(async () => {
  await federation.setUp();
  for (const code of ['FR', 'IT', 'MK']) nodes[code] = await federation.start(code);
  // Croatia runs software of its own, written from PROTOCOL.md alone.
  croatia = await ForeignPeer.connect(federation, 'HR');
}, 120_000);

afterAll(async () => {
  await croatia?.close();
  await federation.tearDown();
});

async function workflow(code: string, caseRef: string): Promise<ApiResponse['body']> {
  const response = await api(nodes[code], 'GET', `/cases/${caseRef}`);
  expect(response.status).toBe(200);
  return response.body.workflow;
}

async function checkCase(code: string, caseRef: string, expected: CaseExpectation): Promise<void> {
  const view = await workflow(code, caseRef);
  if (expected.status) expect(view.status).toBe(expected.status);
  for (const [sop, status] of Object.entries(expected.phases ?? {})) {
    expect({ sop, status: view.phases.find((p: { sop: number }) => String(p.sop) === sop).status }).toEqual({
      sop,
      status,
    });
  }
  for (const [country, role] of Object.entries(expected.roles ?? {})) {
    expect({
      country,
      role: view.countries.find((c: { country: string }) => c.country === country)?.role,
    }).toEqual({ country, role });
  }
  if (expected.checklist) expect(view.returnChecklist).toMatchObject(expected.checklist);
  if (expected.managerCountries) {
    expect(view.managers.map((m: { country: string }) => m.country).sort()).toEqual(
      expected.managerCountries,
    );
  }
}

/** Plays the steps in order; returns the message id of each step by name. */
async function play(caseRef: string, steps: Step[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const step of steps) {
    await step.before?.(caseRef);
    const payload = { ...(examplePayload(step.type) as object), ...(step.payload ?? {}) };
    const inReplyTo = step.answers ? ids.get(step.answers) : undefined;
    if (step.answers)
      expect({ step: step.name, answers: inReplyTo }).toEqual({
        step: step.name,
        answers: expect.any(String),
      });
    if (step.from === 'HR') {
      const id = await croatia.send({ type: step.type, to: step.to, caseRef, payload, inReplyTo });
      const reply: Reply = await croatia.replyTo(id);
      const rejected = step.outcome && 'rejected' in step.outcome ? step.outcome.rejected : null;
      expect({ step: step.name, reply: reply.envelope.type, code: reply.payload.reasonCode ?? null }).toEqual(
        {
          step: step.name,
          reply: rejected ? 'DELIVERY_REJECTED' : 'DELIVERY_RECEIPT',
          code: rejected,
        },
      );
      if (!rejected) {
        ids.set(step.name, id);
        expect(await messageStatus(nodes[step.to], id)).toMatchObject({
          status: 'ACCEPTED',
          type: step.type,
        });
      }
    } else {
      const sent = await sendMessage(nodes[step.from], caseRef, {
        type: step.type,
        to: step.to,
        payload,
        inReplyTo,
      });
      const refused = step.outcome && 'refused' in step.outcome ? step.outcome : null;
      if (refused) {
        expect({ step: step.name, status: sent.status, code: sent.body.reasons?.[0]?.code }).toEqual({
          step: step.name,
          status: refused.refused,
          code: refused.code,
        });
      } else {
        expect({ step: step.name, status: sent.status }).toEqual({ step: step.name, status: 202 });
        ids.set(step.name, sent.body.id);
        if (step.to === 'HR') {
          // Croatia's software answers with a receipt, as PROTOCOL.md says.
          const [arrived] = await croatia.waitFor((r) => r.envelope.id === sent.body.id, 20_000, step.name);
          expect(arrived.envelope.type).toBe(step.type);
          await croatia.send({
            type: 'DELIVERY_RECEIPT',
            to: step.from,
            caseRef,
            inReplyTo: sent.body.id,
            legalBasis: 'NONE',
            payload: { receivedAt: new Date().toISOString(), messageId: sent.body.id },
          });
        }
        await waitDelivered(nodes[step.from], sent.body.id, 30_000);
        if (step.to !== 'HR') {
          expect(await messageStatus(nodes[step.to], sent.body.id)).toMatchObject({ status: 'ACCEPTED' });
        }
      }
    }
    for (const [code, expected] of Object.entries(step.expect ?? {}))
      await checkCase(code, caseRef, expected);
    await step.after?.({ caseRef, ids });
  }
  return ids;
}

const consentFor = (code: string, recipients: string[]) => async (caseRef: string) => {
  await recordConsent(nodes[code], caseRef, { recipients });
};

describe('seed case (a): the minor trafficked from North Macedonia through Serbia and Italy to France, returned home', () => {
  it('plays every step of her case across FR, IT and MK', async () => {
    const fr = nodes.FR;
    const caseRef = await openCase(fr, {
      ageStatus: 'DOCUMENTED_CHILD',
      identificationStatus: 'IDENTIFIED_VICTIM',
    });
    // Serbia is on the route but not a participant: it is recorded as a transit country, nothing is sent there.
    const roles = await api(fr, 'PUT', `/cases/${caseRef}/roles`, {
      roles: [
        { country: 'MK', role: 'ORIGIN' },
        { country: 'RS', role: 'TRANSIT' },
        { country: 'IT', role: 'TRANSIT' },
        { country: 'FR', role: 'DESTINATION' },
      ],
    });
    expect(roles.status).toBe(200);
    const manager = await api(fr, 'PUT', `/cases/${caseRef}/manager`, {
      name: 'Claire Martin',
      institution: 'Aide sociale à l’enfance, Paris',
    });
    expect(manager.status).toBe(200);
    // She was found by the police and placed at once: FR records crisis intervention as not needed here.
    expect((await api(fr, 'PUT', `/cases/${caseRef}/phases/2`, { status: 'SKIPPED' })).status).toBe(200);
    expect((await api(fr, 'PUT', `/cases/${caseRef}/phases/2`, { status: 'NOT_STARTED' })).status).toBe(422);
    expect((await api(fr, 'PUT', `/cases/${caseRef}/phases/9`, { status: 'ACTIVE' })).status).toBe(422);
    await checkCase('FR', caseRef, {
      phases: { '1': 'NOT_STARTED', '2': 'SKIPPED' },
      managerCountries: ['FR'],
    });
    const consentId = await recordConsent(fr, caseRef, { recipients: ['MK', 'IT'] });
    await recordAssessment(fr, caseRef);

    await play(caseRef, [
      {
        name: 'referral before a guardian is named',
        from: 'FR',
        to: 'MK',
        type: 'REFERRAL_REQUEST',
        outcome: { refused: 422, code: 'POLICY_DENIED' },
        expect: { FR: { phases: { '1': 'NOT_STARTED' } } },
      },
      {
        name: 'referral',
        before: (ref) => recordGuardian(fr, ref),
        from: 'FR',
        to: 'MK',
        type: 'REFERRAL_REQUEST',
        expect: {
          FR: {
            phases: { '1': 'ACTIVE', '4': 'ACTIVE' },
            roles: { MK: 'ORIGIN', RS: 'TRANSIT', IT: 'TRANSIT', FR: 'DESTINATION' },
            checklist: { requestForAssistance: { direction: 'SENT', counterpart: 'MK' }, eligible: null },
          },
          MK: { status: 'OPEN', phases: { '1': 'ACTIVE', '4': 'ACTIVE' }, roles: { MK: 'ORIGIN' } },
        },
        // Identification and age travel with the case: MK protects her as a child from the first message.
        after: async ({ caseRef: ref }) => {
          expect(await workflow('MK', ref)).toMatchObject({ ageStatus: 'DOCUMENTED_CHILD', child: true });
        },
      },
      {
        name: 'confirmation',
        before: consentFor('MK', ['FR', 'IT']),
        from: 'MK',
        to: 'FR',
        type: 'REFERRAL_CONFIRMATION',
        answers: 'referral',
        expect: {
          FR: {
            phases: { '1': 'COMPLETED', '4': 'ACTIVE' },
            checklist: { requestConfirmation: { direction: 'RECEIVED' }, eligible: true },
            managerCountries: ['FR', 'MK'],
          },
          MK: { phases: { '1': 'COMPLETED' }, checklist: { eligible: true }, managerCountries: ['MK'] },
        },
      },
      {
        name: 'arrival confirmed before any return plan',
        from: 'MK',
        to: 'FR',
        type: 'ARRIVAL_CONFIRMATION',
        outcome: { refused: 409, code: 'CASE_STATE_CONFLICT' },
      },
      { name: 'risk request', from: 'FR', to: 'MK', type: 'RISK_ASSESSMENT_REQUEST' },
      { name: 'risk result', from: 'MK', to: 'FR', type: 'RISK_ASSESSMENT_RESULT', answers: 'risk request' },
      { name: 'family tracing', from: 'FR', to: 'MK', type: 'FAMILY_TRACING_REQUEST' },
      {
        name: 'family found',
        from: 'MK',
        to: 'FR',
        type: 'FAMILY_TRACING_RESULT',
        answers: 'family tracing',
      },
      {
        name: 'return plan',
        from: 'FR',
        to: 'MK',
        type: 'RETURN_PLAN',
        payload: { estimatedDeparture: '2026-12-06T08:00:00.000Z' },
        expect: {
          FR: { checklist: { estimatedDeparture: '2026-12-06T08:00:00.000Z' } },
          MK: { roles: { FR: 'DESTINATION', MK: 'ORIGIN' } },
        },
      },
      {
        name: 'plan confirmed',
        from: 'MK',
        to: 'FR',
        type: 'RETURN_PLAN_CONFIRMATION',
        answers: 'return plan',
      },
      {
        name: 'arrival',
        from: 'MK',
        to: 'FR',
        type: 'ARRIVAL_CONFIRMATION',
        answers: 'return plan',
        expect: { FR: { phases: { '4': 'ACTIVE' } } },
      },
      {
        name: 'reintegration request',
        from: 'FR',
        to: 'MK',
        type: 'REINTEGRATION_REQUEST',
        expect: { FR: { checklist: { reintegrationRequest: { direction: 'SENT' }, complete: false } } },
      },
      {
        name: 'reintegration confirmed',
        from: 'MK',
        to: 'FR',
        type: 'REINTEGRATION_CONFIRMATION',
        answers: 'reintegration request',
        expect: {
          FR: { phases: { '4': 'COMPLETED' }, checklist: { complete: true } },
          MK: { phases: { '4': 'COMPLETED' }, checklist: { complete: true } },
        },
      },
      // Back home she is identified; MK's prosecutors pick the case up with Italy, on the route (SOP 5).
      {
        name: 'evidence request',
        from: 'MK',
        to: 'IT',
        type: 'EVIDENCE_REQUEST',
        expect: { MK: { phases: { '4': 'COMPLETED', '5': 'ACTIVE' } }, IT: { phases: { '5': 'ACTIVE' } } },
      },
      {
        name: 'evidence',
        before: consentFor('IT', ['MK']),
        from: 'IT',
        to: 'MK',
        type: 'EVIDENCE_RESPONSE',
        answers: 'evidence request',
      },
    ]);

    // FR closes its side: MK, the only country FR sent to, is told.
    const closed = await api(fr, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED' });
    expect(closed.status).toBe(202);
    expect(closed.body.notified.map((n: { country: string }) => n.country)).toEqual(['MK']);
    await waitDelivered(fr, closed.body.notified[0].messageId, 30_000);
    await checkCase('FR', caseRef, {
      status: 'CLOSED',
      phases: { '1': 'COMPLETED', '2': 'SKIPPED', '3': 'SKIPPED', '4': 'COMPLETED', '5': 'SKIPPED' },
    });
    await checkCase('MK', caseRef, { status: 'CLOSED', phases: { '4': 'COMPLETED', '5': 'COMPLETED' } });

    await play(caseRef, [
      {
        name: 'an update on the closed case',
        from: 'MK',
        to: 'FR',
        type: 'CASE_UPDATE',
        outcome: { refused: 409, code: 'CASE_STATE_CONFLICT' },
      },
    ]);
    expect((await api(fr, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED' })).status).toBe(409);
    expect(
      (
        await api(fr, 'PUT', `/cases/${caseRef}/guardian`, {
          kind: 'GUARDIAN',
          institution: 'x',
          appointedAt: '2026-11-20',
        })
      ).status,
    ).toBe(409);
    // Closed or not, withdrawing consent is her right, and MK, which received her data, must be told.
    const withdrawn = await api(fr, 'POST', `/cases/${caseRef}/consents/${consentId}/withdraw`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.notified.map((n: { country: string }) => n.country)).toEqual(['MK']);
    await waitDelivered(fr, withdrawn.body.notified[0].messageId, 30_000);
    const closings = await nodes.FR.dataSource!.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'CASE_CLOSED' AND case_ref = $1`,
      [caseRef],
    );
    expect(closings).toEqual([{ n: 1 }]);

    const timeline = (await workflow('FR', caseRef)).timeline as Array<{ kind: string; what: string }>;
    const kinds = timeline.map((e) => e.what);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'CASE_OPENED',
        'CASE_ROLES_SET',
        'CASE_GUARDIAN_SET',
        'MESSAGE_REFUSED',
        'REFERRAL_REQUEST',
        'CASE_CLOSED',
      ]),
    );
  }, 300_000);

  it('refuses a child’s return without a best-interests determination, and a return plan received without one', async () => {
    const fr = nodes.FR;
    const caseRef = await openCase(fr, {
      ageStatus: 'PRESUMED_CHILD',
      identificationStatus: 'IDENTIFIED_VICTIM',
    });
    await recordConsent(fr, caseRef, { recipients: ['MK'] });
    await recordAssessment(fr, caseRef);
    await recordGuardian(fr, caseRef);
    await play(caseRef, [
      {
        name: 'return plan without a determination',
        from: 'FR',
        to: 'MK',
        type: 'RETURN_PLAN',
        payload: { bestInterestsDetermination: undefined },
        outcome: { refused: 422, code: 'POLICY_DENIED' },
      },
    ]);
    // A presumption never makes an adult, and the age status only changes on evidence.
    const presumedAdult = await api(fr, 'PUT', `/cases/${caseRef}/age-status`, {
      status: 'DOCUMENTED_ADULT',
      evidence: 'PRESUMPTION',
    });
    expect(presumedAdult.status).toBe(422);
    const disputed = await api(fr, 'PUT', `/cases/${caseRef}/age-status`, {
      status: 'DISPUTED',
      evidence: 'AGE_ASSESSMENT',
    });
    expect(disputed.status).toBe(200);
    expect(disputed.body.ageStatus).toBe('DISPUTED');
    const ageChanges = await nodes.FR.dataSource!.query(
      `SELECT details FROM audit_log WHERE action = 'CASE_AGE_STATUS_SET' AND case_ref = $1`,
      [caseRef],
    );
    expect(ageChanges).toEqual([
      { details: { from: 'PRESUMED_CHILD', to: 'DISPUTED', evidence: 'AGE_ASSESSMENT' } },
    ]);

    // Croatia plans a child's return to MK with no determination: MK rejects it on arrival.
    const hrCase = 'TRM-HR-2026-000007';
    const referral = await croatia.send({
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      caseRef: hrCase,
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect((await croatia.replyTo(referral)).envelope.type).toBe('DELIVERY_RECEIPT');
    const plan = { ...(examplePayload('RETURN_PLAN') as object) } as Payload;
    delete plan.bestInterestsDetermination;
    const id = await croatia.send({ type: 'RETURN_PLAN', to: 'MK', caseRef: hrCase, payload: plan });
    const reply = await croatia.replyTo(id);
    expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
    expect(reply.payload).toEqual({
      reasonCode: 'POLICY_DENIED',
      reason: 'the return of a child needs a recorded best-interests determination',
    });
  }, 120_000);
});

describe('seed case (b): the victim identified in Croatia and returned to North Macedonia', () => {
  it('plays the return handshake between Croatia’s own software and MK', async () => {
    const caseRef = 'TRM-HR-2026-000042';
    const adult = { age: { status: 'DOCUMENTED_ADULT', ageWhenTrafficked: 22, ageNow: 24 } };
    const ids = await play(caseRef, [
      {
        name: 'referral',
        from: 'HR',
        to: 'MK',
        type: 'REFERRAL_REQUEST',
        payload: adult,
        expect: { MK: { status: 'OPEN', phases: { '1': 'ACTIVE', '4': 'ACTIVE' }, roles: { MK: 'ORIGIN' } } },
      },
      {
        name: 'a reintegration confirmation nobody asked for',
        from: 'HR',
        to: 'MK',
        type: 'REINTEGRATION_CONFIRMATION',
        outcome: { rejected: 'CASE_STATE_CONFLICT' },
      },
      {
        name: 'confirmation',
        before: consentFor('MK', ['HR']),
        from: 'MK',
        to: 'HR',
        type: 'REFERRAL_CONFIRMATION',
        answers: 'referral',
        expect: { MK: { phases: { '1': 'COMPLETED' }, checklist: { eligible: true } } },
      },
      {
        name: 'arrival before any return plan',
        from: 'MK',
        to: 'HR',
        type: 'ARRIVAL_CONFIRMATION',
        outcome: { refused: 409, code: 'CASE_STATE_CONFLICT' },
      },
      // The two countries' standards for a safe return differed: Croatia shares its assessment unasked.
      { name: 'joint assessment', from: 'HR', to: 'MK', type: 'RISK_ASSESSMENT_RESULT' },
      {
        name: 'return plan',
        from: 'HR',
        to: 'MK',
        type: 'RETURN_PLAN',
        payload: { bestInterestsDetermination: undefined, childProtectionReceiver: undefined },
        expect: {
          MK: {
            roles: { HR: 'DESTINATION', MK: 'ORIGIN' },
            checklist: { estimatedDeparture: '2026-12-05T09:30:00+01:00' },
          },
        },
      },
      {
        name: 'plan confirmed',
        from: 'MK',
        to: 'HR',
        type: 'RETURN_PLAN_CONFIRMATION',
        answers: 'return plan',
      },
      { name: 'arrival', from: 'MK', to: 'HR', type: 'ARRIVAL_CONFIRMATION', answers: 'return plan' },
      { name: 'reintegration request', from: 'HR', to: 'MK', type: 'REINTEGRATION_REQUEST' },
      {
        name: 'reintegration confirmed',
        from: 'MK',
        to: 'HR',
        type: 'REINTEGRATION_CONFIRMATION',
        answers: 'reintegration request',
        expect: { MK: { phases: { '4': 'COMPLETED' }, checklist: { complete: true, eligible: true } } },
      },
      {
        name: 'closed by Croatia',
        from: 'HR',
        to: 'MK',
        type: 'CASE_CLOSED',
        expect: { MK: { status: 'CLOSED', phases: { '4': 'COMPLETED', '2': 'SKIPPED' } } },
      },
      {
        name: 'an update on the closed case',
        from: 'HR',
        to: 'MK',
        type: 'CASE_UPDATE',
        outcome: { rejected: 'CASE_STATE_CONFLICT' },
      },
    ]);
    expect(ids.size).toBe(9);
    // Every rejection was audited on MK and dead-lettered with its reason (the dead letter is audited after
    // the ack, so it may trail the DELIVERY_REJECTED).
    const rejections = (action: string) =>
      nodes.MK.dataSource!.query(
        `SELECT message_type, reason_code FROM audit_log WHERE action = $1 AND case_ref = $2 ORDER BY seq`,
        [action, caseRef],
      );
    const expected = [
      { message_type: 'REINTEGRATION_CONFIRMATION', reason_code: 'CASE_STATE_CONFLICT' },
      { message_type: 'CASE_UPDATE', reason_code: 'CASE_STATE_CONFLICT' },
    ];
    expect(await rejections('MESSAGE_REJECTED')).toEqual(expected);
    await eventually(
      async () => ((await rejections('MESSAGE_DEAD_LETTERED')).length === 2 ? true : undefined),
      15_000,
      'both rejections dead-lettered',
    );
    expect(await rejections('MESSAGE_DEAD_LETTERED')).toEqual(expected);
  }, 300_000);
});
