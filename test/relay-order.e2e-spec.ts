import { examplePayload } from '../src/messages/examples';
import { eventually } from '../scripts/lib/local-federation';
import { inboxQueue, TRANSNATIONAL_EXCHANGE } from '../src/transport/topology';
import { openSharableCase, sendMessage, waitDelivered } from './support/node-api';
import { federationSuite } from './support/federation-suite';

/**
 * The relay publishes in batches under publisher confirms (issue 13), and a failed publish never lets a later
 * message of its case overtake it. The fault is real: MK's routine queue loses its binding, so the broker
 * returns FR's message as unroutable (a publish the broker did not take); the relay retries it with a
 * growing backoff. A second message of the same case, queued once the binding is back and while the first
 * still backs off, must wait for it: MK applies them in the order they were sent, each once.
 */
describe('outbox relay: order within a case across failed publishes (real PostgreSQL and RabbitMQ)', () => {
  const { federation, nodes } = federationSuite({ codes: ['FR', 'MK'], start: ['FR'] });

  const binding = (bind: boolean): Promise<void> =>
    federation.withAdminChannel(async (channel) => {
      if (bind) await channel.bindQueue(inboxQueue('MK'), TRANSNATIONAL_EXCHANGE, 'routine.MK.#');
      else await channel.unbindQueue(inboxQueue('MK'), TRANSNATIONAL_EXCHANGE, 'routine.MK.#');
    });

  async function send(caseRef: string): Promise<string> {
    const sent = await sendMessage(nodes.FR, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(sent.status).toBe(202);
    return sent.body.id;
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

    await federation.start('MK');
    await waitDelivered(nodes.FR, first, 60_000);
    await waitDelivered(nodes.FR, second, 60_000);
    const received = await federation.query<{ message_id: string; seq: number }>(
      'MK',
      `SELECT message_id, seq::int AS seq FROM audit_log WHERE action = 'MESSAGE_RECEIVED' AND message_id = ANY($1)`,
      [[first, second]],
    );
    expect(received).toHaveLength(2); // each applied once
    const seq = new Map(received.map((row) => [row.message_id, row.seq]));
    expect(seq.get(first)!).toBeLessThan(seq.get(second)!);
  }, 180_000);
});
