import { eventually } from '../scripts/lib/local-federation';
import { examplePayload } from '../src/messages/examples';
import { TrmTransport } from '../src/transfers/trm-transport';
import { inboxQueue, urgentQueue } from '../src/transport/topology';
import { federationSuite } from './support/federation-suite';
import { api, messageStatus, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

/**
 * The TRM inbound is a Nest transport (src/transfers/trm-transport.ts): the node is a hybrid application
 * whose transport Nest starts after its modules and closes before their shutdown. Closing it stops the
 * node's consumers on both lanes while the node itself (HTTP, database) still serves; what is sent meanwhile
 * waits in the node's queue and is applied, once, when it consumes again. A channel the broker closes alone
 * is opened again while the connection stays up.
 */
describe('the TRM inbound as a Nest transport (real PostgreSQL and RabbitMQ)', () => {
  const { federation, nodes } = federationSuite({ codes: ['FR', 'MK'], start: ['FR', 'MK'] });

  const consumers = (queue: string) =>
    federation.withAdminChannel(async (channel) => (await channel.checkQueue(queue)).consumerCount);
  const waiting = (queue: string) =>
    federation.withAdminChannel(async (channel) => (await channel.checkQueue(queue)).messageCount);

  /** A referral FR sends MK on a new case; its id. */
  async function referralFromFrance(): Promise<string> {
    const caseRef = await openSharableCase(nodes.FR);
    const sent = await sendMessage(nodes.FR, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect(sent.status).toBe(202);
    return sent.body.id as string;
  }

  it('runs as the hybrid application’s one transport, consuming both of the node’s lanes', async () => {
    const transports = nodes.MK.app!.getMicroservices();
    expect(transports).toHaveLength(1);
    expect(await consumers(inboxQueue('MK'))).toBe(1);
    expect(await consumers(urgentQueue('MK'))).toBe(1);
  });

  it('closed, takes no more deliveries while the node still serves; the waiting message is applied once after', async () => {
    await nodes.MK.app!.get(TrmTransport).close();
    expect(await consumers(inboxQueue('MK'))).toBe(0);
    expect(await consumers(urgentQueue('MK'))).toBe(0);
    expect((await api(nodes.MK, 'GET', '/health/ready', undefined, { as: 'anonymous' })).status).toBe(200);

    const id = await referralFromFrance();
    // Published (the relay has sent it) and waiting in MK's queue, not taken.
    await eventually(
      async () => ((await messageStatus(nodes.FR, id)).status === 'SENT' ? true : undefined),
      20_000,
      'the referral published',
    );
    await eventually(
      async () => ((await waiting(inboxQueue('MK'))) === 1 ? true : undefined),
      20_000,
      'the referral waiting in MK’s queue',
    );
    expect(
      await federation.query('MK', `SELECT count(*)::int AS n FROM messages WHERE id = $1`, [id]),
    ).toEqual([{ n: 0 }]);

    // A new start consumes again: applied once, its receipt back at FR.
    await federation.stop('MK');
    nodes.MK = await federation.start('MK');
    await waitDelivered(nodes.FR, id);
    expect(
      await federation.query('MK', `SELECT count(*)::int AS n FROM messages WHERE id = $1`, [id]),
    ).toEqual([{ n: 1 }]);
  });

  it('consumes a lane again when the broker closes its channel alone (its queue deleted)', async () => {
    await federation.withAdminChannel((channel) => channel.deleteQueue(inboxQueue('MK')));
    // The broker cancels MK's consumer; MK, still connected, declares its queue again and consumes it.
    const consuming = () =>
      consumers(inboxQueue('MK')).then(
        (count) => (count === 1 ? count : undefined),
        () => undefined, // not declared again yet
      );
    expect(await eventually(consuming, 30_000, 'MK consuming its routine queue again')).toBe(1);
    expect(await consumers(urgentQueue('MK'))).toBe(1);

    await waitDelivered(nodes.FR, await referralFromFrance());
  });
});
