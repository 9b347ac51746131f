import {
  type FederationOptions,
  LocalFederation,
  type RunningNode,
} from '../../scripts/lib/local-federation';

/**
 * The set-up many suites share, registered as the suite's beforeAll and afterAll: a fresh federation of `codes`
 * (databases, vhost, keys) with the nodes of `start` running, in `nodes` by country code once beforeAll has
 * run; everything stopped and removed after.
 */
export function federationSuite(options: FederationOptions & { start: string[] }): {
  federation: LocalFederation;
  nodes: Record<string, RunningNode>;
} {
  const { start, ...federationOptions } = options;
  const federation = new LocalFederation({ logLevel: 'error', ...federationOptions });
  const nodes: Record<string, RunningNode> = {};

  beforeAll(async () => {
    await federation.setUp();
    for (const code of start) nodes[code] = await federation.start(code);
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  return { federation, nodes };
}
