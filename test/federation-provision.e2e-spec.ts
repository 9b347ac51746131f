import * as amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { chooseProvisioner } from '../scripts/lib/broker-provisioner';
import { databaseName, provision } from '../scripts/federation-provision';
import { inboxQueue } from '../src/transport/topology';

/**
 * The compose demo's provisioning (docker-compose.yml, `provision`), run against the real PostgreSQL and
 * RabbitMQ here: keys and directory file, broker user and topology, database, role, migrations, audit
 * handover and demo accounts; a second run changes nothing. Two countries with random codes, so that runs
 * never share a broker user or a database; everything is removed afterwards.
 */
describe('federation provisioning for the compose demo (real PostgreSQL and RabbitMQ)', () => {
  const adminUrl = process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const pick = (): string => `Q${letters[randomBytes(1)[0] % 26]}`;
  const first = pick();
  let second = pick();
  while (second === first) second = pick();
  const codes = [first, second];
  const vhost = `trm-provision-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'trm-provision-'));
  const env: NodeJS.ProcessEnv = {
    TRM_FEDERATION_COUNTRIES: codes.join(','),
    TRM_FEDERATION_DIR: dir,
    TRM_BROKER_VHOST: vhost,
    RABBITMQ_MANAGEMENT_URL: process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672',
    AMQP_ADMIN_URL: 'amqp://guest:guest@127.0.0.1:5672',
    TRM_PG_ADMIN_URL: adminUrl,
    ...Object.fromEntries(codes.map((c) => [`TRM_BROKER_PASSWORD_${c}`, `broker-${c.toLowerCase()}-secret`])),
    ...Object.fromEntries(codes.map((c) => [`TRM_DB_PASSWORD_${c}`, `database-${c.toLowerCase()}-secret`])),
  };
  const nodeDatabaseUrl = (code: string): string =>
    Object.assign(new URL(adminUrl), {
      username: databaseName(code),
      password: env[`TRM_DB_PASSWORD_${code}`]!,
      pathname: `/${databaseName(code)}`,
    }).toString();

  async function asAdmin(sql: string): Promise<void> {
    const pg = new Client({ connectionString: adminUrl });
    await pg.connect();
    try {
      await pg.query(sql);
    } finally {
      await pg.end();
    }
  }

  afterAll(async () => {
    const broker = (await chooseProvisioner(env.RABBITMQ_MANAGEMENT_URL!)).provisioner;
    await broker?.deleteVhost(vhost).catch(() => undefined);
    for (const code of codes) {
      await broker?.deleteUser(code).catch(() => undefined);
      await asAdmin(`DROP DATABASE IF EXISTS ${databaseName(code)} WITH (FORCE)`);
      await asAdmin(`DROP ROLE IF EXISTS ${databaseName(code)}`);
      await asAdmin(`DROP ROLE IF EXISTS ${databaseName(code)}_audit`);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('makes what each node connects with, once', async () => {
    const said: string[] = [];
    await provision(env, (line) => said.push(line));

    const directory = JSON.parse(readFileSync(path.join(dir, 'directory.json'), 'utf8')) as {
      participants: Array<{ code: string }>;
    };
    expect(directory.participants.map((p) => p.code)).toEqual(codes);
    for (const code of codes) {
      for (const file of [`${code}.signing.key`, `${code}.encryption.key`, `${code}.data-1.key`])
        expect(existsSync(path.join(dir, 'keys', file))).toBe(true);

      // The node's role logs in with its password, finds its migrated tables and the demo accounts, and
      // does not own the audit log any more.
      const pg = new Client({ connectionString: nodeDatabaseUrl(code) });
      await pg.connect();
      try {
        const accounts = await pg.query<{ name: string }>('SELECT name FROM accounts ORDER BY name');
        expect(accounts.rows.map((r) => r.name)).toEqual(
          expect.arrayContaining(['admin', 'agency', 'auditor', 'coordinator', 'coordinator-2']),
        );
        const owner = await pg.query<{ owner: string }>(
          `SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'audit_log'`,
        );
        expect(owner.rows[0].owner).toBe(`${databaseName(code)}_audit`);
      } finally {
        await pg.end();
      }

      // The broker user, named by its code, reaches its own inbox in the vhost.
      const password = env[`TRM_BROKER_PASSWORD_${code}`]!;
      const connection = await amqp.connect(
        `amqp://${code}:${password}@127.0.0.1:5672/${encodeURIComponent(vhost)}`,
      );
      try {
        const channel = await connection.createChannel();
        expect((await channel.checkQueue(inboxQueue(code))).queue).toBe(inboxQueue(code));
      } finally {
        await connection.close();
      }
    }

    // Again, as `docker compose up` a second time: nothing is made or changed.
    const before = readFileSync(path.join(dir, 'directory.json'), 'utf8');
    const again: string[] = [];
    await provision(env, (line) => again.push(line));
    expect(again).toEqual([expect.stringContaining('already provisioned')]);
    expect(readFileSync(path.join(dir, 'directory.json'), 'utf8')).toBe(before);
  }, 240_000);
});
