import { examplePayload } from '../src/messages/examples';
import { deadLetterQueue } from '../src/transport/topology';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { ForeignPeer } from './support/foreign-peer';

/**
 * One noisy peer must not starve the others (issue 5). IT floods MK with valid referrals while MK is down;
 * FR then sends one referral and one EMERGENCY_ALERT, which queue behind the whole flood. When MK comes
 * back, FR's messages must be applied long before the flood is, and every flood message must end applied,
 * each once: nothing is refused for load, nothing lost. Progress is read from MK's audit log order, never
 * from timings.
 */
describe('inbound fairness between senders (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  let italy: ForeignPeer;
  let france: ForeignPeer;
  const year = new Date().getUTCFullYear();
  let nextCase = 1;
  // Sent within the first flood, and again behind the second: a duplicate is answered again, never refused.
  let repeated: { id: string; body: Buffer; signature: string; caseRef: string };

  beforeAll(async () => {
    await federation.setUp();
    italy = await ForeignPeer.connect(federation, 'IT');
    france = await ForeignPeer.connect(federation, 'FR');
    const caseRef = `TRM-IT-${year}-999999`;
    repeated = {
      ...italy.build({
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        caseRef,
        payload: examplePayload('REFERRAL_REQUEST'),
      }),
      caseRef,
    };
  });

  const publishRepeated = (): Promise<void> =>
    italy.publish(repeated.body, {
      id: repeated.id,
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      signature: repeated.signature,
      caseRef: repeated.caseRef,
    });

  afterAll(async () => {
    await italy?.close();
    await france?.close();
    await federation.tearDown();
  });

  /** Referrals from IT, `perCase` in each case. */
  async function flood(count: number, perCase: number): Promise<string[]> {
    const first = nextCase;
    nextCase += Math.ceil(count / perCase);
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        italy.send({
          type: 'REFERRAL_REQUEST',
          to: 'MK',
          caseRef: `TRM-IT-${year}-${String(first + Math.floor(i / perCase)).padStart(6, '0')}`,
          payload: examplePayload('REFERRAL_REQUEST'),
        }),
      ),
    );
  }

  /** A referral to MK on a new case of the peer's, then an emergency alert on it. */
  async function referralThenAlert(peer: ForeignPeer): Promise<{ referral: string; alert: string }> {
    const caseRef = `TRM-${peer.code}-${year}-${String(nextCase++).padStart(6, '0')}`;
    const referral = await peer.send({
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      caseRef,
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    const alert = await peer.send({
      type: 'EMERGENCY_ALERT',
      to: 'MK',
      caseRef,
      payload: examplePayload('EMERGENCY_ALERT'),
    });
    return { referral, alert };
  }

  /** MK's audit position of the entry that settled each message (received or rejected). */
  async function settledAt(ids: string[]): Promise<Map<string, { seq: number; action: string }>> {
    const rows = await federation.query<{ message_id: string; seq: number; action: string }>(
      'MK',
      `SELECT message_id, seq::int AS seq, action FROM audit_log
       WHERE action IN ('MESSAGE_RECEIVED', 'MESSAGE_REJECTED') AND message_id = ANY($1)`,
      [ids],
    );
    return new Map(rows.map((row) => [row.message_id, { seq: row.seq, action: row.action }]));
  }

  async function waitSettled(
    ids: string[],
    timeoutMs: number,
  ): Promise<Map<string, { seq: number; action: string }>> {
    return eventually(
      async () => {
        const settled = await settledAt(ids);
        return settled.size === ids.length ? settled : undefined;
      },
      timeoutMs,
      `${ids.length} messages settled at MK`,
    );
  }

  async function withMk<T>(overrides: Partial<RunningNode['config']>, work: () => Promise<T>): Promise<T> {
    await federation.start('MK', overrides);
    try {
      return await work();
    } finally {
      await federation.stop('MK');
    }
  }

  /** Dead letters in trm.dead.MK by message id, with their reason code (taken off the queue). */
  async function drainDeadLetters(): Promise<Map<string, string>> {
    return federation.withAdminChannel(async (channel) => {
      const found = new Map<string, string>();
      for (;;) {
        const message = await channel.get(deadLetterQueue('MK'), { noAck: true });
        if (!message) return found;
        found.set(
          String(message.properties.messageId),
          String(message.properties.headers?.['x-trm-reject-code']),
        );
      }
    });
  }

  it('applies a second sender’s referral and alert long before a flood queued ahead of them', async () => {
    // Two per case: messages of one case wait for each other anyway, so most of the flood is ready at once.
    const floodIds = await flood(250, 2);
    await publishRepeated();
    floodIds.push(repeated.id);
    const france1 = await referralThenAlert(france);
    // The whole flood fits in the window (no cap in this test): fairness alone must do it.
    await withMk(
      { inboundPrefetch: 400, inboundConcurrency: 32, inboundMaxPendingPerSender: 0 },
      async () => {
        const ours = await waitSettled([france1.referral, france1.alert], 120_000);
        const all = await waitSettled([...floodIds, france1.referral, france1.alert], 240_000);
        const referralSeq = ours.get(france1.referral)!.seq;
        const alertSeq = ours.get(france1.alert)!.seq;
        const floodBefore = (seq: number): number => floodIds.filter((id) => all.get(id)!.seq < seq).length;
        // In arrival order FR's referral would come after all 250; taking turns, it comes among the first: the
        // flood takes the 32 slots (TRM_INBOUND_CONCURRENCY here) before FR's messages are in, then turns alternate.
        expect(floodBefore(referralSeq)).toBeLessThan(50);
        expect(floodBefore(alertSeq)).toBeLessThan(50);
        expect(ours.get(france1.referral)!.action).toBe('MESSAGE_RECEIVED');
        expect(ours.get(france1.alert)!.action).toBe('MESSAGE_RECEIVED');
        // Nothing refused without a cap: the whole flood applied, each once.
        expect(floodIds.every((id) => all.get(id)!.action === 'MESSAGE_RECEIVED')).toBe(true);
        const [{ n }] = await federation.query<{ n: number }>(
          'MK',
          `SELECT count(*)::int AS n FROM messages WHERE direction = 'INBOUND' AND id = ANY($1::uuid[])`,
          [floodIds],
        );
        expect(n).toBe(251);
      },
    );
  }, 400_000);

  it('applies an alert ahead of a flood even when a routine message of its case waits at the end of it', async () => {
    // MK runs with one routine slot and receives the flood first, then the referral of the alert's case,
    // then the alert: the referral waits for the whole flood, the alert must not wait for the referral.
    await withMk({ inboundConcurrency: 1, inboundMaxPendingPerSender: 0 }, async () => {
      const floodIds = await flood(150, 1);
      const { referral, alert } = await referralThenAlert(italy);
      const all = await waitSettled([...floodIds, referral, alert], 240_000);
      const before = (id: string): number =>
        floodIds.filter((f) => all.get(f)!.seq < all.get(id)!.seq).length;
      expect(all.get(alert)!.action).toBe('MESSAGE_RECEIVED');
      expect(all.get(referral)!.action).toBe('MESSAGE_RECEIVED');
      expect(before(referral)).toBeGreaterThan(140); // it did wait for the flood: the case was behind it
      expect(before(alert)).toBeLessThan(100);
    });
  }, 400_000);

  /** Every id got its DELIVERY_RECEIPT at IT, and none a DELIVERY_REJECTED. */
  async function expectReceipts(ids: string[]): Promise<void> {
    const waiting = new Set(ids);
    const answered = await eventually(
      async () => {
        const found = italy.received((reply) => waiting.has(reply.envelope.inReplyTo!));
        return new Set(found.map((reply) => reply.envelope.inReplyTo)).size === ids.length
          ? found
          : undefined;
      },
      60_000,
      `an answer to each of ${ids.length} messages`,
    );
    expect(answered.filter((reply) => reply.envelope.type !== 'DELIVERY_RECEIPT')).toEqual([]);
  }

  async function inboundCount(ids: string[]): Promise<number> {
    const [{ n }] = await federation.query<{ n: number }>(
      'MK',
      `SELECT count(*)::int AS n FROM messages WHERE direction = 'INBOUND' AND id = ANY($1::uuid[])`,
      [ids],
    );
    return n;
  }

  it('applies a lone sender’s whole backlog after an outage, far beyond its cap, refusing nothing', async () => {
    await drainDeadLetters();
    const floodIds = await flood(150, 10);
    await withMk({ inboundPrefetch: 100, inboundMaxPendingPerSender: 20 }, async () => {
      const all = await waitSettled(floodIds, 240_000);
      expect(floodIds.filter((id) => all.get(id)!.action !== 'MESSAGE_RECEIVED')).toEqual([]);
      expect(await inboundCount(floodIds)).toBe(150);
      await expectReceipts(floodIds);
      expect(await drainDeadLetters()).toEqual(new Map());
    });
  }, 400_000);

  it('lets another sender through a flood over the cap, then applies the whole flood: nothing refused, nothing lost', async () => {
    await drainDeadLetters();
    // The repeat sits inside MK's first window, where IT is over its cap from the start.
    const floodIds = await flood(50, 10);
    await publishRepeated();
    floodIds.push(...(await flood(250, 10)));
    const france2 = await referralThenAlert(france);
    await withMk({ inboundPrefetch: 100, inboundMaxPendingPerSender: 20 }, async () => {
      const all = await waitSettled([...floodIds, france2.referral, france2.alert], 300_000);
      const referral = all.get(france2.referral)!;
      expect(referral.action).toBe('MESSAGE_RECEIVED');
      expect(all.get(france2.alert)!.action).toBe('MESSAGE_RECEIVED');
      // FR's referral sat behind 300 flood messages and a window of 100: once in the window it goes ahead
      // of the flood still waiting there, instead of after all of it.
      const floodAfter = floodIds.filter((id) => all.get(id)!.seq > referral.seq).length;
      expect(floodAfter).toBeGreaterThan(50);

      // The messages over the cap waited their turn: every one applied, once, and answered with a receipt.
      expect(floodIds.filter((id) => all.get(id)!.action !== 'MESSAGE_RECEIVED')).toEqual([]);
      expect(await inboundCount(floodIds)).toBe(300);
      await expectReceipts(floodIds);
      expect(await drainDeadLetters()).toEqual(new Map());

      // The repeated message (its first copy applied in the first test) is answered with its first receipt.
      const answers = await eventually(
        async () => {
          const found = italy.received((reply) => reply.envelope.inReplyTo === repeated.id);
          return found.length >= 2 ? found : undefined;
        },
        30_000,
        'the repeated message answered twice',
      );
      expect(answers.map((reply) => reply.envelope.type)).toEqual(['DELIVERY_RECEIPT', 'DELIVERY_RECEIPT']);
      expect(answers[1].envelope.id).toBe(answers[0].envelope.id);
    });
  }, 400_000);
});
