import { examplePayload } from '../../src/messages/examples';
import { RejectionCode } from '../../src/messages/rejection-codes';
import { Forger, signWithUnknownKey, Wire } from './harness';
import { injectionReferrals, namesReferral } from './payloads';
import {
  deeplyNested,
  INJECTION_STRINGS,
  longString,
  ONE_MEGABYTE,
  SECRET_NAME,
  UNSTORABLE,
} from './strings';
import { withField } from './text-fields';

/**
 * The hostile corpus as another country sends it: bytes and AMQP properties published straight onto the
 * receiving node's queue (MK), by a participant (IT) holding its own broker account and signing key.
 */

export interface WireContext {
  /** IT, the publisher. */
  italy: Forger;
  /** FR, whose signed bodies IT may replay. */
  france: Forger;
  /** A case reference never used before in this run. */
  nextCaseRef(): string;
  /** Sends a valid referral as IT and waits for MK's answer; returns the message id and the answer's id. */
  sendValid(draft?: {
    id?: string;
    sentAt?: string;
  }): Promise<{ id: string; answerId: string; answerType: string }>;
  /** A DELIVERY_RECEIPT the node sent to another participant (FR), and the case it belongs to. */
  receiptSentToFrance(): Promise<{ id: string; caseRef: string }>;
}

export type WireExpectation =
  /** Dead-lettered with `code`, audited, and (when `answered`, the default) answered with DELIVERY_REJECTED. */
  | { outcome: 'REJECTED'; code: RejectionCode; answered?: boolean; reasonMentions?: string }
  /** Committed and answered with DELIVERY_RECEIPT; the payload is stored exactly as sent. */
  | { outcome: 'ACCEPTED' }
  /** A known id: answered with the very answer it got the first time, nothing applied. */
  | { outcome: 'DUPLICATE' }
  /** A receipt or rejection: recorded, never answered, and it settles nothing it has no right to. */
  | { outcome: 'RECORDED' };

export interface BuiltWire extends Wire {
  /** What the node's answer names in inReplyTo (the envelope id, else the AMQP message_id). */
  answerTo: string;
  /** ACCEPTED: the payload and consent id the node must store verbatim. */
  payload?: unknown;
  consentId?: string;
  caseRef?: string;
  /** DUPLICATE: the id of the first answer, which must come back. */
  firstAnswerId?: string;
}

export interface WireCase {
  name: string;
  expect: WireExpectation;
  build(ctx: WireContext): BuiltWire | Promise<BuiltWire>;
}

const referral = (ctx: WireContext, extra: Partial<Parameters<Forger['wire']>[0]> = {}) => ({
  type: 'REFERRAL_REQUEST',
  caseRef: ctx.nextCaseRef(),
  payload: examplePayload('REFERRAL_REQUEST'),
  ...extra,
});

/** A signed envelope whose answer names its id. */
function envelope(
  ctx: WireContext,
  draft: Partial<Parameters<Forger['wire']>[0]> = {},
  overrides: Partial<Wire> = {},
): BuiltWire {
  const wire = ctx.italy.wire(referral(ctx, draft), overrides);
  return { ...wire, answerTo: wire.messageId };
}

/** Signed bytes that are no envelope: the answer names the AMQP message_id. */
function bytes(ctx: WireContext, body: Buffer | string, overrides: Partial<Wire> = {}): BuiltWire {
  const wire = ctx.italy.bytes(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), overrides);
  return { ...wire, answerTo: wire.messageId.slice(0, 200) };
}

/** Re-signs a wire whose body was changed after building. */
function resign(ctx: WireContext, wire: BuiltWire, body: Buffer): BuiltWire {
  return { ...wire, body, headers: ctx.italy.headers(body) };
}

const reject = (code: RejectionCode, answered = true): WireExpectation => ({
  outcome: 'REJECTED',
  code,
  answered,
});
const SCHEMA = reject(RejectionCode.SCHEMA_INVALID);

const MAX_BODY = 256 * 1024;

export const WIRE_CASES: WireCase[] = [
  // Framing and encoding
  { name: 'malformed JSON (truncated)', expect: SCHEMA, build: (c) => bytes(c, '{"version":1,"id":"') },
  {
    name: 'malformed JSON quoting a name',
    expect: SCHEMA,
    build: (c) => bytes(c, `{"version":1,"person":"${SECRET_NAME}`),
  },
  {
    name: 'invalid UTF-8 inside a JSON string',
    expect: SCHEMA,
    build: (c) =>
      bytes(
        c,
        Buffer.concat([
          Buffer.from('{"version":1,"name":"Ana'),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('"}'),
        ]),
      ),
  },
  { name: 'an empty body', expect: SCHEMA, build: (c) => bytes(c, Buffer.alloc(0)) },
  { name: 'a JSON array instead of an object', expect: SCHEMA, build: (c) => bytes(c, '[{"version":1}]') },
  {
    name: 'a JSON string instead of an object',
    expect: SCHEMA,
    build: (c) => bytes(c, JSON.stringify(SECRET_NAME)),
  },
  {
    name: 'UTF-16 instead of UTF-8',
    expect: SCHEMA,
    build: (c) => bytes(c, Buffer.from(c.italy.wire(referral(c)).body.toString('utf8'), 'utf16le')),
  },

  // Wrong types
  {
    name: 'version as a string',
    expect: reject(RejectionCode.UNSUPPORTED_VERSION),
    build: (c) => envelope(c, { after: (e) => (e.version = '1') }),
  },
  { name: 'id as a number', expect: SCHEMA, build: (c) => envelope(c, { after: (e) => (e.id = 12345) }) },
  {
    name: 'type as a number',
    expect: reject(RejectionCode.UNKNOWN_TYPE),
    build: (c) => envelope(c, { after: (e) => (e.type = 42) }),
  },
  {
    name: 'caseRef as a number',
    expect: SCHEMA,
    build: (c) => envelope(c, { after: (e) => (e.caseRef = 7) }),
  },
  {
    name: 'sealed as a string',
    expect: SCHEMA,
    build: (c) => envelope(c, { after: (e) => (e.sealed = SECRET_NAME) }),
  },
  {
    name: 'consent scopes as a string',
    expect: SCHEMA,
    build: (c) =>
      envelope(c, { after: (e) => ((e.consent as Record<string, unknown>).scopes = 'SHARE_IDENTITY') }),
  },
  {
    name: 'sentAt as epoch seconds',
    expect: SCHEMA,
    build: (c) => envelope(c, { after: (e) => (e.sentAt = 1_763_900_000) }),
  },
  {
    name: 'payload field of the wrong type',
    expect: { outcome: 'REJECTED', code: RejectionCode.SCHEMA_INVALID, reasonMentions: 'person.givenName' },
    build: (c) => envelope(c, { payload: withField('REFERRAL_REQUEST', 'person.givenName', ['Ana']) }),
  },

  // Missing and extra fields
  { name: 'no sealed payload', expect: SCHEMA, build: (c) => envelope(c, { after: (e) => delete e.sealed }) },
  { name: 'no id', expect: SCHEMA, build: (c) => envelope(c, { after: (e) => delete e.id }) },
  {
    name: 'no version',
    expect: reject(RejectionCode.UNSUPPORTED_VERSION),
    build: (c) => envelope(c, { after: (e) => delete e.version }),
  },
  {
    name: 'an extra envelope member',
    expect: { outcome: 'REJECTED', code: RejectionCode.SCHEMA_INVALID, reasonMentions: 'priority' },
    build: (c) => envelope(c, { after: (e) => (e.priority = 'HIGH') }),
  },
  {
    name: 'an extra member inside sealed',
    expect: SCHEMA,
    build: (c) => envelope(c, { after: (e) => ((e.sealed as Record<string, unknown>).key = 'AAAA') }),
  },
  {
    name: 'an extra payload member',
    expect: { outcome: 'REJECTED', code: RejectionCode.SCHEMA_INVALID, reasonMentions: 'homeAddress' },
    build: (c) =>
      envelope(c, { payload: { ...examplePayload('REFERRAL_REQUEST'), homeAddress: SECRET_NAME } }),
  },
  {
    name: 'a payload without its required person',
    expect: { outcome: 'REJECTED', code: RejectionCode.SCHEMA_INVALID, reasonMentions: 'person' },
    build: (c) => {
      const payload = examplePayload('REFERRAL_REQUEST') as unknown as Record<string, unknown>;
      delete payload.person;
      return envelope(c, { payload });
    },
  },
  {
    name: 'a __proto__ member in the envelope',
    expect: SCHEMA,
    build: (c) =>
      envelope(c, { after: (e) => (e.x = '@@proto@@'), raw: { proto: '1,"__proto__":{"polluted":true}' } }),
  },

  // Sizes
  {
    name: 'a 1 MB string in the envelope (over the body limit)',
    expect: reject(RejectionCode.TOO_LARGE),
    build: (c) => {
      const wire = envelope(c, { after: (e) => (e.caseRef = longString(ONE_MEGABYTE)) });
      return wire;
    },
  },
  {
    name: 'a body one byte over the limit',
    expect: reject(RejectionCode.TOO_LARGE),
    build: (c) => {
      const wire = envelope(c);
      const padded = Buffer.concat([wire.body, Buffer.from(' '.repeat(MAX_BODY + 1 - wire.body.length))]);
      return resign(c, wire, padded);
    },
  },
  {
    name: 'a body over the limit with a bad signature',
    expect: reject(RejectionCode.SIGNATURE_INVALID),
    build: (c) => {
      const wire = envelope(c, { after: (e) => (e.caseRef = longString(MAX_BODY)) });
      return { ...wire, headers: { ...wire.headers, 'x-trm-signature': signWithUnknownKey(wire.body) } };
    },
  },
  {
    name: 'a 150 kB name inside the sealed payload (under the body limit)',
    expect: { outcome: 'REJECTED', code: RejectionCode.SCHEMA_INVALID, reasonMentions: 'maxLength' },
    build: (c) =>
      envelope(c, { payload: withField('REFERRAL_REQUEST', 'person.givenName', longString(150_000)) }),
  },

  // Nesting
  {
    name: '10,000 levels of nested objects in the envelope',
    expect: { outcome: 'REJECTED', code: RejectionCode.SCHEMA_INVALID, reasonMentions: 'maxDepth' },
    build: (c) =>
      envelope(c, { after: (e) => (e.extension = '@@deep@@'), raw: { deep: deeplyNested(10_000) } }),
  },
  {
    name: '100,000 levels of nested arrays in the envelope',
    expect: { outcome: 'REJECTED', code: RejectionCode.SCHEMA_INVALID, reasonMentions: 'maxDepth' },
    build: (c) =>
      envelope(c, { after: (e) => (e.consent = '@@deep@@'), raw: { deep: deeplyNested(100_000, 'array') } }),
  },
  {
    name: '10,000 levels of nesting inside the sealed payload',
    expect: { outcome: 'REJECTED', code: RejectionCode.SCHEMA_INVALID, reasonMentions: 'maxDepth' },
    build: (c) =>
      envelope(c, {
        plaintext: Buffer.from(
          JSON.stringify(examplePayload('REFERRAL_REQUEST')).replace(/}$/, `,"x":${deeplyNested(10_000)}}`),
        ),
      }),
  },

  // Unknown types and versions
  {
    name: 'an unknown type',
    expect: reject(RejectionCode.UNKNOWN_TYPE),
    build: (c) => envelope(c, { type: 'TEA_INVITATION' }),
  },
  {
    name: 'type __proto__',
    expect: reject(RejectionCode.UNKNOWN_TYPE),
    build: (c) => envelope(c, { type: '__proto__' }),
  },
  {
    name: 'a script as the type',
    expect: reject(RejectionCode.UNKNOWN_TYPE),
    build: (c) => envelope(c, { type: INJECTION_STRINGS[3] }, { type: 'REFERRAL_REQUEST' }),
  },
  {
    name: 'version 2',
    expect: reject(RejectionCode.UNSUPPORTED_VERSION),
    build: (c) => envelope(c, { after: (e) => (e.version = 2) }),
  },
  {
    name: 'version 1.5',
    expect: reject(RejectionCode.UNSUPPORTED_VERSION),
    build: (c) => envelope(c, { after: (e) => (e.version = 1.5) }),
  },

  // Time
  {
    name: 'sentAt in year 9999',
    expect: reject(RejectionCode.STALE),
    build: (c) => envelope(c, { sentAt: '9999-12-31T23:59:59.999Z' }),
  },
  {
    name: 'sentAt at the epoch',
    expect: reject(RejectionCode.STALE),
    build: (c) => envelope(c, { sentAt: '1970-01-01T00:00:00.000Z' }),
  },
  {
    name: 'sentAt ten minutes ahead',
    expect: reject(RejectionCode.STALE),
    build: (c) => envelope(c, { sentAt: new Date(Date.now() + 600_000).toISOString() }),
  },
  {
    name: 'sentAt on 30 February',
    expect: SCHEMA,
    build: (c) => envelope(c, { sentAt: '2026-02-30T10:00:00.000Z' }),
  },

  // Replays
  {
    name: 'replay of an accepted id with other content',
    expect: { outcome: 'DUPLICATE' },
    build: async (c) => {
      const first = await c.sendValid();
      const wire = envelope(c, {
        id: first.id,
        payload: withField('REFERRAL_REQUEST', 'person.givenName', SECRET_NAME),
      });
      return { ...wire, firstAnswerId: first.answerId };
    },
  },
  {
    name: 'replay of a rejected id, now with valid content',
    expect: { outcome: 'DUPLICATE' },
    build: async (c) => {
      const first = await c.sendValid({ sentAt: '2020-01-01T00:00:00.000Z' });
      if (first.answerType !== 'DELIVERY_REJECTED') throw new Error('the stale original was not rejected');
      return { ...envelope(c, { id: first.id }), firstAnswerId: first.answerId };
    },
  },
  {
    name: 'replay by IT of a body FR signed',
    expect: reject(RejectionCode.SENDER_MISMATCH),
    build: (c) => {
      const signed = c.france.wire(referral(c));
      return { ...signed, answerTo: signed.messageId };
    },
  },

  // Signatures
  {
    name: 'a signature by an unknown key, under the sender’s key id',
    expect: reject(RejectionCode.SIGNATURE_INVALID),
    build: (c) => {
      const wire = envelope(c);
      return { ...wire, headers: { ...wire.headers, 'x-trm-signature': signWithUnknownKey(wire.body) } };
    },
  },
  {
    name: 'a sender outside the directory with its own key',
    expect: reject(RejectionCode.SIGNATURE_INVALID),
    build: (c) => {
      const wire = envelope(c, { after: (e) => (e.from = 'ZZ') });
      return {
        ...wire,
        headers: {
          ...wire.headers,
          'x-trm-key-id': 'ZZ-sig-1',
          'x-trm-signature': signWithUnknownKey(wire.body),
        },
      };
    },
  },
  {
    name: 'no signature header',
    expect: reject(RejectionCode.SIGNATURE_INVALID),
    build: (c) => {
      const wire = envelope(c);
      return { ...wire, headers: { ...wire.headers, 'x-trm-signature': undefined } };
    },
  },
  {
    name: 'a signature header that is a number',
    expect: reject(RejectionCode.SIGNATURE_INVALID),
    build: (c) => {
      const wire = envelope(c);
      return { ...wire, headers: { ...wire.headers, 'x-trm-signature': 12345 } };
    },
  },
  {
    name: 'the right signature in base64url',
    expect: reject(RejectionCode.SIGNATURE_INVALID),
    build: (c) => {
      const wire = envelope(c);
      const signature = Buffer.from(String(wire.headers!['x-trm-signature']), 'base64').toString('base64url');
      return { ...wire, headers: { ...wire.headers, 'x-trm-signature': signature } };
    },
  },
  {
    name: 'no user_id and an unknown key (nobody to answer)',
    expect: reject(RejectionCode.SIGNATURE_INVALID, false),
    build: (c) => {
      const wire = envelope(c, {}, { userId: null });
      return { ...wire, headers: { ...wire.headers, 'x-trm-signature': signWithUnknownKey(wire.body) } };
    },
  },
  {
    name: 'a valid signature but no user_id',
    expect: reject(RejectionCode.SENDER_MISMATCH, false),
    build: (c) => envelope(c, {}, { userId: null }),
  },

  // Sealing
  {
    name: 'a payload sealed for another recipient',
    expect: reject(RejectionCode.DECRYPTION_FAILED),
    build: (c) =>
      envelope(c, {
        sealFor: { keyId: 'MK-enc-1', publicKey: c.italy.participant('FR').encryptionKey.publicKey },
      }),
  },
  {
    name: 'sealed for another key id',
    expect: reject(RejectionCode.DECRYPTION_FAILED),
    build: (c) => envelope(c, { sealFor: c.italy.participant('FR').encryptionKey }),
  },
  {
    name: 'a truncated ciphertext',
    expect: reject(RejectionCode.DECRYPTION_FAILED),
    build: (c) => envelope(c, { after: (e) => truncateCiphertext(e.sealed as Record<string, string>) }),
  },
  {
    name: 'a truncated tag',
    expect: SCHEMA,
    build: (c) =>
      envelope(c, {
        after: (e) => {
          const sealed = e.sealed as Record<string, string>;
          sealed.tag = Buffer.from(sealed.tag, 'base64').subarray(0, 15).toString('base64');
        },
      }),
  },
  {
    name: 'a tag with one bit flipped',
    expect: reject(RejectionCode.DECRYPTION_FAILED),
    build: (c) =>
      envelope(c, {
        after: (e) => {
          const sealed = e.sealed as Record<string, string>;
          const tag = Buffer.from(sealed.tag, 'base64');
          tag[0] ^= 1;
          sealed.tag = tag.toString('base64');
        },
      }),
  },
  {
    name: 'an all-zero ephemeral key',
    expect: reject(RejectionCode.DECRYPTION_FAILED),
    build: (c) =>
      envelope(c, {
        after: (e) => ((e.sealed as Record<string, string>).epk = Buffer.alloc(32).toString('base64')),
      }),
  },
  {
    name: 'another sealing algorithm',
    expect: SCHEMA,
    build: (c) => envelope(c, { after: (e) => ((e.sealed as Record<string, string>).alg = 'NONE') }),
  },
  {
    name: 'a sealed payload that is not JSON',
    expect: SCHEMA,
    build: (c) => envelope(c, { plaintext: Buffer.from(`{"person":{"givenName":"${SECRET_NAME}"`) }),
  },
  {
    name: 'a sealed payload that is not UTF-8',
    expect: SCHEMA,
    build: (c) => envelope(c, { plaintext: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }),
  },
  {
    name: 'a sealed payload that is a JSON array',
    expect: SCHEMA,
    build: (c) => envelope(c, { plaintext: Buffer.from('[]') }),
  },

  // Injection strings in the envelope's own text fields
  {
    name: 'SQL in the id',
    expect: SCHEMA,
    build: (c) => {
      const wire = envelope(c, { after: (e) => (e.id = INJECTION_STRINGS[0]) });
      return { ...wire, messageId: INJECTION_STRINGS[0], answerTo: INJECTION_STRINGS[0] };
    },
  },
  {
    name: 'SQL in the caseRef',
    expect: SCHEMA,
    build: (c) => envelope(c, { caseRef: INJECTION_STRINGS[0] }),
  },
  {
    name: 'a script in inReplyTo',
    expect: SCHEMA,
    build: (c) => envelope(c, { inReplyTo: INJECTION_STRINGS[3] }),
  },
  {
    name: 'SQL as the AMQP type and correlation_id of an unreadable body',
    expect: SCHEMA,
    build: (c) => bytes(c, '{', { type: INJECTION_STRINGS[0], correlationId: INJECTION_STRINGS[1] }),
  },

  // Injection strings and names that must pass intact
  ...injectionReferrals().map(({ round, payload }): WireCase => ({
    name: `injection strings in every text field, round ${round + 1}`,
    expect: { outcome: 'ACCEPTED' },
    build: (c) => {
      const consentId = INJECTION_STRINGS[round];
      const wire = envelope(c, {
        payload,
        after: (e) => ((e.consent as Record<string, unknown>).consentId = consentId),
      });
      return { ...wire, payload, consentId };
    },
  })),
  {
    name: 'names in Cyrillic, Arabic, Vietnamese (composed and decomposed), Greek and astral characters',
    expect: { outcome: 'ACCEPTED' },
    build: (c) => {
      const payload = namesReferral();
      return { ...envelope(c, { payload }), payload, consentId: 'consent-1' };
    },
  },

  // Technical messages cannot move what is not theirs
  {
    name: 'a forged rejection of a receipt the node sent to another country',
    expect: { outcome: 'RECORDED' },
    build: async (c) => {
      const target = await c.receiptSentToFrance();
      const wire = c.italy.wire({
        type: 'DELIVERY_REJECTED',
        caseRef: null,
        legalBasis: 'NONE',
        inReplyTo: target.id,
        payload: { reasonCode: 'SCHEMA_INVALID', reason: 'forged' },
      });
      return { ...wire, answerTo: wire.messageId };
    },
  },
  {
    name: 'a forged rejection naming another country’s case',
    expect: { outcome: 'RECORDED' },
    build: async (c) => {
      const target = await c.receiptSentToFrance();
      const wire = c.italy.wire({
        type: 'DELIVERY_REJECTED',
        caseRef: target.caseRef,
        legalBasis: 'NONE',
        inReplyTo: target.id,
        payload: { reasonCode: 'SCHEMA_INVALID', reason: 'forged' },
      });
      return { ...wire, answerTo: wire.messageId, caseRef: target.caseRef };
    },
  },
  {
    name: 'a forged receipt naming a case nobody opened',
    expect: { outcome: 'RECORDED' },
    build: (c) => {
      const wire = c.italy.wire({
        type: 'DELIVERY_RECEIPT',
        caseRef: 'TRM-ZZ-2026-000001',
        legalBasis: 'NONE',
        inReplyTo: '0192f1c6-0000-7000-8000-00000000beef',
        payload: { receivedAt: new Date().toISOString(), messageId: '0192f1c6-0000-7000-8000-00000000beef' },
      });
      return { ...wire, answerTo: wire.messageId };
    },
  },

  // Text PostgreSQL cannot store: must be SCHEMA_INVALID at once, not a database error
  {
    name: 'a NUL character in a name',
    expect: reject(RejectionCode.SCHEMA_INVALID),
    build: (c) => envelope(c, { payload: withField('REFERRAL_REQUEST', 'person.givenName', UNSTORABLE.nul) }),
  },
  {
    name: 'a lone surrogate in a name',
    expect: reject(RejectionCode.SCHEMA_INVALID),
    build: (c) =>
      envelope(c, { payload: withField('REFERRAL_REQUEST', 'person.givenName', UNSTORABLE.loneSurrogate) }),
  },
  {
    name: 'a NUL character in the consent id',
    expect: reject(RejectionCode.SCHEMA_INVALID),
    build: (c) =>
      envelope(c, { after: (e) => ((e.consent as Record<string, unknown>).consentId = 'consent\u00001') }),
  },
  {
    name: 'a NUL character in the envelope type',
    expect: reject(RejectionCode.UNKNOWN_TYPE),
    build: (c) =>
      envelope(
        c,
        { type: 'REFERRAL_REQUEST\u0000' },
        { type: 'REFERRAL_REQUEST', correlationId: 'nul-type' },
      ),
  },
  {
    name: 'a NUL character in the AMQP message_id of an unreadable body',
    // No id to answer by: dead-lettered with its reason, the sender is not answered.
    expect: reject(RejectionCode.SCHEMA_INVALID, false),
    build: (c) => bytes(c, '{', { messageId: 'bad\u0000id', correlationId: 'nul-message-id' }),
  },
  {
    name: 'a NUL character in the AMQP type of an unreadable body',
    expect: SCHEMA,
    build: (c) => bytes(c, '{', { type: 'REFERRAL\u0000REQUEST', correlationId: 'nul-amqp-type' }),
  },
];

function truncateCiphertext(sealed: Record<string, string>): void {
  const ct = Buffer.from(sealed.ct, 'base64');
  sealed.ct = ct.subarray(0, ct.length - 7).toString('base64');
}
