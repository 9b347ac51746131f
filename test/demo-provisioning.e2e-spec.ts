import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { DemoError, demoFederation, preflight, Services } from '../scripts/demo';
import { RabbitmqctlProvisioner } from '../scripts/lib/broker-provisioner';
import { participantPermissions } from '../src/transport/broker-admin';

const PG_ADMIN_URL = process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AMQP_HOST = process.env.TRM_AMQP_HOST ?? '127.0.0.1:5672';
const CTL = (process.env.TRM_RABBITMQCTL?.trim() || 'rabbitmqctl').split(/\s+/);
/** Codes no other suite uses, so their broker users can be shown created and removed. */
const CODES = ['QX', 'QZ'];

/** A port nothing listens on: where the management API of a stock Debian broker is not. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The broker as rabbitmqctl reports it: an observer independent of the provisioner under test. */
function ctl<T>(...args: string[]): T {
  const [file, ...prefix] = CTL;
  const out = execFileSync(file, [...prefix, '-q', ...args, '--formatter', 'json'], {
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin` },
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}

const users = (): string[] => ctl<Array<{ user: string }>>('list_users').map((u) => u.user);
const vhosts = (): string[] => ctl<Array<{ name: string }>>('list_vhosts', 'name').map((v) => v.name);

let ctlProblem: string | undefined;
beforeAll(async () => {
  const available = await new RabbitmqctlProvisioner().available();
  if (available !== true) {
    ctlProblem = available;
    console.warn(`demo provisioning through rabbitmqctl NOT tested: ${available}`);
  }
});

/**
 * Issue 14: on a fresh Debian machine the RabbitMQ management plugin is off. The demo's pre-flight then
 * provisions the broker with rabbitmqctl; the vhost, the users and their permissions exist while the
 * federation runs and are gone after it.
 */
describe('the demo on a broker without the management API (real PostgreSQL and RabbitMQ)', () => {
  let services: Services;

  beforeAll(async () => {
    services = {
      pgAdminUrl: PG_ADMIN_URL,
      amqpHost: AMQP_HOST,
      managementUrl: `http://guest:guest@127.0.0.1:${await closedPort()}`,
      rabbitmqctl: new RabbitmqctlProvisioner(),
    };
  });

  it('creates the vhost, users and permissions with rabbitmqctl and removes them after', async () => {
    if (ctlProblem) return;
    // What a killed run of this test may have left: these users belong to this test alone.
    for (const code of CODES)
      if (users().includes(code)) execFileSync(CTL[0], [...CTL.slice(1), 'delete_user', code]);

    const broker = await preflight(services, 5_000);
    expect(broker).toBeInstanceOf(RabbitmqctlProvisioner);
    const federation = demoFederation(broker, services, CODES);
    try {
      await federation.setUp();
      expect(vhosts()).toContain(federation.vhost);
      expect(users()).toEqual(expect.arrayContaining(CODES));
      const permissions = ctl<Array<{ user: string; configure: string; write: string; read: string }>>(
        'list_permissions',
        '-p',
        federation.vhost,
      );
      expect(permissions).toEqual(
        expect.arrayContaining([
          { user: 'guest', configure: '.*', write: '.*', read: '.*' },
          ...CODES.map((code) => ({ user: code, ...participantPermissions(code).permissions })),
        ]),
      );
      const topics = ctl<Array<{ user: string; exchange: string; write: string; read: string }>>(
        'list_topic_permissions',
        '-p',
        federation.vhost,
      );
      for (const code of CODES)
        expect(topics).toEqual(
          expect.arrayContaining(
            participantPermissions(code).topicPermissions.map((topic) => ({ user: code, ...topic })),
          ),
        );
      // The queues the nodes need were declared in the vhost made this way.
      expect(
        ctl<Array<{ name: string }>>('list_queues', '-p', federation.vhost, 'name')
          .map((q) => q.name)
          .sort(),
      ).toEqual([
        'trm.dead.QX',
        'trm.dead.QZ',
        'trm.inbox.QX',
        'trm.inbox.QZ',
        'trm.urgent.QX',
        'trm.urgent.QZ',
      ]);
    } finally {
      await federation.tearDown();
    }
    expect(vhosts()).not.toContain(federation.vhost);
    expect(users().filter((user) => CODES.includes(user))).toEqual([]);
    const pg = new Client({ connectionString: PG_ADMIN_URL });
    await pg.connect();
    try {
      const left = await pg.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
        `${federation.databaseName('')}%`,
      ]);
      expect(left.rows).toEqual([]);
    } finally {
      await pg.end();
    }
  }, 120_000);

  it('says exactly what to run when neither the management API nor rabbitmqctl can provision', async () => {
    const failure = await preflight(
      { ...services, rabbitmqctl: new RabbitmqctlProvisioner('/nonexistent/rabbitmqctl') },
      1_000,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DemoError);
    const message = (failure as Error).message;
    expect(message).toContain('/nonexistent/rabbitmqctl: command not found');
    expect(message).toContain('TRM_RABBITMQCTL="sudo rabbitmqctl" npm run demo');
    expect(message).toContain('sudo rabbitmq-plugins enable rabbitmq_management');
  });

  it('names TRM_PG_ADMIN_URL with a password when PostgreSQL refuses the login, at once', async () => {
    const url = new URL(PG_ADMIN_URL);
    url.username = 'trm_no_such_user';
    url.password = 'wrong';
    const started = Date.now();
    const failure = await preflight({ ...services, pgAdminUrl: url.toString() }, 30_000).catch(
      (error: unknown) => error,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failure).toBeInstanceOf(DemoError);
    const message = (failure as Error).message;
    expect(message).toContain('refused the login');
    expect(message).toContain(
      'TRM_PG_ADMIN_URL=postgres://postgres:choose-one@127.0.0.1:5432/postgres npm run demo',
    );
    expect(message).not.toContain('wrong');
  });

  it('waits for a service that may be starting, then says how to start it', async () => {
    const started = Date.now();
    const failure = await preflight(
      { ...services, amqpHost: `127.0.0.1:${await closedPort()}` },
      2_500,
    ).catch((error: unknown) => error);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    expect((failure as Error).message).toMatch(
      /RabbitMQ is not reachable at 127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
    expect((failure as Error).message).toContain('sudo systemctl start rabbitmq-server');
  });
});
