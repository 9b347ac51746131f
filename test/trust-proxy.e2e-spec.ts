import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';

/**
 * Issue 14, behind a reverse proxy: with TRM_TRUST_PROXY naming the proxy, each client's X-Forwarded-For
 * address gets its own login rate-limit bucket; without it, every client behind the proxy shares the
 * proxy's. Here the "proxy" is this test on the loopback interface.
 */
describe('TRM_TRUST_PROXY (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  const LIMIT = 3;
  let behindTrustedProxy: RunningNode;
  let trustingNoProxy: RunningNode;

  beforeAll(async () => {
    await federation.setUp();
    const limits = (code: string) => ({
      auth: { ...federation.nodeConfig(code).auth, loginRateLimitPerMinute: LIMIT },
    });
    behindTrustedProxy = await federation.start('FR', { ...limits('FR'), trustProxy: ['loopback'] });
    trustingNoProxy = await federation.start('MK', { ...limits('MK'), trustProxy: false });
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  /** A failed login as it reaches the node from the proxy, on behalf of `client`. */
  async function loginFrom(node: RunningNode, client: string, attempt: number): Promise<number> {
    const response = await fetch(`${node.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ name: `nobody-${attempt}`, password: 'not-a-password-at-all' }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  async function statuses(node: RunningNode, client: string, count: number): Promise<number[]> {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push(await loginFrom(node, client, i));
    return seen;
  }

  it('with it set, two forwarded client addresses get separate login buckets', async () => {
    expect(await statuses(behindTrustedProxy, '203.0.113.1', LIMIT + 1)).toEqual([401, 401, 401, 429]);
    expect(await statuses(behindTrustedProxy, '203.0.113.2', LIMIT + 1)).toEqual([401, 401, 401, 429]);

    // The audit names the client the proxy forwarded, not the proxy.
    const trackers = await federation.query<{ tracker: string }>(
      'FR',
      `SELECT details->>'tracker' AS tracker FROM audit_log WHERE action = 'RATE_LIMITED' ORDER BY seq`,
    );
    expect(trackers.map((row) => row.tracker)).toEqual(['ip:203.0.113.1', 'ip:203.0.113.2']);
  });

  it('without it, they share the proxy’s bucket, whatever X-Forwarded-For says', async () => {
    expect(await statuses(trustingNoProxy, '203.0.113.1', LIMIT)).toEqual([401, 401, 401]);
    expect(await statuses(trustingNoProxy, '203.0.113.2', 1)).toEqual([429]);

    const trackers = await federation.query<{ tracker: string }>(
      'MK',
      `SELECT details->>'tracker' AS tracker FROM audit_log WHERE action = 'RATE_LIMITED' ORDER BY seq`,
    );
    expect(trackers.map((row) => row.tracker)).toEqual([
      expect.stringMatching(/^ip:(::ffff:)?127\.0\.0\.1$|^ip:::1$/),
    ]);
  });
});
