import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import { DEFAULT_RETURN_MARGIN_MS, ExpectingType, parseDeadlines, parseDuration } from './deadlines';
import { COUNTRY_CODE } from '../common/validation';
import { base64OfBytesPattern } from '../crypto/trm-crypto';
import type { Lane } from '../messages/message-types';

/** Everything a node needs to know about its environment, validated once at boot. */
export interface NodeConfig {
  country: string;
  directoryFile: string;
  /**
   * TRM_DIRECTORY_ANCHOR: the trust anchors' Ed25519 public keys (base64). With any, only a directory one of
   * them signed is taken; with none, an unsigned one too, with a warning (docs/directory.md).
   */
  directoryAnchors: string[];
  /** How often the directory file is read again for a new version; 0: only at boot, SIGHUP and on request. */
  directoryPollMs: number;
  keysDir: string;
  databaseUrl: string;
  /**
   * How long a statement waits for a free connection of its pool before it fails (TRM_DATABASE_WAIT_SECONDS):
   * a pool held whole then shows as a logged, retried error instead of a silent stall.
   */
  databaseWaitMs: number;
  amqpUrl: string;
  port: number;
  /**
   * Express's `trust proxy` (TRM_TRUST_PROXY): which proxies' X-Forwarded-For is believed, so rate limits
   * and the audit see the client's address; false: none, the peer's address is the client's.
   */
  trustProxy: TrustProxy;
  /** Off for an instance that only accepts work while another instance relays (and in the crash test). */
  outboxRelay: boolean;
  /** Largest AMQP body accepted, in bytes. */
  maxMessageBytes: number;
  /** How far sentAt may lie in the past or the future before a message is STALE. */
  maxMessageAgeMs: number;
  maxClockSkewMs: number;
  /** How often this node signs its audit chain head and sends it to every peer; 0 turns it off. */
  auditCheckpointIntervalMs: number;
  /** How long the answering country has for each request type, in ms (TRM_DEADLINES over the defaults). */
  deadlines: Record<ExpectingType, number>;
  /** Margin after a return's planned departure and after a scheduled follow-up before they are overdue, in ms. */
  returnMarginMs: number;
  /**
   * TRM_REFLECTION_PERIOD_DAYS: this country's reflection and recovery period, in days (at least the Council of
   * Europe Convention's 30, art. 13); a period recorded on a case ends that many days after its start.
   */
  reflectionPeriodDays: number;
  /**
   * TRM_STATISTICS_MIN_CELL: the anonymised statistics hide any count under this (and any count that would
   * let one be recomputed from the totals); at least 2.
   */
  statisticsMinCell: number;
  /**
   * How long a case is kept per status before the retention pass erases it (docs/retention.md), in days:
   * TRM_RETENTION_CLOSED_DAYS (default 1825, 5 years, counted from the closure) and TRM_RETENTION_OPEN_DAYS
   * (counted from the last activity; default 0: an open case is never erased by the pass).
   */
  retentionDays: { CLOSED: number; OPEN: number };
  /** How often this instance runs the retention pass; 0 leaves it to other instances. */
  retentionCheckIntervalMs: number;
  /**
   * TRM_ERASURE_LEDGER: the file listing the cases this node erased, outside the database so that a restored
   * backup is erased again at boot (docs/retention.md); default `<TRM_KEYS_DIR>/<CC>.erasures`.
   */
  erasureLedgerFile: string;
  /** How often this instance looks for overdue expectations; 0 leaves it to other instances. */
  expectationCheckIntervalMs: number;
  /** Routine-lane deliveries held unacknowledged at once: the window the fair scheduler picks from. */
  inboundPrefetch: number;
  /** Routine-lane deliveries processed at once (each holds a database connection while it runs). */
  inboundConcurrency: number;
  /** Routine-lane deliveries one sender may have waiting here before more are refused; 0: no cap. */
  inboundMaxPendingPerSender: number;
  /**
   * TRM_URGENT_LANE: `thread` consumes and relays the urgent lane in a worker thread of its own (another
   * instance of this node, with its own event loop, connections and pools), so an alert never waits for the
   * main thread's routine work; `inline` handles both lanes on the main thread.
   */
  urgentLane: 'thread' | 'inline';
  /**
   * Set only for that worker thread, never from the environment: this instance consumes and relays the
   * urgent lane and runs nothing else in the background (no routine lane, agency queues, sealer or schedules)
   * nor the boot's once-per-node work (migrations, stored fields, the erasure ledger's pass).
   */
  urgentLaneOnly?: boolean;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** TRM_LOG_FORMAT: one JSON object a line with the context's ids as fields, or Nest's text lines. */
  logFormat: 'json' | 'text';
  /** TRM_METRICS_PORT: Prometheus metrics on their own port (0: any free one); null: no metrics server. */
  metricsPort: number | null;
  /** TRM_METRICS_HOST: the interface the metrics port listens on. */
  metricsHost: string;
  auth: AuthConfig;
  /** The built console (index.html, assets/) served at `/`; the node starts without it and says so there. */
  consoleDir: string;
}

/** Accounts, tokens and rate limits of the HTTP API (docs/access.md). */
export interface AuthConfig {
  /** Signs the access tokens (HS256) and keys the auditors' pseudonyms: at least 32 characters. */
  secret: string;
  tokenTtlSeconds: number;
  /** Failed logins in a row that lock an account, and for how long. */
  maxFailedLogins: number;
  lockoutMs: number;
  /** Requests per minute per principal (or per IP address when anonymous), and logins per minute per IP. */
  rateLimitPerMinute: number;
  loginRateLimitPerMinute: number;
}

/** `false`, a number of proxy hops, or the addresses and CIDR ranges of the proxies (Express's forms). */
export type TrustProxy = false | number | string[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n - ${problems.join('\n - ')}`);
  }
}

/**
 * The lanes this thread of the node consumes and relays. With TRM_URGENT_LANE=thread the urgent lane's
 * thread (UrgentLaneThread) handles alerts, in and out, and the main thread the routine lane; inline, the
 * main thread handles both.
 */
export function lanesHandledHere(config: Pick<NodeConfig, 'urgentLane' | 'urgentLaneOnly'>): Lane[] {
  if (config.urgentLaneOnly) return ['urgent'];
  return config.urgentLane === 'thread' ? ['routine'] : ['urgent', 'routine'];
}

/** The only reader of process.env in the application: every variable is checked, all problems reported at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const integer = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer >= ${min}`);
    return value;
  };

  const country = required('TRM_COUNTRY');
  if (country && !COUNTRY_CODE.test(country))
    problems.push('TRM_COUNTRY must be an ISO 3166-1 alpha-2 code, e.g. FR');
  const directoryFile = required('TRM_DIRECTORY_FILE');
  const directoryAnchors = (env.TRM_DIRECTORY_ANCHOR ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (directoryAnchors.some((key) => !ANCHOR_KEY.test(key)))
    problems.push('TRM_DIRECTORY_ANCHOR must be base64 Ed25519 public keys (32 bytes), separated by commas');
  const databaseUrl = required('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    problems.push('DATABASE_URL must be a postgres:// URL');
  const amqpUrl = required('AMQP_URL');
  // Several, separated by commas: the members of a national cluster (docs/deployment.md).
  if (amqpUrl && !amqpUrl.split(',').every((url) => /^amqps?:\/\//.test(url.trim())))
    problems.push('AMQP_URL must be an amqp:// or amqps:// URL');
  const port = integer('PORT', 3000, 0);
  const trustProxy = parseTrustProxy(env.TRM_TRUST_PROXY);
  if (typeof trustProxy === 'string') problems.push(trustProxy);
  const relay = env.TRM_OUTBOX_RELAY ?? 'on';
  if (!['on', 'off'].includes(relay)) problems.push('TRM_OUTBOX_RELAY must be on or off');
  const logLevel = (env.TRM_LOG_LEVEL ?? 'log') as NodeConfig['logLevel'];
  if (!['error', 'warn', 'log', 'debug'].includes(logLevel))
    problems.push('TRM_LOG_LEVEL must be error, warn, log or debug');
  // Text for a person at a terminal, JSON for whatever collects the logs of a service.
  const logFormat = (env.TRM_LOG_FORMAT?.trim() ||
    (process.stdout.isTTY ? 'text' : 'json')) as NodeConfig['logFormat'];
  if (!['json', 'text'].includes(logFormat)) problems.push('TRM_LOG_FORMAT must be json or text');
  const urgentLane = (env.TRM_URGENT_LANE?.trim() || 'thread') as NodeConfig['urgentLane'];
  if (!['thread', 'inline'].includes(urgentLane)) problems.push('TRM_URGENT_LANE must be thread or inline');
  const metricsPort = env.TRM_METRICS_PORT?.trim() ? integer('TRM_METRICS_PORT', 0, 0) : null;
  const deadlines = parseDeadlines(env.TRM_DEADLINES);
  problems.push(...deadlines.problems);
  const returnMargin = env.TRM_RETURN_MARGIN?.trim();
  const returnMarginMs = returnMargin ? parseDuration(returnMargin) : DEFAULT_RETURN_MARGIN_MS;
  if (returnMarginMs === null)
    problems.push('TRM_RETURN_MARGIN needs an ISO 8601 duration such as P2D or PT12H');
  const authSecret = required('TRM_AUTH_SECRET');
  if (authSecret && authSecret.length < 32) problems.push('TRM_AUTH_SECRET must be at least 32 characters');
  const keysDir = path.resolve(env.TRM_KEYS_DIR?.trim() || './keys');
  const config: NodeConfig = {
    country,
    directoryFile: directoryFile && path.resolve(directoryFile),
    directoryAnchors,
    directoryPollMs: integer('TRM_DIRECTORY_POLL_SECONDS', 30, 0) * 1000,
    keysDir,
    databaseUrl,
    databaseWaitMs: integer('TRM_DATABASE_WAIT_SECONDS', 30, 1) * 1000,
    amqpUrl,
    port,
    trustProxy: typeof trustProxy === 'string' ? false : trustProxy,
    outboxRelay: relay === 'on',
    maxMessageBytes: integer('TRM_MAX_MESSAGE_BYTES', 256 * 1024, 1024),
    maxMessageAgeMs: integer('TRM_MAX_MESSAGE_AGE_DAYS', 30, 1) * 86_400_000,
    maxClockSkewMs: integer('TRM_MAX_CLOCK_SKEW_SECONDS', 300, 0) * 1000,
    auditCheckpointIntervalMs: integer('TRM_AUDIT_CHECKPOINT_INTERVAL_SECONDS', 3600, 0) * 1000,
    deadlines: deadlines.deadlines,
    returnMarginMs: returnMarginMs ?? DEFAULT_RETURN_MARGIN_MS,
    expectationCheckIntervalMs: integer('TRM_EXPECTATION_CHECK_SECONDS', 60, 0) * 1000,
    reflectionPeriodDays: integer('TRM_REFLECTION_PERIOD_DAYS', 30, 30),
    statisticsMinCell: integer('TRM_STATISTICS_MIN_CELL', 5, 2),
    retentionDays: {
      CLOSED: integer('TRM_RETENTION_CLOSED_DAYS', 5 * 365, 1),
      OPEN: integer('TRM_RETENTION_OPEN_DAYS', 0, 0),
    },
    retentionCheckIntervalMs: integer('TRM_RETENTION_CHECK_SECONDS', 3600, 0) * 1000,
    erasureLedgerFile: path.resolve(
      env.TRM_ERASURE_LEDGER?.trim() || path.join(keysDir, `${country}.erasures`),
    ),
    inboundPrefetch: integer('TRM_INBOUND_PREFETCH', 256, 1),
    inboundConcurrency: integer('TRM_INBOUND_CONCURRENCY', 64, 1),
    inboundMaxPendingPerSender: integer('TRM_INBOUND_MAX_PENDING_PER_SENDER', 128, 0),
    urgentLane,
    logLevel,
    consoleDir: path.resolve(env.TRM_CONSOLE_DIR?.trim() || path.join(projectRoot(), 'dist', 'console')),
    logFormat,
    metricsPort,
    metricsHost: env.TRM_METRICS_HOST?.trim() || '127.0.0.1',
    auth: {
      secret: authSecret,
      tokenTtlSeconds: integer('TRM_AUTH_TOKEN_TTL_SECONDS', 900, 1),
      maxFailedLogins: integer('TRM_AUTH_MAX_FAILED_LOGINS', 5, 1),
      lockoutMs: integer('TRM_AUTH_LOCKOUT_MINUTES', 15, 1) * 60_000,
      rateLimitPerMinute: integer('TRM_RATE_LIMIT_PER_MINUTE', 300, 1),
      loginRateLimitPerMinute: integer('TRM_LOGIN_RATE_LIMIT_PER_MINUTE', 10, 1),
    },
  };
  const { inboundPrefetch: window, inboundMaxPendingPerSender: cap } = config;
  if (cap >= window && Number.isInteger(window))
    problems.push('TRM_INBOUND_MAX_PENDING_PER_SENDER must be below TRM_INBOUND_PREFETCH (or 0 for no cap)');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export const NODE_CONFIG = Symbol('NODE_CONFIG');

const ANCHOR_KEY = base64OfBytesPattern(32);

/**
 * The folder holding package.json above this file: the same for `node dist/src/main.js` and for a node run
 * from the TypeScript sources (tests, demo), so both find the console `npm run build` wrote.
 */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** Express's names for address ranges, accepted among the addresses. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRM_TRUST_PROXY → Express's `trust proxy`, or a problem. `true` (trust every hop) is refused: then any
 * client picks the address its rate limit is counted under by sending its own X-Forwarded-For.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy | string {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false' || value === 'off' || value === '0') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !PROXY_RANGE_NAMES.includes(entry) && !isAddressOrCidr(entry));
  if (bad.length === 0) return entries;
  return (
    'TRM_TRUST_PROXY must be false, a number of proxy hops, or a comma-separated list of proxy addresses, ' +
    `CIDR ranges or loopback/linklocal/uniquelocal (not: ${bad.map((entry) => JSON.stringify(entry.slice(0, 40))).join(', ')})`
  );
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
