/**
 * Provisions the broker for every participant of the directory: one user per country code with exactly the
 * permissions PROTOCOL.md requires (see BrokerAdmin.setupParticipant).
 *
 *   TRM_DIRECTORY_FILE=./directory.json npm run broker:setup
 *
 * Environment:
 *   TRM_DIRECTORY_FILE          the directory file (required)
 *   TRM_BROKER_VHOST            the vhost (default `/`; created when missing)
 *   RABBITMQ_MANAGEMENT_URL     management API with an administrator's credentials
 *                               (default http://guest:guest@127.0.0.1:15672)
 *   TRM_BROKER_PASSWORD_<CC>    password for that participant; when absent a random one is generated for a
 *                               new user, and an existing user keeps its password
 *
 * Re-running is safe: it re-applies the permissions and never changes a password unless told to, so nodes
 * already connected are not locked out. To rotate a password, set TRM_BROKER_PASSWORD_<CC>.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BrokerAdmin, SHARED_EXCHANGES } from '../src/transport/broker-admin';

const DEFAULT_MANAGEMENT_URL = 'http://guest:guest@127.0.0.1:15672';
const CODE_PATTERN = /^[A-Z]{2}$/;

export interface BrokerSetupOptions {
  directoryFile: string;
  vhost: string;
  managementUrl: string;
  /** Looks up `TRM_BROKER_PASSWORD_<CC>`; injected so the setup can run without touching process.env. */
  passwordFor: (code: string) => string | undefined;
  log: (line: string) => void;
}

export type PasswordSource = 'environment' | 'generated' | 'unchanged';

export interface ParticipantResult {
  code: string;
  user: string;
  passwordSource: PasswordSource;
  /** Only for generated passwords: the operator must hand it over, nobody else knows it. */
  password?: string;
}

/** Reads the participant codes of the directory file, refusing anything that would grant the wrong thing. */
export function readDirectoryCodes(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the directory file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let directory: unknown;
  try {
    directory = JSON.parse(text);
  } catch (err) {
    throw new Error(`The directory file ${file} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const participants = (directory as { participants?: unknown } | null)?.participants;
  if (!Array.isArray(participants) || participants.length === 0) {
    throw new Error(`The directory file ${file} has no "participants" list`);
  }
  const version = (directory as { version?: unknown }).version;
  if (version !== 1) {
    throw new Error(
      `The directory file ${file} has version ${JSON.stringify(version)}; this setup knows version 1`,
    );
  }
  const codes = participants.map((p: unknown, i: number) => {
    const code = (p as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !CODE_PATTERN.test(code)) {
      throw new Error(
        `The directory file ${file}: participant #${i + 1} has code ${JSON.stringify(code)}, ` +
          'expected an ISO 3166-1 alpha-2 code such as "FR"',
      );
    }
    return code;
  });
  const duplicate = codes.find((c, i) => codes.indexOf(c) !== i);
  if (duplicate) throw new Error(`The directory file ${file} lists ${duplicate} more than once`);
  return codes;
}

function generatePassword(): string {
  // 192 bits, URL-safe so it can go into an amqp:// URL as is.
  return randomBytes(24).toString('base64url');
}

export async function setupBroker(options: BrokerSetupOptions): Promise<ParticipantResult[]> {
  const { vhost, log } = options;
  const codes = readDirectoryCodes(options.directoryFile);
  const admin = new BrokerAdmin({ url: options.managementUrl });

  const me = await admin.whoAmI();
  if (!me.tags.includes('administrator')) {
    throw new Error(
      `The management user ${me.name} is not an administrator (tags: ${me.tags.join(',') || 'none'}); ` +
        'creating users and permissions needs one',
    );
  }
  log(`RabbitMQ management API ${admin.endpoint} as ${me.name}; vhost ${vhost}`);

  if (await admin.vhostExists(vhost)) {
    log(`vhost ${vhost}: exists`);
  } else {
    await admin.createVhost(vhost);
    log(`vhost ${vhost}: created`);
  }
  for (const exchange of SHARED_EXCHANGES) {
    await admin.createExchange(vhost, exchange, 'topic', true);
  }
  log(`exchanges ${SHARED_EXCHANGES.join(', ')}: durable topic, declared`);

  const results: ParticipantResult[] = [];
  for (const code of codes) {
    const fromEnv = options.passwordFor(code);
    let result: ParticipantResult;
    if (fromEnv) {
      await admin.setupParticipant(vhost, code, fromEnv);
      result = { code, user: code, passwordSource: 'environment' };
      log(`${code}: user ${code}, permissions set, password set from TRM_BROKER_PASSWORD_${code}`);
    } else if (await admin.userExists(code)) {
      await admin.setupParticipant(vhost, code, null);
      result = { code, user: code, passwordSource: 'unchanged' };
      log(`${code}: user ${code}, permissions set, existing password kept`);
    } else {
      const password = generatePassword();
      await admin.setupParticipant(vhost, code, password);
      result = { code, user: code, passwordSource: 'generated', password };
      // Printed at once: should a later participant fail, this password must not be lost.
      log(
        `${code}: user ${code}, permissions set, GENERATED PASSWORD (give it to ${code} only): ${password}`,
      );
    }
    results.push(result);
  }
  log(`done: ${codes.length} participant(s)`);
  return results;
}

async function main(): Promise<void> {
  const directoryFile = process.env.TRM_DIRECTORY_FILE;
  if (!directoryFile) {
    throw new Error('TRM_DIRECTORY_FILE is not set: point it at the directory JSON file');
  }
  await setupBroker({
    directoryFile,
    vhost: process.env.TRM_BROKER_VHOST || '/',
    managementUrl: process.env.RABBITMQ_MANAGEMENT_URL || DEFAULT_MANAGEMENT_URL,
    passwordFor: (code) => process.env[`TRM_BROKER_PASSWORD_${code}`] || undefined,
    log: (line) => console.log(line),
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`broker-setup failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
