import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { examplePayload } from '../src/messages/examples';
import { CasesService } from '../src/cases/cases.service';
import { OutboundService } from '../src/transfers/outbound.service';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { ForeignPeer } from './support/foreign-peer';

/**
 * Alerts never wait (issue 13): the urgent lane sends, relays and applies alerts on a database pool of its
 * own. MK's routine pool is taken whole (every connection checked out, as a routine load at its peak would
 * hold them); an EMERGENCY_ALERT from FR must still be applied, and one from MK still sent and published,
 * while a routine statement queued on the main pool is still waiting for a connection. Once the pool is given
 * back, everything completes. That wait is bounded (TRM_DATABASE_WAIT_SECONDS): held longer, a routine
 * delivery fails, is held and is applied once the pool is back.
 */
describe('the urgent lane’s own database connections (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let france: ForeignPeer;
  let mkNode: RunningNode;
  let mk: DataSource;
  const caseRef = `TRM-FR-${new Date().getUTCFullYear()}-000101`;

  beforeAll(async () => {
    await federation.setUp();
    france = await ForeignPeer.connect(federation, 'FR');
    mkNode = await federation.start('MK');
    mk = mkNode.dataSource!;
  });

  afterAll(async () => {
    await france?.close();
    await federation.tearDown();
  });

  /**
   * Checks out every connection of MK's main pool (the one routine deliveries, the routine relay and the API
   * use) and queues a routine statement behind them; `release` gives them back and waits for that statement.
   */
  async function holdMainPool(): Promise<{ routineDone: () => boolean; release: () => Promise<void> }> {
    const held = await takeMainPool();
    let done = false;
    const routine = mk.query('SELECT 1').then(() => (done = true));
    return {
      routineDone: () => done,
      release: async () => {
        await held.release();
        await routine;
      },
    };
  }

  /** Checks out every connection of MK's main pool; `release` gives them back. */
  async function takeMainPool(): Promise<{ release: () => Promise<void> }> {
    const pool = (mk.driver as unknown as { master: Pool }).master;
    const max = (pool.options as { max: number }).max;
    const held: QueryRunner[] = Array.from({ length: max }, () => mk.createQueryRunner());
    await Promise.all(held.map((runner) => runner.connect()));
    expect(pool.totalCount).toBe(max);
    expect(pool.idleCount).toBe(0);
    return {
      release: async () => void (await Promise.all(held.splice(0).map((runner) => runner.release()))),
    };
  }

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

    const pool = await holdMainPool();
    try {
      const alert = await france.send({
        type: 'EMERGENCY_ALERT',
        to: 'MK',
        caseRef,
        payload: examplePayload('EMERGENCY_ALERT'),
      });
      await eventually(async () => ((await received(alert)) ? true : undefined), 30_000, 'the alert applied');
      expect(pool.routineDone()).toBe(false); // the main pool was still full when the alert was applied
      const [stored] = await federation.query<{ type: string; payload: string }>(
        'MK',
        `SELECT type, payload FROM messages WHERE id = $1 AND direction = 'INBOUND'`,
        [alert],
      );
      expect(stored.type).toBe('EMERGENCY_ALERT');
      // The urgent pool keeps its payload under the case's own key (erasable), as the main pool would.
      expect(stored.payload).toMatch(/^v3\./);

      // Given back: the routine statement runs and the relay sends the alert's receipt.
      await pool.release();
      expect(pool.routineDone()).toBe(true);
      expect((await france.replyTo(alert, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    } finally {
      await pool.release();
    }
  }, 180_000);

  it('sends and publishes an alert while every routine connection is held', async () => {
    const app = mkNode.app!;
    const actor = 'coordinator:urgent-test';
    const { caseRef: own } = await app.get(CasesService).open(actor);

    const pool = await holdMainPool();
    try {
      const { record } = await app.get(OutboundService).send(
        {
          caseRef: own,
          type: 'EMERGENCY_ALERT',
          to: 'FR',
          legalBasis: 'VITAL_INTEREST',
          payload: examplePayload('EMERGENCY_ALERT'),
        },
        actor,
      );
      const [atFrance] = await france.waitFor((r) => r.envelope.id === record.id, 30_000, 'the alert at FR');
      expect(atFrance.envelope.type).toBe('EMERGENCY_ALERT');
      // Written, relayed, published and marked SENT (the relay's transaction commits just after FR has it) on
      // the urgent lane's pool: the main pool was still full.
      const status = await eventually(
        async () => {
          const [row] = await federation.query<{ status: string }>(
            'MK',
            `SELECT status FROM messages WHERE id = $1`,
            [record.id],
          );
          return row.status === 'SENT' ? row.status : undefined;
        },
        20_000,
        'the alert marked SENT',
      );
      expect(status).toBe('SENT');
      expect(pool.routineDone()).toBe(false);
    } finally {
      await pool.release();
    }
  }, 180_000);

  it('bounds the wait for a routine connection: a delivery behind a pool held too long is held, then applied once', async () => {
    // MK again, waiting at most a second for a free connection (TRM_DATABASE_WAIT_SECONDS=1).
    await federation.stop('MK');
    mkNode = await federation.start('MK', { databaseWaitMs: 1000 });
    mk = mkNode.dataSource!;
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const warned = (text: string): true | undefined =>
      warnings.mock.calls.some(([message]) => String(message).includes(text)) || undefined;
    const held = await takeMainPool();
    let referral: string;
    try {
      // A statement behind the held pool fails, and says why, instead of waiting for ever.
      const asked = Date.now();
      await expect(mk.query('SELECT 1')).rejects.toThrow('timeout exceeded when trying to connect');
      expect(Date.now() - asked).toBeLessThan(10_000);

      referral = await france.send({
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        caseRef: `TRM-FR-${new Date().getUTCFullYear()}-000102`,
        payload: examplePayload('REFERRAL_REQUEST'),
      });
      // MK's delivery fails the same way, and MK holds it until a connection is free: no answer yet.
      const failed = `inbound message ${referral} failed: timeout exceeded when trying to connect`;
      await eventually(async () => warned(failed), 30_000, 'the delivery failing');
      await eventually(async () => warned('holding inbound messages'), 30_000, 'the delivery held');
      expect(france.repliesTo(referral)).toEqual([]);
    } finally {
      await held.release();
      warnings.mockRestore();
    }
    expect((await france.replyTo(referral, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    expect(await received(referral)).toBe(true);
    // Applied once, answered once: no rejection for our own trouble.
    await france.settle('MK');
    expect(france.repliesTo(referral).map((r) => r.envelope.type)).toEqual(['DELIVERY_RECEIPT']);
  }, 180_000);
});
