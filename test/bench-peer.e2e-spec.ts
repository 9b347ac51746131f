/**
 * The bench's NestJS peer (bench/nest-peer.ts, issue 13) against the real RabbitMQ and PostgreSQL: every
 * hop is a referral saved at MK and its receipt saved at FR, and a run leaves nothing behind, failed or not.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { measureNestPeer, nestPeerNames } from '../bench/nest-peer';
import { BrokerAdmin } from '../src/transport/broker-admin';

const PG_ADMIN_URL = process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672';

/** The run's vhost and databases that still exist. */
async function leftOf(runId: string): Promise<string[]> {
  const { vhost, databases } = nestPeerNames(runId);
  const vhosts = (await new BrokerAdmin({ url: MANAGEMENT_URL }).listVhosts()).map((v) => v.name);
  const pg = new Client({ connectionString: PG_ADMIN_URL });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = ANY($1)`,
      [Object.values(databases)],
    );
    return [...vhosts.filter((name) => name === vhost), ...rows.map((row) => row.datname)];
  } finally {
    await pg.end();
  }
}

describe('the NestJS peer of the bench (real RabbitMQ and PostgreSQL)', () => {
  it('carries each referral to MK and its receipt back to FR, one saved row each, and cleans up', async () => {
    const runId = randomBytes(4).toString('hex');
    const result = await measureNestPeer({
      runId,
      messages: 20,
      concurrency: 4,
      warmup: 0,
      timeoutMs: 20_000,
    });

    expect(result.messages).toBe(20);
    expect(result.latency.count).toBe(20);
    expect(result.details.rows).toEqual({ FR: 20, MK: 20 });
    expect(await leftOf(runId)).toEqual([]);
  }, 30_000);

  it('cleans up after a run that fails', async () => {
    const runId = randomBytes(4).toString('hex');
    await expect(
      measureNestPeer({ runId, messages: 20, concurrency: 4, warmup: 0, timeoutMs: 1 }),
    ).rejects.toThrow(/receipts after the timeout/);
    expect(await leftOf(runId)).toEqual([]);
  }, 30_000);
});
