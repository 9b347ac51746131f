import type { Pool } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { examplePayload } from '../src/messages/examples';
import { eventually, LocalFederation } from '../scripts/lib/local-federation';
import { ForeignPeer } from './support/foreign-peer';

/**
 * Alerts never wait (issue 13): the urgent lane applies alerts on a database pool of its own. MK's routine
 * pool is taken whole (every connection checked out, as a routine load at its peak would hold them); an
 * EMERGENCY_ALERT from FR must still be applied, while a routine statement queued on the main pool is still
 * waiting for a connection. Once the pool is given back, everything completes: the alert's receipt reaches FR.
 */
describe('the urgent lane’s own database connections (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let france: ForeignPeer;
  let mk: DataSource;
  const caseRef = `TRM-FR-${new Date().getUTCFullYear()}-000101`;

  beforeAll(async () => {
    await federation.setUp();
    france = await ForeignPeer.connect(federation, 'FR');
    mk = (await federation.start('MK')).dataSource!;
  });

  afterAll(async () => {
    await france?.close();
    await federation.tearDown();
  });

  async function received(id: string): Promise<boolean> {
    const rows = await federation.query(
      'MK',
      `SELECT 1 FROM inbox WHERE message_id = $1 AND outcome = 'ACCEPTED'`,
      [id],
    );
    return rows.length === 1;
  }

  it('applies an alert while every routine connection is held', async () => {
    // The case exists first, so the alert is applied on it like any later alert.
    const referral = await france.send({
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      caseRef,
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect((await france.replyTo(referral, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');

    // Take every connection of MK's main pool (the one routine deliveries, the relay and the API use).
    const pool = (mk.driver as unknown as { master: Pool }).master;
    const max = (pool.options as { max: number }).max;
    const held: QueryRunner[] = Array.from({ length: max }, () => mk.createQueryRunner());
    let routineDone = false;
    let routine: Promise<unknown> = Promise.resolve();
    try {
      await Promise.all(held.map((runner) => runner.connect()));
      expect(pool.totalCount).toBe(max);
      expect(pool.idleCount).toBe(0);
      // A routine statement now has to wait for a connection.
      routine = mk.query('SELECT 1').then(() => (routineDone = true));

      const alert = await france.send({
        type: 'EMERGENCY_ALERT',
        to: 'MK',
        caseRef,
        payload: examplePayload('EMERGENCY_ALERT'),
      });
      await eventually(async () => ((await received(alert)) ? true : undefined), 30_000, 'the alert applied');
      expect(routineDone).toBe(false); // the main pool was still full when the alert was applied
      const [stored] = await federation.query<{ type: string; payload: string }>(
        'MK',
        `SELECT type, payload FROM messages WHERE id = $1 AND direction = 'INBOUND'`,
        [alert],
      );
      expect(stored.type).toBe('EMERGENCY_ALERT');
      // The urgent pool keeps its payload under the case's own key (erasable), as the main pool would.
      expect(stored.payload).toMatch(/^v3\./);

      // Given back: the routine statement runs and the relay sends the alert's receipt.
      await Promise.all(held.map((runner) => runner.release()));
      held.length = 0;
      await routine;
      expect(routineDone).toBe(true);
      expect((await france.replyTo(alert, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    } finally {
      await Promise.all(held.map((runner) => runner.release()));
      await routine.catch(() => undefined);
    }
  }, 180_000);
});
