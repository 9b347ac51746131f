import { examplePayload } from '../src/messages/examples';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { auditHead, auditRows } from './support/audit-tools';
import { CONSENT, ForeignPeer } from './support/foreign-peer';
import { startFrMkItaly, stopFrMkItaly } from './support/fr-mk-italy';
import {
  api,
  messageStatus,
  openSharableCase,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from './support/node-api';

/**
 * Use restrictions (docs/protocol.md, "Use restrictions") between real nodes: FR shares a case with MK under
 * NO_ONWARD_SHARING; MK stores it with the data, refuses to send the case's personal data on to Italy,
 * shows it on the case and audits the read; a restriction MK does not know is rejected at the wire; and
 * Italy, which knows PROTOCOL.md alone and announces nothing, is never sent one.
 */
describe('use restrictions (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({
    codes: ['FR', 'MK', 'IT'],
    logLevel: 'error',
    participants: {
      FR: { extensions: ['USE_RESTRICTIONS'] },
      MK: { extensions: ['USE_RESTRICTIONS'] },
    },
  });
  let fr: RunningNode;
  let mk: RunningNode;
  let italy: ForeignPeer;

  beforeAll(async () => {
    ({ fr, mk, italy } = await startFrMkItaly(federation));
  }, 180_000);

  afterAll(() => stopFrMkItaly(federation, italy));

  const referral = async (restrictions?: string[]) => {
    const caseRef = await openSharableCase(fr);
    const sent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
      ...(restrictions ? { restrictions } : {}),
    } as Parameters<typeof sendMessage>[2]);
    expect({ status: sent.status, body: sent.status === 202 ? null : sent.body }).toEqual({
      status: 202,
      body: null,
    });
    await waitDelivered(fr, sent.body.id, 20_000);
    // MK's own consent (naming FR and IT) and the child's guardian: only a restriction can stand in the way.
    await recordConsent(mk, caseRef);
    await recordGuardian(mk, caseRef);
    return { caseRef, id: sent.body.id as string };
  };

  const update = { type: 'CASE_UPDATE', payload: { sop: 3, summary: 'Shelter place confirmed.' } };

  it('FR → MK under NO_ONWARD_SHARING: MK stores it, refuses to send the case on to IT, may answer FR', async () => {
    const { caseRef } = await referral(['NO_ONWARD_SHARING', 'NO_IMMIGRATION_ENFORCEMENT']);

    const onward = await sendMessage(mk, caseRef, { ...update, to: 'IT' });
    expect(onward.status).toBe(422);
    expect(onward.body.code).toBe('POLICY_REFUSED');
    expect(onward.body.reasons).toEqual([
      {
        code: 'POLICY_DENIED',
        rule: 'RESTRICTION_NO_ONWARD_SHARING',
        message: "FR shared this case's data under NO_ONWARD_SHARING: it may not go on to IT",
      },
    ]);
    const refused = await auditRows(federation, 'MK', 'MESSAGE_REFUSED', { caseRef });
    expect(refused.map((r) => r.details.rules)).toEqual([['RESTRICTION_NO_ONWARD_SHARING']]);

    // Back to the country that restricted it is no onward sharing.
    const back = await sendMessage(mk, caseRef, { ...update, to: 'FR' });
    expect({ status: back.status, body: back.status === 202 ? null : back.body }).toEqual({
      status: 202,
      body: null,
    });
    await waitDelivered(mk, back.body.id, 20_000);
  });

  it('shows the case’s restrictions on the case file, and audits the read with them', async () => {
    const { caseRef, id } = await referral(['NO_ONWARD_SHARING']);
    const before = await auditHead(federation, 'MK');
    const file = await api(mk, 'GET', `/cases/${caseRef}`);
    expect(file.status).toBe(200);
    expect(file.body.restrictions).toEqual({ FR: ['NO_ONWARD_SHARING'] });
    expect(file.body.messages.find((m: { id: string }) => m.id === id).restrictions).toEqual([
      'NO_ONWARD_SHARING',
    ]);
    const reads = await auditRows(federation, 'MK', 'PERSONAL_DATA_READ', { caseRef, afterSeq: before });
    expect(reads.map((r) => r.details.restrictions)).toEqual([{ FR: ['NO_ONWARD_SHARING'] }]);
    // The sender's own audit says what it put on the data.
    const queued = await auditRows(federation, 'FR', 'MESSAGE_QUEUED', { caseRef });
    expect(queued.map((r) => r.details.restrictions)).toEqual([['NO_ONWARD_SHARING']]);
  });

  it('a case shared without restrictions goes on to IT as before, and its read is audited without any', async () => {
    const { caseRef } = await referral();
    const file = await api(mk, 'GET', `/cases/${caseRef}`);
    expect(file.body.restrictions).toEqual({});
    const reads = await auditRows(federation, 'MK', 'PERSONAL_DATA_READ', { caseRef });
    expect(reads.map((r) => r.details.restrictions)).toEqual([undefined]);
    const onward = await sendMessage(mk, caseRef, { ...update, to: 'IT' });
    expect({ status: onward.status, body: onward.status === 202 ? null : onward.body }).toEqual({
      status: 202,
      body: null,
    });
  });

  it('never puts restrictions on a message to a participant that does not announce them (IT: PROTOCOL.md alone)', async () => {
    const caseRef = await openSharableCase(fr);
    const sent = await sendMessage(fr, caseRef, {
      ...update,
      to: 'IT',
      restrictions: ['ASSISTANCE_ONLY'],
    } as Parameters<typeof sendMessage>[2]);
    expect(sent.status).toBe(422);
    expect(sent.body.reasons).toContainEqual(
      expect.objectContaining({ code: 'NOT_ACCEPTED', rule: 'RESTRICTION_NOT_ANNOUNCED' }),
    );
    // Without them it goes, and Italy's strict reading of PROTOCOL.md takes it.
    const plain = await sendMessage(fr, caseRef, { ...update, to: 'IT' });
    expect(plain.status).toBe(202);
    const got = await italy.waitFor((r) => r.envelope.id === plain.body.id, 20_000, 'the update');
    expect(Object.keys(got[0].envelope)).not.toContain('restrictions');
  });

  it('MK rejects at the wire a message carrying a restriction it does not know, and takes a known one', async () => {
    const caseRef = `TRM-IT-2026-${String(100_000 + Math.floor(Math.random() * 800_000))}`;
    const draft = {
      type: 'REFERRAL_REQUEST' as const,
      to: 'MK',
      caseRef,
      payload: examplePayload('REFERRAL_REQUEST'),
      consent: CONSENT,
    };
    const unknown = await italy.send({ ...draft, override: { restrictions: ['NO_RESALE'] } });
    const rejection = await italy.replyTo(unknown, 20_000);
    expect(rejection.envelope.type).toBe('DELIVERY_REJECTED');
    expect(rejection.payload).toEqual({
      reasonCode: 'POLICY_DENIED',
      reason: 'RESTRICTION_UNKNOWN: this node does not know the use restriction NO_RESALE',
    });
    await expect(messageStatus(mk, unknown)).rejects.toThrow(/404/);

    const known = await italy.send({ ...draft, override: { restrictions: ['ASSISTANCE_ONLY'] } });
    expect((await italy.replyTo(known, 20_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    const file = await eventually(
      async () => {
        const r = await api(mk, 'GET', `/cases/${caseRef}`);
        return r.status === 200 ? r.body : undefined;
      },
      10_000,
      'the case at MK',
    );
    expect(file.restrictions).toEqual({ IT: ['ASSISTANCE_ONLY'] });
  });
});
