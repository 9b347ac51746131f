import { eventually, type RunningNode } from '../scripts/lib/local-federation';
import { api } from './support/node-api';
import { federationSuite } from './support/federation-suite';
import { management } from './support/management-api';

interface Probe {
  status: number;
  body: Record<string, string>;
}

async function probe(node: RunningNode, path: string): Promise<Probe> {
  const response = await api(node, 'GET', path, undefined, { as: 'anonymous' });
  return { status: response.status, body: response.body };
}

/**
 * Issue 14: /health/live says the process answers; /health/ready (and /health, the same) says the database
 * answers, and only reports the broker, because the node keeps accepting work while the broker is away.
 */
describe('health probes (real PostgreSQL and RabbitMQ)', () => {
  const { federation, nodes } = federationSuite({ codes: ['FR', 'MK'], start: ['FR'] });

  it('answers live and ready, both public, while everything is up', async () => {
    expect(await probe(nodes.FR, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = { status: 200, body: { status: 'ok', database: 'up', broker: 'up', urgentLane: 'inline' } };
    expect(await probe(nodes.FR, '/health/ready')).toEqual(ready);
    expect(await probe(nodes.FR, '/health')).toEqual(ready);
  });

  it('stays ready, reporting the broker down, while the node’s broker user is cut off; and takes work', async () => {
    const vhost = encodeURIComponent(federation.vhost);
    const permissions = (await management('GET', `/permissions/${vhost}/FR`)) as Record<string, string>;
    expect(permissions.user).toBe('FR');
    // FR may no longer open its vhost, and its connection there is closed: it keeps trying to reconnect.
    await management('DELETE', `/permissions/${vhost}/FR`);
    try {
      // The management API lists connections from its statistics, which lag a few seconds behind.
      const own = await eventually(
        async () => {
          const listed = (await management('GET', `/vhosts/${vhost}/connections`)) as Array<{
            name: string;
            user: string;
          }>;
          const mine = listed.filter((c) => c.user === 'FR');
          return mine.length > 0 ? mine : undefined;
        },
        15_000,
        "FR's connection listed",
      );
      for (const connection of own)
        await management('DELETE', `/connections/${encodeURIComponent(connection.name)}`);

      const degraded = {
        status: 200,
        body: { status: 'degraded', database: 'up', broker: 'down', urgentLane: 'inline' },
      };
      await eventually(
        async () => ((await probe(nodes.FR, '/health/ready')).body.broker === 'down' ? true : undefined),
        15_000,
        'the broker reported down',
      );
      expect(await probe(nodes.FR, '/health/ready')).toEqual(degraded);
      expect(await probe(nodes.FR, '/health')).toEqual(degraded);
      expect(await probe(nodes.FR, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
      // Ready is true: work is accepted (and queued) while the broker is away.
      expect((await api(nodes.FR, 'POST', '/cases', {})).status).toBe(201);
    } finally {
      await management('PUT', `/permissions/${vhost}/FR`, {
        configure: permissions.configure,
        write: permissions.write,
        read: permissions.read,
      });
    }
    await eventually(
      async () => ((await probe(nodes.FR, '/health/ready')).body.status === 'ok' ? true : undefined),
      30_000,
      'the broker back up',
    );
  }, 90_000);

  it('is not ready (503) while its database does not answer, and live all along', async () => {
    const database = federation.databaseName('FR');
    // Through MK's database: FR's own refuses connections during the outage.
    await federation.query('MK', `ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    try {
      await federation.query(
        'MK',
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`,
        [database],
      );
      const unavailable = {
        status: 503,
        body: { status: 'unavailable', database: 'down', broker: 'up', urgentLane: 'inline' },
      };
      await eventually(
        async () => ((await probe(nodes.FR, '/health/ready')).status === 503 ? true : undefined),
        15_000,
        'ready to fail',
      );
      expect(await probe(nodes.FR, '/health/ready')).toEqual(unavailable);
      expect(await probe(nodes.FR, '/health')).toEqual(unavailable);
      expect(await probe(nodes.FR, '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    } finally {
      await federation.query('MK', `ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    }
    await eventually(
      async () => ((await probe(nodes.FR, '/health/ready')).status === 200 ? true : undefined),
      30_000,
      'ready again',
    );
    expect(await probe(nodes.FR, '/health/ready')).toEqual({
      status: 200,
      body: { status: 'ok', database: 'up', broker: 'up', urgentLane: 'inline' },
    });
  }, 90_000);
});
