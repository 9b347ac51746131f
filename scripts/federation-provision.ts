/**
 * Provisions the compose demo's federation once (docker-compose.yml, profile `demo`), then exits:
 *
 *   - keys for every country, and the directory file every node reads ($TRM_FEDERATION_DIR);
 *   - the broker's vhost, one user per country with its permissions, the exchanges and every queue;
 *   - one database and one role per country, the migrations run as that role, the audit tables handed to a
 *     role the node cannot become (as docs/configuration.md, "The database", says a ministry does), and the
 *     demo accounts of `npm run demo` (coordinator, coordinator-2, auditor, agency, admin).
 *
 * A second run finds the directory file and changes nothing, so `docker compose up` again keeps the data.
 * Passwords come from the environment (the compose file gives each node the same ones):
 *   TRM_FEDERATION_COUNTRIES   FR,IT,MK
 *   TRM_FEDERATION_DIR         where keys/ and directory.json go (a volume the nodes mount read-only)
 *   TRM_BROKER_VHOST           the vhost (e.g. trm-demo)
 *   RABBITMQ_MANAGEMENT_URL    management API with an administrator's credentials
 *   AMQP_ADMIN_URL             the same administrator over AMQP (declares the topology), without a vhost
 *   TRM_PG_ADMIN_URL           a PostgreSQL user who may create databases and roles
 *   TRM_BROKER_PASSWORD_<CC>, TRM_DB_PASSWORD_<CC>   each node's broker and database passwords
 *
 * Run in the image as `node dist/scripts/federation-provision.js`.
 */
import 'reflect-metadata';
import * as amqp from 'amqplib';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { auditHandoverStatements } from '../src/audit/audit-roles';
import { AuditService } from '../src/audit/audit.service';
import { AccessError } from '../src/auth/access.errors';
import { AccountsRepository } from '../src/auth/accounts.repository';
import { AccountsService } from '../src/auth/accounts.service';
import type { Role } from '../src/auth/roles';
import { ensureDataKey } from '../src/crypto/field-cipher';
import { writeKeyFiles } from '../src/crypto/key-store';
import { generateKeyPairs } from '../src/crypto/trm-crypto';
import { migrateWithLock } from '../src/database/migrate';
import { assertParticipantTopology, declareSharedExchanges } from '../src/transport/topology';
import { chooseProvisioner } from './lib/broker-provisioner';
import { LOCAL_ACCOUNTS, LOCAL_SECOND_COORDINATOR } from './lib/local-federation';

/** The names the compose file's nodes use: database and role `trm_fr`, audit owner `trm_fr_audit`. */
export const databaseName = (code: string): string => `trm_${code.toLowerCase()}`;
const auditOwner = (code: string): string => `${databaseName(code)}_audit`;

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** A value put into SQL text (CREATE ROLE … PASSWORD cannot take a parameter): only plain characters. */
function plain(name: string, value: string): string {
  if (!/^[A-Za-z0-9_.-]{8,128}$/.test(value)) throw new Error(`${name}: 8 to 128 letters, digits, . _ -`);
  return value;
}

async function withPg<T>(url: string, work: (pg: Client) => Promise<T>): Promise<T> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    return await work(pg);
  } finally {
    await pg.end();
  }
}

async function provisionDatabase(env: NodeJS.ProcessEnv, code: string): Promise<void> {
  const adminUrl = required(env, 'TRM_PG_ADMIN_URL');
  const [database, role, owner] = [databaseName(code), databaseName(code), auditOwner(code)];
  const password = plain(`TRM_DB_PASSWORD_${code}`, required(env, `TRM_DB_PASSWORD_${code}`));
  await withPg(adminUrl, async (pg) => {
    const exists = await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await pg.query(`CREATE DATABASE ${database}`);
    const roles = await pg.query('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [[role, owner]]);
    const have = new Set(roles.rows.map((r: { rolname: string }) => r.rolname));
    if (!have.has(role))
      await pg.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
    if (!have.has(owner)) await pg.query(`CREATE ROLE ${owner} NOLOGIN`);
    await pg.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
    await pg.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
  });
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${database}`;
  await withPg(databaseUrl.toString(), (pg) => pg.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${role}`));

  // Migrated as the node's role, as the node would at its first start, so the node owns what it created.
  const nodeUrl = new URL(databaseUrl.toString());
  nodeUrl.username = role;
  nodeUrl.password = password;
  const asNode = await new DataSource({
    type: 'postgres',
    url: nodeUrl.toString(),
    migrations: MIGRATIONS,
  }).initialize();
  try {
    await migrateWithLock(asNode);
    await createDemoAccounts(asNode, code);
  } finally {
    await asNode.destroy();
  }
  await withPg(databaseUrl.toString(), async (pg) => {
    for (const statement of auditHandoverStatements(owner, role)) await pg.query(statement);
  });
}

/** The accounts `npm run demo -- --keep` prints; one that exists already is left as it is. */
async function createDemoAccounts(dataSource: DataSource, code: string): Promise<void> {
  const all: Array<[string, { name: string; password: string; agency?: string }]> = [
    ...Object.entries(LOCAL_ACCOUNTS),
    ['coordinator', LOCAL_SECOND_COORDINATOR],
  ];
  for (const [role, account] of all) {
    try {
      await dataSource.transaction((manager) =>
        AccountsService.create(
          manager,
          new AccountsRepository(),
          new AuditService(),
          { name: account.name, role: role as Role, agency: account.agency, password: account.password },
          `federation-provision:${code}`,
        ),
      );
    } catch (error) {
      if (!(error instanceof AccessError && error.code === 'ACCOUNT_EXISTS')) throw error;
    }
  }
}

export async function provision(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const codes = required(env, 'TRM_FEDERATION_COUNTRIES')
    .split(',')
    .map((c) => c.trim());
  const dir = path.resolve(required(env, 'TRM_FEDERATION_DIR'));
  const directoryFile = path.join(dir, 'directory.json');
  if (existsSync(directoryFile)) {
    log(`federation already provisioned (${directoryFile} exists): nothing to do`);
    return;
  }
  const vhost = required(env, 'TRM_BROKER_VHOST');
  // The management API (the compose file's broker has it), or rabbitmqctl where it is off (the tests here).
  // The broker's health check looks at AMQP: its management listener may still be starting, so up to a
  // minute is waited for it.
  let choice = await chooseProvisioner(required(env, 'RABBITMQ_MANAGEMENT_URL'));
  for (let waited = 0; !choice.provisioner && !choice.managementRefused && waited < 60_000; waited += 2_000) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    choice = await chooseProvisioner(required(env, 'RABBITMQ_MANAGEMENT_URL'));
  }
  const broker = choice.provisioner;
  if (!broker)
    throw new Error(
      `no way to provision the broker: ${choice.managementProblem}; ${choice.rabbitmqctlProblem}`,
    );
  if (!(await broker.vhostExists(vhost))) await broker.createVhost(vhost, 'trm-broker compose demo');

  const keysDir = path.join(dir, 'keys');
  mkdirSync(keysDir, { recursive: true });
  const participants = [];
  for (const code of codes) {
    const pairs = generateKeyPairs(code);
    writeKeyFiles(keysDir, code, pairs, { force: true });
    ensureDataKey(keysDir, code);
    participants.push({
      code,
      name: `${code}: national contact point`,
      languages: ['en'],
      extensions: ['USE_RESTRICTIONS', 'LANGUAGE'],
      signingKey: { keyId: pairs.signing.keyId, publicKey: pairs.signing.publicKey },
      encryptionKey: { keyId: pairs.encryption.keyId, publicKey: pairs.encryption.publicKey },
      contacts: [
        { sop: 1, institution: `${code} national referral coordination`, role: 'national coordinator' },
      ],
    });
    await broker.setupParticipant(vhost, code, required(env, `TRM_BROKER_PASSWORD_${code}`));
    await provisionDatabase(env, code);
    log(`${code}: keys, broker user, database ${databaseName(code)}, demo accounts`);
  }

  // Declared up front, so a message for a node that has not started yet waits in its queue.
  const connection = await amqp.connect(`${required(env, 'AMQP_ADMIN_URL')}/${encodeURIComponent(vhost)}`);
  try {
    const channel = await connection.createChannel();
    await declareSharedExchanges(channel);
    for (const code of codes) await assertParticipantTopology(channel, code);
  } finally {
    await connection.close();
  }
  // Last: its presence means everything above is done.
  writeFileSync(directoryFile, JSON.stringify({ version: 1, participants }, null, 2));
  log(`wrote ${directoryFile}`);
}

if (require.main === module) {
  provision(process.env, (line) => process.stdout.write(`federation-provision: ${line}\n`)).catch(
    (error: unknown) => {
      process.stderr.write(
        `federation-provision failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
