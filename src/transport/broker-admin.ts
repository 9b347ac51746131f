import { COUNTRY_CODE } from '../common/validation';
/**
 * Provisioning of participants on the RabbitMQ broker through the management HTTP API.
 *
 * The broker, not the nodes, is what stops a participant from publishing as another or reading another's
 * queues (PROTOCOL.md, "Broker topology"): these permissions are part of the security model, so they are
 * generated here from the country code and nowhere else.
 */

/** The exchanges every participant shares (PROTOCOL.md): durable, topic. */
export const SHARED_EXCHANGES = ['trm.transnational', 'trm.dead'] as const;

const DEFAULT_TIMEOUT_MS = 10_000;

export interface BrokerAdminOptions {
  /** Management API base URL, e.g. `http://guest:guest@127.0.0.1:15672`; credentials may be in the URL. */
  url: string;
  /** Per-request timeout: a hung management API must fail the setup rather than stall it. */
  timeoutMs?: number;
}

export interface Permissions {
  configure: string;
  write: string;
  read: string;
}

export interface TopicPermissions {
  write: string;
  read: string;
}

export interface ExchangeTopicPermissions extends TopicPermissions {
  exchange: string;
}

export interface ParticipantPermissions {
  permissions: Permissions;
  topicPermissions: ExchangeTopicPermissions[];
}

export interface WhoAmI {
  name: string;
  tags: string[];
}

export interface ParticipantSetup extends ParticipantPermissions {
  vhost: string;
  code: string;
  user: string;
  /** False when the existing user was kept with its current password. */
  passwordSet: boolean;
}

/** Carries the HTTP status so callers can tell "not found" from "refused" without parsing the message. */
export class BrokerAdminError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BrokerAdminError';
  }
}

function assertCode(code: string): void {
  // The code is spliced into regular expressions: anything but two capitals would widen the grant.
  if (!COUNTRY_CODE.test(code)) {
    throw new Error(
      `Invalid participant code ${JSON.stringify(code)}: expected ISO 3166-1 alpha-2 (e.g. FR)`,
    );
  }
}

/**
 * The least privilege a node needs, as PROTOCOL.md defines its duties:
 * - configure/write/read on the two shared exchanges (it asserts them on connect, publishes to
 *   `trm.transnational`, republishes rejected messages to `trm.dead`, and binds to both) and on its own
 *   three queues (declare, bind, consume), and on its own national exchange and queues (agencies, events;
 *   not part of PROTOCOL.md). Nothing else: in particular not `amq.default`, so it cannot
 *   push straight into another country's queue through the default exchange.
 * - topic permissions, which RabbitMQ checks against the routing key on publish (write) and against the
 *   binding key on queue.bind/exchange.bind (read): it may only send as itself and only bind to traffic
 *   addressed to itself. An exchange without topic permissions would allow every key, so both have them.
 */
export function participantPermissions(code: string): ParticipantPermissions {
  assertCode(code);
  // Its national exchange (trm.national.<CC>) and the queues under it belong to the node alone.
  const national = `trm\\.national\\.${code}(\\.[a-z0-9.-]+)?`;
  const ownQueues = `^(trm\\.(inbox|urgent|dead)\\.${code}|${national})$`;
  const resources = `^(trm\\.transnational|trm\\.dead|trm\\.(inbox|urgent|dead)\\.${code}|${national})$`;
  return {
    // Configure covers only its own queues: the shared exchanges come from broker:setup, and a node that
    // could declare them could delete them too.
    permissions: { configure: ownQueues, write: resources, read: resources },
    topicPermissions: [
      {
        exchange: 'trm.transnational',
        write: `^(routine|urgent)\\.[A-Z]{2}\\.${code}\\.`,
        read: `^(routine|urgent)\\.${code}\\.`,
      },
      {
        exchange: 'trm.dead',
        write: `^trm\\.(inbox|urgent)\\.${code}$`,
        // The binding key of trm.dead.<CC> is the literal `trm.*.<CC>`, hence the escaped star.
        read: `^trm\\.\\*\\.${code}$`,
      },
    ],
  };
}

/**
 * What a federation link may do on the upstream (sending) country's broker, as the user the downstream
 * broker's link logs in with (docs/deployment.md): declare and consume its own `federation: …` exchange
 * and queue, and bind them to `trm.transnational` only with binding keys addressed to the downstream
 * broker's countries (topic read). It cannot publish anything (topic write matches nothing), read another
 * country's traffic, or touch a node's queues.
 */
export function federationLinkPermissions(downstreamCountries: string[]): ParticipantPermissions {
  downstreamCountries.forEach(assertCode);
  const linkObjects = '^federation: trm\\.transnational -> .+$';
  return {
    permissions: {
      configure: linkObjects,
      write: linkObjects,
      read: '^(trm\\.transnational|federation: trm\\.transnational -> .+)$',
    },
    topicPermissions: [
      {
        exchange: 'trm.transnational',
        write: '^$',
        read: `^(routine|urgent)\\.(${downstreamCountries.join('|')})\\.`,
      },
    ],
  };
}

/** Agency codes are spliced into regular expressions and queue names too. */
export const AGENCY_CODE_PATTERN = /^[a-z0-9-]{2,40}$/;

function assertAgencyCode(code: string): void {
  if (!AGENCY_CODE_PATTERN.test(code)) {
    throw new Error(
      `Invalid agency code ${JSON.stringify(code)}: expected ^[a-z0-9-]{2,40}$ (e.g. ngo-lyon)`,
    );
  }
}

/** An agency's default broker user: namespaced by the country, since users are broker-wide. */
export const agencyBrokerUser = (country: string, agency: string): string => `${country}.${agency}`;

/**
 * The least privilege a partner agency needs on its node's national exchange (docs/agencies.md): write on
 * `trm.national.<CC>` with routing key `submit.<code>` only (so it cannot submit as another agency), read on
 * its own reply queue only, and configure nothing (the node declares every queue). No topic read: it binds
 * nothing.
 */
export function agencyPermissions(country: string, agency: string): ParticipantPermissions {
  assertCode(country);
  assertAgencyCode(agency);
  return {
    permissions: {
      configure: '',
      write: `^trm\\.national\\.${country}$`,
      read: `^trm\\.national\\.${country}\\.agency\\.${agency}$`,
    },
    topicPermissions: [{ exchange: `trm.national.${country}`, write: `^submit\\.${agency}$`, read: '^$' }],
  };
}

/**
 * Derives the management URL from the AMQP URL nodes are configured with, so an operator sets one URL.
 * `override` (typically `process.env.RABBITMQ_MANAGEMENT_URL`) wins when non-empty.
 */
export function managementUrlFromAmqp(amqpUrl: string, override?: string): string {
  if (override && override.trim() !== '') return override.trim();
  let parsed: URL;
  try {
    parsed = new URL(amqpUrl);
  } catch {
    // The URL holds a password: never echo it.
    throw new Error('Invalid AMQP URL: expected amqp://user:password@host:5672/vhost');
  }
  let scheme: string;
  let port: number;
  if (parsed.protocol === 'amqp:') {
    scheme = 'http';
    port = 15672;
  } else if (parsed.protocol === 'amqps:') {
    scheme = 'https';
    port = 15671;
  } else {
    throw new Error(`Invalid AMQP URL: unsupported scheme ${parsed.protocol}`);
  }
  // amqplib falls back to guest/guest when the URL has no credentials; the management API must match.
  const user = parsed.username || 'guest';
  const password = parsed.username ? parsed.password : 'guest';
  // username/password stay percent-encoded as they came, which is what a URL needs.
  return `${scheme}://${user}:${password}@${parsed.hostname}:${port}`;
}

export class BrokerAdmin {
  /** The management API base URL without credentials, safe to log. */
  readonly endpoint: string;
  private readonly authorization?: string;
  private readonly timeoutMs: number;
  /** Strings that must never reach an error message. */
  private readonly secrets: string[] = [];

  constructor(options: BrokerAdminOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new Error('Invalid RabbitMQ management URL: expected http(s)://user:password@host:15672');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`Invalid RabbitMQ management URL: unsupported scheme ${parsed.protocol}`);
    }
    if (parsed.username || parsed.password) {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      this.authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
      if (password) this.secrets.push(password, parsed.password);
      // fetch refuses URLs with credentials, and they must not travel into logs either.
      parsed.username = '';
      parsed.password = '';
    }
    // Keep any path prefix (management behind a reverse proxy), without trailing slash.
    this.endpoint = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async createVhost(name: string, description?: string): Promise<void> {
    await this.request('PUT', `/api/vhosts/${enc(name)}`, description ? { description } : {});
  }

  /** Every vhost of the broker, with the description it was created with (empty if none). */
  async listVhosts(): Promise<Array<{ name: string; description: string }>> {
    const vhosts = (await this.request('GET', '/api/vhosts')) as Array<{
      name: string;
      description?: string;
    }>;
    return vhosts.map((v) => ({ name: v.name, description: v.description ?? '' }));
  }

  async deleteVhost(name: string): Promise<void> {
    await this.request('DELETE', `/api/vhosts/${enc(name)}`, undefined, { notFoundOk: true });
  }

  async vhostExists(name: string): Promise<boolean> {
    return (await this.request('GET', `/api/vhosts/${enc(name)}`, undefined, { notFoundOk: true })) !== null;
  }

  /**
   * Declares an exchange as administrator (idempotent; fails if it exists with other properties). Setup
   * pre-declares the shared exchanges so that the first node to connect cannot create them with another
   * type: topic permissions only apply to topic exchanges.
   */
  async createExchange(vhost: string, name: string, type = 'topic', durable = true): Promise<void> {
    await this.request('PUT', `/api/exchanges/${enc(vhost)}/${enc(name)}`, {
      type,
      durable,
      auto_delete: false,
      internal: false,
      arguments: {},
    });
  }

  /** Creates the user, or replaces the password and tags of an existing one. */
  async createUser(name: string, password: string, tags = ''): Promise<void> {
    await this.request('PUT', `/api/users/${enc(name)}`, { password, tags }, { secrets: [password] });
  }

  async deleteUser(name: string): Promise<void> {
    await this.request('DELETE', `/api/users/${enc(name)}`, undefined, { notFoundOk: true });
  }

  async userExists(name: string): Promise<boolean> {
    return (await this.request('GET', `/api/users/${enc(name)}`, undefined, { notFoundOk: true })) !== null;
  }

  async setPermissions(vhost: string, user: string, permissions: Permissions): Promise<void> {
    const { configure, write, read } = permissions;
    await this.request('PUT', `/api/permissions/${enc(vhost)}/${enc(user)}`, { configure, write, read });
  }

  /** Replaces the user's topic permissions on that one exchange. */
  async setTopicPermissions(
    vhost: string,
    user: string,
    exchange: string,
    permissions: TopicPermissions,
  ): Promise<void> {
    const { write, read } = permissions;
    await this.request('PUT', `/api/topic-permissions/${enc(vhost)}/${enc(user)}`, { exchange, write, read });
  }

  /** Declares a durable queue as administrator (idempotent with the same arguments). */
  async createQueue(vhost: string, name: string, args: Record<string, unknown>): Promise<void> {
    await this.request('PUT', `/api/queues/${enc(vhost)}/${enc(name)}`, {
      durable: true,
      auto_delete: false,
      arguments: args,
    });
  }

  async bindQueue(vhost: string, exchange: string, queue: string, routingKey: string): Promise<void> {
    await this.request('POST', `/api/bindings/${enc(vhost)}/e/${enc(exchange)}/q/${enc(queue)}`, {
      routing_key: routingKey,
      arguments: {},
    });
  }

  /** A runtime parameter, e.g. a `federation-upstream` (the link's URI and its settings). */
  async setParameter(component: string, vhost: string, name: string, value: object): Promise<void> {
    const secrets = 'uri' in value && typeof value.uri === 'string' ? linkSecrets(value.uri) : [];
    await this.request(
      'PUT',
      `/api/parameters/${enc(component)}/${enc(vhost)}/${enc(name)}`,
      { value },
      { secrets },
    );
  }

  async setPolicy(
    vhost: string,
    name: string,
    policy: { pattern: string; definition: object; applyTo: 'exchanges' | 'queues' | 'all' },
  ): Promise<void> {
    await this.request('PUT', `/api/policies/${enc(vhost)}/${enc(name)}`, {
      pattern: policy.pattern,
      definition: policy.definition,
      'apply-to': policy.applyTo,
      priority: 0,
    });
  }

  /** The federation links of the vhost and their state (needs rabbitmq_federation_management). */
  async federationLinks(
    vhost: string,
  ): Promise<Array<{ upstream: string; exchange: string; status: string }>> {
    const links = (await this.request('GET', `/api/federation-links/${enc(vhost)}`)) as Array<{
      upstream: string;
      exchange: string;
      status: string;
    }>;
    return links.map(({ upstream, exchange, status }) => ({ upstream, exchange, status }));
  }

  async whoAmI(): Promise<WhoAmI> {
    const body = (await this.request('GET', '/api/whoami')) as { name?: unknown; tags?: unknown } | null;
    if (!body || typeof body.name !== 'string') {
      throw new BrokerAdminError(
        'RabbitMQ management API: GET /api/whoami returned no user',
        'GET',
        '/api/whoami',
      );
    }
    // Before 3.9 tags came as a comma-separated string.
    const tags = Array.isArray(body.tags)
      ? body.tags.map(String)
      : typeof body.tags === 'string'
        ? body.tags.split(',').filter((t) => t !== '')
        : [];
    return { name: body.name, tags };
  }

  /**
   * Creates (or updates) the participant's user and grants exactly what PROTOCOL.md requires.
   *
   * `userName` defaults to the code, as the protocol requires (the receiver checks `from` against the AMQP
   * `user_id`); it only differs in tests, because users are broker-wide while tests run in throwaway
   * vhosts. `password` null keeps an existing user's password: re-running the setup must not lock out a
   * node that is already running.
   */
  async setupParticipant(
    vhost: string,
    code: string,
    password: string | null,
    userName: string = code,
  ): Promise<ParticipantSetup> {
    const grant = participantPermissions(code);
    if (password === null) {
      if (!(await this.userExists(userName))) {
        throw new Error(`Broker user ${userName} does not exist and no password was given to create it`);
      }
    } else {
      // No tags: a node has no business in the management UI or API.
      await this.createUser(userName, password, '');
    }
    await this.setPermissions(vhost, userName, grant.permissions);
    for (const { exchange, ...topic } of grant.topicPermissions) {
      await this.setTopicPermissions(vhost, userName, exchange, topic);
    }
    return { vhost, code, user: userName, passwordSet: password !== null, ...grant };
  }

  /**
   * Creates (or updates) a partner agency's broker user with agencyPermissions. `password` null keeps an
   * existing user's password, as for participants.
   */
  async setupAgency(
    vhost: string,
    country: string,
    agency: string,
    password: string | null,
    userName: string = agencyBrokerUser(country, agency),
  ): Promise<ParticipantPermissions & { user: string }> {
    const grant = agencyPermissions(country, agency);
    if (password === null) {
      if (!(await this.userExists(userName))) {
        throw new Error(`Broker user ${userName} does not exist and no password was given to create it`);
      }
    } else {
      await this.createUser(userName, password, '');
    }
    await this.setPermissions(vhost, userName, grant.permissions);
    for (const { exchange, ...topic } of grant.topicPermissions) {
      await this.setTopicPermissions(vhost, userName, exchange, topic);
    }
    return { user: userName, ...grant };
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    options: { notFoundOk?: boolean; secrets?: string[] } = {},
  ): Promise<unknown> {
    const secrets = [...this.secrets, ...(options.secrets ?? [])];
    const what = `RabbitMQ management API: ${method} ${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.authorization) headers.authorization = this.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.endpoint}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = err instanceof Error ? describeFetchError(err) : String(err);
      throw new BrokerAdminError(
        `${what} failed: ${redact(cause, secrets)} (${this.endpoint})`,
        method,
        path,
      );
    }
    const text = await response.text();
    if (response.status === 404 && options.notFoundOk) return null;
    if (!response.ok) {
      const reason = redact(errorReason(text), secrets);
      throw new BrokerAdminError(
        `${what} failed with HTTP ${response.status} ${response.statusText}${reason ? `: ${reason}` : ''}`,
        method,
        path,
        response.status,
      );
    }
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BrokerAdminError(`${what} returned invalid JSON`, method, path, response.status);
    }
  }
}

/** The password of an amqp(s):// URI, raw and percent-encoded, so that neither reaches an error. */
function linkSecrets(uri: string): string[] {
  try {
    const password = new URL(uri).password;
    return password ? [password, decodeURIComponent(password)] : [];
  } catch {
    return [];
  }
}

function enc(segment: string): string {
  // encodeURIComponent turns the default vhost `/` into `%2F`, which is how the API names it.
  return encodeURIComponent(segment);
}

function errorReason(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; reason?: unknown };
    return [parsed.error, parsed.reason].filter((v) => typeof v === 'string' && v !== '').join(': ');
  } catch {
    return text.slice(0, 200);
  }
}

function describeFetchError(err: Error): string {
  if (err.name === 'TimeoutError') return 'timed out';
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED…) in the cause.
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}

function redact(text: string, secrets: string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((acc, s) => acc.split(s).join('***'), text);
}
