import { BrokerAdmin, federationLinkPermissions } from './broker-admin';
import { TRANSNATIONAL_EXCHANGE } from './topology';

/**
 * One broker per country (docs/deployment.md): each country's nodes publish to `trm.transnational` on their
 * own broker, and each broker's `trm.transnational` is federated from every other country's broker by
 * RabbitMQ's federation plugin. The link of the receiving (downstream) broker binds, on the sending
 * (upstream) broker, a durable queue to `trm.transnational` with the routing keys of the downstream's own
 * countries, and moves what lands there into its own `trm.transnational`, where the countries' quorum
 * queues are bound as on a shared broker. While the link is down that upstream queue keeps the messages;
 * the link acknowledges upstream only once the downstream broker has confirmed (ack-mode on-confirm).
 */
export interface CountryBroker {
  /** Names the broker, normally the code of the country that runs it: upstream `FR`, link user `link.MK`. */
  name: string;
  /** Its management API, with an administrator's credentials. */
  admin: BrokerAdmin;
  /** The countries whose nodes use this broker. */
  countries: string[];
  /**
   * How the other brokers reach it, without credentials or vhost: `amqp://fr-broker:5672`, or with mutual
   * TLS `amqps://fr-broker:5671?cacertfile=…&certfile=…&keyfile=…&verify=verify_peer&server_name_indication=fr-broker`
   * (the certificate files are the downstream broker's, on its own machine: scripts/federation-certs.sh).
   */
  address: string;
}

export const FEDERATION_POLICY = 'trm-federation';
export const linkUser = (downstream: string): string => `link.${downstream}`;

/**
 * The upstream's URI as the downstream broker's link uses it. `trust-user-id` is what lets the receiving
 * node still check the sender: the upstream broker validated `user_id` against the publishing node's own
 * login, and the link carries it over unchanged instead of clearing it.
 */
export function upstreamDefinition(
  upstream: Pick<CountryBroker, 'name' | 'address'>,
  vhost: string,
  user: string,
  password: string,
): { uri: string } & Record<string, unknown> {
  const uri = new URL(upstream.address);
  if (uri.protocol !== 'amqp:' && uri.protocol !== 'amqps:')
    throw new Error(`Broker ${upstream.name}: address must be amqp:// or amqps://, got ${uri.protocol}`);
  uri.username = encodeURIComponent(user);
  uri.password = encodeURIComponent(password);
  uri.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    uri: uri.toString(),
    exchange: TRANSNATIONAL_EXCHANGE,
    'trust-user-id': true,
    'ack-mode': 'on-confirm',
    'max-hops': 1,
    // Seconds between attempts while the link is down.
    'reconnect-delay': 2,
  };
}

/**
 * The sending side of a link, on the upstream broker: the user `link.<downstream>` with its password and
 * federationLinkPermissions for the downstream broker's countries.
 */
export async function grantLink(
  upstreamAdmin: BrokerAdmin,
  vhost: string,
  downstream: Pick<CountryBroker, 'name' | 'countries'>,
  password: string,
): Promise<void> {
  const user = linkUser(downstream.name);
  const grant = federationLinkPermissions(downstream.countries);
  await upstreamAdmin.createUser(user, password, '');
  await upstreamAdmin.setPermissions(vhost, user, grant.permissions);
  for (const { exchange, ...topic } of grant.topicPermissions)
    await upstreamAdmin.setTopicPermissions(vhost, user, exchange, topic);
}

/**
 * The receiving side, on the downstream broker: the upstream definition (logging in as `user`) and the
 * policy that federates `trm.transnational` from every upstream defined.
 */
export async function followUpstream(
  downstreamAdmin: BrokerAdmin,
  vhost: string,
  upstream: Pick<CountryBroker, 'name' | 'address'>,
  user: string,
  password: string,
): Promise<void> {
  await downstreamAdmin.setParameter(
    'federation-upstream',
    vhost,
    upstream.name,
    upstreamDefinition(upstream, vhost, user, password),
  );
  await downstreamAdmin.setPolicy(vhost, FEDERATION_POLICY, {
    pattern: `^${TRANSNATIONAL_EXCHANGE.replace(/\./g, '\\.')}$`,
    definition: { 'federation-upstream-set': 'all' },
    applyTo: 'exchanges',
  });
}

/** Both sides of the link from `upstream` into `downstream` (one administrator for both: tests, the demo). */
export async function linkBrokers(
  vhost: string,
  upstream: CountryBroker,
  downstream: CountryBroker,
  password: string,
): Promise<void> {
  await grantLink(upstream.admin, vhost, downstream, password);
  await followUpstream(downstream.admin, vhost, upstream, linkUser(downstream.name), password);
}

/** Every broker federated from every other. `passwordFor(upstream, downstream)` gives each link's password. */
export async function linkAll(
  vhost: string,
  brokers: CountryBroker[],
  passwordFor: (upstream: string, downstream: string) => string,
): Promise<void> {
  for (const downstream of brokers)
    for (const upstream of brokers)
      if (upstream !== downstream)
        await linkBrokers(vhost, upstream, downstream, passwordFor(upstream.name, downstream.name));
}

/** Waits until every federation link of every broker is running (they start within seconds of the policy). */
export async function awaitLinksRunning(
  vhost: string,
  brokers: CountryBroker[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(
      brokers.map(async (b) => ({ b, links: await b.admin.federationLinks(vhost).catch(() => []) })),
    );
    const missing = states.flatMap(({ b, links }) =>
      brokers
        .filter((u) => u !== b && !links.some((l) => l.upstream === u.name && l.status === 'running'))
        .map((u) => `${u.name} → ${b.name}`),
    );
    if (missing.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`federation links not running after ${timeoutMs} ms: ${missing.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
