/**
 * Partner agencies over AMQP (docs/agencies.md) against the real PostgreSQL and RabbitMQ: agencies registered
 * with `npm run agency:add`'s code path on FR, submitting through the example client (scripts/agency-client.ts)
 * and receiving outcomes, receipts and MK's answers on their own reply queues.
 *
 * Broker users are broker-wide, so the agencies' users carry a random suffix; agency codes are per node and
 * the node, the vhost and the databases are fresh for the run.
 */
import * as amqp from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eventually, LOCAL_ACCOUNTS, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { addAgency } from '../scripts/agency-add';
import { main as rotateKeys } from '../scripts/keys-rotate';
import {
  AgencyClient,
  AgencyKeys,
  AgencyReply,
  buildSubmission,
  generateAgencyKeys,
  NodeKeys,
  signatureHeaders,
} from '../scripts/agency-client';
import { AgencyReplyRelay } from '../src/agencies/agency-reply.relay';
import { AGENCY_REPLY_RELAY_LOCK } from '../src/agencies/agency-replies.repository';
import { replyKey, SUBMISSIONS_DEAD_LETTER_KEY } from '../src/agencies/agency-topology';
import {
  agencyReplyQueue,
  agencySubmissionsQueue,
  nationalExchange,
} from '../src/transport/national-exchange';
import { examplePayload } from '../src/messages/examples';
import { OutboundService } from '../src/transfers/outbound.service';
import { Publisher } from '../src/transport/publisher';
import { BrokerAdmin } from '../src/transport/broker-admin';
import { CONSENT, ForeignPeer } from './support/foreign-peer';
import {
  api,
  grantAgency,
  openCase,
  openSharableCase,
  recordAssessment,
  recordConsent,
  recordGuardian,
  sendMessage,
} from './support/node-api';
import { expectInstant } from './support/assertions';
import { lockWaitSeen } from './support/lock-waits';

const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672';
const ACCESS_REFUSED = 403;
const PRECONDITION_FAILED = 406;

interface Registered {
  code: string;
  user: string;
  password: string;
  keys: AgencyKeys;
}

describe('partner agencies over AMQP (real PostgreSQL and RabbitMQ)', () => {
  // FR and MK are trm-broker nodes; IT and HR are peers written from PROTOCOL.md (test/support/foreign-peer.ts).
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT', 'HR'], logLevel: 'error' });
  const admin = new BrokerAdmin({ url: MANAGEMENT_URL });
  const suffix = randomBytes(4).toString('hex');
  const registered = new Map<string, Registered>();
  const users: string[] = [];
  const clients: AgencyClient[] = [];
  const deadLetters: amqp.GetMessage[] = [];
  let fr: RunningNode;
  let mk: RunningNode;
  let node: NodeKeys;
  let ngo: AgencyClient;
  let police: AgencyClient;
  let italy: ForeignPeer;
  let croatia: ForeignPeer;

  async function register(code: string, active = true): Promise<Registered> {
    const { keys, publicKeys } = generateAgencyKeys(code);
    const agency = {
      code,
      user: `FR.${code}.${suffix}`,
      password: randomBytes(18).toString('base64url'),
      keys,
    };
    users.push(agency.user);
    await addAgency({
      country: 'FR',
      code,
      name: `${code} (test)`,
      keys: publicKeys,
      brokerUser: agency.user,
      active,
      databaseUrl: federation.appDatabaseUrl('FR'),
      vhost: federation.vhost,
      managementUrl: MANAGEMENT_URL,
      password: agency.password,
      log: () => undefined,
    });
    registered.set(code, agency);
    return agency;
  }

  async function connect(agency: Registered): Promise<AgencyClient> {
    const client = await AgencyClient.connect(
      federation.amqpUrl('FR', agency.user, agency.password),
      agency.user,
      agency.keys,
      node,
    );
    clients.push(client);
    return client;
  }

  /** The refused submissions the node moved to trm.national.FR.dead, read as the broker's administrator. */
  async function deadLetter(match: (message: amqp.GetMessage) => boolean): Promise<amqp.GetMessage> {
    return eventually(
      async () => {
        await federation.withAdminChannel(async (channel) => {
          for (;;) {
            const message = await channel.get('trm.national.FR.dead', { noAck: true });
            if (!message) return;
            deadLetters.push(message);
          }
        });
        return deadLetters.find(match);
      },
      20_000,
      'a dead letter',
    );
  }

  const reasonOf = (message: amqp.GetMessage): unknown => message.properties.headers?.['x-trm-reject-code'];

  /** A case that may carry anything, granted to the agency (agencies act only on cases granted to them). */
  async function grantedCase(code = 'ngo-lyon'): Promise<string> {
    const caseRef = await openSharableCase(fr);
    await grantAgency(fr, code, caseRef);
    return caseRef;
  }

  /** A CASE_UPDATE an agency (the NGO unless said) submits over AMQP, once FR has accepted it: its ids. */
  /** A CASE_UPDATE submitted by the agency; resolves with its request id once it is on the broker. */
  function submitUpdate(agency: AgencyClient, caseRef: string, to = 'MK'): Promise<string> {
    return agency.submit({ caseRef, type: 'CASE_UPDATE', to, payload: examplePayload('CASE_UPDATE') });
  }

  async function submitAccepted(
    caseRef: string,
    to: string,
    agency: AgencyClient = ngo,
  ): Promise<{ requestId: string; messageId: string }> {
    const requestId = await submitUpdate(agency, caseRef, to);
    const [accepted] = await agency.waitFor(replyFor(requestId, 'SUBMISSION_ACCEPTED'));
    return { requestId, messageId: accepted.body.messageId as string };
  }

  /** A CASE_UPDATE submitted over HTTP by the agency account of LOCAL_ACCOUNTS. */
  function submitOverHttp(caseRef: string, to: string) {
    return api(
      fr,
      'POST',
      '/agency/submissions',
      { caseRef, type: 'CASE_UPDATE', to, legalBasis: 'CONSENT', payload: examplePayload('CASE_UPDATE') },
      { as: 'agency' },
    );
  }

  /**
   * The agency's reply queue loses its binding: the broker returns FR's replies to it as unroutable (a publish
   * it refuses, a real fault) until `restore()` binds the queue again.
   */
  async function refuseRepliesTo(agency: string): Promise<{ restore: () => Promise<void> }> {
    const binding = (bound: boolean) =>
      federation.withAdminChannel(async (channel) => {
        const queue = agencyReplyQueue('FR', agency);
        if (bound) await channel.bindQueue(queue, nationalExchange('FR'), replyKey(agency));
        else await channel.unbindQueue(queue, nationalExchange('FR'), replyKey(agency));
      });
    await binding(false);
    return { restore: () => binding(true) };
  }

  function replyFor(requestId: string, kind: string) {
    return (reply: AgencyReply): boolean => reply.requestId === requestId && reply.kind === kind;
  }

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    const directory = JSON.parse(readFileSync(federation.directoryFile, 'utf8')) as {
      participants: Array<NodeKeys & { code: string }>;
    };
    const entry = directory.participants.find((p) => p.code === 'FR')!;
    node = { country: 'FR', signingKey: entry.signingKey, encryptionKey: entry.encryptionKey };
    ngo = await connect(await register('ngo-lyon'));
    police = await connect(await register('police-paris'));
    italy = await ForeignPeer.connect(federation, 'IT');
    croatia = await ForeignPeer.connect(federation, 'HR');
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await italy?.close();
    await croatia?.close();
    await federation.tearDown();
    for (const user of users) await admin.deleteUser(user).catch(() => undefined);
  });

  it('accepts a referral, then relays its receipt and the receiving country’s confirmation to the agency', async () => {
    const caseRef = await grantedCase();
    const payload = examplePayload('REFERRAL_REQUEST');
    const requestId = await ngo.submit({ caseRef, type: 'REFERRAL_REQUEST', to: 'MK', payload });

    const [accepted] = await ngo.waitFor(replyFor(requestId, 'SUBMISSION_ACCEPTED'));
    expect(accepted.verified).toBe(true);
    expect(accepted.body).toMatchObject({
      node: 'FR',
      agency: 'ngo-lyon',
      caseRef,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
    });
    const messageId = accepted.body.messageId as string;
    const [stored] = await federation.query('FR', `SELECT submitted_by, status FROM messages WHERE id = $1`, [
      messageId,
    ]);
    expect(stored.submitted_by).toBe('agency:ngo-lyon');

    const [receipt] = await ngo.waitFor(replyFor(requestId, 'DELIVERY_RECEIPT'));
    expect(receipt.body).toMatchObject({ messageId, caseRef, to: 'MK' });

    // MK answers under a consent of its own, as its coordinator would.
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const confirmationPayload = examplePayload('REFERRAL_CONFIRMATION');
    const confirmation = await sendMessage(mk, caseRef, {
      type: 'REFERRAL_CONFIRMATION',
      to: 'FR',
      inReplyTo: messageId,
      payload: confirmationPayload,
    });
    expect(confirmation.status).toBe(202);
    const [answer] = await ngo.waitFor(replyFor(requestId, 'ANSWER'));
    expect(answer.verified).toBe(true);
    expect(answer.body).toMatchObject({
      messageId,
      answer: { id: confirmation.body.id, type: 'REFERRAL_CONFIRMATION', from: 'MK' },
    });
    expect(answer.payload).toEqual(confirmationPayload);
    // On the broker the answer's payload was sealed for the agency: its body holds none of it in clear.
    expect(JSON.stringify(answer.body)).not.toContain('Guardian appointed');
    // The police unit hears nothing of the NGO's submission.
    expect(police.replies.filter((r) => r.requestId === requestId)).toEqual([]);
  });

  it('relays the receiving country’s rejection, and nothing from a country the message did not go to', async () => {
    const caseRef = await grantedCase();
    const { requestId, messageId } = await submitAccepted(caseRef, 'IT');

    // HR was never sent the message: its reply to it is accepted on the case, but it is not the agency's.
    const stray = await croatia.send({
      type: 'CASE_UPDATE',
      to: 'FR',
      caseRef,
      inReplyTo: messageId,
      payload: examplePayload('CASE_UPDATE'),
    });
    expect((await croatia.replyTo(stray)).envelope.type).toBe('DELIVERY_RECEIPT');

    await italy.send({
      type: 'DELIVERY_REJECTED',
      to: 'FR',
      caseRef,
      inReplyTo: messageId,
      legalBasis: 'NONE',
      payload: { reasonCode: 'POLICY_DENIED', reason: 'IT does not take case updates from this programme' },
    });
    const [rejected] = await ngo.waitFor(replyFor(requestId, 'DELIVERY_REJECTED'));
    expect(rejected.body).toMatchObject({ messageId, to: 'IT', reasonCode: 'POLICY_DENIED' });
    // The peer's reason is free text and reply bodies are not encrypted: the code only.
    expect(rejected.body).not.toHaveProperty('reason');
    expect(JSON.stringify(rejected.body)).not.toContain('programme');
    // Replies leave in the order they were written: a relayed stray answer would have come first.
    expect(ngo.replies.filter((r) => r.requestId === requestId).map((r) => r.kind)).toEqual([
      'SUBMISSION_ACCEPTED',
      'DELIVERY_REJECTED',
    ]);
  });

  it('shows an agency over HTTP only the answers of the country its submission went to', async () => {
    const caseRef = await openSharableCase(fr);
    await grantAgency(fr, LOCAL_ACCOUNTS.agency.agency!, caseRef);
    const sent = await submitOverHttp(caseRef, 'IT');
    expect(sent.status).toBe(202);
    const messageId = sent.body.id as string;
    // HR is on the case but was not sent the message: its "answer" is accepted on the case, not shown.
    const stray = await croatia.send({
      type: 'CASE_UPDATE',
      to: 'FR',
      caseRef,
      inReplyTo: messageId,
      payload: examplePayload('CASE_UPDATE'),
    });
    expect((await croatia.replyTo(stray)).envelope.type).toBe('DELIVERY_RECEIPT');
    const answer = await italy.send({
      type: 'CASE_UPDATE',
      to: 'FR',
      caseRef,
      inReplyTo: messageId,
      payload: examplePayload('CASE_UPDATE'),
    });
    expect((await italy.replyTo(answer)).envelope.type).toBe('DELIVERY_RECEIPT');
    const seen = await api(fr, 'GET', `/agency/submissions/${messageId}`, undefined, { as: 'agency' });
    expect(seen.status).toBe(200);
    expect(seen.body.replies.map((r: { id: string; counterpart: string }) => [r.id, r.counterpart])).toEqual([
      [answer, 'IT'],
    ]);
  });

  it('shows a peer’s free-text rejection reason to neither an agency over HTTP nor an auditor not granted the case', async () => {
    const caseRef = await openSharableCase(fr);
    await grantAgency(fr, LOCAL_ACCOUNTS.agency.agency!, caseRef);
    const sent = await submitOverHttp(caseRef, 'IT');
    expect(sent.status).toBe(202);
    const messageId = sent.body.id as string;
    await italy.waitFor((m) => m.envelope.id === messageId, 20_000, 'the submission at IT');
    const reason = 'Ana Petrovska is known to our police in Bari';
    await italy.send({
      type: 'DELIVERY_REJECTED',
      to: 'FR',
      caseRef,
      inReplyTo: messageId,
      legalBasis: 'NONE',
      payload: { reasonCode: 'POLICY_DENIED', reason },
    });
    const seen = await eventually(
      async () => {
        const found = await api(fr, 'GET', `/agency/submissions/${messageId}`, undefined, { as: 'agency' });
        return found.body.submission?.status === 'REJECTED' ? found : undefined;
      },
      20_000,
      'the rejection at FR',
    );
    // The code only, as over AMQP: the reason is free text for the case team.
    expect(seen.body.submission).toMatchObject({ reasonCode: 'POLICY_DENIED', reason: null });
    const listed = await api(fr, 'GET', '/agency/submissions', undefined, { as: 'agency' });
    expect(listed.body.items.find((m: { id: string }) => m.id === messageId)).toMatchObject({
      reasonCode: 'POLICY_DENIED',
      reason: null,
    });
    for (const text of [seen.text, listed.text]) expect(text).not.toContain('Bari');

    const inFile = (body: {
      messages: Array<{ id: string; reason: string | null; reasonCode: string | null }>;
    }) => body.messages.find((m) => m.id === messageId)!;
    expect(inFile((await api(fr, 'GET', `/cases/${caseRef}`)).body).reason).toBe(reason);
    const audited = await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'auditor' });
    expect(inFile(audited.body)).toMatchObject({
      reasonCode: 'POLICY_DENIED',
      reason: expect.stringMatching(/^pseud:[0-9a-f]{8}$/),
    });
    expect(audited.text).not.toContain('Bari');
    const grant = await api(fr, 'POST', '/admin/accounts/auditor/case-grants', { caseRef }, { as: 'admin' });
    expect(grant.status).toBe(201);
    expect(
      inFile((await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'auditor' })).body).reason,
    ).toBe(reason);
  });

  it('withholds an answer’s payload from the agency once consent is withdrawn on the case', async () => {
    const caseRef = await grantedCase();
    const { requestId, messageId } = await submitAccepted(caseRef, 'IT');
    const withdrawnFrom = Date.now();
    const withdrawal = await italy.send({
      type: 'CONSENT_WITHDRAWN',
      to: 'FR',
      caseRef,
      payload: {
        consentId: 'consent-1',
        withdrawnAt: new Date().toISOString(),
        scopesWithdrawn: ['SHARE_IDENTITY'],
      },
    });
    expect((await italy.replyTo(withdrawal)).envelope.type).toBe('DELIVERY_RECEIPT');
    expectInstant((await api(fr, 'GET', `/cases/${caseRef}`)).body.case.restrictedAt, withdrawnFrom);
    // IT answers under a consent it did not withdraw: FR accepts it, but the case stays restricted.
    const answer = await italy.send({
      type: 'CASE_UPDATE',
      to: 'FR',
      caseRef,
      inReplyTo: messageId,
      consent: { ...CONSENT, consentId: 'consent-2' },
      payload: examplePayload('CASE_UPDATE'),
    });
    expect((await italy.replyTo(answer)).envelope.type).toBe('DELIVERY_RECEIPT');
    const [withheld] = await ngo.waitFor(replyFor(requestId, 'ANSWER'));
    expect(withheld.verified).toBe(true);
    expect(withheld.body).toMatchObject({
      messageId,
      answer: { id: answer, type: 'CASE_UPDATE', from: 'IT' },
      withheld: true,
    });
    expect(withheld.body).not.toHaveProperty('sealed');
    expect(withheld.payload).toBeUndefined();
  });

  it('withholds answers from an agency whose grant on the case was revoked, over AMQP and over HTTP', async () => {
    const caseRef = await grantedCase();
    const httpAgency = LOCAL_ACCOUNTS.agency.agency!;
    await grantAgency(fr, httpAgency, caseRef);
    const { requestId, messageId: overAmqp } = await submitAccepted(caseRef, 'IT');
    const sent = await submitOverHttp(caseRef, 'IT');
    expect(sent.status).toBe(202);
    const overHttp = sent.body.id as string;
    const answerTo = (id: string) => (reply: AgencyReply) =>
      replyFor(requestId, 'ANSWER')(reply) && (reply.body.answer as { id?: string } | undefined)?.id === id;
    const answer = async (inReplyTo: string): Promise<string> => {
      const id = await italy.send({
        type: 'CASE_UPDATE',
        to: 'FR',
        caseRef,
        inReplyTo,
        // Not consent-1: an earlier test withdrew that one on IT's side.
        consent: { ...CONSENT, consentId: 'consent-3' },
        payload: examplePayload('CASE_UPDATE'),
      });
      expect((await italy.replyTo(id)).envelope.type).toBe('DELIVERY_RECEIPT');
      return id;
    };

    // While granted, both see what IT answered.
    const first = await answer(overAmqp);
    const [opened] = await ngo.waitFor(answerTo(first));
    expect(opened.payload).toEqual(examplePayload('CASE_UPDATE'));
    const firstHttp = await answer(overHttp);
    const granted = await api(fr, 'GET', `/agency/submissions/${overHttp}`, undefined, { as: 'agency' });
    expect(granted.body.replies).toEqual([
      expect.objectContaining({ id: firstHttp, payload: expect.any(Object) }),
    ]);

    for (const agency of ['ngo-lyon', httpAgency]) {
      const revoked = await api(fr, 'POST', `/admin/agencies/${agency}/case-grants/${caseRef}/revoke`);
      expect(revoked.status).toBe(204);
    }
    // Off the case: each learns that an answer came, not what it says, and the read is audited as withheld.
    const second = await answer(overAmqp);
    const [withheld] = await ngo.waitFor(answerTo(second));
    expect(withheld.verified).toBe(true);
    expect(withheld.body).toMatchObject({ messageId: overAmqp, withheld: true });
    expect(withheld.body).not.toHaveProperty('sealed');
    expect(withheld.payload).toBeUndefined();
    const seen = await api(fr, 'GET', `/agency/submissions/${overHttp}`, undefined, { as: 'agency' });
    expect(seen.status).toBe(200);
    expect(seen.body.replies).toEqual([expect.objectContaining({ id: firstHttp, payload: null })]);
    const [read] = await federation.query(
      'FR',
      `SELECT details FROM audit_log WHERE action = 'PERSONAL_DATA_READ' AND message_id = $1
       ORDER BY seq DESC LIMIT 1`,
      [overHttp],
    );
    expect(read.details).toMatchObject({ replies: 1, withheld: true, because: 'GRANT_REVOKED' });
  });

  it('answers an identified agency when the node fails to process its submission, and records the request id', async () => {
    const caseRef = await grantedCase();
    // A fault of the node's own (not the submission's): every attempt fails.
    const outbound = fr.app!.get(OutboundService);
    const fault = jest.spyOn(outbound, 'sendWithin').mockRejectedValue(new Error('injected fault'));
    let requestId: string;
    try {
      requestId = await submitUpdate(ngo, caseRef);
      const [refused] = await ngo.waitFor(replyFor(requestId, 'SUBMISSION_REFUSED'));
      expect(refused.body).toMatchObject({ code: 'INTERNAL_ERROR', requestId });
    } finally {
      fault.mockRestore();
    }
    const dead = await deadLetter((m) => m.properties.messageId === requestId);
    expect(reasonOf(dead)).toBe('INTERNAL_ERROR');
    expect(dead.properties.headers?.['x-trm-agency-answered']).toBe(true);
    const [recorded] = await federation.query(
      'FR',
      `SELECT outcome, reason_code FROM agency_submissions WHERE agency = 'ngo-lyon' AND request_id = $1`,
      [requestId],
    );
    expect(recorded).toEqual({ outcome: 'REFUSED', reason_code: 'INTERNAL_ERROR' });
  });

  it('returns a submission to the queue when dead-lettering it keeps failing, and dead-letters it later', async () => {
    const caseRef = await openSharableCase(fr); // not granted: refused
    const publisher = fr.app!.get(Publisher);
    const publish = publisher.publish.bind(publisher);
    let failures = 5; // every attempt of one dead-lettering
    const fault = jest
      .spyOn(publisher, 'publish')
      .mockImplementation((exchange, key, ...rest) =>
        key === SUBMISSIONS_DEAD_LETTER_KEY && failures-- > 0
          ? Promise.reject(new Error('injected broker fault'))
          : publish(exchange, key, ...rest),
      );
    try {
      const requestId = await ngo.submit({ caseRef, type: 'CASE_UPDATE', to: 'MK', payload: {} });
      // Redelivered (not held unacked), refused again as a repeat, and dead-lettered this time.
      const dead = await deadLetter((m) => m.properties.messageId === requestId);
      expect(reasonOf(dead)).toBe('CASE_NOT_GRANTED');
      expect(failures).toBeLessThan(0);
    } finally {
      fault.mockRestore();
    }
  });

  it('sends a switched-off agency none of the replies still queued for it, until it is switched on again', async () => {
    const paused = await connect(await register('ngo-paused'));
    const caseRef = await grantedCase('ngo-paused');
    // Its reply queue is unbound for a while: the outcome of its submission stays queued at FR.
    const fault = await refuseRepliesTo('ngo-paused');
    // Its outcome, and MK's receipt if it came before the switch-off.
    const queued = async () =>
      (
        await federation.query<{ queued: number; published: number }>(
          'FR',
          `SELECT count(*)::int AS queued, count(published_at)::int AS published FROM agency_replies
           WHERE agency = 'ngo-paused'`,
        )
      )[0];
    let requestId: string;
    try {
      requestId = await submitUpdate(paused, caseRef);
      await eventually(
        async () =>
          (
            await federation.query(
              'FR',
              `SELECT 1 FROM agency_replies WHERE agency = 'ngo-paused' AND attempts > 0`,
            )
          ).length > 0 || undefined,
        20_000,
        'a failed attempt',
      );
      await federation.query('FR', `UPDATE agencies SET active = false WHERE code = 'ngo-paused'`);
    } finally {
      await fault.restore();
    }
    await federation.query(
      'FR',
      `UPDATE agency_replies SET next_attempt_at = now() WHERE agency = 'ngo-paused'`,
    );
    const relay = fr.app!.get(AgencyReplyRelay);
    relay.kick();
    // A later reply to another agency goes out: the relay has passed over the switched-off agency's.
    const marker = await ngo.submit({
      caseRef: await grantedCase(),
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: {},
    });
    await ngo.waitFor(replyFor(marker, 'SUBMISSION_REFUSED'));
    // The relay's batch commits after publishing: once the marker is marked published, that pass is over.
    await eventually(
      async () =>
        (
          await federation.query(
            'FR',
            `SELECT 1 FROM agency_replies WHERE correlation_id = $1 AND published_at IS NOT NULL`,
            [marker],
          )
        ).length > 0 || undefined,
      20_000,
      'the marker’s reply marked published',
    );
    const held = await queued();
    expect(held.queued).toBeGreaterThan(0);
    expect(held.published).toBe(0);
    expect(paused.replies).toEqual([]);

    await federation.query('FR', `UPDATE agencies SET active = true WHERE code = 'ngo-paused'`);
    relay.kick();
    const [accepted] = await paused.waitFor(replyFor(requestId, 'SUBMISSION_ACCEPTED'));
    expect(accepted.verified).toBe(true);
    await eventually(
      async () => ((await queued()).published === held.queued ? true : undefined),
      20_000,
      'every held reply published',
    );
  });

  it('keeps an agency’s replies in order: a receipt waits behind the outcome whose publish backs off', async () => {
    const orderly = await connect(await register('ngo-order'));
    const caseRef = await grantedCase('ngo-order');
    const replies = () =>
      federation.query<{ id: string; kind: string; attempts: number }>(
        'FR',
        `SELECT id, kind, attempts FROM agency_replies WHERE agency = 'ngo-order' ORDER BY id`,
      );
    // Its reply queue is unbound for a while: the outcome fails, and MK's receipt is queued behind it.
    const fault = await refuseRepliesTo('ngo-order');
    let requestId: string;
    let queued: Array<{ id: string; kind: string; attempts: number }>;
    try {
      requestId = await submitUpdate(orderly, caseRef);
      queued = await eventually(
        async () => {
          const rows = await replies();
          return rows.length === 2 && rows[0].attempts > 0 ? rows : undefined;
        },
        20_000,
        'the outcome failed and the receipt queued',
      );
    } finally {
      await fault.restore();
    }
    expect(queued.map((row) => row.kind)).toEqual(['SUBMISSION_ACCEPTED', 'DELIVERY_RECEIPT']);
    // The outcome backs off a few seconds more; the receipt is due now and the relay is woken for it.
    await federation.query(
      'FR',
      `UPDATE agency_replies SET next_attempt_at = now() + CASE WHEN id = $1 THEN interval '3 seconds' ELSE interval '0' END
       WHERE agency = 'ngo-order'`,
      [queued[0].id],
    );
    fr.app!.get(AgencyReplyRelay).kick();
    await orderly.waitFor(replyFor(requestId, 'DELIVERY_RECEIPT'));
    expect(orderly.replies.map((reply) => reply.kind)).toEqual(['SUBMISSION_ACCEPTED', 'DELIVERY_RECEIPT']);
  });

  it('relays agency replies from one instance at a time: while another’s relay is under way, none leaves', async () => {
    const caseRef = await grantedCase();
    // Another instance of FR caught in the middle of an agency reply batch: it holds the relay's lock.
    const other = fr.dataSource!.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    let requestId: string;
    try {
      await other.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [AGENCY_REPLY_RELAY_LOCK]);
      requestId = await submitUpdate(ngo, caseRef);
      await eventually(
        async () =>
          (
            await federation.query('FR', `SELECT 1 FROM agency_replies WHERE correlation_id = $1`, [
              requestId,
            ])
          ).length > 0 || undefined,
        20_000,
        'the outcome queued',
      );
      await lockWaitSeen(federation, 'FR', ['advisory'], 'FR’s agency reply relay waiting for the other');
      expect(ngo.replies.filter((reply) => reply.requestId === requestId)).toEqual([]);
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
    const [accepted] = await ngo.waitFor(replyFor(requestId, 'SUBMISSION_ACCEPTED'));
    expect(accepted.verified).toBe(true);
  });

  it('keeps personal data off the broker: submissions and answers travel sealed', async () => {
    const caseRef = await grantedCase();
    const payload = { ...examplePayload('REFERRAL_REQUEST') };
    const built = buildSubmission(registered.get('ngo-lyon')!.keys, node, {
      caseRef,
      type: 'REFERRAL_REQUEST',
      to: 'SE',
      payload,
    });
    // SE is in no directory here: the refusal dead-letters the submission, which the administrator can read.
    await ngo.publish(built.body, built.headers);
    const dead = await deadLetter((m) => m.content.equals(built.body));
    expect(reasonOf(dead)).toBe('POLICY_REFUSED');
    const onBroker = dead.content.toString('utf8');
    expect(onBroker).not.toContain('Petrovska');
    expect(onBroker).toContain('"sealed"');
  });

  it('refuses a submission the consent gate refuses, with its reasons, audited and dead-lettered', async () => {
    const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    // The guardian consented to a return to MK, not to sharing her identity.
    await recordConsent(fr, caseRef, { scopes: ['RETURN'], recipients: ['MK'] });
    await recordAssessment(fr, caseRef);
    await recordGuardian(fr, caseRef);
    await grantAgency(fr, 'ngo-lyon', caseRef);
    const requestId = await ngo.submit({
      caseRef,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    const [refused] = await ngo.waitFor(replyFor(requestId, 'SUBMISSION_REFUSED'));
    expect(refused.body.code).toBe('POLICY_REFUSED');
    const reasons = refused.body.reasons as Array<{ code: string; scope?: string; fields?: string[] }>;
    expect(reasons[0].code).toBe('CONSENT_INSUFFICIENT');
    const identity = reasons.find((r) => r.scope === 'SHARE_IDENTITY');
    expect(identity?.fields).toEqual(expect.arrayContaining(['person']));
    expect(JSON.stringify(refused.body)).not.toContain('Petrovska');

    const audit = await federation.query(
      'FR',
      `SELECT action, actor, reason_code FROM audit_log WHERE case_ref = $1 AND decision = 'DENY'`,
      [caseRef],
    );
    expect(audit).toEqual([
      { action: 'MESSAGE_REFUSED', actor: 'agency:ngo-lyon', reason_code: 'CONSENT_INSUFFICIENT' },
    ]);
    const dead = await deadLetter((m) => m.properties.messageId === requestId);
    expect(reasonOf(dead)).toBe('POLICY_REFUSED');
    expect(dead.properties.headers?.['x-trm-original-user-id']).toBe(registered.get('ngo-lyon')!.user);
    const stored = await federation.query('FR', `SELECT id FROM messages WHERE case_ref = $1`, [caseRef]);
    expect(stored).toEqual([]);
  });

  it('refuses a submission on a case not granted to the agency as on one that does not exist: answered, audited, dead-lettered, nothing sent', async () => {
    // Granted to the police unit, not to the NGO.
    const caseRef = await grantedCase('police-paris');
    const missingRef = 'TRM-FR-2026-999999';
    const submit = (ref: string) =>
      ngo.submit({ caseRef: ref, type: 'CASE_UPDATE', to: 'MK', payload: examplePayload('CASE_UPDATE') });
    const notGranted = await submit(caseRef);
    const missing = await submit(missingRef);
    const [refused] = await ngo.waitFor(replyFor(notGranted, 'SUBMISSION_REFUSED'));
    const [refusedMissing] = await ngo.waitFor(replyFor(missing, 'SUBMISSION_REFUSED'));
    expect(refused.verified).toBe(true);
    expect(refused.body.code).toBe('CASE_NOT_GRANTED');
    // The same answer, but for the reference the agency sent itself: whether the case exists is not revealed.
    const shape = (reply: AgencyReply, ref: string) => {
      const { replyId, requestId, sentAt, message, ...rest } = reply.body;
      expect([replyId, requestId, sentAt]).not.toContain(undefined);
      return { ...rest, message: (message as string).replace(ref, '<ref>') };
    };
    expect(shape(refused, caseRef)).toEqual(shape(refusedMissing, missingRef));
    expect(refused.body).not.toHaveProperty('reasons');

    const audit = await federation.query(
      'FR',
      `SELECT action, actor, reason_code, case_ref, details->>'requestId' AS "requestId" FROM audit_log
       WHERE action = 'AGENCY_SUBMISSION_REFUSED' AND details->>'requestId' = ANY($1) ORDER BY case_ref`,
      [[notGranted, missing]],
    );
    expect(audit).toEqual([
      {
        action: 'AGENCY_SUBMISSION_REFUSED',
        actor: 'agency:ngo-lyon',
        reason_code: 'CASE_NOT_GRANTED',
        case_ref: caseRef,
        requestId: notGranted,
      },
      {
        action: 'AGENCY_SUBMISSION_REFUSED',
        actor: 'agency:ngo-lyon',
        reason_code: 'CASE_NOT_GRANTED',
        case_ref: missingRef,
        requestId: missing,
      },
    ]);
    for (const requestId of [notGranted, missing]) {
      const dead = await deadLetter((m) => m.properties.messageId === requestId);
      expect(reasonOf(dead)).toBe('CASE_NOT_GRANTED');
      expect(dead.properties.headers?.['x-trm-agency-answered']).toBe(true);
    }
    const queued = await federation.query(
      'FR',
      `SELECT 'message' AS what FROM messages WHERE case_ref = $1
       UNION ALL SELECT action FROM audit_log WHERE case_ref = $1 AND action = 'MESSAGE_QUEUED'`,
      [caseRef],
    );
    expect(queued).toEqual([]);

    // The grant is the police unit's: it may submit on the case, until the grant is taken back.
    await submitAccepted(caseRef, 'MK', police);
    const revoked = await api(fr, 'POST', `/admin/agencies/police-paris/case-grants/${caseRef}/revoke`);
    expect(revoked.status).toBe(204);
    const afterRevoke = await police.submit({
      caseRef,
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    const [refusedPolice] = await police.waitFor(replyFor(afterRevoke, 'SUBMISSION_REFUSED'));
    expect(refusedPolice.body.code).toBe('CASE_NOT_GRANTED');
    const grants = await federation.query(
      'FR',
      `SELECT action, actor, details->>'agency' AS agency FROM audit_log
       WHERE case_ref = $1 AND action IN ('CASE_GRANTED', 'CASE_GRANT_REVOKED') ORDER BY seq`,
      [caseRef],
    );
    expect(grants).toEqual([
      { action: 'CASE_GRANTED', actor: 'api:coordinator', agency: 'police-paris' },
      { action: 'CASE_GRANT_REVOKED', actor: 'api:coordinator', agency: 'police-paris' },
    ]);
  });

  it('lets one grant to an agency code cover its HTTP accounts and its AMQP system', async () => {
    // The federation's HTTP agency account belongs to ngo-local; its system registers for AMQP as well.
    const code = LOCAL_ACCOUNTS.agency.agency!;
    const system = await connect(await register(code));
    const caseRef = await openSharableCase(fr);
    const overHttp = () => submitOverHttp(caseRef, 'MK');
    expect((await overHttp()).status).toBe(404);
    const before = await system.submit({ caseRef, type: 'CASE_UPDATE', to: 'MK', payload: {} });
    expect((await system.waitFor(replyFor(before, 'SUBMISSION_REFUSED')))[0].body.code).toBe(
      'CASE_NOT_GRANTED',
    );

    await grantAgency(fr, code, caseRef);
    const sent = await overHttp();
    expect(sent.status).toBe(202);
    const requestId = await system.submit({
      caseRef,
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    const [accepted] = await system.waitFor(replyFor(requestId, 'SUBMISSION_ACCEPTED'));
    // Both are the agency's submissions, seen by its accounts.
    const mine = await api(fr, 'GET', '/agency/submissions', undefined, { as: 'agency' });
    expect(mine.body.items.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([sent.body.id, accepted.body.messageId]),
    );
    // Another registered agency is still refused on it.
    const other = await ngo.submit({ caseRef, type: 'CASE_UPDATE', to: 'MK', payload: {} });
    expect((await ngo.waitFor(replyFor(other, 'SUBMISSION_REFUSED')))[0].body.code).toBe('CASE_NOT_GRANTED');
    // Granting needs an agency the node knows (registered, or with accounts).
    expect((await api(fr, 'POST', '/admin/agencies/ngo-nowhere/case-grants', { caseRef })).status).toBe(404);
  });

  it('refuses invalid JSON, an invalid request and an invalid payload with field-level reasons, never echoing values', async () => {
    const keys = registered.get('ngo-lyon')!.keys;
    const notJson = Buffer.from('{"requestId": "oops', 'utf8');
    const notJsonId = randomUUID();
    await ngo.publish(notJson, signatureHeaders(keys, notJson), notJsonId);
    const [invalidJson] = await ngo.waitFor(
      (r) => r.kind === 'SUBMISSION_REFUSED' && r.body.code === 'INVALID_JSON',
    );
    expect(invalidJson.requestId).toBeNull();
    expect(reasonOf(await deadLetter((m) => m.properties.messageId === notJsonId))).toBe('INVALID_JSON');

    const requestId = randomUUID();
    const badRequest = Buffer.from(
      JSON.stringify({
        version: 1,
        requestId,
        caseRef: 'TRM-FR-2026-000001',
        type: 'NOPE',
        to: 'france-secret',
      }),
    );
    await ngo.publish(badRequest, signatureHeaders(keys, badRequest));
    const [invalidRequest] = await ngo.waitFor(replyFor(requestId, 'SUBMISSION_REFUSED'));
    expect(invalidRequest.body.code).toBe('INVALID_REQUEST');
    const paths = (invalidRequest.body.fields as Array<{ path: string }>).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['type', 'to', 'legalBasis', 'sealed']));
    expect(JSON.stringify(invalidRequest.body)).not.toContain('france-secret');

    const caseRef = await grantedCase();
    const badPayload = await ngo.submit({
      caseRef,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: { person: { givenName: 'Secret-Given-Name', unexpected: 'Secret-Value' } },
    });
    const [invalidMessage] = await ngo.waitFor(replyFor(badPayload, 'SUBMISSION_REFUSED'));
    expect(invalidMessage.body.code).toBe('INVALID_MESSAGE');
    expect((invalidMessage.body.fields as unknown[]).length).toBeGreaterThan(0);
    expect(JSON.stringify(invalidMessage.body)).not.toMatch(/Secret-/);

    // Signed with a key that is not the agency's registered one.
    const forged = buildSubmission(generateAgencyKeys('ngo-lyon').keys, node, {
      caseRef,
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    await ngo.publish(forged.body, forged.headers, forged.requestId);
    const [badSignature] = await ngo.waitFor(
      (r) => r.kind === 'SUBMISSION_REFUSED' && r.body.code === 'SIGNATURE_INVALID',
    );
    expect(badSignature.body.message).toMatch(/signature/);
  });

  it('applies a submission delivered twice once, and answers the repeat with the same outcome', async () => {
    const caseRef = await grantedCase();
    const built = buildSubmission(registered.get('ngo-lyon')!.keys, node, {
      caseRef,
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    await ngo.publish(built.body, built.headers, built.requestId);
    await ngo.waitFor(replyFor(built.requestId, 'SUBMISSION_ACCEPTED'));
    await ngo.publish(built.body, built.headers, built.requestId);
    const outcomes = await ngo.waitFor(replyFor(built.requestId, 'SUBMISSION_ACCEPTED'), 2);
    expect(outcomes[1].replyId).toBe(outcomes[0].replyId);
    expect(outcomes[1].body).toEqual(outcomes[0].body);

    const messages = await federation.query(
      'FR',
      `SELECT id FROM messages WHERE case_ref = $1 AND direction = 'OUTBOUND'`,
      [caseRef],
    );
    expect(messages).toEqual([{ id: outcomes[0].body.messageId }]);
    const audit = await federation.query(
      'FR',
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'AGENCY_DUPLICATE_SUBMISSION' AND details->>'requestId' = $1`,
      [built.requestId],
    );
    expect(audit[0].n).toBe(1);
  });

  it('applies copies delivered at the same time once (they race for the request id)', async () => {
    const caseRef = await grantedCase();
    const built = buildSubmission(registered.get('ngo-lyon')!.keys, node, {
      caseRef,
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    await Promise.all([1, 2, 3].map(() => ngo.publish(built.body, built.headers, built.requestId)));
    const outcomes = await ngo.waitFor(replyFor(built.requestId, 'SUBMISSION_ACCEPTED'), 3);
    expect(new Set(outcomes.map((o) => o.replyId)).size).toBe(1);
    // Only what FR sent: MK's receipt for it may already have arrived, as an inbound row of the case.
    const messages = await federation.query(
      'FR',
      `SELECT id FROM messages WHERE case_ref = $1 AND direction = 'OUTBOUND'`,
      [caseRef],
    );
    expect(messages).toEqual([{ id: outcomes[0].body.messageId }]);
    const outbox = await federation.query(
      'FR',
      `SELECT count(*)::int AS n FROM outbox WHERE message_id = $1`,
      [outcomes[0].body.messageId],
    );
    expect(outbox[0].n).toBe(1);
  });

  describe('the broker keeps agencies apart', () => {
    let connection: amqp.ChannelModel;

    beforeAll(async () => {
      const agency = registered.get('ngo-lyon')!;
      connection = await amqp.connect(federation.amqpUrl('FR', agency.user, agency.password));
      connection.on('error', () => undefined);
    });

    afterAll(async () => {
      await connection.close().catch(() => undefined);
    });

    /** The broker's code when it closes the channel over `op`; fails if the broker let it through. */
    async function refusal(
      op: (channel: amqp.ConfirmChannel) => Promise<unknown>,
    ): Promise<number | undefined> {
      const channel = await connection.createConfirmChannel();
      const closed = new Promise<{ code?: number }>((resolve) => channel.on('error', resolve));
      const accepted = await op(channel).then(
        () => true,
        () => false,
      );
      if (accepted) {
        await channel.close().catch(() => undefined);
        throw new Error('the broker accepted an operation it should have refused');
      }
      return (await closed).code;
    }

    const publish = (
      channel: amqp.ConfirmChannel,
      exchange: string,
      key: string,
      options: amqp.Options.Publish,
    ) =>
      new Promise<void>((resolve, reject) =>
        channel.publish(exchange, key, Buffer.from('{}'), options, (error) =>
          error ? reject(error) : resolve(),
        ),
      );

    it('refuses agency A publishing as agency B, by routing key or by user_id', async () => {
      const ngoUser = registered.get('ngo-lyon')!.user;
      const policeUser = registered.get('police-paris')!.user;
      expect(
        await refusal((ch) => publish(ch, 'trm.national.FR', 'submit.police-paris', { userId: ngoUser })),
      ).toBe(ACCESS_REFUSED);
      expect(
        await refusal((ch) => publish(ch, 'trm.national.FR', 'submit.ngo-lyon', { userId: policeUser })),
      ).toBe(PRECONDITION_FAILED);
      // Nor forging replies or events, nor reaching the transnational exchange or a queue directly.
      for (const [exchange, key] of [
        ['trm.national.FR', 'reply.police-paris'],
        ['trm.national.FR', 'event.expectation.overdue'],
        ['trm.transnational', 'routine.MK.FR.CASE_UPDATE'],
        ['', 'trm.national.FR.submissions'],
      ]) {
        expect({ exchange, key, code: await refusal((ch) => publish(ch, exchange, key, {})) }).toEqual({
          exchange,
          key,
          code: ACCESS_REFUSED,
        });
      }
    });

    it("refuses agency A reading B's replies, the submissions or the dead letters, and declaring anything", async () => {
      for (const queue of [
        'trm.national.FR.agency.police-paris',
        'trm.national.FR.submissions',
        'trm.national.FR.dead',
      ]) {
        expect(await refusal((ch) => ch.consume(queue, () => undefined))).toBe(ACCESS_REFUSED);
        expect(await refusal((ch) => ch.get(queue))).toBe(ACCESS_REFUSED);
      }
      expect(
        await refusal((ch) => ch.assertQueue('trm.national.FR.agency.ngo-lyon.mine', { durable: true })),
      ).toBe(ACCESS_REFUSED);
      expect(
        await refusal((ch) => ch.bindQueue('trm.national.FR.agency.ngo-lyon', 'trm.national.FR', 'reply.#')),
      ).toBe(ACCESS_REFUSED);
    });

    it('dead-letters a submission without user_id, from an unregistered user or from an inactive agency', async () => {
      const caseRef = await openSharableCase(fr);
      const ngoKeys = registered.get('ngo-lyon')!.keys;
      const anonymous = buildSubmission(ngoKeys, node, {
        caseRef,
        type: 'CASE_UPDATE',
        to: 'MK',
        payload: {},
      });
      const channel = await connection.createConfirmChannel();
      await publish(channel, 'trm.national.FR', 'submit.ngo-lyon', {
        messageId: anonymous.requestId,
        headers: anonymous.headers,
      });
      await channel.close();
      expect(reasonOf(await deadLetter((m) => m.properties.messageId === anonymous.requestId))).toBe(
        'NO_USER_ID',
      );

      // A broker user with an agency's permissions but no registration on the node.
      const ghostUser = `FR.ngo-ghost.${suffix}`;
      const ghostPassword = randomBytes(18).toString('base64url');
      users.push(ghostUser);
      await admin.setupAgency(federation.vhost, 'FR', 'ngo-ghost', ghostPassword, ghostUser);
      const ghostKeys = generateAgencyKeys('ngo-ghost').keys;
      const ghost = await AgencyClient.connect(
        federation.amqpUrl('FR', ghostUser, ghostPassword),
        ghostUser,
        ghostKeys,
        node,
      ).catch((error: Error) => error);
      // It has no reply queue to read, so the example client cannot even start: publish on a bare connection.
      expect(ghost).toBeInstanceOf(Error);
      const ghostConnection = await amqp.connect(federation.amqpUrl('FR', ghostUser, ghostPassword));
      try {
        const ghostChannel = await ghostConnection.createConfirmChannel();
        const unknown = buildSubmission(ghostKeys, node, {
          caseRef,
          type: 'CASE_UPDATE',
          to: 'MK',
          payload: {},
        });
        await new Promise<void>((resolve, reject) =>
          ghostChannel.publish(
            'trm.national.FR',
            'submit.ngo-ghost',
            unknown.body,
            { userId: ghostUser, messageId: unknown.requestId, headers: unknown.headers },
            (error) => (error ? reject(error) : resolve()),
          ),
        );
        expect(reasonOf(await deadLetter((m) => m.properties.messageId === unknown.requestId))).toBe(
          'UNKNOWN_AGENCY',
        );
      } finally {
        await ghostConnection.close().catch(() => undefined);
      }

      const closed = await connect(await register('ngo-closed', false));
      const inactive = buildSubmission(closed.keys, node, {
        caseRef,
        type: 'CASE_UPDATE',
        to: 'MK',
        payload: {},
      });
      await closed.publish(inactive.body, inactive.headers, inactive.requestId);
      expect(reasonOf(await deadLetter((m) => m.properties.messageId === inactive.requestId))).toBe(
        'AGENCY_INACTIVE',
      );

      const audit = await federation.query<{ reason_code: string; details: { brokerUser: string | null } }>(
        'FR',
        `SELECT reason_code, details FROM audit_log WHERE action = 'AGENCY_SUBMISSION_REFUSED' AND actor = 'node:FR'
         ORDER BY seq`,
      );
      expect(audit.map((a) => a.reason_code)).toEqual(['NO_USER_ID', 'UNKNOWN_AGENCY', 'AGENCY_INACTIVE']);
      expect(audit[1].details.brokerUser).toBe(ghostUser);
      const messages = await federation.query('FR', `SELECT id FROM messages WHERE case_ref = $1`, [caseRef]);
      expect(messages).toEqual([]);
      expect(closed.replies).toEqual([]);
    });
  });

  /** The police unit, connected afresh, submits on a case granted to it and hears it accepted. */
  async function policeSubmissionAccepted(): Promise<void> {
    const police = await connect(registered.get('police-paris')!);
    await submitAccepted(await grantedCase('police-paris'), 'MK', police);
  }

  it('declares every registered agency’s reply queue again when the node connects', async () => {
    await federation.withAdminChannel((channel) =>
      channel.deleteQueue('trm.national.FR.agency.police-paris'),
    );
    await federation.stop('FR');
    fr = await federation.start('FR');
    const declared = await eventually(
      () =>
        federation
          .withAdminChannel((channel) => channel.checkQueue('trm.national.FR.agency.police-paris'))
          .catch(() => undefined),
      20_000,
      'the reply queue',
    );
    expect(declared.queue).toBe('trm.national.FR.agency.police-paris');
    // Bound again too: the police unit's next outcome reaches it.
    await policeSubmissionAccepted();
  });

  it('consumes the submissions again when the broker closes their channel alone (the queue deleted)', async () => {
    const queue = agencySubmissionsQueue('FR');
    await federation.withAdminChannel((channel) => channel.deleteQueue(queue));
    // The broker cancels FR's consumer; FR, still connected, declares the queue again and consumes it.
    await eventually(
      () =>
        federation
          .withAdminChannel((channel) => channel.checkQueue(queue))
          .then(
            ({ consumerCount }) => (consumerCount === 1 ? true : undefined),
            () => undefined, // not declared again yet
          ),
      30_000,
      'FR consuming the submissions again',
    );
    await policeSubmissionAccepted();
  });

  it('keeps reply bodies encrypted at rest, moves them to a new data key on rotation, and still delivers them intact', async () => {
    /** The data key ids the stored reply bodies name (a body in clear shows as null). */
    const storedKeyIds = async (): Promise<Array<string | null>> =>
      (
        await federation.query<{ key_id: string | null }>(
          'FR',
          String.raw`SELECT DISTINCT substring(body from '^v2\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.')
             AS key_id FROM agency_replies ORDER BY 1`,
        )
      ).map((row) => row.key_id);

    // An answer's body carries its payload sealed for the agency: stored under the node's data key only.
    const caseRef = await grantedCase();
    const built = buildSubmission(registered.get('ngo-lyon')!.keys, node, {
      caseRef,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    await ngo.publish(built.body, built.headers, built.requestId);
    const [accepted] = await ngo.waitFor(replyFor(built.requestId, 'SUBMISSION_ACCEPTED'));
    const messageId = accepted.body.messageId as string;
    await ngo.waitFor(replyFor(built.requestId, 'DELIVERY_RECEIPT'));
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const before = examplePayload('REFERRAL_CONFIRMATION');
    const answered = await sendMessage(mk, caseRef, {
      type: 'REFERRAL_CONFIRMATION',
      to: 'FR',
      inReplyTo: messageId,
      payload: before,
    });
    expect(answered.status).toBe(202);
    const [answer] = await ngo.waitFor(replyFor(built.requestId, 'ANSWER'));
    expect(answer.payload).toEqual(before);
    expect(await storedKeyIds()).toEqual(['FR-data-1']);

    const lines: string[] = [];
    const exit = await rotateKeys(
      ['FR'],
      { TRM_KEYS_DIR: federation.keysDir, DATABASE_URL: federation.appDatabaseUrl('FR') },
      (line) => lines.push(line),
    );
    expect({ exit, lines }).toMatchObject({ exit: 0 });
    expect(lines.some((l) => /^agency_replies\.body: [1-9]\d* re-encrypted, 0 left$/.test(l))).toBe(true);
    expect(await storedKeyIds()).toEqual(['FR-data-2']);

    // A redelivered submission gets a copy of its re-encrypted outcome: the same bytes, still signed.
    await ngo.publish(built.body, built.headers, built.requestId);
    const outcomes = await ngo.waitFor(replyFor(built.requestId, 'SUBMISSION_ACCEPTED'), 2);
    expect(outcomes[1]).toMatchObject({ verified: true, replyId: accepted.replyId, body: accepted.body });

    // A new answer is written under the new key and reaches the agency whole.
    const update = await sendMessage(mk, caseRef, {
      type: 'CASE_UPDATE',
      to: 'FR',
      inReplyTo: messageId,
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(update.status).toBe(202);
    const [updateAnswer] = await ngo.waitFor(
      (r) =>
        replyFor(built.requestId, 'ANSWER')(r) && (r.body.answer as { id: string }).id === update.body.id,
    );
    expect(updateAnswer.verified).toBe(true);
    expect(updateAnswer.payload).toEqual(examplePayload('CASE_UPDATE'));
    expect(await storedKeyIds()).toEqual(['FR-data-2']);
  });
});
