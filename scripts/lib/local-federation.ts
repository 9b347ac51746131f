import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import * as amqp from 'amqplib';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { auditHandoverStatements } from '../../src/audit/audit-roles';
import { AuditService } from '../../src/audit/audit.service';
import { AccountsRepository } from '../../src/auth/accounts.repository';
import { AccountsService } from '../../src/auth/accounts.service';
import type { Role } from '../../src/auth/roles';
import { createNode } from '../../src/bootstrap';
import { readAnchorKey, writeNewAnchorKey } from '../../src/directory/anchor-key';
import { signDirectory } from '../../src/directory/signed-directory';
import { loadConfig, NodeConfig } from '../../src/config/config';
import { ensureDataKey } from '../../src/crypto/field-cipher';
import { writeKeyFiles } from '../../src/crypto/key-store';
import { migrateWithLock } from '../../src/database/migrate';
import { generateKeyPairs } from '../../src/crypto/trm-crypto';
import { BrokerProvisioner, chooseProvisioner, managementProvisioner } from './broker-provisioner';
import { markDatabase, runMark } from './leftovers';
import { assertParticipantTopology, declareSharedExchanges } from '../../src/transport/topology';
import { BrokerAdmin } from '../../src/transport/broker-admin';
import { awaitLinksRunning, CountryBroker, linkAll } from '../../src/transport/federation-links';

/**
 * A federation of NCP nodes on one machine: one database per country, one vhost for the run, one broker user
 * per country (named by its code, as PROTOCOL.md requires), keys and a shared directory file. Used by the
 * tests, the demo and the benchmark, so all three exercise the same real setup.
 */
export interface FederationOptions {
  codes: string[];
  /** Names the vhost and databases; random by default so runs never collide. */
  runId?: string;
  pgAdminUrl?: string;
  /**
   * Per-country PostgreSQL administrator URLs, for codes whose database lives on a cluster of its own (e.g. a
   * PostgresCluster a test restarts); the others use `pgAdminUrl`.
   */
  pgAdminUrls?: Record<string, string>;
  amqpHost?: string;
  managementUrl?: string;
  /**
   * How the vhost and users are made. Default: the management API at `managementUrl`, or, when it does not
   * answer at all, `rabbitmqctl` if that works here (`TRM_RABBITMQCTL`).
   */
  broker?: BrokerProvisioner;
  /** Delete, at tear-down, the broker users this run created (users are broker-wide; the demo's own run). */
  removeCreatedUsers?: boolean;
  logLevel?: NodeConfig['logLevel'];
  /** Per-participant directory overrides (e.g. `accepts`). */
  participants?: Record<string, Record<string, unknown>>;
  /** The codes the first directory lists (default: every code); the others join with a later version. */
  listed?: string[];
  /**
   * An unsigned directory and no trust anchor configured on the nodes (the single-site mode,
   * docs/directory.md). Default: the run has its own anchor, signs every directory, and the nodes check it.
   */
  unsignedDirectory?: boolean;
  /**
   * One broker per country (docs/deployment.md): the broker each code's node and queues live on. Codes not
   * listed use `amqpHost`/`managementUrl`. linkBrokers() then federates them.
   */
  brokers?: Record<string, LocalBroker>;
}

/** A broker of a federated run: where nodes connect, and its management API (with an administrator). */
export interface LocalBroker {
  /** `host:port`, or a cluster's members as `host:port,host:port,…` */
  amqpHost: string;
  managementUrl: string;
}

/** A directory file as the federation writes it: the participants, with the members PROTOCOL.md names. */
export interface LocalDirectory {
  version: number;
  issuedAt?: string;
  participants: Array<Record<string, unknown> & { code: string }>;
  signature?: unknown;
}

/**
 * The accounts every node of a local federation gets, one per role, with known passwords: for the tests and
 * the demo only (docs/access.md).
 */
export const LOCAL_ACCOUNTS: Record<Role, { name: string; password: string; agency?: string }> = {
  coordinator: { name: 'coordinator', password: 'local-coordinator-password' },
  agency: { name: 'agency', password: 'local-agency-password', agency: 'ngo-local' },
  auditor: { name: 'auditor', password: 'local-auditor-password' },
  admin: { name: 'admin', password: 'local-admin-password' },
};

/**
 * A second coordinator on every node, for the four-eyes confirmation of risk overrides: an account of the
 * same role, no wider than the first, with its own password (docs/access.md).
 */
export const LOCAL_SECOND_COORDINATOR = {
  name: 'coordinator-2',
  password: 'local-second-coordinator-password',
} as const;

export interface RunningNode {
  code: string;
  url: string;
  config: NodeConfig;
  app?: INestApplication;
  process?: ChildProcess;
  dataSource?: DataSource;
}

const env = process.env;

export class LocalFederation {
  readonly runId: string;
  readonly vhost: string;
  readonly workDir: string;
  readonly directoryFile: string;
  readonly keysDir: string;
  /** The run's trust anchor: its private key file (the coordinating body's) and its public key (the nodes'). */
  readonly anchorKeyFile: string;
  anchorPublicKey = '';
  /** Every participant's entry, listed or not yet: what publishDirectory picks from. */
  readonly entries = new Map<string, LocalDirectory['participants'][number]>();
  readonly nodes = new Map<string, RunningNode>();
  private admin: BrokerProvisioner;
  private readonly managementUrl: string;
  /** Broker users that did not exist before this run's setUp. */
  private readonly createdUsers: string[] = [];
  private readonly pgAdminUrl: string;
  private readonly amqpHost: string;
  private readonly passwords = new Map<string, string>();
  private readonly rolePasswords = new Map<string, string>();
  /** One token secret for the run, so a restarted node still accepts the tokens it issued. */
  readonly authSecret = randomBytes(32).toString('hex');

  constructor(readonly options: FederationOptions) {
    this.runId = options.runId ?? randomBytes(4).toString('hex');
    this.vhost = `trm-${this.runId}`;
    this.pgAdminUrl =
      options.pgAdminUrl ?? env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    this.amqpHost = options.amqpHost ?? env.TRM_AMQP_HOST ?? '127.0.0.1:5672';
    this.managementUrl =
      options.managementUrl ?? env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672';
    this.admin = options.broker ?? managementProvisioner(this.managementUrl);
    this.workDir = mkdtempSync(path.join(tmpdir(), `trm-${this.runId}-`));
    this.directoryFile = path.join(this.workDir, 'directory.json');
    this.keysDir = path.join(this.workDir, 'keys');
    this.anchorKeyFile = path.join(this.workDir, 'anchor.key');
  }

  databaseName(code: string): string {
    return `trm_${this.runId}_${code.toLowerCase()}`;
  }

  /** A superuser's connection to a node's database (for setup, assertions and tampering in tests). */
  databaseUrl(code: string): string {
    const url = new URL(this.pgAdminUrlOf(code));
    url.pathname = `/${this.databaseName(code)}`;
    return url.toString();
  }

  /** The administrator's URL of the cluster that holds the country's database. */
  pgAdminUrlOf(code: string): string {
    return this.options.pgAdminUrls?.[code] ?? this.pgAdminUrl;
  }

  /** The node's own role: no superuser, owns the tables it migrates but not the audit trail. */
  appRole(code: string): string {
    return `${this.databaseName(code)}_app`;
  }

  /** Owns the audit tables; nobody logs in as it, and the node's role is not a member. */
  auditOwnerRole(code: string): string {
    return `${this.databaseName(code)}_audit`;
  }

  /** What the node connects with (its DATABASE_URL). */
  appDatabaseUrl(code: string): string {
    const url = new URL(this.databaseUrl(code));
    url.username = this.appRole(code);
    url.password = this.rolePasswords.get(code) ?? '';
    return url.toString();
  }

  /** One URL, or one per member separated by commas where the country's broker is a cluster. */
  amqpUrl(code: string, user = code, password = this.passwords.get(code) ?? ''): string {
    return this.brokerOf(code)
      .amqpHost.split(',')
      .map(
        (host) =>
          `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}/${encodeURIComponent(this.vhost)}`,
      )
      .join(',');
  }

  /** The broker a country's node uses: its own in a federated run, else the shared one. */
  brokerOf(code: string): LocalBroker {
    return this.options.brokers?.[code] ?? { amqpHost: this.amqpHost, managementUrl: this.managementUrl };
  }

  /** Each broker of the run once, with the countries on it (one entry, every code, on a shared broker). */
  brokerGroups(): Array<{ broker: LocalBroker; codes: string[]; provisioner: BrokerProvisioner }> {
    const groups = new Map<
      string,
      { broker: LocalBroker; codes: string[]; provisioner: BrokerProvisioner }
    >();
    for (const code of this.options.codes) {
      const broker = this.brokerOf(code);
      const provisioner = this.options.brokers?.[code]
        ? managementProvisioner(broker.managementUrl)
        : this.admin;
      const group = groups.get(broker.amqpHost) ?? { broker, codes: [], provisioner };
      group.codes.push(code);
      groups.set(broker.amqpHost, group);
    }
    return [...groups.values()];
  }

  /**
   * Federates the run's brokers, each from every other (src/transport/federation-links.ts), and waits until
   * every link runs. A broker is named by its first country. `addressOf` says how the other brokers reach a
   * broker (default `amqp://<its amqpHost>`): a test puts a proxy it can cut in between.
   */
  async linkBrokers(
    addressOf: (name: string, broker: LocalBroker) => string = (_, b) => `amqp://${b.amqpHost}`,
  ): Promise<CountryBroker[]> {
    const brokers = this.brokerGroups().map(({ broker, codes }) => ({
      name: codes[0],
      admin: new BrokerAdmin({ url: broker.managementUrl }),
      countries: codes,
      address: addressOf(codes[0], broker),
    }));
    await linkAll(
      this.vhost,
      brokers,
      (upstream, downstream) => `trm-link-${upstream}-${downstream}-${this.runId}`,
    );
    await awaitLinksRunning(this.vhost, brokers);
    return brokers;
  }

  /** What made (and removes) the vhost and users. */
  get broker(): BrokerProvisioner {
    return this.admin;
  }

  /**
   * Creates the vhost, users, keys, the trust anchor and the signed directory, databases and every
   * participant's queues.
   */
  async setUp(): Promise<void> {
    if (!this.options.broker) {
      // Otherwise the management API stays, and its error says what is wrong with it.
      const choice = await chooseProvisioner(this.managementUrl);
      if (choice.provisioner) this.admin = choice.provisioner;
    }
    for (const { provisioner } of this.brokerGroups())
      await provisioner.createVhost(this.vhost, runMark(this.runId));
    if (!this.options.unsignedDirectory) this.anchorPublicKey = writeNewAnchorKey(this.anchorKeyFile);
    for (const code of this.options.codes) {
      const pairs = generateKeyPairs(code);
      writeKeyFiles(this.keysDir, code, pairs);
      ensureDataKey(this.keysDir, code);
      this.entries.set(code, {
        code,
        name: `${code}: national contact point`,
        languages: ['en'],
        signingKey: { keyId: pairs.signing.keyId, publicKey: pairs.signing.publicKey },
        encryptionKey: { keyId: pairs.encryption.keyId, publicKey: pairs.encryption.publicKey },
        contacts: [
          { sop: 1, institution: `${code} national referral coordination`, role: 'national coordinator' },
        ],
        ...(this.options.participants?.[code] ?? {}),
      });
      // Users are broker-wide; a fixed per-code password lets concurrent runs share them harmlessly.
      const password = `trm-local-${code}`;
      this.passwords.set(code, password);
      const provisioner = this.brokerGroups().find((g) => g.codes.includes(code))!.provisioner;
      if (!this.options.brokers?.[code] && !(await this.admin.userExists(code))) this.createdUsers.push(code);
      await provisioner.setupParticipant(this.vhost, code, password);
      await this.withPg(async (pg) => {
        await pg.query(`CREATE DATABASE ${this.databaseName(code)}`);
        await markDatabase(pg, this.databaseName(code), this.runId);
      }, this.pgAdminUrlOf(code));
      await this.prepareDatabase(code);
    }
    this.writeDirectory({
      version: 1,
      participants: (this.options.listed ?? this.options.codes).map((code) => this.entries.get(code)!),
    });
    // Declared up front so a message for a node that has never started yet waits in its queue.
    // One broker per country: each declares the queues of its own countries only.
    for (const { codes } of this.brokerGroups())
      await this.withAdminChannel(async (channel) => {
        await declareSharedExchanges(channel);
        for (const code of codes) await assertParticipantTopology(channel, code);
      }, codes[0]);
  }

  /** The directory file now (as the nodes would read it). */
  readDirectory(): LocalDirectory {
    return JSON.parse(readFileSync(this.directoryFile, 'utf8')) as LocalDirectory;
  }

  /**
   * Writes a directory file as the coordinating body would publish it: signed by the run's anchor (as
   * `npm run directory:sign` does), unless the run is unsigned. Returns what was written.
   */
  writeDirectory(directory: LocalDirectory, file = this.directoryFile): LocalDirectory {
    const { signature: _old, ...unsigned } = directory;
    const written = this.options.unsignedDirectory
      ? unsigned
      : signDirectory({ ...unsigned, issuedAt: new Date().toISOString() }, readAnchorKey(this.anchorKeyFile));
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify(written, null, 2));
    renameSync(temporary, file);
    return written as LocalDirectory;
  }

  /**
   * The next directory version: the current file's participants, changed by `change`, with the version one
   * higher, signed. Nodes take it at their next poll or reload.
   */
  publishDirectory(
    change: (participants: LocalDirectory['participants']) => LocalDirectory['participants'],
  ): LocalDirectory {
    const current = this.readDirectory();
    return this.writeDirectory({ version: current.version + 1, participants: change(current.participants) });
  }

  /**
   * The node's role and the audit owner, the migrations run as the node's role (as a node does at boot), then
   * the audit tables handed to their own owner, so the node can append to them and nothing else.
   */
  private async prepareDatabase(code: string): Promise<void> {
    const database = this.databaseName(code);
    const password = randomBytes(12).toString('hex');
    this.rolePasswords.set(code, password);
    await this.withPg(async (pg) => {
      await pg.query(`DROP ROLE IF EXISTS ${this.appRole(code)}`);
      await pg.query(`DROP ROLE IF EXISTS ${this.auditOwnerRole(code)}`);
      await pg.query(
        `CREATE ROLE ${this.appRole(code)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`,
      );
      await pg.query(`CREATE ROLE ${this.auditOwnerRole(code)} NOLOGIN`);
      await pg.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
      await pg.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${this.appRole(code)}`);
    }, this.pgAdminUrlOf(code));
    await this.withPg(
      (pg) => pg.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${this.appRole(code)}`),
      this.databaseUrl(code),
    );
    const asNode = await new DataSource({
      type: 'postgres',
      url: this.appDatabaseUrl(code),
      migrations: MIGRATIONS,
    }).initialize();
    try {
      await migrateWithLock(asNode);
      await this.createLocalAccounts(asNode);
    } finally {
      await asNode.destroy();
    }
    await this.withPg(async (pg) => {
      for (const statement of auditHandoverStatements(this.auditOwnerRole(code), this.appRole(code))) {
        await pg.query(statement);
      }
    }, this.databaseUrl(code));
  }

  /** As `npm run user:create` would, once per role, and the second coordinator. */
  private async createLocalAccounts(dataSource: DataSource): Promise<void> {
    const [accounts, audit] = [new AccountsRepository(), new AuditService()];
    const all: Array<[string, { name: string; password: string; agency?: string }]> = [
      ...Object.entries(LOCAL_ACCOUNTS),
      ['coordinator', LOCAL_SECOND_COORDINATOR],
    ];
    await Promise.all(
      all.map(([role, account]) =>
        dataSource.transaction((manager) =>
          AccountsService.create(
            manager,
            accounts,
            audit,
            { name: account.name, role: role as Role, agency: account.agency, password: account.password },
            'local-federation',
          ),
        ),
      ),
    );
  }

  /** Environment every node of the run shares: the token secret, and rate limits no test run reaches. */
  private authEnv(): Record<string, string> {
    return {
      TRM_AUTH_SECRET: this.authSecret,
      TRM_RATE_LIMIT_PER_MINUTE: '1000000',
      TRM_LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    };
  }

  nodeConfig(code: string, overrides: Partial<NodeConfig> = {}): NodeConfig {
    return {
      ...loadConfig({
        TRM_COUNTRY: code,
        TRM_DIRECTORY_FILE: this.directoryFile,
        TRM_DIRECTORY_ANCHOR: this.anchorPublicKey,
        TRM_KEYS_DIR: this.keysDir,
        DATABASE_URL: this.appDatabaseUrl(code),
        AMQP_URL: this.amqpUrl(code),
        PORT: '0',
        TRM_LOG_LEVEL: this.options.logLevel ?? 'warn',
        ...this.authEnv(),
      }),
      ...overrides,
    };
  }

  /**
   * Starts a node inside this process. Its urgent lane runs inline unless `overrides` say `thread`: from
   * sources, the thread compiles the whole node again (seconds per start, and most suites start many nodes);
   * test/urgent-lane-thread.e2e-spec.ts tests the thread, and spawned nodes run with it, as deployed.
   */
  async start(code: string, overrides: Partial<NodeConfig> = {}): Promise<RunningNode> {
    const config = this.nodeConfig(code, { urgentLane: 'inline', ...overrides });
    const app = await createNode(config);
    await app.listen(0, '127.0.0.1');
    const node: RunningNode = { code, config, app, url: await app.getUrl(), dataSource: app.get(DataSource) };
    node.url = node.url.replace('[::1]', '127.0.0.1');
    this.nodes.set(code, node);
    await waitForHealthy(node.url);
    return node;
  }

  /** Starts a node as its own operating-system process (so a test can kill it hard). */
  async spawn(
    code: string,
    port: number,
    extraEnv: Record<string, string> = {},
    /** How long it may take to answer /health/ready (longer on a busy machine with brokers of its own). */
    startTimeoutMs = 60_000,
  ): Promise<RunningNode> {
    const config = this.nodeConfig(code);
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.resolve(__dirname, '../../src/main.ts')],
      {
        env: {
          ...process.env,
          TRM_COUNTRY: code,
          TRM_DIRECTORY_FILE: this.directoryFile,
          TRM_DIRECTORY_ANCHOR: this.anchorPublicKey,
          TRM_KEYS_DIR: this.keysDir,
          DATABASE_URL: config.databaseUrl,
          AMQP_URL: config.amqpUrl,
          PORT: String(port),
          // The caller's TRM_LOG_LEVEL wins, so `TRM_LOG_LEVEL=debug npm run demo` shows the nodes' debug logs.
          TRM_LOG_LEVEL: env.TRM_LOG_LEVEL || this.options.logLevel || 'warn',
          ...this.authEnv(),
          ...extraEnv,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const node: RunningNode = { code, config, process: child, url: `http://127.0.0.1:${port}` };
    this.nodes.set(code, node);
    await waitForHealthy(node.url, startTimeoutMs, child);
    return node;
  }

  async stop(code: string): Promise<void> {
    const node = this.nodes.get(code);
    if (!node) return;
    this.nodes.delete(code);
    if (node.app) await node.app.close();
    // A process ended by a signal has a signalCode and no exitCode: it is gone all the same.
    if (node.process && node.process.exitCode === null && node.process.signalCode === null) {
      const exited = new Promise((resolve) => node.process!.once('exit', resolve));
      node.process.kill('SIGTERM');
      await exited;
    }
  }

  /** SIGKILL: no shutdown hooks, no goodbye to the broker or the database. */
  async kill(code: string): Promise<void> {
    const node = this.nodes.get(code);
    if (!node?.process) throw new Error(`${code} is not a spawned node`);
    this.nodes.delete(code);
    const exited = new Promise((resolve) => node.process!.once('exit', resolve));
    node.process.kill('SIGKILL');
    await exited;
  }

  /** A direct database connection to a node's own database (for assertions and benchmarks). */
  async query<T = Record<string, unknown>>(code: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.databaseUrl(code) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** As the broker's administrator, on the broker of `code` (default: the shared one). */
  async withAdminChannel<T>(work: (channel: amqp.Channel) => Promise<T>, code?: string): Promise<T> {
    const host = (code ? this.brokerOf(code).amqpHost : this.amqpHost).split(',')[0];
    const connection = await amqp.connect(`amqp://guest:guest@${host}/${encodeURIComponent(this.vhost)}`);
    try {
      const channel = await connection.createChannel();
      // A refused operation (a queue not found) closes the channel: the operation rejects with that error.
      channel.on('error', () => undefined);
      return await work(channel);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  async tearDown(): Promise<void> {
    for (const code of [...this.nodes.keys()]) await this.stop(code).catch(() => undefined);
    for (const { provisioner } of this.brokerGroups())
      await provisioner.deleteVhost(this.vhost).catch(() => undefined);
    if (this.options.removeCreatedUsers)
      for (const user of this.createdUsers) await this.admin.deleteUser(user).catch(() => undefined);
    for (const code of this.options.codes) {
      const admin = this.pgAdminUrlOf(code);
      await this.withPg(
        (pg) => pg.query(`DROP DATABASE IF EXISTS ${this.databaseName(code)} WITH (FORCE)`),
        admin,
      ).catch(() => undefined);
      await this.withPg(async (pg) => {
        await pg.query(`DROP ROLE IF EXISTS ${this.appRole(code)}`);
        await pg.query(`DROP ROLE IF EXISTS ${this.auditOwnerRole(code)}`);
      }, admin).catch(() => undefined);
    }
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private async withPg<T>(work: (client: Client) => Promise<T>, url = this.pgAdminUrl): Promise<T> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

export async function waitForHealthy(url: string, timeoutMs = 30_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`node at ${url} exited with code ${child.exitCode}`);
    try {
      // Database and broker both up: /health is ready (200) with the broker down too, which is not enough here.
      const response = await fetch(`${url}/health/ready`);
      if (response.ok && ((await response.json()) as { status: string }).status === 'ok') return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`node at ${url} did not become healthy within ${timeoutMs} ms`);
}

/** Polls until `probe` returns a value that is not undefined. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
