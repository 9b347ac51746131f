import { examplePayload } from '../src/messages/examples';
import { requiredRequests } from '../src/cases/case-lifecycle.policy';
import {
  isInReplyToRequired,
  MESSAGE_TYPES,
  MessageType,
  TECHNICAL_TYPES,
} from '../src/messages/message-types';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { ForeignPeer } from './support/foreign-peer';
import { startFrMkItaly, stopFrMkItaly } from './support/fr-mk-italy';
import { expectInstant } from './support/assertions';
import {
  api,
  openCase,
  openSharableCase,
  recordConsent,
  sendMessage,
  waitDelivered,
} from './support/node-api';

/**
 * The transfer core against the real PostgreSQL and RabbitMQ: FR and MK are trm-broker nodes, IT is a
 * participant written straight from PROTOCOL.md with plain amqplib (interoperability).
 */
describe('transfer core (real PostgreSQL and RabbitMQ)', () => {
  // FR and MK announce the extension types too (docs/protocol.md, "Extensions"), so every type travels.
  const federation = new LocalFederation({
    codes: ['FR', 'MK', 'IT'],
    logLevel: 'error',
    participants: { FR: { accepts: [...MESSAGE_TYPES] }, MK: { accepts: [...MESSAGE_TYPES] } },
  });
  let fr: RunningNode;
  let mk: RunningNode;
  let italy: ForeignPeer;

  beforeAll(async () => {
    ({ fr, mk, italy } = await startFrMkItaly(federation));
  });

  afterAll(() => stopFrMkItaly(federation, italy));

  const businessTypes = MESSAGE_TYPES.filter(
    (t) => !(TECHNICAL_TYPES as readonly string[]).includes(t) && t !== 'CASE_CLOSED',
  );

  it('carries a referral FR → MK and brings the receipt back', async () => {
    const caseRef = await openSharableCase(fr);
    expect(caseRef).toMatch(/^TRM-FR-\d{4}-\d{6}$/);
    const queuedAt = Date.now();
    const sent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect(sent.status).toBe(202);
    expect(sent.body.status).toBe('QUEUED');

    const delivered = await waitDelivered(fr, sent.body.id);
    expectInstant(delivered.sentAt, queuedAt);
    expectInstant(delivered.deliveredAt, delivered.sentAt!);

    const atMk = await api(mk, 'GET', `/cases/${caseRef}`);
    expect(atMk.status).toBe(200);
    const received = atMk.body.messages.find((m: { id: string }) => m.id === sent.body.id);
    expect(received).toMatchObject({
      direction: 'INBOUND',
      type: 'REFERRAL_REQUEST',
      counterpart: 'FR',
      status: 'ACCEPTED',
    });
    expect(received.payload.person.familyName).toBe('Petrovska');
    const receipt = atMk.body.messages.find((m: { type: string }) => m.type === 'DELIVERY_RECEIPT');
    expect(receipt).toMatchObject({ direction: 'OUTBOUND', inReplyTo: sent.body.id, counterpart: 'FR' });
  });

  it.each(businessTypes)(
    'accepts a valid %s end to end and rejects an invalid one with field-level reasons',
    async (type) => {
      const caseRef = await openSharableCase(fr);
      // An answer needs its request on the case (case lifecycle): FR asks, and MK answers.
      const [request] = requiredRequests(type);
      let sender = fr;
      let to = 'MK';
      // An alert's acknowledgement names the alert it answers.
      let inReplyTo: string | undefined;
      if (request) {
        const asked = await sendMessage(fr, caseRef, {
          type: request,
          to: 'MK',
          payload: examplePayload(request),
        });
        expect(asked.status).toBe(202);
        await waitDelivered(fr, asked.body.id, 20_000);
        // An alert's acknowledgement and the extensions' answers name their request.
        if (isInReplyToRequired(type)) inReplyTo = asked.body.id;
        await recordConsent(mk, caseRef, { recipients: ['FR'] });
        [sender, to] = [mk, 'FR'];
        // An arrival follows the plan's accepted confirmation (the return handshake in order).
        if (type === 'ARRIVAL_CONFIRMATION') {
          const confirmed = await sendMessage(mk, caseRef, {
            type: 'RETURN_PLAN_CONFIRMATION',
            to: 'FR',
            payload: examplePayload('RETURN_PLAN_CONFIRMATION'),
          });
          expect(confirmed.status).toBe(202);
        }
      }
      const bad = await sendMessage(sender, caseRef, {
        type,
        to,
        payload: { ...examplePayload(type), unexpectedField: 1 },
      });
      expect(bad.status).toBe(422);
      expect(bad.body.fields.map((f: { path: string }) => f.path)).toContain('unexpectedField');

      const good = await sendMessage(sender, caseRef, {
        type,
        to,
        inReplyTo,
        payload: examplePayload(type),
        legalBasis: type === 'EMERGENCY_ALERT' ? 'VITAL_INTEREST' : 'CONSENT',
      });
      expect(good.status).toBe(202);
      await waitDelivered(sender, good.body.id, 20_000);
    },
  );

  it('answers an inbound payload that breaks its schema with DELIVERY_REJECTED naming the field', async () => {
    const payload = examplePayload('REFERRAL_REQUEST') as unknown as Record<string, unknown>;
    const id = await italy.send({
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      caseRef: 'TRM-IT-2026-000001',
      payload: { ...payload, identificationStatus: 'MAYBE' },
    });
    const reply = await italy.replyTo(id);
    expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
    expect(reply.payload.reasonCode).toBe('SCHEMA_INVALID');
    expect(reply.payload.reason).toContain('identificationStatus');
  });

  it('accepts a message from software that only follows PROTOCOL.md, and answers with a receipt it can open', async () => {
    const id = await italy.send({
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      caseRef: 'TRM-IT-2026-000002',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    const reply = await italy.replyTo(id);
    expect(reply.envelope).toMatchObject({
      type: 'DELIVERY_RECEIPT',
      from: 'MK',
      to: 'IT',
      caseRef: 'TRM-IT-2026-000002',
      legalBasis: 'NONE',
    });
    expect(reply.payload.messageId).toBe(id);
  });

  it('refuses over HTTP a recipient outside the directory and an unknown case', async () => {
    const caseRef = await openSharableCase(fr);
    const unknownPeer = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'ZZ',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(unknownPeer.status).toBe(422);
    expect(unknownPeer.body.reasons[0].code).toBe('NOT_ACCEPTED');
    const noCase = await sendMessage(fr, 'TRM-FR-2026-999999', {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(noCase.status).toBe(422);
    const badBody = await api(fr, 'POST', `/cases/${caseRef}/messages`, {
      type: 'NOPE',
      to: 'mk',
      legalBasis: 'CONSENT',
      payload: {},
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(['to', 'type']);
  });

  it('refuses over HTTP a message that would exceed the receivers’ size limit once sealed, storing nothing', async () => {
    const caseRef = await openSharableCase(fr);
    // Valid, and under the HTTP body limit: 3-byte characters, then base64 in the sealed envelope (×4/3).
    const text = (i: number): string => `${'漢'.repeat(490)}${i}`;
    const payload = examplePayload('REFERRAL_REQUEST');
    payload.assistanceNeeds = Array.from({ length: 50 }, (_, i) => text(i));
    payload.medical!.conditions = Array.from({ length: 50 }, (_, i) => text(i));
    payload.medical!.vulnerabilities = Array.from({ length: 50 }, (_, i) => text(i));
    const tooLarge = await sendMessage(fr, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK', payload });
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body.fields).toEqual([
      { path: 'payload', constraints: [expect.stringMatching(/^maxMessageBytes: .* at most 262144 /)] },
    ]);
    const stored = await federation.query('FR', `SELECT 1 FROM messages WHERE case_ref = $1`, [caseRef]);
    expect(stored).toEqual([]);
  });

  it('attaches the case’s live consent record as the envelope’s consent summary, kept by the receiver', async () => {
    const caseRef = await openCase(fr);
    const consentId = await recordConsent(fr, caseRef, { scopes: ['SHARE_IDENTITY'], recipients: ['MK'] });
    const sent = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    const stored = await eventually(async () => {
      const rows = await federation.query<{ consent: unknown }>(
        'MK',
        'SELECT consent FROM messages WHERE id = $1',
        [sent.body.id],
      );
      return rows[0];
    });
    expect(stored.consent).toMatchObject({
      consentId,
      scopes: ['SHARE_IDENTITY'],
      recipients: ['MK'],
      givenBy: 'GUARDIAN',
    });
  });
});

export type { MessageType };
