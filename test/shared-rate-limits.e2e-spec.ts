import { DataSource } from 'typeorm';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { PgThrottlerStorage } from '../src/auth/rate-limit.storage';
import { api, login } from './support/node-api';

const LIMIT = 10;

/**
 * Rate limits counted in PostgreSQL (docs/access.md): two instances of one node, on one database, behind
 * two addresses, share every limit, with the same 429, Retry-After and audit entry as one instance.
 */
describe('rate limits shared by the instances of a node (real PostgreSQL)', () => {
  const federation = new LocalFederation({ codes: ['FR'], logLevel: 'error' });
  let first: RunningNode;
  let second: RunningNode;

  beforeAll(async () => {
    await federation.setUp();
    const auth = {
      ...federation.nodeConfig('FR').auth,
      rateLimitPerMinute: LIMIT,
      loginRateLimitPerMinute: 4,
    };
    first = await federation.start('FR', { auth });
    // A second instance of FR on the same database: its own process state, its own address. (start() keys
    // nodes by country: both are filed, so tearDown stops both.)
    second = await federation.start('FR', { auth });
    federation.nodes.set('FR', first);
    federation.nodes.set('FR#2', second);
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  it('accepts at most the limit across both instances, and answers the rest 429 with Retry-After', async () => {
    const token = await login(first, 'coordinator', 'local-coordinator-password');
    const since = Number(
      (await federation.query<{ seq: string }>('FR', 'SELECT coalesce(max(seq), 0) AS seq FROM audit_log'))[0]
        .seq,
    );
    // Both instances at once, each asked for more than the limit.
    const ask = (node: RunningNode) => api(node, 'GET', '/auth/me', undefined, { as: { token } });
    const responses = await Promise.all(
      Array.from({ length: LIMIT }, () => [ask(first), ask(second)]).flat(),
    );
    const accepted = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(LIMIT);
    expect(refused).toHaveLength(LIMIT);
    for (const response of refused) {
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // Each instance refuses once its turn comes: the other's hits count against it too.
    expect((await ask(first)).status).toBe(429);
    expect((await ask(second)).status).toBe(429);
    // Audited as before: the first refusal a principal meets on an instance writes one entry.
    const audited = await federation.query<{ actor: string; reason_code: string; tracker: string }>(
      'FR',
      `SELECT DISTINCT actor, reason_code, details->>'tracker' AS tracker FROM audit_log
       WHERE action = 'RATE_LIMITED' AND seq > $1`,
      [since],
    );
    expect(audited).toEqual([
      { actor: 'api:coordinator', reason_code: 'RATE_LIMIT', tracker: 'principal:coordinator' },
    ]);
    // The counter holds a hash, not the principal.
    const stored = await federation.query<{ key_hash: string }>(
      'FR',
      'SELECT key_hash FROM rate_limit_counters',
    );
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain('coordinator');
  });

  it('shares the login limit per address too', async () => {
    const attempt = (node: RunningNode) =>
      api(node, 'POST', '/auth/token', { name: 'admin', password: 'a-wrong-password' }, { as: 'anonymous' });
    // One login above; four a minute: three more between both instances, then 429 on either.
    expect((await attempt(first)).status).toBe(401);
    expect((await attempt(second)).status).toBe(401);
    expect((await attempt(first)).status).toBe(401);
    const limited = await attempt(second);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('opens a new window once the last one ended, and deletes ended windows', async () => {
    const storage = new PgThrottlerStorage(first.dataSource as DataSource);
    const key = `default|test:${Date.now()}`;
    expect((await storage.increment(key, 1000, 2)).isBlocked).toBe(false);
    expect((await storage.increment(key, 1000, 2)).isBlocked).toBe(false);
    const third = await storage.increment(key, 1000, 2);
    expect(third).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 1 });
    const reopened = await eventually(
      async () => {
        const next = await storage.increment(key, 1000, 2);
        return next.isBlocked ? undefined : next;
      },
      5000,
      'a new window',
    );
    expect(reopened).toMatchObject({ totalHits: 1, isBlocked: false });
    await storage.increment(`default|test-short:${Date.now()}`, 1, 2);
    await eventually(async () => ((await storage.sweep()) > 0 ? true : undefined), 5000, 'an ended window');
    const ended = await federation.query('FR', 'SELECT 1 FROM rate_limit_counters WHERE expires_at <= now()');
    expect(ended).toEqual([]);
  });
});
