import { execSync } from 'node:child_process';
import { examplePayload } from '../src/messages/examples';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { inboxQueue } from '../src/transport/topology';
import { messageStatus, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

/**
 * Nothing lost, nothing applied twice: a receiver that is down, a sender killed between commit and publish,
 * a broker restart and a database outage, all on the real services.
 */
describe('resilience (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;

  beforeAll(async () => {
    await federation.setUp();
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  async function inboundCopies(ids: string[]): Promise<number> {
    const rows = await federation.query<{ n: number }>(
      'MK',
      `SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND direction = 'INBOUND'`,
      [ids],
    );
    return rows[0].n;
  }

  /** Messages ready in a node's inbox queue (not those delivered to its consumer and not yet acked). */
  async function inboxMessages(code: string): Promise<{ ready: number; consumers: number }> {
    const { messageCount, consumerCount } = await federation.withAdminChannel((channel) =>
      channel.checkQueue(inboxQueue(code)),
    );
    return { ready: messageCount, consumers: consumerCount };
  }

  async function sendReferrals(node: RunningNode, count: number): Promise<string[]> {
    const caseRef = await openSharableCase(node);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const sent = await sendMessage(node, caseRef, {
        type: 'CASE_UPDATE',
        to: 'MK',
        payload: examplePayload('CASE_UPDATE'),
      });
      expect(sent.status).toBe(202);
      ids.push(sent.body.id);
    }
    return ids;
  }

  it('delivers a message sent while the receiving node is down once it comes back', async () => {
    fr = await federation.start('FR');
    const [id] = await sendReferrals(fr, 1);
    await eventually(
      async () => ((await messageStatus(fr, id)).status === 'SENT' ? true : undefined),
      10_000,
      'SENT',
    );
    // MK has never run: its queue (declared by the broker setup) holds the message.
    await eventually(
      async () => (await inboxMessages('MK')).ready === 1 || undefined,
      10_000,
      'in MK’s queue',
    );
    expect((await messageStatus(fr, id)).status).toBe('SENT');
    await federation.start('MK');
    await waitDelivered(fr, id);
    expect(await inboundCopies([id])).toBe(1);
  });

  it('publishes on restart what a node committed but never published before it was killed', async () => {
    await federation.stop('FR');
    // The relay is off, so the message is committed to the outbox and cannot leave before the kill.
    const port = 32000 + Math.floor(Math.random() * 1000);
    const held = await federation.spawn('FR', port, { TRM_OUTBOX_RELAY: 'off' });
    const [id] = await sendReferrals(held, 1);
    const pending = await federation.query<{ n: number }>(
      'FR',
      `SELECT count(*)::int AS n FROM outbox WHERE message_id = $1 AND published_at IS NULL`,
      [id],
    );
    expect(pending[0].n).toBe(1);
    await federation.kill('FR');

    fr = await federation.start('FR');
    await waitDelivered(fr, id);
    expect(await inboundCopies([id])).toBe(1);
  }, 120_000);

  it('loses nothing and duplicates nothing across a broker restart', async () => {
    const before = await sendReferrals(fr, 5);
    execSync(process.env.TRM_BROKER_STOP_CMD ?? 'rabbitmqctl -q stop_app', { stdio: 'ignore' });
    let during: string[];
    try {
      // Accepted over HTTP while the broker is away: they wait in the outbox.
      during = await sendReferrals(fr, 5);
    } finally {
      execSync(process.env.TRM_BROKER_START_CMD ?? 'rabbitmqctl -q start_app', { stdio: 'ignore' });
    }
    const all = [...before, ...during];
    for (const id of all) await waitDelivered(fr, id, 60_000);
    expect(await inboundCopies(all)).toBe(all.length);
    const receipts = await federation.query<{ n: number }>(
      'FR',
      `SELECT count(DISTINCT in_reply_to)::int AS n FROM messages WHERE type = 'DELIVERY_RECEIPT' AND direction = 'INBOUND' AND in_reply_to = ANY($1)`,
      [all],
    );
    expect(receipts[0].n).toBe(all.length);
  }, 120_000);

  it('holds inbound messages through an outage of the receiver’s database and applies each once', async () => {
    const database = federation.databaseName('MK');
    await federation.query('FR', `ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await federation.query(
      'FR',
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`,
      [database],
    );
    let ids: string[];
    try {
      ids = await sendReferrals(fr, 5);
      for (const id of ids) {
        await eventually(
          async () => ((await messageStatus(fr, id)).status === 'SENT' ? true : undefined),
          10_000,
          'SENT',
        );
      }
      // MK's consumer has taken all five (none ready in its queue, each held unacked while its database is
      // away), and none is delivered: MK had them and could not apply them.
      await eventually(
        async () => (await inboxMessages('MK')).ready === 0 || undefined,
        20_000,
        'MK’s consumer holding every message',
      );
      for (const id of ids) expect((await messageStatus(fr, id)).status).toBe('SENT');
    } finally {
      await federation.query('FR', `ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    }
    for (const id of ids) await waitDelivered(fr, id, 60_000);
    expect(await inboundCopies(ids)).toBe(ids.length);
  }, 120_000);
});
