/**
 * npm run agency:add -- <code> --name <name> --keys <public-keys.json> [--user <broker user>] [--inactive]
 *
 * Registers a partner agency on one node (docs/agencies.md): a row in the node's `agencies` table with its
 * public keys, and a broker user with the least privilege an agency needs (BrokerAdmin.setupAgency), and its
 * reply queue. Re-running updates the agency (name, keys, active flag) and re-applies the permissions.
 *
 * Environment:
 *   TRM_COUNTRY               the node's country code (required)
 *   DATABASE_URL              the node's database (required)
 *   TRM_BROKER_VHOST          the vhost the node uses (default `/`)
 *   RABBITMQ_MANAGEMENT_URL   management API with an administrator's credentials
 *                             (default http://guest:guest@127.0.0.1:15672)
 *   TRM_AGENCY_PASSWORD       the broker password to set; when absent a new user gets a generated one (printed
 *                             once) and an existing user keeps its own
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AgenciesRepository } from '../src/agencies/agencies.repository';
import { REPLY_QUEUE_ARGUMENTS, replyKey } from '../src/agencies/agency-topology';
import { AuditService } from '../src/audit/audit.service';
import { agencyBrokerUser, AGENCY_CODE_PATTERN, BrokerAdmin } from '../src/transport/broker-admin';
import { agencyReplyQueue, nationalExchange } from '../src/transport/national-exchange';
import type { AgencyPublicKeys } from '../src/agencies/agency-contract';

const USAGE =
  'usage: npm run agency:add -- <code> --name <name> --keys <public-keys.json> [--user <broker user>] [--inactive]';
const DEFAULT_MANAGEMENT_URL = 'http://guest:guest@127.0.0.1:15672';
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

class UsageError extends Error {}

export interface AddAgencyOptions {
  country: string;
  code: string;
  name: string;
  keys: AgencyPublicKeys;
  /** Defaults to `<CC>.<code>`: broker users are broker-wide, agency codes only per node. */
  brokerUser?: string;
  active: boolean;
  databaseUrl: string;
  vhost: string;
  managementUrl: string;
  /** null: keep an existing user's password, generate one for a new user. */
  password: string | null;
  log: (line: string) => void;
}

export interface AddAgencyResult {
  user: string;
  /** Only when generated: the operator hands it to the agency, nobody else knows it. */
  generatedPassword?: string;
}

export function checkPublicKeys(input: unknown): AgencyPublicKeys {
  const keys = input as Partial<AgencyPublicKeys> | null;
  for (const kind of ['signingKey', 'encryptionKey'] as const) {
    const key = keys?.[kind];
    if (typeof key?.keyId !== 'string' || !KEY_ID.test(key.keyId)) {
      throw new UsageError(`the keys file needs ${kind}.keyId (letters, digits, . _ -)`);
    }
    if (typeof key.publicKey !== 'string' || !BASE64_32.test(key.publicKey)) {
      throw new UsageError(`the keys file needs ${kind}.publicKey: base64 of the raw 32-byte key`);
    }
  }
  return { signingKey: keys!.signingKey!, encryptionKey: keys!.encryptionKey! };
}

export async function addAgency(options: AddAgencyOptions): Promise<AddAgencyResult> {
  const { country, code, log } = options;
  if (!/^[A-Z]{2}$/.test(country)) throw new UsageError('TRM_COUNTRY must be an ISO 3166-1 alpha-2 code');
  if (!AGENCY_CODE_PATTERN.test(code))
    throw new UsageError(`agency code must match ${AGENCY_CODE_PATTERN.source}`);
  if (options.name.trim() === '') throw new UsageError('--name must not be empty');
  const user = options.brokerUser ?? agencyBrokerUser(country, code);
  const admin = new BrokerAdmin({ url: options.managementUrl });

  let password = options.password;
  let generatedPassword: string | undefined;
  if (password === null && !(await admin.userExists(user))) {
    password = generatedPassword = randomBytes(24).toString('base64url');
  }
  await admin.setupAgency(options.vhost, country, code, password, user);
  // The reply queue exists before the agency's first read; the node re-declares it on every (re)connect.
  const exchange = nationalExchange(country);
  const queue = agencyReplyQueue(country, code);
  await admin.createExchange(options.vhost, exchange, 'topic', true);
  await admin.createQueue(options.vhost, queue, REPLY_QUEUE_ARGUMENTS);
  await admin.bindQueue(options.vhost, exchange, queue, replyKey(code));
  log(`broker: user ${user} may submit on ${exchange} as submit.${code} and read ${queue}, nothing else`);

  const dataSource = await new DataSource({ type: 'postgres', url: options.databaseUrl }).initialize();
  try {
    await dataSource.transaction(async (manager) => {
      await new AgenciesRepository().upsert(manager, {
        code,
        name: options.name.trim(),
        brokerUser: user,
        signingKeyId: options.keys.signingKey.keyId,
        signingPublicKey: options.keys.signingKey.publicKey,
        encryptionKeyId: options.keys.encryptionKey.keyId,
        encryptionPublicKey: options.keys.encryptionKey.publicKey,
        active: options.active,
      });
      await new AuditService().record(manager, {
        action: 'AGENCY_REGISTERED',
        actor: `node:${country}`,
        details: {
          agency: code,
          brokerUser: user,
          signingKeyId: options.keys.signingKey.keyId,
          encryptionKeyId: options.keys.encryptionKey.keyId,
          active: options.active,
        },
      });
    });
  } finally {
    await dataSource.destroy();
  }
  log(`node ${country}: agency ${code} registered (${options.active ? 'active' : 'inactive'})`);
  if (generatedPassword)
    log(`GENERATED PASSWORD for broker user ${user} (give it to ${code} only): ${generatedPassword}`);
  return { user, ...(generatedPassword ? { generatedPassword } : {}) };
}

function parseArgs(argv: string[]): {
  code: string;
  name: string;
  keysFile: string;
  user?: string;
  active: boolean;
} {
  let code: string | undefined;
  let name: string | undefined;
  let keysFile: string | undefined;
  let user: string | undefined;
  let active = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--name') name = value();
    else if (arg === '--keys') keysFile = value();
    else if (arg === '--user') user = value();
    else if (arg === '--inactive') active = false;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (code === undefined) code = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!code) throw new UsageError('missing agency code');
  if (!name) throw new UsageError('missing --name');
  if (!keysFile)
    throw new UsageError('missing --keys (the agency’s public keys, from `npm run agency:client -- keys`)');
  return { code, name, keysFile, user, active };
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const args = parseArgs(argv);
    let keys: unknown;
    try {
      keys = JSON.parse(readFileSync(args.keysFile, 'utf8'));
    } catch {
      throw new UsageError(`cannot read ${args.keysFile} as JSON`);
    }
    if (!env.TRM_COUNTRY) throw new UsageError('TRM_COUNTRY is not set: the node’s country code');
    if (!env.DATABASE_URL) throw new UsageError('DATABASE_URL is not set: the node’s database');
    await addAgency({
      country: env.TRM_COUNTRY,
      code: args.code,
      name: args.name,
      keys: checkPublicKeys(keys),
      brokerUser: args.user,
      active: args.active,
      databaseUrl: env.DATABASE_URL,
      vhost: env.TRM_BROKER_VHOST || '/',
      managementUrl: env.RABBITMQ_MANAGEMENT_URL || DEFAULT_MANAGEMENT_URL,
      password: env.TRM_AGENCY_PASSWORD || null,
      log: (line) => console.log(line),
    });
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`agency:add failed: ${message}${error instanceof UsageError ? `\n${USAGE}` : ''}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env).then((code) => (process.exitCode = code));
}
