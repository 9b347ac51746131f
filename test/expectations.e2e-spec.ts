import { INestApplication } from '@nestjs/common';
import * as amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { createNode } from '../src/bootstrap';
import { ExpectationScheduler } from '../src/expectations/expectation-scheduler';
import { DEFAULT_DEADLINES_MS } from '../src/config/deadlines';
import { examplePayload } from '../src/messages/examples';
import { MessageType } from '../src/messages/message-types';
import { NationalEvents, nationalExchange } from '../src/transport/national-exchange';
import { ForeignPeer } from './support/foreign-peer';
import {
  api,
  openCase,
  openSharableCase,
  recordAssessment,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from './support/node-api';
import { expectInstant } from './support/assertions';

// The person's family name in the example referral: it must never reach an audit entry or a node event.
const PERSON_NAME = 'Petrovska';

const MK_CONTACTS = [
  { sop: 1, institution: 'National Commission for Combating Trafficking', role: 'national coordinator' },
  { sop: 4, institution: 'Center for Social Work Skopje', role: 'case manager, return' },
  { sop: 1, institution: 'Ministry of Interior', department: 'Anti-trafficking unit', role: 'deputy' },
  { sop: 4, institution: 'Ministry of Social Policy', role: 'return coordinator', email: 'sop4@example.mk' },
  { sop: 1, institution: 'Ministry of Social Policy', role: 'head of unit', phone: '+389 2 000 000' },
];

interface Expectation {
  id: string;
  caseRef: string;
  requestMessageId: string;
  requestType: string;
  expectedTypes: string[];
  direction: 'AWAITED' | 'OWED';
  owedBy: string;
  owedTo: string;
  sop: number;
  requestedAt: string;
  dueAt: string;
  status: string;
  deliveredAt: string | null;
  answeredAt: string | null;
  answerMessageId: string | null;
  answerType: string | null;
  failedAt: string | null;
  failureReasonCode: string | null;
  cancelledAt: string | null;
  overdueAt: string | null;
  escalationLevel: number;
  contact: { institution: string; role?: string; rank: number } | null;
  escalations: Array<{ level: number; contact: { institution: string; rank: number }; at: string }>;
  escalationExhaustedAt: string | null;
}

const DAY_MS = 86_400_000;

/**
 * Expected replies and deadlines on the real services: FR and MK are nodes, IT a PROTOCOL.md peer in plain
 * amqplib. FR gives a referral two seconds to be confirmed and checks every half second, so an overdue
 * confirmation and its escalations happen within the test. FR runs as two instances on one database, so
 * every overdue step must be taken exactly once between them.
 */
describe('expectations (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({
    codes: ['FR', 'MK', 'IT'],
    logLevel: 'error',
    participants: { MK: { contacts: MK_CONTACTS } },
  });
  let fr: RunningNode;
  let mk: RunningNode;
  let frSecondInstance: INestApplication;
  let italy: ForeignPeer;
  let events: amqp.ChannelModel;
  const published: Array<{ routingKey: string; body: Record<string, unknown>; raw: string }> = [];

  beforeAll(async () => {
    await federation.setUp();
    const frSettings = {
      deadlines: { ...DEFAULT_DEADLINES_MS, REFERRAL_REQUEST: 2000 },
      expectationCheckIntervalMs: 500,
    };
    fr = await federation.start('FR', frSettings);
    frSecondInstance = await createNode(federation.nodeConfig('FR', frSettings));
    await frSecondInstance.init();
    mk = await federation.start('MK', { expectationCheckIntervalMs: 500 });
    italy = await ForeignPeer.connect(federation, 'IT');
    // A coordinators' system listening on FR's national exchange.
    events = await amqp.connect(federation.amqpUrl('guest', 'guest', 'guest'));
    const channel = await events.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, nationalExchange('FR'), 'event.expectation.#');
    await channel.consume(queue, (message) => {
      if (!message) return;
      channel.ack(message);
      const raw = message.content.toString('utf8');
      published.push({ routingKey: message.fields.routingKey, body: JSON.parse(raw), raw });
    });
  });

  afterAll(async () => {
    await events?.close().catch(() => undefined);
    await frSecondInstance?.close();
    await italy?.close();
    await federation.tearDown();
  });

  const expectationsOf = async (node: RunningNode, caseRef: string): Promise<Expectation[]> => {
    const response = await api(node, 'GET', `/cases/${caseRef}/expectations`);
    // The receiver opens its copy of the case with the first message it accepts.
    if (response.status === 404 && node !== fr) return [];
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    return response.body.items;
  };

  const settled = (node: RunningNode, caseRef: string, requestId: string, status: string) =>
    eventually(
      async () =>
        (await expectationsOf(node, caseRef)).find(
          (e) => e.requestMessageId === requestId && e.status === status,
        ),
      20_000,
      `${node.code} expectation of ${requestId} ${status}`,
    );

  /** Cancelled, and when: after it was requested, not in the future. */
  const expectCancelled = (expectation: Expectation) =>
    expectInstant(expectation.cancelledAt, expectation.requestedAt);

  const send = async (
    node: RunningNode,
    caseRef: string,
    type: MessageType,
    to: string,
    inReplyTo?: string,
  ) => {
    const sent = await sendMessage(node, caseRef, {
      type,
      to,
      payload: examplePayload(type),
      legalBasis: type === 'EMERGENCY_ALERT' ? 'VITAL_INTEREST' : 'CONSENT',
      ...(inReplyTo ? { inReplyTo } : {}),
    });
    expect(sent.status).toBe(202);
    return sent.body.id as string;
  };

  it('a request opens an awaited expectation at the sender and an owed one at the receiver; the receipt and the answer settle both', async () => {
    const caseRef = await openSharableCase(fr);
    const request = await send(fr, caseRef, 'RISK_ASSESSMENT_REQUEST', 'MK');
    await waitDelivered(fr, request);

    const atFr = await settled(fr, caseRef, request, 'OPEN');
    expect(atFr).toMatchObject({
      direction: 'AWAITED',
      requestType: 'RISK_ASSESSMENT_REQUEST',
      expectedTypes: ['RISK_ASSESSMENT_RESULT'],
      owedBy: 'MK',
      owedTo: 'FR',
      sop: 4,
      escalationLevel: 0,
      contact: { institution: 'Center for Social Work Skopje', role: 'case manager, return', rank: 0 },
      escalations: [],
    });
    expect(Date.parse(atFr.dueAt) - Date.parse(atFr.requestedAt)).toBe(
      DEFAULT_DEADLINES_MS.RISK_ASSESSMENT_REQUEST,
    );
    await eventually(
      async () => ((await settled(fr, caseRef, request, 'OPEN')).deliveredAt ? true : undefined),
      20_000,
      'the receipt recorded on the expectation',
    );

    const atMk = await settled(mk, caseRef, request, 'OPEN');
    expect(atMk).toMatchObject({ direction: 'OWED', owedBy: 'MK', owedTo: 'FR', sop: 4, dueAt: atFr.dueAt });
    expect(atMk.contact).toMatchObject({ institution: 'Center for Social Work Skopje', rank: 0 });
    expectInstant(atMk.deliveredAt, atMk.requestedAt);
    const owed = await api(mk, 'GET', '/expectations?direction=OWED&status=OPEN');
    expect(owed.body.items.map((e: Expectation) => e.requestMessageId)).toContain(request);

    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const result = await send(mk, caseRef, 'RISK_ASSESSMENT_RESULT', 'FR', request);
    // The answer closes MK's debt in the transaction that queues it, before it even leaves.
    expect(await settled(mk, caseRef, request, 'ANSWERED')).toMatchObject({
      answerMessageId: result,
      answerType: 'RISK_ASSESSMENT_RESULT',
    });
    const answered = await settled(fr, caseRef, request, 'ANSWERED');
    expect(answered).toMatchObject({
      answerMessageId: result,
      answerType: 'RISK_ASSESSMENT_RESULT',
      overdueAt: null,
    });
    expectInstant(answered.answeredAt, answered.requestedAt);
  });

  it('an answer without inReplyTo closes the oldest open expectation of its case and type', async () => {
    const caseRef = await openSharableCase(fr);
    const first = await send(fr, caseRef, 'EVIDENCE_REQUEST', 'MK');
    const second = await send(fr, caseRef, 'EVIDENCE_REQUEST', 'MK');
    await waitDelivered(fr, second);
    await settled(mk, caseRef, second, 'OPEN');
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const response = await send(mk, caseRef, 'EVIDENCE_RESPONSE', 'FR');
    await settled(fr, caseRef, first, 'ANSWERED');
    expect((await settled(fr, caseRef, second, 'OPEN')).answerMessageId).toBeNull();
    expect((await settled(mk, caseRef, first, 'ANSWERED')).answerMessageId).toBe(response);
  });

  it('an emergency alert is acknowledged by a CASE_UPDATE naming it (a peer without the extension), within an hour by default', async () => {
    const caseRef = await openSharableCase(fr);
    const alert = await send(fr, caseRef, 'EMERGENCY_ALERT', 'MK');
    const open = await settled(fr, caseRef, alert, 'OPEN');
    expect(open).toMatchObject({
      expectedTypes: ['EMERGENCY_ALERT_ACKNOWLEDGEMENT', 'CASE_UPDATE'],
      sop: 2,
      contact: null,
    });
    expect(Date.parse(open.dueAt) - Date.parse(open.requestedAt)).toBe(3_600_000);
    await settled(mk, caseRef, alert, 'OPEN');
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const update = await send(mk, caseRef, 'CASE_UPDATE', 'FR', alert);
    expect((await settled(fr, caseRef, alert, 'ANSWERED')).answerMessageId).toBe(update);
  });

  it('an alert unacknowledged after an hour (the clock moved ahead) is overdue; with no SOP 2 contact there is nobody to escalate to', async () => {
    const caseRef = await openSharableCase(fr);
    const alert = await send(fr, caseRef, 'EMERGENCY_ALERT', 'MK');
    await waitDelivered(fr, alert);
    const scheduler = fr.app!.get(ExpectationScheduler);
    expect(await scheduler.tick(new Date(Date.now() + 3_600_000 - 60_000))).toBe(0);
    const anHourLater = new Date(Date.now() + 3_600_000 + 1_000);
    expect(await scheduler.tick(anHourLater)).toBeGreaterThanOrEqual(1);
    const overdue = await settled(fr, caseRef, alert, 'OVERDUE');
    expect(overdue).toMatchObject({ contact: null, escalations: [], escalationLevel: 0 });
    // Marked at the scheduler's (moved) clock, not the machine's.
    expectInstant(overdue.overdueAt, anHourLater, anHourLater);
    expectInstant(overdue.escalationExhaustedAt, anHourLater, anHourLater);
    const audit = await federation.query<{ action: string }>(
      'FR',
      `SELECT action FROM audit_log WHERE case_ref = $1 AND action LIKE 'EXPECTATION_%' ORDER BY seq`,
      [caseRef],
    );
    expect(audit.map((a) => a.action)).toEqual(['EXPECTATION_OVERDUE', 'EXPECTATION_ESCALATION_EXHAUSTED']);
  });

  it('a request the receiver rejects fails its expectation, with the reason code', async () => {
    const caseRef = await openSharableCase(fr);
    const request = await send(fr, caseRef, 'RISK_ASSESSMENT_REQUEST', 'IT');
    const received = await italy.waitFor((m) => m.envelope.id === request, 20_000, 'the request at IT');
    expect(received).toHaveLength(1);
    await italy.send({
      type: 'DELIVERY_REJECTED',
      to: 'FR',
      caseRef,
      inReplyTo: request,
      legalBasis: 'NONE',
      payload: { reasonCode: 'POLICY_DENIED', reason: 'refused by the receiving authority' },
    });
    const failed = await settled(fr, caseRef, request, 'FAILED');
    expect(failed).toMatchObject({ failureReasonCode: 'POLICY_DENIED', deliveredAt: null });
    expectInstant(failed.failedAt, failed.requestedAt);
  });

  it('what we owe stays owed when the peer rejects our answer', async () => {
    const caseRef = 'TRM-IT-2026-000042';
    const request = await italy.send({
      type: 'RISK_ASSESSMENT_REQUEST',
      to: 'FR',
      caseRef,
      payload: examplePayload('RISK_ASSESSMENT_REQUEST'),
    });
    expect((await italy.replyTo(request)).envelope.type).toBe('DELIVERY_RECEIPT');
    const owed = await settled(fr, caseRef, request, 'OPEN');
    expect(owed).toMatchObject({ direction: 'OWED', owedBy: 'FR', owedTo: 'IT', contact: null });
    expectInstant(owed.deliveredAt, owed.requestedAt);

    await recordConsent(fr, caseRef, { recipients: ['IT'] });
    const result = await send(fr, caseRef, 'RISK_ASSESSMENT_RESULT', 'IT', request);
    await settled(fr, caseRef, request, 'ANSWERED');
    await italy.waitFor((m) => m.envelope.id === result, 20_000, 'the result at IT');
    await italy.send({
      type: 'DELIVERY_REJECTED',
      to: 'FR',
      caseRef,
      inReplyTo: result,
      legalBasis: 'NONE',
      payload: { reasonCode: 'SCHEMA_INVALID', reason: 'payload invalid: summary: too long' },
    });
    const reopened = await settled(fr, caseRef, request, 'OPEN');
    expect(reopened).toMatchObject({ answerMessageId: null, answerType: null, answeredAt: null });
  });

  it('what we owe ends when the asking country refuses our answer as contradicting its case (e.g. closed)', async () => {
    const caseRef = 'TRM-IT-2026-000043';
    const request = await italy.send({
      type: 'RISK_ASSESSMENT_REQUEST',
      to: 'FR',
      caseRef,
      payload: examplePayload('RISK_ASSESSMENT_REQUEST'),
    });
    expect((await italy.replyTo(request)).envelope.type).toBe('DELIVERY_RECEIPT');
    await settled(fr, caseRef, request, 'OPEN');

    await recordConsent(fr, caseRef, { recipients: ['IT'] });
    const result = await send(fr, caseRef, 'RISK_ASSESSMENT_RESULT', 'IT', request);
    await settled(fr, caseRef, request, 'ANSWERED');
    await italy.waitFor((m) => m.envelope.id === result, 20_000, 'the result at IT');
    await italy.send({
      type: 'DELIVERY_REJECTED',
      to: 'FR',
      caseRef,
      inReplyTo: result,
      legalBasis: 'NONE',
      payload: { reasonCode: 'CASE_STATE_CONFLICT', reason: 'the case is closed' },
    });
    const ended = await settled(fr, caseRef, request, 'CANCELLED');
    expectCancelled(ended);
    expect(ended.overdueAt).toBeNull();
  });

  it('an unconfirmed referral goes overdue, is audited, published and escalated along MK’s SOP 1 contacts until they are exhausted; a late confirmation still closes it', async () => {
    const caseRef = await openSharableCase(fr);
    const referral = await send(fr, caseRef, 'REFERRAL_REQUEST', 'MK');
    // Two seconds may be gone already on a busy machine: FR's expectation is read in whatever state it is.
    // Its first contact shows on MK's copy (24 hours there), and in the contacts tried when exhausted.
    const initial = await eventually(
      async () => (await expectationsOf(fr, caseRef)).find((x) => x.requestMessageId === referral),
      20_000,
      'FR’s expectation of the referral',
    );
    expect(Date.parse(initial.dueAt) - Date.parse(initial.requestedAt)).toBe(2000);
    expect((await settled(mk, caseRef, referral, 'OPEN')).contact).toMatchObject({
      institution: 'National Commission for Combating Trafficking',
      rank: 0,
    });

    const exhausted = await eventually(
      async () => {
        const e = (await expectationsOf(fr, caseRef)).find((x) => x.requestMessageId === referral);
        return e?.escalationExhaustedAt ? e : undefined;
      },
      30_000,
      'escalation exhausted',
    );
    expect(exhausted.status).toBe('OVERDUE');
    expect(Date.parse(exhausted.overdueAt!)).toBeGreaterThanOrEqual(Date.parse(exhausted.dueAt));
    expectInstant(exhausted.deliveredAt, exhausted.requestedAt);
    expect(exhausted.escalations.map((s) => [s.level, s.contact.institution, s.contact.rank])).toEqual([
      [1, 'Ministry of Interior', 1],
      [2, 'Ministry of Social Policy', 2],
    ]);
    // Each contact gets the request's own period (two seconds here) before the next one is addressed.
    expect(
      Date.parse(exhausted.escalations[1].at) - Date.parse(exhausted.escalations[0].at),
    ).toBeGreaterThanOrEqual(2000);
    expect(exhausted.contact).toMatchObject({
      institution: 'Ministry of Social Policy',
      role: 'head of unit',
      rank: 2,
    });
    expect(JSON.stringify(exhausted.contact)).not.toContain('+389');

    const overdue = await api(fr, 'GET', '/expectations/overdue');
    expect(overdue.status).toBe(200);
    expect(overdue.body.items.map((e: Expectation) => e.requestMessageId)).toContain(referral);
    const byStatus = await api(fr, 'GET', '/expectations?status=OVERDUE');
    expect(byStatus.body.items.map((e: Expectation) => e.requestMessageId)).toContain(referral);
    const answeredList = await api(fr, 'GET', '/expectations?status=ANSWERED');
    expect(answeredList.body.items.map((e: Expectation) => e.requestMessageId)).not.toContain(referral);

    const audit = await federation.query<{
      action: string;
      details: Record<string, unknown>;
      counterpart: string;
    }>(
      'FR',
      `SELECT action, details, counterpart FROM audit_log WHERE case_ref = $1 AND action LIKE 'EXPECTATION_%' ORDER BY seq`,
      [caseRef],
    );
    expect(audit.map((a) => [a.action, a.details.level ?? null])).toEqual([
      ['EXPECTATION_OVERDUE', null],
      ['EXPECTATION_ESCALATED', 1],
      ['EXPECTATION_ESCALATED', 2],
      ['EXPECTATION_ESCALATION_EXHAUSTED', null],
    ]);
    expect(audit.every((a) => a.counterpart === 'MK' && a.details.expectationId === exhausted.id)).toBe(true);
    // The first contact, addressed with the request, then the two escalations.
    expect(audit[3].details.contactsTried).toBe(3);
    expect(JSON.stringify(audit)).not.toContain(PERSON_NAME);

    const mine = await eventually(
      async () => {
        const found = published.filter((p) => p.body.expectationId === exhausted.id);
        return found.length >= 4 ? found : undefined;
      },
      10_000,
      'four events on the national exchange',
    );
    // Three more ticks of each instance: nothing is published twice, and nothing after the list is exhausted.
    // A tick returns once its events are confirmed by the broker; a marker published after them reaches the
    // listener after anything they published.
    for (const instance of [
      fr.app!,
      frSecondInstance,
      fr.app!,
      frSecondInstance,
      fr.app!,
      frSecondInstance,
    ]) {
      await instance.get(ExpectationScheduler).tick();
    }
    const marker = randomUUID();
    const confirming = await events.createConfirmChannel();
    confirming.publish(
      nationalExchange('FR'),
      'event.expectation.marker',
      Buffer.from(JSON.stringify({ marker })),
    );
    await confirming.waitForConfirms();
    await confirming.close();
    await eventually(
      async () => (published.some((p) => p.body.marker === marker) ? true : undefined),
      10_000,
      'the marker on the national exchange',
    );
    expect(published.filter((p) => p.body.expectationId === exhausted.id)).toHaveLength(4);
    expect(mine.map((p) => [p.routingKey, p.body.escalationLevel])).toEqual([
      ['event.expectation.overdue', 1],
      ['event.expectation.escalated', 1],
      ['event.expectation.escalated', 2],
      ['event.expectation.exhausted', 2],
    ]);
    expect(mine[0].body).toMatchObject({
      caseRef,
      requestType: 'REFERRAL_REQUEST',
      owedBy: 'MK',
      direction: 'AWAITED',
      dueAt: exhausted.dueAt,
    });
    for (const event of mine) expect(event.raw).not.toContain(PERSON_NAME);

    // MK's own copy gave MK the default 24 hours: not overdue there.
    expect((await settled(mk, caseRef, referral, 'OPEN')).overdueAt).toBeNull();

    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const confirmation = await send(mk, caseRef, 'REFERRAL_CONFIRMATION', 'FR', referral);
    const late = await settled(fr, caseRef, referral, 'ANSWERED');
    expect(late.answerMessageId).toBe(confirmation);
    expectInstant(late.overdueAt, late.dueAt, late.answeredAt!);
    expect(
      (await api(fr, 'GET', '/expectations/overdue')).body.items.map((e: Expectation) => e.id),
    ).not.toContain(late.id);
    await settled(mk, caseRef, referral, 'ANSWERED');
  });

  it('closing the case cancels what was still awaited on it, on both sides', async () => {
    const caseRef = await openSharableCase(fr);
    const request = await send(fr, caseRef, 'IDENTITY_VERIFICATION_REQUEST', 'MK');
    await waitDelivered(fr, request);
    await settled(mk, caseRef, request, 'OPEN');
    await send(fr, caseRef, 'CASE_CLOSED', 'MK');
    expectCancelled(await settled(fr, caseRef, request, 'CANCELLED'));
    expectCancelled(await settled(mk, caseRef, request, 'CANCELLED'));
  });

  it('a routine CASE_UPDATE does not acknowledge a pending emergency alert: only one naming the alert does', async () => {
    const caseRef = await openSharableCase(fr);
    const alert = await send(fr, caseRef, 'EMERGENCY_ALERT', 'MK');
    await settled(mk, caseRef, alert, 'OPEN');
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const routine = await send(mk, caseRef, 'CASE_UPDATE', 'FR');
    await waitDelivered(mk, routine);
    expect((await settled(mk, caseRef, alert, 'OPEN')).answerMessageId).toBeNull();
    expect((await settled(fr, caseRef, alert, 'OPEN')).answerMessageId).toBeNull();

    const acknowledgement = await send(mk, caseRef, 'CASE_UPDATE', 'FR', alert);
    expect((await settled(fr, caseRef, alert, 'ANSWERED')).answerMessageId).toBe(acknowledgement);
    expect((await settled(mk, caseRef, alert, 'ANSWERED')).answerMessageId).toBe(acknowledgement);
  });

  it('an answer naming a request it can no longer settle closes no other request', async () => {
    const caseRef = await openSharableCase(fr);
    const first = await send(fr, caseRef, 'EVIDENCE_REQUEST', 'MK');
    const second = await send(fr, caseRef, 'EVIDENCE_REQUEST', 'MK');
    await waitDelivered(fr, second);
    await settled(mk, caseRef, second, 'OPEN');
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const answer = await send(mk, caseRef, 'EVIDENCE_RESPONSE', 'FR', first);
    expect((await settled(fr, caseRef, first, 'ANSWERED')).answerMessageId).toBe(answer);
    // A second response to the first request (a correction, say) is not the answer to the second one.
    const again = await send(mk, caseRef, 'EVIDENCE_RESPONSE', 'FR', first);
    await waitDelivered(mk, again);
    expect((await settled(mk, caseRef, second, 'OPEN')).answerMessageId).toBeNull();
    expect((await settled(fr, caseRef, second, 'OPEN')).answerMessageId).toBeNull();
    expect((await settled(fr, caseRef, first, 'ANSWERED')).answerMessageId).toBe(answer);
  });

  it('a consent withdrawal ends what either country owed the other on the case, except an alert’s acknowledgement', async () => {
    const caseRef = await openSharableCase(fr);
    const assessment = await send(fr, caseRef, 'RISK_ASSESSMENT_REQUEST', 'MK');
    const alert = await send(fr, caseRef, 'EMERGENCY_ALERT', 'MK');
    await settled(mk, caseRef, alert, 'OPEN');
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const evidence = await send(mk, caseRef, 'EVIDENCE_REQUEST', 'FR');
    await settled(fr, caseRef, evidence, 'OPEN');

    const consents = await api(fr, 'GET', `/cases/${caseRef}/consents`);
    const withdrawn = await api(
      fr,
      'POST',
      `/cases/${caseRef}/consents/${consents.body.items[0].consentId}/withdraw`,
    );
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.notified.map((n: { country: string }) => n.country)).toContain('MK');

    for (const node of [fr, mk]) {
      expectCancelled(await settled(node, caseRef, assessment, 'CANCELLED'));
      expectCancelled(await settled(node, caseRef, evidence, 'CANCELLED'));
      expect((await settled(node, caseRef, alert, 'OPEN')).cancelledAt).toBeNull();
    }
  });

  it('a CASE_CLOSED received from one country ends only what is owed between it and us', async () => {
    const caseRef = await openSharableCase(fr);
    const toMk = await send(fr, caseRef, 'IDENTITY_VERIFICATION_REQUEST', 'MK');
    const toItaly = await send(fr, caseRef, 'RISK_ASSESSMENT_REQUEST', 'IT');
    await italy.waitFor((m) => m.envelope.id === toItaly, 20_000, 'the request at IT');
    await settled(mk, caseRef, toMk, 'OPEN');
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    await send(mk, caseRef, 'CASE_CLOSED', 'FR');
    expectCancelled(await settled(fr, caseRef, toMk, 'CANCELLED'));
    expect((await settled(fr, caseRef, toItaly, 'OPEN')).cancelledAt).toBeNull();
  });

  it('a case no consent ever covered (it only carried an emergency alert) closes on both sides; the country that could not be told is listed and audited', async () => {
    const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    await recordAssessment(fr, caseRef);
    await recordGuardian(fr, caseRef);
    const alert = await send(fr, caseRef, 'EMERGENCY_ALERT', 'MK');
    await waitDelivered(fr, alert);
    await settled(mk, caseRef, alert, 'OPEN');

    for (const [node, other] of [
      [mk, 'FR'],
      [fr, 'MK'],
    ] as const) {
      const closed = await api(node, 'POST', `/cases/${caseRef}/close`, { reason: 'OTHER' });
      expect(closed.status).toBe(202);
      expect(closed.body).toEqual({
        caseRef,
        notified: [],
        notNotified: [{ country: other, reasonCode: 'CONSENT_INSUFFICIENT', reason: expect.any(String) }],
      });
      expect((await api(node, 'GET', `/cases/${caseRef}`)).body.case.status).toBe('CLOSED');
      expectCancelled(await settled(node, caseRef, alert, 'CANCELLED'));
      const audit = await federation.query<{ action: string; counterpart: string; reason_code: string }>(
        node.code,
        `SELECT action, counterpart, reason_code FROM audit_log WHERE case_ref = $1 AND action LIKE 'CASE_CLOS%' ORDER BY seq`,
        [caseRef],
      );
      expect(audit).toEqual([
        { action: 'CASE_CLOSURE_NOT_SENT', counterpart: other, reason_code: 'CONSENT_INSUFFICIENT' },
        { action: 'CASE_CLOSED', counterpart: null, reason_code: null },
      ]);
    }
  });

  it('each overdue expectation is handled in its own transaction, and an event published again keeps its id', async () => {
    const mkEvents: Array<{ messageId: string; expectationId: unknown }> = [];
    const channel = await events.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, nationalExchange('MK'), 'event.expectation.#');
    await channel.consume(queue, (message) => {
      if (!message) return;
      channel.ack(message);
      const body = JSON.parse(message.content.toString('utf8'));
      mkEvents.push({ messageId: message.properties.messageId, expectationId: body.expectationId });
    });

    const caseRef = await openSharableCase(fr);
    const firstRequest = await send(fr, caseRef, 'RISK_ASSESSMENT_REQUEST', 'MK');
    const secondRequest = await send(fr, caseRef, 'RISK_ASSESSMENT_REQUEST', 'MK');
    const first = await settled(mk, caseRef, firstRequest, 'OPEN');
    const second = await settled(mk, caseRef, secondRequest, 'OPEN');

    // The broker fails the second expectation's escalation event, after its overdue event went out.
    const nationalEvents = mk.app!.get(NationalEvents);
    const publish = nationalEvents.publish.bind(nationalEvents);
    const failing = jest
      .spyOn(nationalEvents, 'publish')
      .mockImplementation(async (name: string, body: object, id?: string) => {
        if (
          name === 'expectation.escalated' &&
          (body as { expectationId: string }).expectationId === second.id
        )
          throw new Error('broker unavailable');
        return publish(name, body, id);
      });
    const scheduler = mk.app!.get(ExpectationScheduler);
    const later = new Date(Date.parse(second.dueAt) + 1000);
    try {
      await expect(scheduler.tick(later)).rejects.toThrow('broker unavailable');
    } finally {
      failing.mockRestore();
    }
    // The first one's step is committed; the second one's rolled back, to be taken again.
    expect(await settled(mk, caseRef, firstRequest, 'OVERDUE')).toMatchObject({ escalationLevel: 1 });
    expect(await settled(mk, caseRef, secondRequest, 'OPEN')).toMatchObject({ escalationLevel: 0 });

    expect(await scheduler.tick(later)).toBeGreaterThanOrEqual(1);
    expect(await settled(mk, caseRef, secondRequest, 'OVERDUE')).toMatchObject({ escalationLevel: 1 });
    const idsOf = async (expectationId: string, count: number) =>
      eventually(
        async () => {
          const ids = mkEvents.filter((e) => e.expectationId === expectationId).map((e) => e.messageId);
          return ids.length >= count ? ids : undefined;
        },
        10_000,
        `${count} events of ${expectationId}`,
      );
    expect(await idsOf(first.id, 2)).toEqual([`${first.id}:1:overdue`, `${first.id}:1:escalated`]);
    // The overdue event of the failed attempt went out twice under one id: a consumer drops the copy.
    expect(await idsOf(second.id, 3)).toEqual([
      `${second.id}:1:overdue`,
      `${second.id}:1:overdue`,
      `${second.id}:1:escalated`,
    ]);
    await channel.close();
  });

  /**
   * A child's case at FR, ready for a return, and FR's RETURN_PLAN to IT received there: departure ten days
   * (plus `offsetMs`) after the next midnight, follow-up seven days after it.
   */
  async function planChildReturnToItaly(offsetMs: number) {
    const caseRef = await openCase(fr, {
      identificationStatus: 'IDENTIFIED_VICTIM',
      ageStatus: 'PRESUMED_CHILD',
    });
    await recordConsent(fr, caseRef);
    await recordAssessment(fr, caseRef);
    await recordGuardian(fr, caseRef);
    const departure = Math.ceil(Date.now() / DAY_MS) * DAY_MS + 10 * DAY_MS + offsetMs;
    const followUp = new Date(departure + 7 * DAY_MS).toISOString().slice(0, 10);
    const planned = await sendMessage(fr, caseRef, {
      type: 'RETURN_PLAN',
      to: 'IT',
      payload: { ...examplePayload('RETURN_PLAN'), estimatedDeparture: new Date(departure).toISOString() },
    });
    expect(planned.status).toBe(202);
    const plan = planned.body.id as string;
    await italy.waitFor((m) => m.envelope.id === plan, 20_000, 'the plan at IT');
    return { caseRef, plan, departure, followUp };
  }

  it('an accepted return plan awaits the arrival; a child’s arrival without a follow-up date is refused, and the arrival awaits the follow-up report', async () => {
    // Dates ahead of the run, so that nothing goes overdue while the test plays.
    const { caseRef, plan, departure, followUp } = await planChildReturnToItaly(0);
    const fromItaly = async (type: MessageType, inReplyTo: string, payload: object) => {
      const id = await italy.send({ type, to: 'FR', caseRef, inReplyTo, payload });
      return { id, reply: await italy.replyTo(id) };
    };
    const confirmation = await fromItaly(
      'RETURN_PLAN_CONFIRMATION',
      plan,
      examplePayload('RETURN_PLAN_CONFIRMATION'),
    );
    expect(confirmation.reply.envelope.type).toBe('DELIVERY_RECEIPT');
    // The arrival is due two days (the margin) after the planned departure.
    expect(await settled(fr, caseRef, confirmation.id, 'OPEN')).toMatchObject({
      requestType: 'RETURN_PLAN_CONFIRMATION',
      expectedTypes: ['ARRIVAL_CONFIRMATION'],
      direction: 'AWAITED',
      owedBy: 'IT',
      owedTo: 'FR',
      sop: 4,
      dueAt: new Date(departure + 2 * DAY_MS).toISOString(),
    });

    const withoutFollowUp = { ...examplePayload('ARRIVAL_CONFIRMATION'), followUpScheduled: undefined };
    const refused = await fromItaly('ARRIVAL_CONFIRMATION', plan, withoutFollowUp);
    expect({ type: refused.reply.envelope.type, payload: refused.reply.payload }).toEqual({
      type: 'DELIVERY_REJECTED',
      payload: {
        reasonCode: 'POLICY_DENIED',
        reason: expect.stringContaining(
          "the case is a child's case: ARRIVAL_CONFIRMATION needs followUpScheduled",
        ),
      },
    });
    expect((await settled(fr, caseRef, confirmation.id, 'OPEN')).answerMessageId).toBeNull();

    // The arrival names the plan: it settles the arrival owed since the plan's confirmation.
    const arrival = await fromItaly('ARRIVAL_CONFIRMATION', plan, {
      ...examplePayload('ARRIVAL_CONFIRMATION'),
      followUpScheduled: followUp,
    });
    expect(arrival.reply.envelope.type).toBe('DELIVERY_RECEIPT');
    expect((await settled(fr, caseRef, confirmation.id, 'ANSWERED')).answerMessageId).toBe(arrival.id);
    expect((await settled(fr, caseRef, plan, 'ANSWERED')).answerMessageId).toBe(confirmation.id);
    // The report on the scheduled follow-up is due two days after its day.
    expect(await settled(fr, caseRef, arrival.id, 'OPEN')).toMatchObject({
      requestType: 'ARRIVAL_CONFIRMATION',
      expectedTypes: ['CASE_UPDATE'],
      direction: 'AWAITED',
      owedBy: 'IT',
      owedTo: 'FR',
      dueAt: new Date(Date.parse(followUp) + 2 * DAY_MS).toISOString(),
    });
    const report = await fromItaly('CASE_UPDATE', arrival.id, examplePayload('CASE_UPDATE'));
    expect(report.reply.envelope.type).toBe('DELIVERY_RECEIPT');
    expect((await settled(fr, caseRef, arrival.id, 'ANSWERED')).answerMessageId).toBe(report.id);
  });

  it('answers "who handles SOP 4 in MK?" in escalation order', async () => {
    const sop4 = await api(fr, 'GET', '/directory/contacts?country=MK&sop=4');
    expect(sop4.status).toBe(200);
    expect(sop4.body.nextCursor).toBeNull();
    expect(sop4.body.items).toEqual([
      {
        sop: 4,
        institution: 'Center for Social Work Skopje',
        role: 'case manager, return',
        country: 'MK',
        rank: 0,
      },
      {
        sop: 4,
        institution: 'Ministry of Social Policy',
        role: 'return coordinator',
        email: 'sop4@example.mk',
        country: 'MK',
        rank: 1,
      },
    ]);
    const sop1 = await api(mk, 'GET', '/directory/contacts?country=MK&sop=1');
    expect(
      sop1.body.items.map((c: { institution: string; rank: number }) => [c.rank, c.institution]),
    ).toEqual([
      [0, 'National Commission for Combating Trafficking'],
      [1, 'Ministry of Interior'],
      [2, 'Ministry of Social Policy'],
    ]);
    const frSop1 = await api(fr, 'GET', '/directory/contacts?country=FR&sop=1');
    expect(frSop1.body.items).toEqual([expect.objectContaining({ country: 'FR', rank: 0 })]);
    expect((await api(fr, 'GET', '/directory/contacts?country=MK&sop=2')).body.items).toEqual([]);
    expect(
      (await api(fr, 'GET', '/directory/contacts?sop=4')).body.items.map(
        (c: { country: string }) => c.country,
      ),
    ).toEqual(['MK', 'MK']);
    expect((await api(fr, 'GET', '/directory/contacts?country=ZZ')).status).toBe(404);
    expect((await api(fr, 'GET', '/directory/contacts?country=mk')).status).toBe(400);
    expect((await api(fr, 'GET', '/directory/contacts?sop=9')).status).toBe(400);
  });

  // Near the end: it moves FR's clock weeks ahead, so every expectation still open on FR goes overdue.
  it('keeps the arrival’s and the follow-up’s deadlines (the person’s dates) out of the audit details and the national events', async () => {
    // Off the hour, so no deadline derived from it falls on a round time.
    const { caseRef, plan, departure, followUp } = await planChildReturnToItaly(37 * 60_000);
    const fromItaly = async (type: MessageType, payload: object) => {
      const id = await italy.send({ type, to: 'FR', caseRef, inReplyTo: plan, payload });
      expect((await italy.replyTo(id)).envelope.type).toBe('DELIVERY_RECEIPT');
      return id;
    };
    const scheduler = fr.app!.get(ExpectationScheduler);
    const confirmation = await fromItaly(
      'RETURN_PLAN_CONFIRMATION',
      examplePayload('RETURN_PLAN_CONFIRMATION'),
    );
    const arrivalDue = (await settled(fr, caseRef, confirmation, 'OPEN')).dueAt;
    expect(await scheduler.tick(new Date(Date.parse(arrivalDue) + 1000))).toBeGreaterThanOrEqual(1);
    const awaitedArrival = await settled(fr, caseRef, confirmation, 'OVERDUE');
    const arrival = await fromItaly('ARRIVAL_CONFIRMATION', {
      ...examplePayload('ARRIVAL_CONFIRMATION'),
      followUpScheduled: followUp,
    });
    const followUpDue = (await settled(fr, caseRef, arrival, 'OPEN')).dueAt;
    expect(await scheduler.tick(new Date(Date.parse(followUpDue) + 1000))).toBeGreaterThanOrEqual(1);
    const awaitedReport = await settled(fr, caseRef, arrival, 'OVERDUE');

    // Anything naming the departure's or the follow-up's day, or the deadlines derived from them.
    const dates = [new Date(departure).toISOString(), arrivalDue, followUpDue, followUp].map((d) =>
      d.slice(0, 10),
    );
    const audit = await federation.query<{ action: string; details: Record<string, unknown> }>(
      'FR',
      `SELECT action, details FROM audit_log WHERE case_ref = $1 AND action LIKE 'EXPECTATION_%' ORDER BY seq`,
      [caseRef],
    );
    const overdue = audit.filter((a) => a.action === 'EXPECTATION_OVERDUE');
    expect(overdue.map((a) => a.details.expectationId)).toEqual([awaitedArrival.id, awaitedReport.id]);
    for (const entry of audit) {
      expect(entry.details).not.toHaveProperty('dueAt');
      for (const date of dates) expect(JSON.stringify(entry.details)).not.toContain(date);
    }
    const mine = await eventually(
      async () => {
        const found = published.filter((p) =>
          [awaitedArrival.id, awaitedReport.id].includes(p.body.expectationId as string),
        );
        return found.filter((p) => p.routingKey === 'event.expectation.overdue').length >= 2
          ? found
          : undefined;
      },
      10_000,
      'the overdue events of the arrival and the follow-up',
    );
    for (const event of mine) {
      expect(event.body).toMatchObject({ caseRef, owedBy: 'IT', direction: 'AWAITED' });
      expect(event.body).not.toHaveProperty('dueAt');
      for (const date of dates) expect(event.raw).not.toContain(date);
    }
    expect(mine.map((p) => p.body.requestType)).toEqual(
      expect.arrayContaining(['RETURN_PLAN_CONFIRMATION', 'ARRIVAL_CONFIRMATION']),
    );
  });

  it('refuses bad filters and unknown cases with a clear error', async () => {
    expect((await api(fr, 'GET', '/expectations?status=LATE')).status).toBe(400);
    expect((await api(fr, 'GET', '/expectations?limit=0')).status).toBe(400);
    expect((await api(fr, 'GET', '/cases/TRM-FR-2026-999999/expectations')).status).toBe(404);
    expect((await api(fr, 'GET', '/cases/nope/expectations')).status).toBe(400);
  });
});
