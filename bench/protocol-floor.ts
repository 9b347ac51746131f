import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  sign as edSign,
  verify as edVerify,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { KeyStore } from '../src/crypto/key-store';
import { sealAad, verify } from '../src/crypto/trm-crypto';
import { type Envelope, validateEnvelope, validatePayload } from '../src/messages/catalogue';
import { CONSENT_SCOPES } from '../src/messages/envelope.dto';
import { examplePayload } from '../src/messages/examples';
import { encodeMessage, OutgoingMessage, Recipient, WireMessage } from '../src/transport/envelope-codec';
import { round } from './stats';

/**
 * The protocol floor: the CPU that one hop costs, on top of the raw hop, for work no implementation of
 * PROTOCOL.md may skip: the sender seals and signs the REFERRAL_REQUEST, the receiver verifies, opens and
 * validates it (class-validator, a fixed choice of the project), and the same again for the
 * DELIVERY_RECEIPT in the other direction. Nothing else: no database, no broker, no audit, no case.
 *
 * Measured with the nodes' own functions in this process (process.cpuUsage, one core), so with the raw hop's
 * CPU it bounds what any pipeline could reach on this machine: cores / (raw + floor) hops per second.
 */

export interface ProtocolFloor {
  hops: number;
  /** CPU milliseconds per hop, by step (request and receipt together). */
  perHopMs: { sealAndSign: number; verifyAndOpen: number; validate: number; total: number };
  /**
   * The same hop's cryptography as bare node:crypto calls on prepared keys and bytes, with no encoding, no
   * checks and no validation: what even a minimal implementation could not go below.
   */
  primitivesPerHopMs: number;
}

/** A directory entry as the floor needs it: where to seal to, and whose signatures to check. */
export type FloorParticipant = Recipient & { signingKey: { publicKey: string } };

export function measureProtocolFloor(options: {
  keysDir: string;
  participants: FloorParticipant[];
  from: string;
  to: string;
  hops: number;
}): ProtocolFloor {
  const recipient = (code: string): FloorParticipant => {
    const found = options.participants.find((p) => p.code === code);
    if (!found) throw new Error(`protocol floor: ${code} is not in the directory`);
    return found;
  };
  const senderKeys = KeyStore.load(options.keysDir, options.from);
  const receiverKeys = KeyStore.load(options.keysDir, options.to);
  const signingKey = (code: string): string => recipient(code).signingKey.publicKey;
  const spent = { sealAndSign: 0, verifyAndOpen: 0, validate: 0 };
  const timed = <T>(step: keyof typeof spent, work: () => T): T => {
    const before = process.cpuUsage();
    const result = work();
    const used = process.cpuUsage(before);
    spent[step] += (used.user + used.system) / 1000;
    return result;
  };
  const { from, to } = options;
  const hop = (): void => {
    const request = requestMessage(from, to);
    const requestWire = timed('sealAndSign', () => encodeMessage(request, recipient(to), senderKeys));
    const { envelope } = receive(requestWire, receiverKeys, signingKey(from), timed);
    const receipt = receiptMessage(to, from, envelope);
    const receiptWire = timed('sealAndSign', () => encodeMessage(receipt, recipient(from), receiverKeys));
    receive(receiptWire, senderKeys, signingKey(to), timed);
  };

  // JIT and class-validator's metadata caches first, as the pipeline's warm-up does.
  for (let i = 0; i < Math.min(200, options.hops); i++) hop();
  spent.sealAndSign = spent.verifyAndOpen = spent.validate = 0;
  for (let i = 0; i < options.hops; i++) hop();

  const per = (ms: number): number => round(ms / options.hops, 3);
  const sample = requestMessage(from, to);
  const samples = [sample, receiptMessage(to, from, sample)].map((message) =>
    encodeMessage(message, recipient(message.to), message.from === from ? senderKeys : receiverKeys),
  );
  return {
    primitivesPerHopMs: round(measurePrimitives(samples, options.hops), 3),
    hops: options.hops,
    perHopMs: {
      sealAndSign: per(spent.sealAndSign),
      verifyAndOpen: per(spent.verifyAndOpen),
      validate: per(spent.validate),
      total: per(spent.sealAndSign + spent.verifyAndOpen + spent.validate),
    },
  };
}

/**
 * Per hop, for the request and the receipt: an ephemeral X25519 key, two key agreements, two HKDFs, AES-GCM
 * both ways over the payload's size, an Ed25519 signature and its verification. Returns CPU ms per hop.
 */
function measurePrimitives(messages: WireMessage[], hops: number): number {
  const recipientKeys = generateKeyPairSync('x25519');
  const signingKeys = generateKeyPairSync('ed25519');
  const prepared = messages.map((wire) => {
    const sealed = (JSON.parse(wire.body.toString('utf8')) as Envelope).sealed;
    return { body: wire.body, plaintext: Buffer.alloc(Buffer.from(sealed.ct, 'base64').length, 'x') };
  });
  const key = (shared: Buffer): Buffer => Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), 'x', 32));
  const iv = randomBytes(12);
  const hop = (): void => {
    for (const { body, plaintext } of prepared) {
      const ephemeral = generateKeyPairSync('x25519');
      const sendKey = key(
        diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipientKeys.publicKey }),
      );
      const cipher = createCipheriv('aes-256-gcm', sendKey, iv);
      const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const tag = cipher.getAuthTag();
      const signature = edSign(null, body, signingKeys.privateKey);

      if (!edVerify(null, body, signingKeys.publicKey, signature))
        throw new Error('primitives: bad signature');
      const epk = createPublicKey({ key: ephemeral.publicKey.export({ format: 'jwk' }), format: 'jwk' });
      const openKey = key(diffieHellman({ privateKey: recipientKeys.privateKey, publicKey: epk }));
      const decipher = createDecipheriv('aes-256-gcm', openKey, iv);
      decipher.setAuthTag(tag);
      Buffer.concat([decipher.update(ct), decipher.final()]);
    }
  };
  for (let i = 0; i < Math.min(200, hops); i++) hop();
  const before = process.cpuUsage();
  for (let i = 0; i < hops; i++) hop();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / hops;
}

/** What a receiver must do before it may store a message: the inbound checks without the database. */
function receive(
  wire: WireMessage,
  keys: KeyStore,
  senderSigningKey: string,
  timed: <T>(step: 'verifyAndOpen' | 'validate', work: () => T) => T,
): { envelope: Envelope } {
  const parsed = timed('verifyAndOpen', () => {
    if (!verify(wire.body, String(wire.headers['x-trm-signature']), senderSigningKey)) {
      throw new Error('protocol floor: a signature did not verify');
    }
    return JSON.parse(wire.body.toString('utf8')) as unknown;
  });
  const checked = timed('validate', () => validateEnvelope(parsed));
  if (!checked.ok) throw new Error(`protocol floor: envelope invalid: ${JSON.stringify(checked.errors)}`);
  const payload = timed(
    'verifyAndOpen',
    () =>
      JSON.parse(keys.open(checked.envelope.sealed, sealAad(checked.envelope)).toString('utf8')) as unknown,
  );
  const valid = timed('validate', () => validatePayload(checked.envelope.type, payload, checked.envelope));
  if (!valid.ok) throw new Error(`protocol floor: payload invalid: ${JSON.stringify(valid.errors)}`);
  return { envelope: checked.envelope };
}

/** The bench's referral: the same payload and consent summary as the pipeline phases send. */
export function requestMessage(from: string, to: string): OutgoingMessage {
  return {
    id: uuidv7(),
    type: 'REFERRAL_REQUEST',
    from,
    to,
    caseRef: `TRM-${from}-${new Date().getUTCFullYear()}-000001`,
    inReplyTo: null,
    sentAt: new Date(),
    legalBasis: 'CONSENT',
    consent: {
      consentId: uuidv7(),
      scopes: [...CONSENT_SCOPES],
      recipients: ['FR', 'IT', 'MK'],
      givenBy: 'GUARDIAN',
      givenAt: new Date().toISOString(),
    },
    payload: examplePayload('REFERRAL_REQUEST'),
  };
}

export function receiptMessage(
  from: string,
  to: string,
  request: { id: string; caseRef: string | null },
): OutgoingMessage {
  return {
    id: uuidv7(),
    type: 'DELIVERY_RECEIPT',
    from,
    to,
    caseRef: request.caseRef,
    inReplyTo: request.id,
    sentAt: new Date(),
    legalBasis: 'NONE',
    payload: { receivedAt: new Date().toISOString(), messageId: request.id },
  };
}
