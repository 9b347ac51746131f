/**
 * An example partner-agency client (docs/agencies.md), in plain amqplib and the repo's crypto module
 * (node:crypto only): it makes the agency's keys, seals and signs a submission, publishes it on the node's
 * national exchange, and prints every reply it receives, opening sealed answers with the agency's key.
 *
 *   npm run agency:client -- keys <code>                  keys to $AGENCY_KEYS_DIR, public keys on stdout
 *   npm run agency:client -- submit --case <caseRef> --type <TYPE> --to <CC> --payload <file.json>
 *        [--in-reply-to <message id>] [--legal-basis CONSENT|VITAL_INTEREST] [--redact] [--wait <seconds>]
 *   npm run agency:client -- listen [--wait <seconds>]    prints replies only
 *
 * Environment: AGENCY_CODE (e.g. ngo-lyon), AGENCY_KEYS_DIR (default ./agency-keys), AGENCY_AMQP_URL
 * (amqp://<broker user>:<password>@host:5672/<vhost>), AGENCY_NODE (the node's country code), AGENCY_NODE_URL
 * (the node's HTTP API, for its public keys at /directory), AGENCY_BROKER_USER (default `<CC>.<code>`).
 */
import * as amqp from 'amqplib';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  ed25519PrivateFromSeed,
  open,
  rawPrivateKey,
  rawPublicKey,
  seal,
  sealAad,
  sign,
  verify,
  x25519PrivateFromRaw,
  type Sealed,
} from '../src/crypto/trm-crypto';
import type { AgencyPublicKeys } from '../src/agencies/agency-contract';

/** The agency's private keys: they never leave the agency. */
export interface AgencyKeys {
  code: string;
  signingKeyId: string;
  signing: KeyObject;
  encryptionKeyId: string;
  encryption: KeyObject;
}

/** The node's public keys, from its directory entry (GET /directory). */
export interface NodeKeys {
  country: string;
  signingKey: { keyId: string; publicKey: string };
  encryptionKey: { keyId: string; publicKey: string };
}

export interface SubmissionRequest {
  caseRef: string;
  type: string;
  to: string;
  legalBasis?: 'CONSENT' | 'VITAL_INTEREST';
  inReplyTo?: string;
  redact?: boolean;
  payload: unknown;
  /** A fresh UUID by default; re-use it only to repeat the very same submission. */
  requestId?: string;
}

export interface AgencyReply {
  kind: string;
  replyId: string;
  requestId: string | null;
  /** The node's signature over the body verified with its directory key. */
  verified: boolean;
  body: Record<string, unknown>;
  /** An ANSWER's payload, opened with the agency's key. */
  payload?: unknown;
}

/** Fresh Ed25519 (signing) and X25519 (encryption) key pairs; key ids `<code>-sig-1` / `<code>-enc-1`. */
export function generateAgencyKeys(code: string): { keys: AgencyKeys; publicKeys: AgencyPublicKeys } {
  const signing = generateKeyPairSync('ed25519').privateKey;
  const encryption = generateKeyPairSync('x25519').privateKey;
  const keys = { code, signingKeyId: `${code}-sig-1`, signing, encryptionKeyId: `${code}-enc-1`, encryption };
  return { keys, publicKeys: publicKeysOf(keys) };
}

export function publicKeysOf(keys: AgencyKeys): AgencyPublicKeys {
  return {
    signingKey: { keyId: keys.signingKeyId, publicKey: rawPublicKey(keys.signing).toString('base64') },
    encryptionKey: {
      keyId: keys.encryptionKeyId,
      publicKey: rawPublicKey(keys.encryption).toString('base64'),
    },
  };
}

/**
 * The submission body and headers: the payload sealed for the node (AAD `requestId|type|<agency>|to|caseRef`)
 * and the exact body bytes signed with the agency's key.
 */
export function buildSubmission(
  keys: AgencyKeys,
  node: NodeKeys,
  request: SubmissionRequest,
): { requestId: string; body: Buffer; headers: Record<string, string> } {
  const requestId = request.requestId ?? randomUUID();
  const aad = sealAad({
    id: requestId,
    type: request.type,
    from: keys.code,
    to: request.to,
    caseRef: request.caseRef,
  });
  const sealed = seal(Buffer.from(JSON.stringify(request.payload), 'utf8'), node.encryptionKey, aad);
  const body = Buffer.from(
    JSON.stringify({
      version: 1,
      requestId,
      caseRef: request.caseRef,
      type: request.type,
      to: request.to,
      legalBasis: request.legalBasis ?? 'CONSENT',
      ...(request.inReplyTo ? { inReplyTo: request.inReplyTo } : {}),
      ...(request.redact ? { redact: true } : {}),
      sealed,
    }),
    'utf8',
  );
  return { requestId, body, headers: signatureHeaders(keys, body) };
}

export function signatureHeaders(keys: AgencyKeys, body: Buffer): Record<string, string> {
  return { 'x-trm-key-id': keys.signingKeyId, 'x-trm-signature': sign(body, keys.signing) };
}

/** Connected to the broker as the agency's own user: publishes submissions, collects replies. */
export class AgencyClient {
  readonly replies: AgencyReply[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly connection: amqp.ChannelModel,
    private readonly channel: amqp.ConfirmChannel,
    readonly user: string,
    readonly keys: AgencyKeys,
    readonly node: NodeKeys,
  ) {}

  static async connect(url: string, user: string, keys: AgencyKeys, node: NodeKeys): Promise<AgencyClient> {
    const connection = await amqp.connect(url);
    connection.on('error', () => undefined);
    const channel = await connection.createConfirmChannel();
    const client = new AgencyClient(connection, channel, user, keys, node);
    const replies = await connection.createChannel();
    await replies.consume(`trm.national.${node.country}.agency.${keys.code}`, (message) => {
      if (!message) return;
      client.receive(message);
      replies.ack(message);
    });
    return client;
  }

  /** Publishes a submission with publisher confirms; returns its request id. */
  async submit(request: SubmissionRequest): Promise<string> {
    const built = buildSubmission(this.keys, this.node, request);
    await this.publish(built.body, built.headers, built.requestId);
    return built.requestId;
  }

  /** Raw bytes as the agency's user, with its routing key and user_id (the broker checks both). */
  async publish(
    body: Buffer,
    headers: Record<string, string>,
    messageId: string = randomUUID(),
  ): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.channel.publish(
        `trm.national.${this.node.country}`,
        `submit.${this.keys.code}`,
        body,
        {
          persistent: true,
          userId: this.user,
          messageId,
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
          headers,
        },
        (error) => (error ? reject(error as Error) : resolve()),
      ),
    );
  }

  /** Waits until `count` replies match, and returns them. */
  async waitFor(
    match: (reply: AgencyReply) => boolean,
    count = 1,
    timeoutMs = 20_000,
  ): Promise<AgencyReply[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.replies.filter(match);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} repl(ies); got ${found.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }

  private receive(message: amqp.ConsumeMessage): void {
    const signature = message.properties.headers?.['x-trm-signature'];
    const verified =
      typeof signature === 'string' && verify(message.content, signature, this.node.signingKey.publicKey);
    const body = JSON.parse(message.content.toString('utf8')) as Record<string, unknown>;
    const reply: AgencyReply = {
      kind: String(body.kind),
      replyId: String(body.replyId),
      requestId: typeof body.requestId === 'string' ? body.requestId : null,
      verified,
      body,
    };
    // An answer on a case whose consent was withdrawn comes `withheld`, without its payload.
    if (verified && body.kind === 'ANSWER' && body.sealed) {
      const answer = body.answer as { type: string };
      const aad = sealAad({
        id: reply.replyId,
        type: answer.type,
        from: this.node.country,
        to: this.keys.code,
        caseRef: (body.caseRef as string | null) ?? null,
      });
      reply.payload = JSON.parse(open(body.sealed as Sealed, this.keys.encryption, aad).toString('utf8'));
    }
    this.replies.push(reply);
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

// --- command line -------------------------------------------------------------------------------------------

interface KeyFile {
  code: string;
  signing: { keyId: string; privateKey: string };
  encryption: { keyId: string; privateKey: string };
}

function keyFilePath(dir: string, code: string): string {
  return path.join(dir, `${code}.agency-keys.json`);
}

export function loadAgencyKeys(dir: string, code: string): AgencyKeys {
  const file = JSON.parse(readFileSync(keyFilePath(dir, code), 'utf8')) as KeyFile;
  return {
    code,
    signingKeyId: file.signing.keyId,
    signing: ed25519PrivateFromSeed(Buffer.from(file.signing.privateKey, 'base64')),
    encryptionKeyId: file.encryption.keyId,
    encryption: x25519PrivateFromRaw(Buffer.from(file.encryption.privateKey, 'base64')),
  };
}

function writeAgencyKeys(dir: string, keys: AgencyKeys): string {
  const file = keyFilePath(dir, keys.code);
  if (existsSync(file)) throw new Error(`refusing to overwrite ${file}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const content: KeyFile = {
    code: keys.code,
    signing: { keyId: keys.signingKeyId, privateKey: rawPrivateKey(keys.signing).toString('base64') },
    encryption: {
      keyId: keys.encryptionKeyId,
      privateKey: rawPrivateKey(keys.encryption).toString('base64'),
    },
  };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

function flags(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    const name = argv[i].slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out.set(name, 'true');
    else out.set(name, argv[++i]);
  }
  return out;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (see the top of scripts/agency-client.ts)`);
  return value;
}

async function nodeKeys(nodeUrl: string, country: string): Promise<NodeKeys> {
  const response = await fetch(`${nodeUrl.replace(/\/$/, '')}/directory`);
  if (!response.ok) throw new Error(`GET ${nodeUrl}/directory: HTTP ${response.status}`);
  const directory = (await response.json()) as { participants: NodeKeys[] & Array<{ code: string }> };
  const entry = directory.participants.find((p) => (p as unknown as { code: string }).code === country);
  if (!entry) throw new Error(`${country} is not in the node's directory`);
  return { country, signingKey: entry.signingKey, encryptionKey: entry.encryptionKey };
}

function print(reply: AgencyReply): void {
  const { kind, requestId, verified, body, payload } = reply;
  const shown = { ...body };
  delete shown.sealed;
  console.log(`${kind}  request ${requestId ?? '-'}  ${verified ? 'signature ok' : 'SIGNATURE INVALID'}`);
  console.log(JSON.stringify(payload === undefined ? shown : { ...shown, payload }, null, 2));
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const [command, ...rest] = argv;
  const keysDir = path.resolve(env.AGENCY_KEYS_DIR || './agency-keys');
  if (command === 'keys') {
    const code = rest[0];
    if (!code || !/^[a-z0-9-]{2,40}$/.test(code)) throw new Error('usage: agency:client -- keys <code>');
    const { keys, publicKeys } = generateAgencyKeys(code);
    const file = writeAgencyKeys(keysDir, keys);
    console.error(`private keys written to ${file} (mode 0600): keep them at the agency`);
    console.log(JSON.stringify({ code, ...publicKeys }, null, 2));
    return;
  }
  if (command !== 'submit' && command !== 'listen')
    throw new Error('usage: agency:client -- keys|submit|listen …');
  const options = flags(rest);
  const code = required(env, 'AGENCY_CODE');
  const country = required(env, 'AGENCY_NODE');
  const keys = loadAgencyKeys(keysDir, code);
  const node = await nodeKeys(required(env, 'AGENCY_NODE_URL'), country);
  const user = env.AGENCY_BROKER_USER || `${country}.${code}`;
  const client = await AgencyClient.connect(required(env, 'AGENCY_AMQP_URL'), user, keys, node);
  try {
    if (command === 'submit') {
      const requestId = await client.submit({
        caseRef: options.get('case') ?? '',
        type: options.get('type') ?? '',
        to: options.get('to') ?? '',
        legalBasis: (options.get('legal-basis') as SubmissionRequest['legalBasis']) ?? 'CONSENT',
        inReplyTo: options.get('in-reply-to'),
        redact: options.get('redact') === 'true',
        payload: JSON.parse(readFileSync(options.get('payload') ?? '', 'utf8')),
      });
      console.log(`submitted request ${requestId}; waiting for replies (Ctrl-C to stop)`);
    }
    const waitMs = Number(options.get('wait') ?? '30') * 1000;
    const deadline = Date.now() + waitMs;
    let shown = 0;
    while (Date.now() < deadline) {
      await client.waitFor(() => true, shown + 1, deadline - Date.now()).catch(() => undefined);
      for (; shown < client.replies.length; shown++) print(client.replies[shown]);
    }
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).catch((error: unknown) => {
    console.error(`agency-client: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
