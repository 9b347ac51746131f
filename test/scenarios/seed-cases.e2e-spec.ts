import { examplePayload } from '../../src/messages/examples';
import { MESSAGE_TYPES, MessageType } from '../../src/messages/message-types';
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
 * what to whom, what the sender's API answers, what each node's case workflow shows afterwards, and which
 * expected reply (docs/expectations.md) the step opens or answers. After every step, every node's list of the
 * case's expected replies must be exactly the one the table has built so far.
 */

type Payload = Record<string, unknown>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// The returns' dates lie ahead of the run, as in a live case: an arrival or a follow-up report due in the
// past would go overdue while the scenario plays. Departure at 08:00 UTC in about two weeks; follow-up a
// week later; each due two days (TRM_RETURN_MARGIN's default) after.
const DEPARTURE = Math.ceil(Date.now() / DAY) * DAY + 13 * DAY + 8 * HOUR;
const FOLLOW_UP = new Date(DEPARTURE + 7 * DAY).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The TRM contact lists of the directory. The order within a country and SOP is the escalation order, so a
 * request addresses the first one; phones and e-mails stay in the directory, never in an expectation.
 */
const CONTACTS: Record<string, Array<{ sop: number; institution: string; role: string; phone?: string }>> = {
  MK: [
    { sop: 1, institution: 'National Commission for Combating Trafficking', role: 'national coordinator' },
    { sop: 4, institution: 'Center for Social Work Skopje', role: 'case manager, return', phone: '+389 2 1' },
    { sop: 4, institution: 'Ministry of Social Policy', role: 'return coordinator' },
    { sop: 5, institution: 'Public Prosecutor’s Office Skopje', role: 'prosecutor, trafficking' },
  ],
  IT: [
    { sop: 1, institution: 'Dipartimento per le Pari Opportunità', role: 'national coordinator' },
    { sop: 5, institution: 'Procura della Repubblica di Milano', role: 'pubblico ministero' },
  ],
};

/** The contact an expected reply is addressed to: the first of the answering country's list for the SOP. */
function firstContact(country: string, sop: number): Record<string, unknown> | null {
  const contact = CONTACTS[country]?.find((c) => c.sop === sop);
  return contact ? { institution: contact.institution, role: contact.role, rank: 0 } : null;
}

/** A span of time around a send: the message's `sentAt` falls within it. */
interface Window {
  from: number;
  to: number;
}

/** An expected reply as the scenario's table says it stands. */
interface ExpectedReply {
  requestMessageId: string;
  requestType: MessageType;
  expectedTypes: MessageType[];
  owedBy: string;
  owedTo: string;
  sop: number;
  /** The default deadline for the request type, counted from the request's `sentAt`. */
  within?: number;
  /** Or the date a return step is due (the planned departure, the scheduled follow-up, plus the margin). */
  due?: string;
  sent: Window;
  answer?: { messageId: string; type: MessageType; sent: Window };
  /** The times the nodes reported first: both sides, and every later step, must report the same. */
  seen: { requestedAt?: string; answeredAt?: string };
}

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
  /**
   * The expected reply this request opens on the sender's and the receiver's node: owed by the receiver
   * within the request type's deadline, or, for a return step (an accepted plan, an arrival), owed by the
   * sender by a date.
   */
  opens?:
    | { answeredBy: MessageType[]; sop: number; within: number }
    | { answeredBy: MessageType[]; sop: number; due: string; owedBySender: true };
  /** The earlier step whose expected reply this message answers. */
  closes?: string;
  /** Further checks after the step, with the ids so far. */
  after?: (context: { caseRef: string; ids: ReadonlyMap<string, string> }) => Promise<void>;
}

const federation = new LocalFederation({
  codes: ['FR', 'IT', 'MK', 'HR'],
  logLevel: 'error',
  // France and North Macedonia announce the extensions of docs/protocol.md (SOP 5's witness and proceedings
  // messages among them); Italy runs PROTOCOL.md's types only.
  participants: {
    FR: { accepts: [...MESSAGE_TYPES] },
    MK: { contacts: CONTACTS.MK, accepts: [...MESSAGE_TYPES] },
    IT: { contacts: CONTACTS.IT },
  },
});
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

/** An expected reply as a node's API shows it (`GET /cases/{caseRef}/expectations`). */
type ExpectationView = Record<string, unknown> & {
  requestMessageId: string;
  requestedAt: string;
  dueAt: string;
  deliveredAt: string;
  answeredAt: string | null;
};

function expectSentWithin(what: string, at: string, window: Window): void {
  const time = Date.parse(at);
  expect({ what, at, withinTheStep: time >= window.from && time <= window.to }).toEqual({
    what,
    at,
    withinTheStep: true,
  });
}

/** Every running node shows exactly the case's expected replies of the table, each as the table says. */
async function checkExpectations(caseRef: string, ledger: ExpectedReply[]): Promise<void> {
  for (const [code, node] of Object.entries(nodes)) {
    const held = ledger.filter((e) => e.owedBy === code || e.owedTo === code);
    const response = await api(node, 'GET', `/cases/${caseRef}/expectations`);
    if (response.status === 404) {
      // The node never heard of the case, so it cannot hold an expectation on it.
      expect({ node: code, held: held.map((e) => e.requestType) }).toEqual({ node: code, held: [] });
      continue;
    }
    expect(response.status).toBe(200);
    const shown = response.body.items as ExpectationView[];
    expect({ node: code, requests: shown.map((e) => e.requestMessageId).sort() }).toEqual({
      node: code,
      requests: held.map((e) => e.requestMessageId).sort(),
    });
    for (const expected of held) {
      const view = shown.find((e) => e.requestMessageId === expected.requestMessageId)!;
      checkExpectation(code, caseRef, view, expected);
    }
  }
}

function checkExpectation(
  code: string,
  caseRef: string,
  view: ExpectationView,
  expected: ExpectedReply,
): void {
  const { answer } = expected;
  const what = `${code}: ${expected.requestType} owed by ${expected.owedBy}`;
  expect({ what, ...view }).toEqual({
    what,
    id: expect.any(String),
    caseRef,
    requestMessageId: expected.requestMessageId,
    requestType: expected.requestType,
    expectedTypes: expected.expectedTypes,
    // The sender awaits the answer, the receiver owes it.
    direction: code === expected.owedTo ? 'AWAITED' : 'OWED',
    owedBy: expected.owedBy,
    owedTo: expected.owedTo,
    sop: expected.sop,
    requestedAt: expect.any(String),
    dueAt: expect.any(String),
    status: answer ? 'ANSWERED' : 'OPEN',
    // Every request of the scenarios was received: the receipt came back before the step ended.
    deliveredAt: expect.any(String),
    answeredAt: answer ? expect.any(String) : null,
    answerMessageId: answer?.messageId ?? null,
    answerType: answer?.type ?? null,
    failedAt: null,
    failureReasonCode: null,
    cancelledAt: null,
    cancelReason: null,
    overdueAt: null,
    escalationLevel: 0,
    contact: firstContact(expected.owedBy, expected.sop),
    escalations: [],
    escalationExhaustedAt: null,
  });
  // Both sides count the deadline from the request's own sentAt, so they agree on it to the millisecond.
  expectSentWithin(`${what}: requested`, view.requestedAt, expected.sent);
  expected.seen.requestedAt ??= view.requestedAt;
  expect({ what, requestedAt: view.requestedAt }).toEqual({ what, requestedAt: expected.seen.requestedAt });
  if (expected.due) expect({ what, dueAt: view.dueAt }).toEqual({ what, dueAt: expected.due });
  else
    expect({ what, dueIn: Date.parse(view.dueAt) - Date.parse(view.requestedAt) }).toEqual({
      what,
      dueIn: expected.within,
    });
  expect({
    what,
    deliveredAfterRequest: Date.parse(view.deliveredAt) >= Date.parse(view.requestedAt),
  }).toEqual({
    what,
    deliveredAfterRequest: true,
  });
  if (answer) {
    expectSentWithin(`${what}: answered`, view.answeredAt!, answer.sent);
    expected.seen.answeredAt ??= view.answeredAt!;
    expect({ what, answeredAt: view.answeredAt }).toEqual({ what, answeredAt: expected.seen.answeredAt });
  }
}

/** Records what a delivered step does to the expected replies. */
function updateLedger(
  ledger: ExpectedReply[],
  step: Step,
  id: string,
  sent: Window,
  ids: Map<string, string>,
): void {
  if (step.opens) {
    const bySender = 'owedBySender' in step.opens;
    ledger.push({
      requestMessageId: id,
      requestType: step.type,
      expectedTypes: step.opens.answeredBy,
      owedBy: bySender ? step.from : step.to,
      owedTo: bySender ? step.to : step.from,
      sop: step.opens.sop,
      ...('due' in step.opens ? { due: step.opens.due } : { within: step.opens.within }),
      sent,
      seen: {},
    });
  }
  if (step.closes) {
    const request = ledger.find((e) => e.requestMessageId === ids.get(step.closes!));
    expect({ step: step.name, closes: request?.requestType }).toEqual({
      step: step.name,
      closes: expect.any(String),
    });
    request!.answer = { messageId: id, type: step.type, sent };
  }
}

/**
 * Plays the steps in order, checking the expected replies after each; returns the message id of each step by
 * name. `ledger` carries the case's expected replies from one call to the next.
 */
async function play(
  caseRef: string,
  steps: Step[],
  ledger: ExpectedReply[] = [],
): Promise<Map<string, string>> {
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
    const sendTime: Window = { from: Date.now(), to: Date.now() };
    if (step.from === 'HR') {
      const id = await croatia.send({ type: step.type, to: step.to, caseRef, payload, inReplyTo });
      sendTime.to = Date.now();
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
        updateLedger(ledger, step, id, sendTime, ids);
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
      sendTime.to = Date.now();
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
        updateLedger(ledger, step, sent.body.id, sendTime, ids);
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
    await checkExpectations(caseRef, ledger);
    await step.after?.({ caseRef, ids });
  }
  return ids;
}

/**
 * The end of a case: every expected reply of the table was answered, no coordinator's worklist still shows
 * one for the case, and nothing is late on any node.
 */
async function expectAllAnswered(caseRef: string, ledger: ExpectedReply[]): Promise<void> {
  expect(ledger.filter((e) => !e.answer).map((e) => e.requestType)).toEqual([]);
  for (const [code, node] of Object.entries(nodes)) {
    const open = await api(node, 'GET', '/expectations?status=OPEN');
    expect(open.status).toBe(200);
    const left = (open.body.items as ExpectationView[]).filter((e) => e.caseRef === caseRef);
    expect({ node: code, left }).toEqual({ node: code, left: [] });
    const overdue = await api(node, 'GET', '/expectations/overdue');
    expect({ node: code, status: overdue.status, overdue: overdue.body.items }).toEqual({
      node: code,
      status: 200,
      overdue: [],
    });
  }
}

interface IndicatorCounts {
  refusals: Array<{ gate: string; reasonCode: string; country: string; count: number }>;
  withdrawals: { withdrawals: number; told: string[]; notTold: string[] };
  returnPlans: number;
  /** FAMILY_TRACING_REQUESTs sent or applied: none under an asylum claim or without her wish. */
  familyTracingRequests: number;
  /** Arrivals, and what the return checklist lacked at departure (every one of them lacked it). */
  returnChecklists: { returns: number; complete: number; missing: Array<{ item: string; count: number }> };
  /** Children's arrivals and the follow-up reports they scheduled, all made in time. */
  childFollowUps: { returnedChildren: number; reported: number };
}

/**
 * The SOP-compliance indicators of one node for the period a scenario played in (docs/indicators.md): each
 * known count asserted. Answer times come from the scenario's own table: on a node, every expected reply it
 * awaited or owed, each answered in time; their hours are the run's, so only their consistency is checked.
 */
async function checkIndicators(
  code: string,
  from: string,
  ledger: ExpectedReply[],
  expected: IndicatorCounts,
): Promise<void> {
  const response = await api(nodes[code], 'GET', `/indicators?from=${encodeURIComponent(from)}`, undefined, {
    as: 'auditor',
  });
  expect(response.status).toBe(200);
  const view = response.body;
  expect({ node: code, refusals: view.refusals }).toEqual({ node: code, refusals: expected.refusals });
  const told = expected.withdrawals.told;
  const notTold = expected.withdrawals.notTold;
  expect({ node: code, withdrawals: view.consentWithdrawals }).toEqual({
    node: code,
    withdrawals: {
      withdrawals: expected.withdrawals.withdrawals,
      recipientsTold: told.length,
      recipientsNotTold: notTold.length,
      byCountry: [...new Set([...told, ...notTold])].sort().map((country) => ({
        country,
        told: told.filter((c) => c === country).length,
        notTold: notTold.filter((c) => c === country).length,
      })),
    },
  });
  const rows = new Map<
    string,
    { direction: string; requestType: string; country: string; requests: number }
  >();
  for (const e of ledger) {
    const direction = e.owedTo === code ? 'AWAITED' : e.owedBy === code ? 'OWED' : null;
    if (!direction) continue;
    const country = direction === 'AWAITED' ? e.owedBy : e.owedTo;
    const key = `${direction}|${e.requestType}|${country}`;
    const row = rows.get(key) ?? { direction, requestType: e.requestType, country, requests: 0 };
    row.requests++;
    rows.set(key, row);
  }
  const answerTimes = view.answerTimes as Array<Record<string, number | string | null>>;
  expect({
    node: code,
    answerTimes: answerTimes.map((a) => ({
      direction: a.direction,
      requestType: a.requestType,
      country: a.country,
      requests: a.requests,
      answered: a.answered,
      overdue: a.overdue,
      shareOverdue: a.shareOverdue,
    })),
  }).toEqual({
    node: code,
    answerTimes: [...rows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, row]) => ({ ...row, answered: row.requests, overdue: 0, shareOverdue: 0 })),
  });
  for (const a of answerTimes) {
    expect(a.medianHours as number).toBeGreaterThanOrEqual(0);
    expect(a.p90Hours as number).toBeGreaterThanOrEqual(a.medianHours as number);
    expect(a.deadlineHours as number).toBeGreaterThan(a.p90Hours as number);
  }
  // Everything was answered long before its deadline: nothing went overdue or was escalated.
  expect({ node: code, escalations: view.escalations }).toEqual({ node: code, escalations: [] });
  // The rule that must never break: no return plan sent or applied while identification was pending.
  expect({ node: code, returns: view.returnsDuringIdentification }).toEqual({
    node: code,
    returns: { returnPlans: expected.returnPlans, duringIdentification: 0, cases: [] },
  });
  // The evidence request of case (a) went from MK to Italy, a transit country: no contact with the origin.
  expect({ node: code, evidence: view.evidenceContactsWithOrigin }).toEqual({
    node: code,
    evidence: { contactsWithOrigin: 0, underConsent: 0, vitalInterest: 0, withoutConsentOrVitalInterest: 0 },
  });
  // Family tracing only on her wish, never under an asylum claim: the gates held, and the node recorded it.
  expect({ node: code, familyTracing: view.familyTracing }).toEqual({
    node: code,
    familyTracing: {
      requests: expected.familyTracingRequests,
      withAsylumClaimPending: 0,
      withoutWish: 0,
      unrecorded: 0,
    },
  });
  const checklists = expected.returnChecklists;
  expect({ node: code, checklists: view.returnChecklists }).toEqual({
    node: code,
    checklists: {
      returns: checklists.returns,
      completeBeforeDeparture: checklists.complete,
      incompleteBeforeDeparture: checklists.returns - checklists.complete,
      missing: checklists.missing,
      unrecorded: 0,
    },
  });
  const followUps = expected.childFollowUps;
  expect({ node: code, followUps: view.childFollowUps }).toEqual({
    node: code,
    followUps: {
      returnedChildren: followUps.returnedChildren,
      followUpsScheduled: followUps.reported,
      reported: followUps.reported,
      reportedLate: 0,
      overdue: 0,
      pending: 0,
      cancelled: 0,
    },
  });
}

const consentFor = (code: string, recipients: string[]) => async (caseRef: string) => {
  await recordConsent(nodes[code], caseRef, { recipients });
};

describe('seed case (a): the minor trafficked from North Macedonia through Serbia and Italy to France, returned home', () => {
  it('plays every step of her case across FR, IT and MK', async () => {
    const started = new Date().toISOString();
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

    const replies: ExpectedReply[] = [];
    await play(
      caseRef,
      [
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
          opens: { answeredBy: ['REFERRAL_CONFIRMATION', 'REFERRAL_DECLINED'], sop: 1, within: 24 * HOUR },
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
          closes: 'referral',
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
        {
          name: 'risk request',
          from: 'FR',
          to: 'MK',
          type: 'RISK_ASSESSMENT_REQUEST',
          opens: { answeredBy: ['RISK_ASSESSMENT_RESULT'], sop: 4, within: 7 * DAY },
        },
        {
          name: 'risk result',
          from: 'MK',
          to: 'FR',
          type: 'RISK_ASSESSMENT_RESULT',
          answers: 'risk request',
          closes: 'risk request',
        },
        {
          name: 'family tracing',
          from: 'FR',
          to: 'MK',
          type: 'FAMILY_TRACING_REQUEST',
          opens: { answeredBy: ['FAMILY_TRACING_RESULT'], sop: 4, within: 14 * DAY },
        },
        {
          name: 'family found',
          from: 'MK',
          to: 'FR',
          type: 'FAMILY_TRACING_RESULT',
          answers: 'family tracing',
          closes: 'family tracing',
        },
        {
          name: 'return plan',
          from: 'FR',
          to: 'MK',
          type: 'RETURN_PLAN',
          opens: {
            answeredBy: ['RETURN_PLAN_CONFIRMATION', 'ARRIVAL_CONFIRMATION'],
            sop: 4,
            within: 3 * DAY,
          },
          payload: { estimatedDeparture: iso(DEPARTURE) },
          expect: {
            FR: { checklist: { estimatedDeparture: iso(DEPARTURE) } },
            MK: { roles: { FR: 'DESTINATION', MK: 'ORIGIN' } },
          },
        },
        // Accepted, the plan makes MK owe the arrival: due two days (the margin) after the planned departure.
        {
          name: 'plan confirmed',
          from: 'MK',
          to: 'FR',
          type: 'RETURN_PLAN_CONFIRMATION',
          answers: 'return plan',
          closes: 'return plan',
          opens: {
            answeredBy: ['ARRIVAL_CONFIRMATION'],
            sop: 4,
            due: iso(DEPARTURE + 2 * DAY),
            owedBySender: true,
          },
        },
        // A returned child is checked on: her arrival must say when.
        {
          name: 'arrival without a follow-up date',
          from: 'MK',
          to: 'FR',
          type: 'ARRIVAL_CONFIRMATION',
          answers: 'return plan',
          payload: { followUpScheduled: undefined },
          outcome: { refused: 422, code: 'POLICY_DENIED' },
        },
        // The arrival answers the plan too, but the plan's expected reply stays answered by its confirmation;
        // it settles the arrival owed since the confirmation and makes MK owe the follow-up report, due two
        // days after the scheduled follow-up.
        {
          name: 'arrival',
          from: 'MK',
          to: 'FR',
          type: 'ARRIVAL_CONFIRMATION',
          answers: 'return plan',
          closes: 'plan confirmed',
          payload: { followUpScheduled: FOLLOW_UP },
          opens: {
            answeredBy: ['CASE_UPDATE'],
            sop: 4,
            due: iso(Date.parse(FOLLOW_UP) + 2 * DAY),
            owedBySender: true,
          },
          expect: { FR: { phases: { '4': 'ACTIVE' } } },
        },
        {
          name: 'reintegration request',
          from: 'FR',
          to: 'MK',
          type: 'REINTEGRATION_REQUEST',
          opens: { answeredBy: ['REINTEGRATION_CONFIRMATION'], sop: 4, within: 3 * DAY },
          expect: { FR: { checklist: { reintegrationRequest: { direction: 'SENT' }, complete: false } } },
        },
        {
          name: 'reintegration confirmed',
          from: 'MK',
          to: 'FR',
          type: 'REINTEGRATION_CONFIRMATION',
          answers: 'reintegration request',
          closes: 'reintegration request',
          expect: {
            FR: { phases: { '4': 'COMPLETED' }, checklist: { complete: true } },
            MK: { phases: { '4': 'COMPLETED' }, checklist: { complete: true } },
          },
        },
        {
          name: 'follow-up report',
          from: 'MK',
          to: 'FR',
          type: 'CASE_UPDATE',
          // Her assistance at home (SOP 3) is what the follow-up reports on.
          payload: { summary: 'Follow-up visit: at home, back at school, family cooperating.' },
          answers: 'arrival',
          closes: 'arrival',
          expect: { FR: { phases: { '3': 'ACTIVE', '4': 'COMPLETED' } } },
        },
        // Back home she is identified; MK's prosecutors pick the case up with Italy, on the route (SOP 5).
        {
          name: 'evidence request',
          from: 'MK',
          to: 'IT',
          type: 'EVIDENCE_REQUEST',
          opens: { answeredBy: ['EVIDENCE_RESPONSE'], sop: 5, within: 30 * DAY },
          expect: { MK: { phases: { '4': 'COMPLETED', '5': 'ACTIVE' } }, IT: { phases: { '5': 'ACTIVE' } } },
        },
        {
          name: 'evidence',
          before: consentFor('IT', ['MK']),
          from: 'IT',
          to: 'MK',
          type: 'EVIDENCE_RESPONSE',
          answers: 'evidence request',
          closes: 'evidence request',
        },
      ],
      replies,
    );

    // FR closes its side: MK, the only country FR sent to, is told.
    const closed = await api(fr, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED' });
    expect(closed.status).toBe(202);
    expect(closed.body.notified.map((n: { country: string }) => n.country)).toEqual(['MK']);
    await waitDelivered(fr, closed.body.notified[0].messageId, 30_000);
    await checkCase('FR', caseRef, {
      status: 'CLOSED',
      phases: { '1': 'COMPLETED', '2': 'SKIPPED', '3': 'COMPLETED', '4': 'COMPLETED', '5': 'SKIPPED' },
    });
    // France's closing ends MK's part with France only: MK's proceedings with Italy (SOP 5) go on.
    await checkCase('MK', caseRef, { status: 'OPEN', phases: { '4': 'COMPLETED', '5': 'ACTIVE' } });
    // Everything FR, MK and IT asked for was answered before the closing: it had nothing left to cancel.
    await checkExpectations(caseRef, replies);
    await expectAllAnswered(caseRef, replies);

    const afterClosure = await play(
      caseRef,
      [
        {
          name: 'an update on the closed case',
          from: 'MK',
          to: 'FR',
          type: 'CASE_UPDATE',
          outcome: { refused: 409, code: 'CASE_STATE_CONFLICT' },
        },
        {
          name: 'the proceedings with Italy go on',
          from: 'MK',
          to: 'IT',
          type: 'CASE_UPDATE',
          expect: { MK: { status: 'OPEN', phases: { '5': 'ACTIVE' } }, IT: { status: 'OPEN' } },
        },
        // After the return, France learns the traffickers are waiting for her: danger does not end with a case.
        {
          name: 'an alert on the closed case',
          from: 'FR',
          to: 'MK',
          type: 'EMERGENCY_ALERT',
          opens: { answeredBy: ['EMERGENCY_ALERT_ACKNOWLEDGEMENT', 'CASE_UPDATE'], sop: 2, within: HOUR },
          expect: { FR: { status: 'CLOSED', phases: { '2': 'SKIPPED' } } },
        },
        {
          name: 'the alert acknowledged',
          from: 'MK',
          to: 'FR',
          type: 'CASE_UPDATE',
          answers: 'an alert on the closed case',
          closes: 'an alert on the closed case',
          expect: { FR: { status: 'CLOSED' } },
        },
      ],
      replies,
    );
    expect(afterClosure.size).toBe(3);
    await expectAllAnswered(caseRef, replies);
    // MK closes its own case later: France, whose part is closed already, is not told twice; Italy is.
    const mkClosed = await api(nodes.MK, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED' });
    expect(mkClosed.status).toBe(202);
    const mkTold = [...mkClosed.body.notified, ...mkClosed.body.notNotified].map(
      (n: { country: string }) => n.country,
    );
    expect(mkTold).toEqual(['IT']);
    await checkCase('MK', caseRef, { status: 'CLOSED' });
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

    // The SOP-compliance indicators of the period each node played the case in.
    await checkIndicators('FR', started, replies, {
      refusals: [{ gate: 'SENDING', reasonCode: 'POLICY_DENIED', country: 'MK', count: 1 }],
      withdrawals: { withdrawals: 1, told: ['MK'], notTold: [] },
      returnPlans: 1,
      familyTracingRequests: 1,
      // Her arrival came before the reintegration was asked for: the checklist lacked its last two steps.
      returnChecklists: {
        returns: 1,
        complete: 0,
        missing: [
          { item: 'REINTEGRATION_REQUEST', count: 1 },
          { item: 'REINTEGRATION_CONFIRMATION', count: 1 },
        ],
      },
      childFollowUps: { returnedChildren: 1, reported: 1 },
    });
    await checkIndicators('MK', started, replies, {
      refusals: [
        { gate: 'SENDING', reasonCode: 'CASE_STATE_CONFLICT', country: 'FR', count: 2 },
        { gate: 'SENDING', reasonCode: 'POLICY_DENIED', country: 'FR', count: 1 },
      ],
      withdrawals: { withdrawals: 0, told: [], notTold: [] },
      returnPlans: 1,
      familyTracingRequests: 1,
      // Her arrival came before the reintegration was asked for: the checklist lacked its last two steps.
      returnChecklists: {
        returns: 1,
        complete: 0,
        missing: [
          { item: 'REINTEGRATION_REQUEST', count: 1 },
          { item: 'REINTEGRATION_CONFIRMATION', count: 1 },
        ],
      },
      childFollowUps: { returnedChildren: 1, reported: 1 },
    });
    await checkIndicators('IT', started, replies, {
      refusals: [],
      withdrawals: { withdrawals: 0, told: [], notTold: [] },
      returnPlans: 0,
      familyTracingRequests: 0,
      returnChecklists: { returns: 0, complete: 0, missing: [] },
      childFollowUps: { returnedChildren: 0, reported: 0 },
    });
    // What the node recorded at the moment, on both sides: flags and codes only, nothing of her.
    for (const code of ['FR', 'MK']) {
      const recorded = await nodes[code].dataSource!.query(
        `SELECT action, message_type AS "type", details FROM audit_log
         WHERE case_ref = $1 AND action IN ('FAMILY_TRACING_CONDITIONS', 'RETURN_CHECKLIST_AT_DEPARTURE')
         ORDER BY seq`,
        [caseRef],
      );
      expect({ node: code, recorded }).toEqual({
        node: code,
        recorded: [
          {
            action: 'FAMILY_TRACING_CONDITIONS',
            type: 'FAMILY_TRACING_REQUEST',
            details: {
              wishToReturnToFamily: true,
              asylumClaimPendingOnCase: false,
              asylumClaimPendingInRequest: false,
            },
          },
          {
            action: 'RETURN_CHECKLIST_AT_DEPARTURE',
            type: 'ARRIVAL_CONFIRMATION',
            details: { complete: false, missing: ['REINTEGRATION_REQUEST', 'REINTEGRATION_CONFIRMATION'] },
          },
        ],
      });
    }
    // For one partner country: only what concerns it.
    const mkForIt = await api(nodes.MK, 'GET', `/indicators?from=${encodeURIComponent(started)}&country=IT`);
    expect(mkForIt.status).toBe(200);
    expect(mkForIt.body.refusals).toEqual([]);
    expect(
      mkForIt.body.answerTimes.map((a: { requestType: string; country: string }) => [
        a.requestType,
        a.country,
      ]),
    ).toEqual([['EVIDENCE_REQUEST', 'IT']]);
  }, 300_000);

  it('after her return she testifies in France by video link from Skopje, and North Macedonia is told of the offender’s release', async () => {
    const fr = nodes.FR;
    const caseRef = await openCase(fr, {
      ageStatus: 'DOCUMENTED_CHILD',
      identificationStatus: 'IDENTIFIED_VICTIM',
    });
    const roles = await api(fr, 'PUT', `/cases/${caseRef}/roles`, {
      roles: [
        { country: 'MK', role: 'ORIGIN' },
        { country: 'FR', role: 'DESTINATION' },
      ],
    });
    expect(roles.status).toBe(200);
    await recordConsent(fr, caseRef, { recipients: ['MK'] });
    await recordAssessment(fr, caseRef);
    await recordGuardian(fr, caseRef);
    const hearingAt = new Date(DEPARTURE + 30 * DAY + 8 * HOUR).toISOString();
    const releasedAt = new Date(DEPARTURE + 60 * DAY).toISOString();

    const replies: ExpectedReply[] = [];
    // The return first, as in her case: referral, plan, arrival home with a follow-up date.
    await play(
      caseRef,
      [
        {
          name: 'referral',
          from: 'FR',
          to: 'MK',
          type: 'REFERRAL_REQUEST',
          opens: { answeredBy: ['REFERRAL_CONFIRMATION', 'REFERRAL_DECLINED'], sop: 1, within: 24 * HOUR },
        },
        {
          name: 'confirmation',
          before: consentFor('MK', ['FR']),
          from: 'MK',
          to: 'FR',
          type: 'REFERRAL_CONFIRMATION',
          answers: 'referral',
          closes: 'referral',
        },
        {
          name: 'return plan',
          from: 'FR',
          to: 'MK',
          type: 'RETURN_PLAN',
          payload: { estimatedDeparture: iso(DEPARTURE) },
          opens: {
            answeredBy: ['RETURN_PLAN_CONFIRMATION', 'ARRIVAL_CONFIRMATION'],
            sop: 4,
            within: 3 * DAY,
          },
        },
        {
          name: 'plan confirmed',
          from: 'MK',
          to: 'FR',
          type: 'RETURN_PLAN_CONFIRMATION',
          answers: 'return plan',
          closes: 'return plan',
          opens: {
            answeredBy: ['ARRIVAL_CONFIRMATION'],
            sop: 4,
            due: iso(DEPARTURE + 2 * DAY),
            owedBySender: true,
          },
        },
        {
          name: 'arrival',
          from: 'MK',
          to: 'FR',
          type: 'ARRIVAL_CONFIRMATION',
          answers: 'return plan',
          closes: 'plan confirmed',
          payload: { followUpScheduled: FOLLOW_UP },
          opens: {
            answeredBy: ['CASE_UPDATE'],
            sop: 4,
            due: iso(Date.parse(FOLLOW_UP) + 2 * DAY),
            owedBySender: true,
          },
        },
        {
          name: 'follow-up report',
          from: 'MK',
          to: 'FR',
          type: 'CASE_UPDATE',
          payload: { summary: 'Follow-up visit: at home, back at school.' },
          answers: 'arrival',
          closes: 'arrival',
        },
        // SOP 5 after the return: the trial in Paris. Asking MK, her country of origin, to arrange her
        // testimony involves its authorities: the consent covers it and the current assessment permits it.
        {
          name: 'witness request',
          from: 'FR',
          to: 'MK',
          type: 'WITNESS_APPEARANCE_REQUEST',
          payload: { hearingAt },
          opens: { answeredBy: ['WITNESS_APPEARANCE_RESPONSE'], sop: 5, within: 14 * DAY },
          expect: { FR: { phases: { '5': 'ACTIVE' } }, MK: { phases: { '5': 'ACTIVE' } } },
        },
        // She will not travel to where the traffickers live: she testifies by video link from Skopje.
        {
          name: 'witness answer',
          from: 'MK',
          to: 'FR',
          type: 'WITNESS_APPEARANCE_RESPONSE',
          answers: 'witness request',
          closes: 'witness request',
          after: async ({ caseRef: ref, ids }) => {
            const atFr = await api(fr, 'GET', `/cases/${ref}`);
            const answer = atFr.body.messages.find((m: { id: string }) => m.id === ids.get('witness answer'));
            expect(answer.payload).toMatchObject({
              willAppear: true,
              appearanceMode: 'VIDEO_LINK',
              remoteFrom: 'MK',
            });
          },
        },
        {
          name: 'hearing date',
          from: 'FR',
          to: 'MK',
          type: 'PROCEEDINGS_STATUS',
          payload: { hearingAt },
        },
        {
          name: 'verdict',
          from: 'FR',
          to: 'MK',
          type: 'PROCEEDINGS_STATUS',
          payload: { event: 'VERDICT', hearingAt: undefined, summary: 'Three defendants convicted.' },
        },
      ],
      replies,
    );
    await expectAllAnswered(caseRef, replies);

    // France closes its side; the sentence runs on.
    const closed = await api(fr, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED' });
    expect(closed.status).toBe(202);
    await waitDelivered(fr, closed.body.notified[0].messageId, 30_000);
    await checkCase('FR', caseRef, { status: 'CLOSED' });

    await play(
      caseRef,
      [
        {
          name: 'an appeal on the closed case',
          from: 'FR',
          to: 'MK',
          type: 'PROCEEDINGS_STATUS',
          payload: { event: 'APPEAL_LODGED', hearingAt: undefined },
          outcome: { refused: 409, code: 'CASE_STATE_CONFLICT' },
        },
        // Her country must be told of the release whatever the state of the case: she is to be warned.
        {
          name: 'offender released',
          from: 'FR',
          to: 'MK',
          type: 'PROCEEDINGS_STATUS',
          payload: {
            event: 'OFFENDER_RELEASED',
            hearingAt: undefined,
            release: {
              at: releasedAt,
              releaseKind: 'CONDITIONAL_RELEASE',
              conditions: ['no contact with the victim or her family', 'may not enter North Macedonia'],
            },
          },
          // MK owes word that she was told, within two days.
          opens: { answeredBy: ['CASE_UPDATE'], sop: 5, within: 2 * DAY },
          expect: { FR: { status: 'CLOSED' } },
          after: async ({ caseRef: ref, ids }) => {
            const atMk = await api(nodes.MK, 'GET', `/cases/${ref}`);
            const notice = atMk.body.messages.find(
              (m: { id: string }) => m.id === ids.get('offender released'),
            );
            expect(notice).toMatchObject({ direction: 'INBOUND', status: 'ACCEPTED', counterpart: 'FR' });
            expect(notice.payload.release.at).toBe(releasedAt);
          },
        },
        {
          name: 'she was told',
          from: 'MK',
          to: 'FR',
          type: 'CASE_UPDATE',
          payload: { sop: 2, summary: 'Told by her case manager; police patrols near her home resumed.' },
          answers: 'offender released',
          closes: 'offender released',
        },
      ],
      replies,
    );
    await expectAllAnswered(caseRef, replies);
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
    const owed: ExpectedReply[] = [];
    await play(
      hrCase,
      [
        {
          name: 'referral',
          from: 'HR',
          to: 'MK',
          type: 'REFERRAL_REQUEST',
          opens: { answeredBy: ['REFERRAL_CONFIRMATION', 'REFERRAL_DECLINED'], sop: 1, within: 24 * HOUR },
        },
      ],
      owed,
    );
    const plan = { ...(examplePayload('RETURN_PLAN') as object) } as Payload;
    delete plan.bestInterestsDetermination;
    const id = await croatia.send({ type: 'RETURN_PLAN', to: 'MK', caseRef: hrCase, payload: plan });
    const reply = await croatia.replyTo(id);
    expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
    expect(reply.payload).toEqual({
      reasonCode: 'POLICY_DENIED',
      reason: 'the return of a child needs a recorded best-interests determination',
    });
    // Croatia asks MK to trace the family of a person seeking asylum: MK rejects it, as it would refuse to send it.
    const tracing = { ...(examplePayload('FAMILY_TRACING_REQUEST') as object), asylumClaimPending: true };
    const tracingId = await croatia.send({
      type: 'FAMILY_TRACING_REQUEST',
      to: 'MK',
      caseRef: hrCase,
      payload: tracing,
    });
    const tracingReply = await croatia.replyTo(tracingId);
    expect(tracingReply.envelope.type).toBe('DELIVERY_REJECTED');
    expect(tracingReply.payload).toEqual({
      reasonCode: 'POLICY_DENIED',
      reason: 'no family tracing while an asylum claim is pending',
    });
    // The rejected plan and tracing request opened nothing: MK still owes Croatia its answer to the referral, and only that. It is
    // the one expected reply this file leaves open, and it is not late (24 hours).
    await checkExpectations(hrCase, owed);
    const debts = await api(nodes.MK, 'GET', '/expectations?direction=OWED&status=OPEN');
    expect(debts.status).toBe(200);
    expect(
      (debts.body.items as ExpectationView[])
        .filter((e) => e.caseRef === hrCase)
        .map(({ requestType, owedTo }) => ({ requestType, owedTo })),
    ).toEqual([{ requestType: 'REFERRAL_REQUEST', owedTo: 'HR' }]);
  }, 120_000);
});

describe('seed case (b): the victim identified in Croatia and returned to North Macedonia', () => {
  it('plays the return handshake between Croatia’s own software and MK', async () => {
    const started = new Date().toISOString();
    const caseRef = 'TRM-HR-2026-000042';
    const adult = {
      age: { status: 'DOCUMENTED_ADULT', ageWhenTrafficked: 22, ageNow: 24 },
      person: { ...examplePayload('REFERRAL_REQUEST').person, dateOfBirth: '2002-06-09' },
    };
    const replies: ExpectedReply[] = [];
    const ids = await play(
      caseRef,
      [
        {
          name: 'referral',
          from: 'HR',
          to: 'MK',
          type: 'REFERRAL_REQUEST',
          payload: adult,
          opens: { answeredBy: ['REFERRAL_CONFIRMATION', 'REFERRAL_DECLINED'], sop: 1, within: 24 * HOUR },
          expect: {
            MK: { status: 'OPEN', phases: { '1': 'ACTIVE', '4': 'ACTIVE' }, roles: { MK: 'ORIGIN' } },
          },
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
          closes: 'referral',
          expect: { MK: { phases: { '1': 'COMPLETED' }, checklist: { eligible: true } } },
        },
        // The two countries discuss her status: Croatia asks MK to confirm who she is (a week by default).
        {
          name: 'identity check',
          from: 'HR',
          to: 'MK',
          type: 'IDENTITY_VERIFICATION_REQUEST',
          opens: { answeredBy: ['IDENTITY_VERIFICATION_RESULT'], sop: 1, within: 7 * DAY },
        },
        {
          name: 'identity confirmed',
          from: 'MK',
          to: 'HR',
          type: 'IDENTITY_VERIFICATION_RESULT',
          answers: 'identity check',
          closes: 'identity check',
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
          opens: {
            answeredBy: ['RETURN_PLAN_CONFIRMATION', 'ARRIVAL_CONFIRMATION'],
            sop: 4,
            within: 3 * DAY,
          },
          payload: {
            estimatedDeparture: iso(DEPARTURE),
            bestInterestsDetermination: undefined,
            childProtectionReceiver: undefined,
          },
          expect: {
            MK: {
              roles: { HR: 'DESTINATION', MK: 'ORIGIN' },
              checklist: { estimatedDeparture: iso(DEPARTURE) },
            },
          },
        },
        {
          name: 'plan confirmed',
          from: 'MK',
          to: 'HR',
          type: 'RETURN_PLAN_CONFIRMATION',
          answers: 'return plan',
          closes: 'return plan',
          opens: {
            answeredBy: ['ARRIVAL_CONFIRMATION'],
            sop: 4,
            due: iso(DEPARTURE + 2 * DAY),
            owedBySender: true,
          },
        },
        // An adult's arrival need not schedule a follow-up; without one it opens nothing.
        {
          name: 'arrival',
          from: 'MK',
          to: 'HR',
          type: 'ARRIVAL_CONFIRMATION',
          answers: 'return plan',
          closes: 'plan confirmed',
          payload: { followUpScheduled: undefined },
        },
        {
          name: 'reintegration request',
          from: 'HR',
          to: 'MK',
          type: 'REINTEGRATION_REQUEST',
          opens: { answeredBy: ['REINTEGRATION_CONFIRMATION'], sop: 4, within: 3 * DAY },
        },
        {
          name: 'reintegration confirmed',
          from: 'MK',
          to: 'HR',
          type: 'REINTEGRATION_CONFIRMATION',
          answers: 'reintegration request',
          closes: 'reintegration request',
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
      ],
      replies,
    );
    expect(ids.size).toBe(11);
    await expectAllAnswered(caseRef, replies);
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

    // MK's indicators for the period: Croatia's two messages refused on arrival, MK's own premature arrival.
    await checkIndicators('MK', started, replies, {
      refusals: [
        { gate: 'RECEIVING', reasonCode: 'CASE_STATE_CONFLICT', country: 'HR', count: 2 },
        { gate: 'SENDING', reasonCode: 'CASE_STATE_CONFLICT', country: 'HR', count: 1 },
      ],
      withdrawals: { withdrawals: 0, told: [], notTold: [] },
      returnPlans: 1,
      familyTracingRequests: 0,
      // Her arrival too came before the reintegration request; she is an adult: no follow-up was scheduled.
      returnChecklists: {
        returns: 1,
        complete: 0,
        missing: [
          { item: 'REINTEGRATION_REQUEST', count: 1 },
          { item: 'REINTEGRATION_CONFIRMATION', count: 1 },
        ],
      },
      childFollowUps: { returnedChildren: 0, reported: 0 },
    });
  }, 300_000);
});
