/**
 * What a killed run leaves behind (scripts/lib/leftovers.ts), against the real PostgreSQL and RabbitMQ: the
 * sweep removes the databases, roles, vhosts and private PostgreSQL clusters a dead process of this machine
 * marked, and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { Client } from 'pg';
import { deadRun, markStatement, sweepDeadRuns } from '../scripts/lib/leftovers';
import { PostgresCluster } from '../scripts/lib/postgres-cluster';
import { BrokerAdmin } from '../src/transport/broker-admin';

const PG_ADMIN_URL = process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('sweeping what killed runs left (real PostgreSQL and RabbitMQ)', () => {
  const admin = new BrokerAdmin({ url: MANAGEMENT_URL });
  const run = randomBytes(4).toString('hex');
  const name = (what: string): string => `trm_${run}_${what}`;
  const pg = new Client({ connectionString: PG_ADMIN_URL });
  const pid = deadPid();
  const marks = {
    dead: JSON.stringify({ trmRun: `${run}d`, pid, host: hostname() }),
    live: JSON.stringify({ trmRun: `${run}l`, pid: process.pid, host: hostname() }),
    elsewhere: JSON.stringify({ trmRun: `${run}e`, pid, host: `not-${hostname()}` }),
  };

  const databases = async (): Promise<string[]> =>
    (
      await pg.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1`,
        [`trm\\_${run}\\_%`],
      )
    ).rows.map((row) => row.datname);
  const roles = async (): Promise<string[]> =>
    (
      await pg.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1`, [
        `trm\\_${run}\\_%`,
      ])
    ).rows.map((row) => row.rolname);
  const vhosts = async (): Promise<string[]> =>
    (await admin.listVhosts()).map((v) => v.name).filter((v) => v.startsWith(`trm-${run}`));

  beforeAll(async () => {
    await pg.connect();
    for (const [what, mark] of Object.entries({ ...marks, unmarked: null })) {
      await pg.query(`CREATE DATABASE ${name(what)}`);
      if (mark) await pg.query(`COMMENT ON DATABASE ${name(what)} IS '${mark}'`);
      await pg.query(`CREATE ROLE ${name(what)}_app NOLOGIN`);
      await pg.query(`CREATE ROLE ${name(what)}_audit NOLOGIN`);
      await admin.createVhost(`trm-${run}-${what}`, mark ?? undefined);
    }
  });

  afterAll(async () => {
    for (const database of await databases()) await pg.query(`DROP DATABASE ${database} WITH (FORCE)`);
    for (const role of await roles()) await pg.query(`DROP ROLE ${role}`);
    for (const vhost of await vhosts()) await admin.deleteVhost(vhost);
    await pg.end();
  });

  it('reads a mark as a dead run only for an exited process of this machine', () => {
    expect(deadRun(marks.dead)).toEqual({ trmRun: `${run}d`, pid, host: hostname() });
    expect(deadRun(marks.live)).toBeNull();
    expect(deadRun(marks.elsewhere)).toBeNull();
    for (const junk of [null, '', 'a comment someone wrote', '{"pid": 1}', '[]'])
      expect(deadRun(junk)).toBeNull();
  });

  it('writes the mark runs leave on their databases', async () => {
    await pg.query(markStatement(name('live'), `${run}l`));
    const [{ mark }] = (
      await pg.query<{ mark: string }>(
        `SELECT shobj_description(oid, 'pg_database') AS mark FROM pg_database WHERE datname = $1`,
        [name('live')],
      )
    ).rows;
    expect(JSON.parse(mark)).toEqual({ trmRun: `${run}l`, pid: process.pid, host: hostname() });
  });

  it("removes a dead run's databases, roles and vhost, and leaves live, foreign and unmarked ones", async () => {
    const removed = await sweepDeadRuns({ pgAdminUrl: PG_ADMIN_URL, managementUrl: MANAGEMENT_URL });
    expect(removed).toEqual(expect.arrayContaining([`database ${name('dead')}`, `vhost trm-${run}-dead`]));
    expect(await databases()).toEqual([name('elsewhere'), name('live'), name('unmarked')]);
    expect(await roles()).toEqual(
      ['elsewhere', 'live', 'unmarked'].flatMap((what) => [`${name(what)}_app`, `${name(what)}_audit`]),
    );
    expect(await vhosts()).toEqual(
      ['elsewhere', 'live', 'unmarked'].map((what) => `trm-${run}-${what}`).sort(),
    );
  });

  it("stops and removes a dead run's private PostgreSQL cluster, and leaves a live run's", async () => {
    const [dead, live] = [await PostgresCluster.start(marks.dead), await PostgresCluster.start(marks.live)];
    const answers = async (cluster: PostgresCluster): Promise<boolean> => {
      const client = new Client({ connectionString: cluster.adminUrl, connectionTimeoutMillis: 5_000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    try {
      expect(await answers(dead)).toBe(true);
      const removed = await sweepDeadRuns({ pgAdminUrl: PG_ADMIN_URL, managementUrl: MANAGEMENT_URL });
      expect(removed).toContain(`PostgreSQL cluster ${dead.dir}`);
      expect(removed.join()).not.toContain(live.dir);
      expect(existsSync(dead.dir)).toBe(false);
      expect(await answers(dead)).toBe(false);
      expect(await answers(live)).toBe(true);
    } finally {
      await dead.destroy();
      await live.destroy();
    }
  }, 60_000);
});
