import { randomUUID } from 'node:crypto';
import { examplePayload } from '../src/messages/examples';
import { eventually, type RunningNode } from '../scripts/lib/local-federation';
import { MessageType } from '../src/messages/message-types';
import { TrmTransport } from '../src/transfers/trm-transport';
import { OutboxRelay } from '../src/transport/outbox-relay';
import { relayLock } from '../src/transport/outbox.repository';
import { Publisher, PublishError } from '../src/transport/publisher';
import { inboxQueue, TRANSNATIONAL_EXCHANGE } from '../src/transport/topology';
import { openSharableCase, sendMessage, waitDelivered } from './support/node-api';
import { federationSuite } from './support/federation-suite';
import { management } from './support/management-api';
import { lockWaitSeen } from './support/lock-waits';

/**
 * The relay publishes in batches under publisher confirms (issue 13), and a failed publish never lets a later
 * message of its case overtake it. The fault is real: MK's routine queue loses its binding, so the broker
 * returns FR's message as unroutable (a publish the broker did not take); the relay retries it with a
 * growing backoff. A second message of the same case, queued once the binding is back and while the first
 * still backs off, must wait for it: MK applies them in the order they were sent, each once. A publish the
 * broker refuses by closing the channel does not stop the relay either.
 */
describe('outbox relay: order within a case across failed publishes (real PostgreSQL and RabbitMQ)', () => {
  const { federation, nodes } = federationSuite({ codes: ['FR', 'MK'], start: ['FR'] });
  let mk: RunningNode | undefined;

  const binding = (bind: boolean, pattern = 'routine.MK.#'): Promise<void> =>
    federation.withAdminChannel(async (channel) => {
      if (bind) await channel.bindQueue(inboxQueue('MK'), TRANSNATIONAL_EXCHANGE, pattern);
      else await channel.unbindQueue(inboxQueue('MK'), TRANSNATIONAL_EXCHANGE, pattern);
    });

  async function send(caseRef: string, type: MessageType = 'CASE_UPDATE'): Promise<string> {
    const sent = await sendMessage(nodes.FR, caseRef, { type, to: 'MK', payload: examplePayload(type) });
    expect(sent.status).toBe(202);
    return sent.body.id;
  }

  const waiting = (queue: string) =>
    federation.withAdminChannel(async (channel) => (await channel.checkQueue(queue)).messageCount);

  /** Which of these messages FR's relay has marked published. */
  async function publishedOf(ids: string[]): Promise<string[]> {
    const rows = await federation.query<{ message_id: string }>(
      'FR',
      `SELECT message_id FROM outbox WHERE message_id = ANY($1::uuid[]) AND published_at IS NOT NULL`,
      [ids],
    );
    return rows.map((row) => row.message_id);
  }

  /** MK's order of application: the position of each message's MESSAGE_RECEIVED entry in its audit chain. */
  async function receivedOrder(ids: string[]): Promise<string[]> {
    const rows = await federation.query<{ message_id: string }>(
      'MK',
      `SELECT message_id FROM audit_log WHERE action = 'MESSAGE_RECEIVED' AND message_id = ANY($1) ORDER BY seq`,
      [ids],
    );
    return rows.map((row) => row.message_id);
  }

  it('holds a later message of a case behind an earlier one whose publish failed', async () => {
    const caseRef = await openSharableCase(nodes.FR);
    await binding(false);
    const first = await send(caseRef);
    try {
      // Returned by the broker again and again: the backoff grows (8 s after the sixth failure).
      await eventually(
        async () => {
          const [row] = await federation.query<{ attempts: number; waiting: boolean; error: string }>(
            'FR',
            `SELECT attempts, next_attempt_at > now() + interval '3 seconds' AS waiting, last_error AS error
             FROM outbox WHERE message_id = $1 AND published_at IS NULL`,
            [first],
          );
          return row && row.attempts >= 6 && row.waiting ? row : undefined;
        },
        60_000,
        'the first message backing off',
      ).then((row) => expect(row.error).toMatch(/no queue is bound/));
    } finally {
      await binding(true);
    }
    // Due at once, but behind the first message of its case, which is not due yet.
    const second = await send(caseRef);

    const published = await eventually(
      async () => {
        const rows = await federation.query<{ message_id: string; at: Date }>(
          'FR',
          `SELECT message_id, published_at AS at FROM outbox
           WHERE message_id = ANY($1::uuid[]) AND published_at IS NOT NULL`,
          [[first, second]],
        );
        return rows.length === 2 ? new Map(rows.map((row) => [row.message_id, row.at.getTime()])) : undefined;
      },
      60_000,
      'both messages published',
    );
    expect(published.get(second)!).toBeGreaterThanOrEqual(published.get(first)!);

    mk = await federation.start('MK');
    await waitDelivered(nodes.FR, first, 60_000);
    await waitDelivered(nodes.FR, second, 60_000);
    // Each applied once, in the order sent.
    expect(await receivedOrder([first, second])).toEqual([first, second]);
  }, 180_000);

  it('sends no later message of a case in the same batch ahead of an earlier one the broker refused', async () => {
    const relay = nodes.FR.app!.get(OutboxRelay);
    const caseRef = await openSharableCase(nodes.FR);
    // MK's routine queue takes CASE_UPDATEs only, for now: the broker returns a REFERRAL_REQUEST unroutable.
    await binding(false);
    await binding(true, 'routine.MK.*.CASE_UPDATE');
    // FR's relay held, so that both messages go out in one batch, run here.
    await relay.onApplicationShutdown();
    let referral: string, update: string;
    try {
      referral = await send(caseRef, 'REFERRAL_REQUEST');
      update = await send(caseRef, 'CASE_UPDATE');
      expect(await relay.relayBatch('routine')).toBe(2);
      // The batch committed: the referral refused and backing off, the update not sent ahead of it.
      const rows = await federation.query<{ message_id: string; attempts: number; sent: boolean }>(
        'FR',
        `SELECT message_id, attempts, published_at IS NOT NULL AS sent FROM outbox
         WHERE message_id = ANY($1::uuid[]) ORDER BY id`,
        [[referral, update]],
      );
      expect(rows).toEqual([
        { message_id: referral, attempts: 1, sent: false },
        { message_id: update, attempts: 0, sent: false },
      ]);
    } finally {
      await binding(true);
      await binding(false, 'routine.MK.*.CASE_UPDATE');
      relay.onApplicationBootstrap();
    }
    mk ??= await federation.start('MK');
    await waitDelivered(nodes.FR, referral, 60_000);
    await waitDelivered(nodes.FR, update, 60_000);
    expect(await receivedOrder([referral, update])).toEqual([referral, update]);
  }, 180_000);

  it('publishes an alert on a loop of its own, not behind the routine rows queued before it', async () => {
    const relay = nodes.FR.app!.get(OutboxRelay);
    const caseRef = await openSharableCase(nodes.FR);
    // FR's relay held, so that the rows wait in the outbox and each lane's batch is run here.
    await relay.onApplicationShutdown();
    let routine: string[], alert: string;
    const published = async (): Promise<string[]> =>
      (
        await federation.query<{ message_id: string }>(
          'FR',
          `SELECT message_id FROM outbox WHERE message_id = ANY($1::uuid[]) AND published_at IS NOT NULL`,
          [[...routine, alert]],
        )
      ).map((row) => row.message_id);
    try {
      routine = [await send(caseRef), await send(caseRef)];
      alert = await send(caseRef, 'EMERGENCY_ALERT');
      // The urgent lane's batch takes the alert alone, though the routine rows came first.
      expect(await relay.relayBatch('urgent')).toBe(1);
      expect(await published()).toEqual([alert]);
      expect(await relay.relayBatch('routine')).toBe(2);
      expect((await published()).sort()).toEqual([...routine, alert].sort());
    } finally {
      relay.onApplicationBootstrap();
    }
    mk ??= await federation.start('MK');
    for (const id of [...routine, alert]) await waitDelivered(nodes.FR, id, 60_000);
    expect(await receivedOrder(routine)).toEqual(routine);
  }, 180_000);

  it('retries a message the broker nacked (its queue full and refusing publishes) until it is taken, and applies it once', async () => {
    mk ??= await federation.start('MK');
    // MK takes nothing for now, and its routine queue refuses publishes once it holds more than one message
    // (a quorum queue's reject-publish: the broker nacks what comes after, until the queue is drained).
    await mk.app!.get(TrmTransport).close();
    const vhost = encodeURIComponent(federation.vhost);
    const queue = encodeURIComponent(inboxQueue('MK'));
    await management('PUT', `/policies/${vhost}/test-inbox-full`, {
      pattern: `^${inboxQueue('MK').replace(/\./g, '\\.')}$`,
      definition: { 'max-length': 1, overflow: 'reject-publish' },
      'apply-to': 'queues',
      priority: 100,
    });
    const caseRef = await openSharableCase(nodes.FR);
    const ids: string[] = [];
    try {
      await eventually(
        async () => {
          const info = (await management('GET', `/queues/${vhost}/${queue}`)) as { policy?: string };
          return info.policy === 'test-inbox-full' ? true : undefined;
        },
        15_000,
        'the policy applied to the queue',
      );
      ids.push(await send(caseRef));
      await eventually(
        async () => ((await waiting(inboxQueue('MK'))) === 1 ? true : undefined),
        15_000,
        'the first message in the queue, at its limit',
      );
      ids.push(await send(caseRef), await send(caseRef));
      const nacked = await eventually(
        async () => {
          const rows = await federation.query<{ attempts: number; error: string }>(
            'FR',
            `SELECT attempts, last_error AS error FROM outbox
             WHERE message_id = ANY($1::uuid[]) AND published_at IS NULL AND attempts >= 2`,
            [ids],
          );
          return rows.length > 0 ? rows : undefined;
        },
        30_000,
        'a message nacked twice',
      );
      for (const row of nacked) expect(row.error).toBe('broker did not confirm the message: message nacked');
      // MK consumes again: the queue drains below its limit and takes publishes again.
      await federation.stop('MK');
      mk = await federation.start('MK');
      for (const id of ids) await waitDelivered(nodes.FR, id, 60_000);
    } finally {
      await management('DELETE', `/policies/${vhost}/test-inbox-full`);
    }
    // Each applied once, in the order sent.
    expect(await receivedOrder(ids)).toEqual(ids);
  }, 180_000);

  it('publishes again once a refused publish closed its channel (an exchange gone)', async () => {
    mk ??= await federation.start('MK');
    // The broker answers a publish to an exchange that does not exist by closing the channel (404), and every
    // publish of the node goes through that one channel: the publisher must open another, not stop.
    const publisher = nodes.FR.app!.get(Publisher);
    await expect(
      publisher.publish('trm.test-gone', 'routine.MK.FR.CASE_UPDATE', Buffer.from('{}'), {
        messageId: randomUUID(),
      }),
    ).rejects.toThrow(PublishError);
    const caseRef = await openSharableCase(nodes.FR);
    const id = await send(caseRef);
    await waitDelivered(nodes.FR, id, 60_000);
    expect(await receivedOrder([id])).toEqual([id]);
  }, 120_000);

  it('takes turns with another relay of the lane: nothing of the lane leaves while the other is under way', async () => {
    mk ??= await federation.start('MK');
    const caseRef = await openSharableCase(nodes.FR);
    // Another instance of FR relaying its routine lane, caught in the middle of a batch: it holds the lane.
    const other = nodes.FR.dataSource!.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    let ids: string[];
    try {
      await other.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [relayLock('routine')]);
      ids = [await send(caseRef), await send(caseRef)];
      // It has claimed the first message's row; FR's own relay waits for the lane rather than skip that row
      // and publish the second message ahead of it.
      await other.query(`SELECT id FROM outbox WHERE message_id = $1 FOR UPDATE`, [ids[0]]);
      await lockWaitSeen(federation, 'FR', ['advisory'], 'FR’s relay waiting for the lane');
      expect(await publishedOf(ids)).toEqual([]);
    } finally {
      // Its publish failed: the first message's row is pending again.
      await other.rollbackTransaction();
      await other.release();
    }
    for (const id of ids) await waitDelivered(nodes.FR, id, 60_000);
    expect(await receivedOrder(ids)).toEqual(ids);
  }, 120_000);
  it('waits for a row a cancellation holds rather than publish the later rows of its case ahead of it', async () => {
    mk ??= await federation.start('MK');
    const caseRef = await openSharableCase(nodes.FR);
    // The lane held (as by another relay) while both messages are queued, so neither leaves yet.
    const lane = nodes.FR.dataSource!.createQueryRunner();
    const cancellation = nodes.FR.dataSource!.createQueryRunner();
    await lane.connect();
    await cancellation.connect();
    let ids: string[];
    try {
      await lane.startTransaction();
      await lane.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [relayLock('routine')]);
      ids = [await send(caseRef), await send(caseRef)];
      // A consent withdrawal's cancellation holds the first row, as cancelUnpublished does, then the lane frees.
      await cancellation.startTransaction();
      await cancellation.query(`SELECT id FROM outbox WHERE message_id = $1 FOR UPDATE`, [ids[0]]);
      await lane.rollbackTransaction();
      await lockWaitSeen(
        federation,
        'FR',
        ['transactionid', 'tuple'],
        'FR’s relay waiting for the row the cancellation holds',
      );
      expect(await publishedOf(ids)).toEqual([]);
    } finally {
      // The withdrawal failed: the first message is queued again, ahead of the second.
      if (cancellation.isTransactionActive) await cancellation.rollbackTransaction();
      if (lane.isTransactionActive) await lane.rollbackTransaction();
      await cancellation.release();
      await lane.release();
    }
    for (const id of ids) await waitDelivered(nodes.FR, id, 60_000);
    expect(await receivedOrder(ids)).toEqual(ids);
  }, 120_000);
});
