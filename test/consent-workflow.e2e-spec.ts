import { DataSource } from 'typeorm';
import { examplePayload } from '../src/messages/examples';
import { isExtensionType, MESSAGE_TYPES } from '../src/messages/message-types';
import { MessageRecordEntity } from '../src/transfers/message-record.entity';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { expectInstant } from './support/assertions';
import { ForeignPeer } from './support/foreign-peer';
import { startFrMkItaly, stopFrMkItaly } from './support/fr-mk-italy';
import {
  api,
  messageStatus,
  openCase,
  openSharableCase,
  recordAssessment,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from './support/node-api';

/**
 * Issue 18, "Consent and workflow", on real nodes: what a withdrawal does to a closure already queued and to
 * the expectations towards a country it could not tell, the acknowledgement of an alert sent on
 * VITAL_INTEREST, age consistency, and identification recorded on another country's case.
 */
describe('consent and workflow gaps (real PostgreSQL and RabbitMQ)', () => {
  // Italy accepts every v1 type but CONSENT_WITHDRAWN: a withdrawal cannot be sent to it.
  const federation = new LocalFederation({
    codes: ['FR', 'MK', 'IT'],
    logLevel: 'error',
    participants: {
      // FR and MK announce the extension; Italy does not (and takes no withdrawal).
      FR: { accepts: [...MESSAGE_TYPES] },
      MK: { accepts: [...MESSAGE_TYPES] },
      IT: {
        accepts: MESSAGE_TYPES.filter((type) => type !== 'CONSENT_WITHDRAWN' && !isExtensionType(type)),
      },
    },
  });
  let fr: RunningNode;
  let mk: RunningNode;
  let italy: ForeignPeer;

  beforeAll(async () => {
    ({ fr, mk, italy } = await startFrMkItaly(federation));
  });

  afterAll(() => stopFrMkItaly(federation, italy));

  /** The stored record of a message on a node, its payload opened by the node's own field encryption. */
  async function storedRecord(node: RunningNode, id: string): Promise<MessageRecordEntity | null> {
    return node.app!.get(DataSource).manager.findOneBy(MessageRecordEntity, { id });
  }

  interface ExpectationView {
    requestMessageId: string;
    status: string;
    answerMessageId: string | null;
    answerType: string | null;
    cancelReason: string | null;
    cancelledAt: string | null;
  }

  async function expectationOf(node: RunningNode, requestId: string): Promise<ExpectationView> {
    const listed = await api(node, 'GET', '/expectations?limit=500');
    return (listed.body.items as ExpectationView[]).find((e) => e.requestMessageId === requestId)!;
  }

  /** FR again, its relay off or on: with it off, what is committed stays in the outbox, as when the broker is down. */
  async function restartFr(options: { outboxRelay?: boolean } = {}): Promise<void> {
    await federation.stop('FR');
    fr = await federation.start('FR', options);
  }

  const summary = 'Reintegration programme completed; follow-up checks all positive.';

  /** A CASE_UPDATE, then the CASE_CLOSED with its free-text summary: both queued at FR for MK, under live consent. */
  async function queueUpdateAndClosure(caseRef: string): Promise<{ updateId: string; closureId: string }> {
    const update = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(update.status).toBe(202);
    const closed = await api(fr, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED', summary });
    expect(closed.status).toBe(202);
    // Consent was live when the closure was queued: it carried the summary.
    expect(closed.body.notified).toEqual([{ country: 'MK', messageId: expect.any(String) }]);
    return { updateId: update.body.id as string, closureId: closed.body.notified[0].messageId as string };
  }

  describe('a CASE_CLOSED queued before a withdrawal', () => {
    afterAll(() => restartFr());

    it('leaves without its free-text summary, under the same id, re-signed; the update queued beside it is cancelled', async () => {
      await restartFr({ outboxRelay: false });
      const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
      const consentId = await recordConsent(fr, caseRef, { recipients: ['MK'] });
      await recordAssessment(fr, caseRef);
      const { updateId, closureId } = await queueUpdateAndClosure(caseRef);
      expect(((await storedRecord(fr, closureId))!.payload as { summary?: string }).summary).toBe(summary);
      const [before] = await federation.query<{ body_len: number }>(
        'FR',
        `SELECT octet_length(body)::int AS body_len FROM outbox WHERE message_id = $1`,
        [closureId],
      );

      const withdrawal = await api(fr, 'POST', `/cases/${caseRef}/consents/${consentId}/withdraw`);
      expect(withdrawal.status).toBe(200);
      expect(withdrawal.body.cancelled).toEqual([
        { messageId: updateId, type: 'CASE_UPDATE', country: 'MK' },
      ]);
      expect(withdrawal.body.redacted).toEqual([
        { messageId: closureId, type: 'CASE_CLOSED', country: 'MK', fields: ['summary'] },
      ]);
      expect(((await storedRecord(fr, closureId))!.payload as { summary?: string }).summary).toBeUndefined();
      const outboxRows = await federation.query<{ body_len: number }>(
        'FR',
        `SELECT octet_length(body)::int AS body_len FROM outbox WHERE message_id = $1`,
        [closureId],
      );
      // One row still, shorter by the summary it no longer seals.
      expect(outboxRows).toHaveLength(1);
      expect(outboxRows[0].body_len).toBeLessThan(before.body_len);
      const audited = await federation.query<{ reason_code: string; details: { redacted: string[] } }>(
        'FR',
        `SELECT reason_code, details FROM audit_log WHERE message_id = $1 AND action = 'MESSAGE_REDACTED'`,
        [closureId],
      );
      expect(audited).toEqual([
        { reason_code: 'CONSENT_WITHDRAWN', details: { consentId, redacted: ['summary'] } },
      ]);

      await restartFr();
      // MK verifies the new signature and seal and stores the closure, without the summary.
      await waitDelivered(fr, closureId);
      const atMk = await storedRecord(mk, closureId);
      expect(atMk!.type).toBe('CASE_CLOSED');
      expect(atMk!.payload).toEqual({ reason: 'COMPLETED' });
      await waitDelivered(fr, withdrawal.body.notified[0].messageId);
      expect(await storedRecord(mk, updateId)).toBeNull();
    });
  });

  describe('a CASE_CLOSED the relay had already taken when consent was withdrawn', () => {
    afterAll(() => restartFr());

    it('is in flight: it leaves as it was, summary included, and the withdrawal neither waits for it nor touches it', async () => {
      await restartFr({ outboxRelay: false });
      const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
      const consentId = await recordConsent(fr, caseRef, { recipients: ['MK'] });
      const { updateId, closureId } = await queueUpdateAndClosure(caseRef);

      // A relay's claim: the row locked in a transaction that is still publishing.
      const relay = fr.app!.get(DataSource).createQueryRunner();
      await relay.connect();
      await relay.startTransaction();
      try {
        const claimed: unknown[] = await relay.query(
          `SELECT id FROM outbox WHERE message_id = $1 AND published_at IS NULL FOR UPDATE`,
          [closureId],
        );
        expect(claimed).toHaveLength(1);
        const withdrawal = await api(fr, 'POST', `/cases/${caseRef}/consents/${consentId}/withdraw`);
        expect(withdrawal.status).toBe(200);
        expect(withdrawal.body.redacted).toEqual([]);
        expect(withdrawal.body.cancelled).toEqual([
          { messageId: updateId, type: 'CASE_UPDATE', country: 'MK' },
        ]);
      } finally {
        await relay.rollbackTransaction();
        await relay.release();
      }
      expect(((await storedRecord(fr, closureId))!.payload as { summary?: string }).summary).toBe(summary);
      await restartFr();
      await waitDelivered(fr, closureId);
      expect(((await storedRecord(mk, closureId))!.payload as { summary?: string }).summary).toBe(summary);
    });
  });

  describe('expectations towards a country the withdrawal could not tell', () => {
    it('are cancelled with a reason, audited and shown; an alert’s acknowledgement stays owed', async () => {
      const caseRef = await openSharableCase(fr);
      const consents = await api(fr, 'GET', `/cases/${caseRef}/consents`);
      const consentId = consents.body.items[0].consentId as string;
      const request = await sendMessage(fr, caseRef, {
        type: 'RISK_ASSESSMENT_REQUEST',
        to: 'IT',
        payload: examplePayload('RISK_ASSESSMENT_REQUEST'),
      });
      expect(request.status).toBe(202);
      const alert = await sendMessage(fr, caseRef, {
        type: 'EMERGENCY_ALERT',
        to: 'IT',
        legalBasis: 'VITAL_INTEREST',
        payload: examplePayload('EMERGENCY_ALERT'),
      });
      expect(alert.status).toBe(202);
      expect((await expectationOf(fr, request.body.id)).status).toBe('OPEN');

      const withdrawnFrom = Date.now();
      const withdrawal = await api(fr, 'POST', `/cases/${caseRef}/consents/${consentId}/withdraw`);
      expect(withdrawal.status).toBe(200);
      expect(withdrawal.body.notNotified).toEqual([
        { country: 'IT', reasonCode: 'NOT_ACCEPTED', reason: expect.any(String) },
      ]);

      const ended = await expectationOf(fr, request.body.id);
      expect(ended).toMatchObject({ status: 'CANCELLED', cancelReason: 'CONSENT_WITHDRAWN_UNTOLD' });
      expectInstant(ended.cancelledAt, withdrawnFrom);
      const cancelledList = await api(fr, 'GET', '/expectations?status=CANCELLED&limit=500');
      expect((cancelledList.body.items as ExpectationView[]).map((e) => e.requestMessageId)).toContain(
        request.body.id,
      );
      expect(await expectationOf(fr, alert.body.id)).toMatchObject({ status: 'OPEN', cancelReason: null });
      const audited = await federation.query<{ counterpart: string; reason_code: string; details: unknown }>(
        'FR',
        `SELECT counterpart, reason_code, details FROM audit_log WHERE case_ref = $1 AND action = 'EXPECTATIONS_CANCELLED'`,
        [caseRef],
      );
      const [expectationId] = (
        await federation.query<{ id: string }>(
          'FR',
          `SELECT id FROM expectations WHERE request_message_id = $1`,
          [request.body.id],
        )
      ).map((row) => row.id);
      expect(audited).toEqual([
        {
          counterpart: 'IT',
          reason_code: 'CONSENT_WITHDRAWN_UNTOLD',
          details: { expectations: [expectationId] },
        },
      ]);
    });
  });

  describe('age consistency', () => {
    const person = (dateOfBirth: string) => ({ ...examplePayload('REFERRAL_REQUEST').person, dateOfBirth });
    const yearsAgo = (years: number, days = 0) => {
      const date = new Date(Date.now() - days * 86_400_000);
      date.setUTCFullYear(date.getUTCFullYear() - years);
      return date.toISOString().slice(0, 10);
    };

    it.each([
      [
        'a documented child born more than 18 years ago',
        { status: 'DOCUMENTED_CHILD' },
        yearsAgo(19),
        'age.status',
        'a documented child cannot have a person.dateOfBirth 18 or more years ago',
      ],
      [
        'an ageNow that disagrees with the date of birth',
        { status: 'PRESUMED_CHILD', ageNow: 12 },
        yearsAgo(15, 30),
        'age.ageNow',
        'ageNow disagrees with person.dateOfBirth',
      ],
    ])(
      'refuses %s: 422 with the field at the sender, SCHEMA_INVALID at a receiver, never the value',
      async (_name, age, dateOfBirth, path, constraint) => {
        const caseRef = await openSharableCase(fr);
        const payload = { ...examplePayload('REFERRAL_REQUEST'), age, person: person(dateOfBirth) };
        const refused = await sendMessage(fr, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK', payload });
        expect(refused.status).toBe(422);
        expect(refused.body.fields).toEqual([{ path, constraints: [`ageConsistent: ${constraint}`] }]);
        expect(JSON.stringify(refused.body)).not.toContain(dateOfBirth);
        expect(
          await federation.query('FR', `SELECT id FROM messages WHERE case_ref = $1`, [caseRef]),
        ).toEqual([]);

        const fromItaly = await italy.send({
          type: 'REFERRAL_REQUEST',
          to: 'MK',
          caseRef: `TRM-IT-2026-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
          payload,
        });
        const reply = await italy.replyTo(fromItaly);
        expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
        expect(reply.payload.reasonCode).toBe('SCHEMA_INVALID');
        expect(reply.payload.reason).toContain(`${path}: ageConsistent: ${constraint}`);
        expect(reply.payload.reason).not.toContain(dateOfBirth);
      },
    );
  });

  describe('the acknowledgement of an emergency alert (extension EMERGENCY_ALERT_ACKNOWLEDGEMENT)', () => {
    const acknowledgement = examplePayload('EMERGENCY_ALERT_ACKNOWLEDGEMENT');

    async function alertOnVitalInterest(from: RunningNode, to: string): Promise<[string, string]> {
      // No consent on the case at all: the alert is the one transfer without it.
      const caseRef = await openCase(from);
      const alert = await sendMessage(from, caseRef, {
        type: 'EMERGENCY_ALERT',
        to,
        legalBasis: 'VITAL_INTEREST',
        payload: examplePayload('EMERGENCY_ALERT'),
      });
      expect(alert.status).toBe(202);
      return [caseRef, alert.body.id as string];
    }

    it('answers an alert sent on VITAL_INTEREST, on the same basis: delivered, both expectations answered, flagged for review', async () => {
      const [caseRef, alertId] = await alertOnVitalInterest(fr, 'MK');
      await waitDelivered(fr, alertId);
      expect((await expectationOf(mk, alertId)).status).toBe('OPEN');
      // MK holds no consent record on FR's case: a CASE_UPDATE could not answer.
      const update = await sendMessage(mk, caseRef, {
        type: 'CASE_UPDATE',
        to: 'FR',
        inReplyTo: alertId,
        payload: examplePayload('CASE_UPDATE'),
      });
      expect(update.status).toBe(422);
      expect(update.body.reasons[0].code).toBe('CONSENT_INSUFFICIENT');

      const ack = await sendMessage(mk, caseRef, {
        type: 'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
        to: 'FR',
        legalBasis: 'VITAL_INTEREST',
        inReplyTo: alertId,
        payload: acknowledgement,
      });
      expect(ack.status).toBe(202);
      await waitDelivered(mk, ack.body.id);
      for (const node of [fr, mk]) {
        expect(await expectationOf(node, alertId)).toMatchObject({
          status: 'ANSWERED',
          answerMessageId: ack.body.id,
          answerType: 'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
        });
      }
      const atFr = await storedRecord(fr, ack.body.id);
      expect(atFr).toMatchObject({ legalBasis: 'VITAL_INTEREST', consent: null, inReplyTo: alertId });
      expect(atFr!.payload).toEqual(acknowledgement);
      const queued = await federation.query<{ details: { review?: string } }>(
        'MK',
        `SELECT details FROM audit_log WHERE message_id = $1 AND action = 'MESSAGE_QUEUED'`,
        [ack.body.id],
      );
      expect(queued[0].details.review).toBe('VITAL_INTEREST');
    });

    it('goes on VITAL_INTEREST only for an alert that itself went on it: otherwise refused, 422 at the sender', async () => {
      const caseRef = await openCase(fr);
      await recordConsent(fr, caseRef, { recipients: ['MK'] });
      const alert = await sendMessage(fr, caseRef, {
        type: 'EMERGENCY_ALERT',
        to: 'MK',
        payload: examplePayload('EMERGENCY_ALERT'),
      });
      expect(alert.status).toBe(202);
      await waitDelivered(fr, alert.body.id);
      const refused = await sendMessage(mk, caseRef, {
        type: 'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
        to: 'FR',
        legalBasis: 'VITAL_INTEREST',
        inReplyTo: alert.body.id,
        payload: acknowledgement,
      });
      expect(refused.status).toBe(422);
      expect(refused.body.reasons).toEqual([
        expect.objectContaining({
          code: 'CONSENT_INSUFFICIENT',
          message: expect.stringContaining('VITAL_INTEREST'),
        }),
      ]);
      // Nor does VITAL_INTEREST stretch to any other type, whatever it answers.
      const update = await sendMessage(mk, caseRef, {
        type: 'CASE_UPDATE',
        to: 'FR',
        legalBasis: 'VITAL_INTEREST',
        inReplyTo: alert.body.id,
        payload: examplePayload('CASE_UPDATE'),
      });
      expect(update.status).toBe(422);
      expect(
        await federation.query(
          'MK',
          `SELECT id FROM messages WHERE case_ref = $1 AND direction = 'OUTBOUND' AND type <> 'DELIVERY_RECEIPT'`,
          [caseRef],
        ),
      ).toEqual([]);
    });

    it('a receiver rejects one on VITAL_INTEREST that answers no alert it sent the sender on that basis, and takes one that does', async () => {
      // FR alerted MK, not Italy: Italy cannot use that alert to send FR anything without consent.
      const [caseRef, alertToMk] = await alertOnVitalInterest(fr, 'MK');
      const toItaly = await sendMessage(fr, caseRef, {
        type: 'EMERGENCY_ALERT',
        to: 'IT',
        legalBasis: 'VITAL_INTEREST',
        payload: examplePayload('EMERGENCY_ALERT'),
      });
      expect(toItaly.status).toBe(202);
      // FR records its alert as it queues it: that is what the acknowledgement is checked against.
      const alertToItaly = toItaly.body.id as string;
      const draft = (inReplyTo: string) => ({
        type: 'EMERGENCY_ALERT_ACKNOWLEDGEMENT' as const,
        to: 'FR',
        caseRef,
        inReplyTo,
        legalBasis: 'VITAL_INTEREST',
        override: { consent: undefined },
        payload: acknowledgement,
      });
      const stray = await italy.send(draft(alertToMk));
      const rejected = await italy.replyTo(stray);
      expect(rejected.envelope.type).toBe('DELIVERY_REJECTED');
      expect(rejected.payload.reasonCode).toBe('CONSENT_INSUFFICIENT');
      expect(await storedRecord(fr, stray)).toBeNull();

      const answer = await italy.send(draft(alertToItaly));
      expect((await italy.replyTo(answer)).envelope.type).toBe('DELIVERY_RECEIPT');
      expect(await expectationOf(fr, alertToItaly)).toMatchObject({
        status: 'ANSWERED',
        answerMessageId: answer,
      });
    });

    it('is never sent to a participant whose accepts does not list it', async () => {
      const caseRef = `TRM-IT-2026-${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
      const alert = await italy.send({
        type: 'EMERGENCY_ALERT',
        to: 'FR',
        caseRef,
        legalBasis: 'VITAL_INTEREST',
        override: { consent: undefined },
        payload: examplePayload('EMERGENCY_ALERT'),
      });
      expect((await italy.replyTo(alert)).envelope.type).toBe('DELIVERY_RECEIPT');
      const refused = await sendMessage(fr, caseRef, {
        type: 'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
        to: 'IT',
        legalBasis: 'VITAL_INTEREST',
        inReplyTo: alert,
        payload: acknowledgement,
      });
      expect(refused.status).toBe(422);
      expect(refused.body.reasons).toEqual([
        expect.objectContaining({
          code: 'NOT_ACCEPTED',
          message: 'IT does not accept EMERGENCY_ALERT_ACKNOWLEDGEMENT',
        }),
      ]);
    });
  });

  describe('identification on another country’s case', () => {
    it('MK records its own decision on FR’s case for MK’s gates; FR’s status, and its refusal of a return, stay FR’s', async () => {
      const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFICATION_IN_PROGRESS' });
      await recordConsent(fr, caseRef, { recipients: ['MK'] });
      await recordAssessment(fr, caseRef);
      await recordGuardian(fr, caseRef);
      const referral = await sendMessage(fr, caseRef, {
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        payload: {
          ...examplePayload('REFERRAL_REQUEST'),
          identificationStatus: 'IDENTIFICATION_IN_PROGRESS',
        },
      });
      expect(referral.status).toBe(202);
      await waitDelivered(fr, referral.body.id);
      expect((await api(mk, 'GET', `/cases/${caseRef}`)).body.case.identificationStatus).toBe(
        'IDENTIFICATION_IN_PROGRESS',
      );

      // MK's gates follow the owner's status until MK decides: no return plan from MK either.
      await recordConsent(mk, caseRef, { recipients: ['FR'] });
      await recordAssessment(mk, caseRef);
      await recordGuardian(mk, caseRef);
      const plan = { type: 'RETURN_PLAN', to: 'FR', payload: examplePayload('RETURN_PLAN') };
      const blocked = await sendMessage(mk, caseRef, plan);
      expect(blocked.status).toBe(422);
      expect(JSON.stringify(blocked.body.reasons)).toContain('identification is in progress');

      const invalid = await api(mk, 'PUT', `/cases/${caseRef}/identification`, { status: 'VICTIM' });
      expect(invalid.status).toBe(400);
      const decided = await api(mk, 'PUT', `/cases/${caseRef}/identification`, {
        status: 'IDENTIFIED_VICTIM',
      });
      expect(decided.status).toBe(200);
      expect(decided.body).toMatchObject({
        identificationStatus: 'IDENTIFICATION_IN_PROGRESS',
        ownIdentificationStatus: 'IDENTIFIED_VICTIM',
      });
      const audited = await federation.query<{ actor: string; details: unknown }>(
        'MK',
        `SELECT actor, details FROM audit_log WHERE case_ref = $1 AND action = 'CASE_IDENTIFICATION_STATUS_SET' AND details->>'target' = 'OWN_VIEW'`,
        [caseRef],
      );
      expect(audited).toEqual([
        {
          actor: expect.stringContaining('coordinator'),
          // The change's entry in the identification history (which keeps its reason) is named by id.
          details: { from: null, to: 'IDENTIFIED_VICTIM', target: 'OWN_VIEW', factId: expect.any(String) },
        },
      ]);
      const workflow = (await api(mk, 'GET', `/cases/${caseRef}`)).body.workflow;
      expect(workflow.identification).toEqual({
        owner: 'IDENTIFICATION_IN_PROGRESS',
        own: 'IDENTIFIED_VICTIM',
        forGates: 'IDENTIFIED_VICTIM',
      });

      // MK's own gate now lets the plan go; FR's node, where only FR changes the status, refuses it.
      const sent = await sendMessage(mk, caseRef, plan);
      expect(sent.status).toBe(202);
      const rejected = await eventually(
        async () => {
          const status = await messageStatus(mk, sent.body.id);
          return status.status === 'REJECTED' ? status : undefined;
        },
        20_000,
        'the plan rejected by FR',
      );
      expect(rejected.reasonCode).toBe('POLICY_DENIED');
      expect(rejected.reason).toContain('no return or removal while identification is in progress');
      const atFr = (await api(fr, 'GET', `/cases/${caseRef}`)).body.case;
      expect(atFr).toMatchObject({
        identificationStatus: 'IDENTIFICATION_IN_PROGRESS',
        ownIdentificationStatus: null,
      });
      const fromFr = await sendMessage(fr, caseRef, { ...plan, to: 'MK' });
      expect(fromFr.status).toBe(422);

      // FR, the owner, decides on its own case: its status changes.
      const own = await api(fr, 'PUT', `/cases/${caseRef}/identification`, { status: 'IDENTIFIED_VICTIM' });
      expect(own.body).toMatchObject({
        identificationStatus: 'IDENTIFIED_VICTIM',
        ownIdentificationStatus: null,
      });
    });
  });
});
