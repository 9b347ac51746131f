import fc from 'fast-check';
import { buildSchemas } from '../../scripts/schemas';
import {
  ed25519PrivateFromSeed,
  generateKeyPairs,
  open,
  seal,
  sealAad,
  SealError,
  sign,
  verify,
  x25519PrivateFromRaw,
} from '../crypto/trm-crypto';
import { FieldError, MAX_NESTING_DEPTH, validateEnvelope, validatePayload } from './catalogue';
import { CONSENT_SCOPES, LEGAL_BASES } from './envelope.dto';
import { examplePayload } from './examples';
import { isInReplyToRequired, MESSAGE_TYPES, MessageType } from './message-types';
import { RejectionCode } from './rejection-codes';

/**
 * Property-based tests of the receiver's decode and validation path (issue 5): whatever bytes or values a
 * stranger sends, the path answers with its own typed rejection (a validation result with ok: false, a
 * SealError) and never with another exception, and its errors never repeat a value they were given.
 *
 * Strings that must never be echoed carry SENTINEL. It is not a "safe" key (catalogue.ts keeps keys like
 * `priority` in error paths, and replaces others with <invalid-key>), so it must not appear anywhere.
 */

const RUNS = { numRuns: 300 };
/**
 * Every property of this file runs from one seed, random unless FC_SEED gives it. A failing property's error
 * (which jest prints) names that seed and the path of the counterexample; `FC_SEED=<seed> npx jest <this file>`
 * replays the run.
 */
const SEED =
  process.env.FC_SEED === undefined
    ? (Date.now() ^ (Math.random() * 0x1_0000_0000)) | 0
    : Number(process.env.FC_SEED);
fc.configureGlobal({ seed: SEED });
const SENTINEL = 'ŞECRET';
const REJECTION_CODES = new Set<string>(Object.values(RejectionCode));

// --- the values a stranger sends --------------------------------------------------------------------------

const secretString = fc
  .oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }))
  .map((s) => `${SENTINEL}${s}`);

/** Strings the validators care about, so that generated inputs get past the first checks. */
const meaningfulString = fc.constantFrom(
  'MK',
  'FR',
  'mk',
  'REFERRAL_REQUEST',
  'EMERGENCY_ALERT',
  'DELIVERY_RECEIPT',
  'AUDIT_CHECKPOINT',
  'CONSENT',
  'NONE',
  'VITAL_INTEREST',
  'GUARDIAN',
  ...CONSENT_SCOPES,
  'X25519-HKDF-SHA256-A256GCM',
  'TRM-FR-2026-000123',
  '0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f10',
  '2026-11-23T10:15:00.000Z',
  '2026-02-30T10:15:00Z',
  '2009-03-14',
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\uFEFF',
  '__proto__',
);

const leaf = fc.oneof(
  { arbitrary: secretString, weight: 3 },
  { arbitrary: meaningfulString, weight: 3 },
  { arbitrary: fc.string(), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);

/** Member names: the envelope's and payloads' own, the dangerous ones, secret ones, random ones. */
const key = fc.oneof(
  fc.constantFrom(
    'version',
    'id',
    'type',
    'from',
    'to',
    'caseRef',
    'inReplyTo',
    'sentAt',
    'legalBasis',
    'consent',
    'sealed',
    'person',
    'givenName',
    'scopes',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
  ),
  secretString,
  fc.string({ maxLength: 10 }),
);

/** Builds objects as JSON.parse does: `__proto__` becomes an own member, not the prototype. */
const objectOf = <T>(value: fc.Arbitrary<T>) =>
  fc.array(fc.tuple(key, value), { maxLength: 5 }).map((entries) => Object.fromEntries(entries));

const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('json'), { maxLength: 4 }),
    objectOf(tie('json')),
  ),
}));

function nested(depth: number, kind: 'object' | 'array', innermost: unknown = 1): unknown {
  let value: unknown = innermost;
  for (let i = 0; i < depth; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

const deep = fc
  .record({
    depth: fc.integer({ min: MAX_NESTING_DEPTH, max: 20_000 }),
    kind: fc.constantFrom('object', 'array'),
  })
  .map(({ depth, kind }) => nested(depth, kind as 'object' | 'array', `${SENTINEL}-innermost`));

// --- a valid envelope to start from ------------------------------------------------------------------------

const recipient = generateKeyPairs('MK').encryption;
const recipientPrivate = x25519PrivateFromRaw(recipient.privateRaw);

function validEnvelope(type: MessageType = 'REFERRAL_REQUEST'): Record<string, unknown> {
  const technical =
    type === 'DELIVERY_RECEIPT' || type === 'DELIVERY_REJECTED' || type === 'AUDIT_CHECKPOINT';
  const head = {
    version: 1,
    id: '0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f10',
    type,
    from: 'FR',
    to: 'MK',
    caseRef: type === 'AUDIT_CHECKPOINT' ? null : 'TRM-FR-2026-000123',
  };
  return {
    ...head,
    // Receipts, rejections, an alert's acknowledgement and the extensions' answers name what they answer.
    inReplyTo:
      (technical && type !== 'AUDIT_CHECKPOINT') || isInReplyToRequired(type)
        ? '0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f11'
        : null,
    sentAt: '2026-11-23T10:15:00.000Z',
    legalBasis: technical ? 'NONE' : 'CONSENT',
    ...(technical
      ? {}
      : {
          consent: {
            consentId: 'consent-1',
            scopes: ['SHARE_IDENTITY'],
            recipients: ['MK'],
            givenBy: 'GUARDIAN',
            givenAt: '2026-11-01T09:00:00.000Z',
          },
        }),
    sealed: seal(Buffer.from(JSON.stringify(examplePayload(type))), recipient, sealAad(head)),
  };
}

const VALID = Object.fromEntries(MESSAGE_TYPES.map((t) => [t, validEnvelope(t)])) as Record<
  MessageType,
  Record<string, unknown>
>;

/** One change to a JSON value at a place chosen by `at` (a walk down existing members). */
interface Mutation {
  at: number[];
  kind: 'set' | 'delete' | 'add' | 'deep';
  key: string;
  value: unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.array(fc.nat(), { maxLength: 3 }),
  kind: fc.oneof(
    { arbitrary: fc.constantFrom<Mutation['kind']>('set', 'delete', 'add'), weight: 9 },
    { arbitrary: fc.constant<Mutation['kind']>('deep'), weight: 1 },
  ),
  key,
  value: fc.oneof({ arbitrary: json, weight: 9 }, { arbitrary: deep, weight: 1 }),
});

/**
 * Applies the mutations to a copy of `original`, keeping what JSON.parse could produce: arrays stay dense
 * and get no named members. Only the copy's own nodes are edited, never a generated value inserted by an
 * earlier mutation (fast-check reuses those between runs).
 */
function applyMutations(original: unknown, mutations: Mutation[]): unknown {
  const root = structuredClone(original) as Record<string, unknown>;
  const own = new WeakSet<object>();
  const collect = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    own.add(value);
    Object.values(value).forEach(collect);
  };
  collect(root);
  for (const m of mutations) {
    // Walk down to an object or array of the copy, picking members by index.
    let node: Record<string, unknown> = root;
    for (const step of m.at) {
      const members = Object.keys(node);
      const next = members.length > 0 ? node[members[step % members.length]] : undefined;
      if (typeof next !== 'object' || next === null || !own.has(next)) break;
      node = next as Record<string, unknown>;
    }
    const members = Object.keys(node);
    const existing = members.length > 0 ? members[m.key.length % members.length] : undefined;
    const value =
      m.kind === 'deep' ? nested(MAX_NESTING_DEPTH + (m.key.length % 3), 'object', m.value) : m.value;
    if (Array.isArray(node)) {
      const index = existing === undefined ? 0 : Number(existing);
      if (m.kind === 'delete') node.splice(index, 1);
      else if (m.kind === 'add') node.push(value);
      else node[index] = value;
    } else if (m.kind === 'delete') {
      if (existing !== undefined) delete node[existing];
    } else if (m.kind === 'add' || existing === undefined) {
      // defineProperty, as JSON.parse does: `__proto__` becomes an own member.
      Object.defineProperty(node, m.key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      node[existing] = value;
    }
  }
  return root;
}

// --- what every answer must look like ---------------------------------------------------------------------

function expectNoEcho(text: string): void {
  if (text.includes(SENTINEL)) throw new Error(`an input value is echoed: ${text.slice(0, 200)}`);
}

function expectWellFormedErrors(errors: FieldError[]): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(typeof error.path).toBe('string');
    expect(error.path.length).toBeLessThanOrEqual(1000);
    expect(error.constraints.length).toBeGreaterThan(0);
    for (const constraint of error.constraints) {
      expect(constraint).toMatch(/^[A-Za-z0-9]+: /);
      expectNoEcho(constraint);
    }
    expectNoEcho(error.path);
  }
}

function checkEnvelope(input: unknown): void {
  const result = validateEnvelope(input);
  if (result.ok) {
    expect(result.envelope).toBe(input);
    return;
  }
  expect(REJECTION_CODES.has(result.code)).toBe(true);
  expectWellFormedErrors(result.errors);
}

function checkPayload(type: string, input: unknown, legalBasis?: string): void {
  const envelope = legalBasis === undefined ? undefined : ({ legalBasis } as { legalBasis: 'CONSENT' });
  const result = validatePayload(type as MessageType, input, envelope);
  if (result.ok) {
    expect(result.payload).toBe(input);
    return;
  }
  expectWellFormedErrors(result.errors);
}

/** The receiver's first step on a body (src/transfers/receiver/wire-checks.ts, parseJson): strict UTF-8, then JSON. */
function decode(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    // The only failures allowed: not UTF-8 (TypeError) or not JSON (SyntaxError). By name: Node's decoder
    // throws from another realm than jest's, where instanceof fails.
    const name = (error as Error | undefined)?.name;
    if (name !== 'TypeError' && name !== 'SyntaxError') throw error;
    return undefined;
  }
}

const ALNUM = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');

/**
 * Mangles the bytes of a valid body the way a network, a bug or an attacker would: any byte anywhere (mostly
 * undecodable), or letters and digits swapped for others (still JSON, with altered ids, codes and base64).
 */
const mangledBody = fc
  .record({
    type: fc.constantFrom(...MESSAGE_TYPES),
    keepJson: fc.boolean(),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    insert: fc.uint8Array({ maxLength: 8 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ type, keepJson, edits, insert, cut }) => {
    let bytes = Buffer.from(JSON.stringify(VALID[type]));
    if (keepJson) {
      const alnum = [...bytes.keys()].filter((i) => ALNUM.includes(bytes[i]));
      for (const [at, value] of edits) bytes[alnum[at % alnum.length]] = ALNUM[value % ALNUM.length];
      return bytes;
    }
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    const where = edits[0][0] % bytes.length;
    bytes = Buffer.concat([bytes.subarray(0, where), insert, bytes.subarray(where)]);
    return cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
  });

// --- the properties ---------------------------------------------------------------------------------------

describe('decode and validation never throw and never echo (fast-check)', () => {
  it('the starting envelopes are valid, so that mutations start from something real', () => {
    for (const type of MESSAGE_TYPES) expect(validateEnvelope(VALID[type]).ok).toBe(true);
  });

  it('validateEnvelope: arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), checkEnvelope), RUNS);
  });

  it('validateEnvelope: arbitrary values with secret strings, odd keys and __proto__ members', () => {
    fc.assert(fc.property(json, checkEnvelope), RUNS);
  });

  it('validateEnvelope: valid envelopes of every type with mutated, missing, extra and deep members', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MESSAGE_TYPES),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (type, ms) => checkEnvelope(applyMutations(VALID[type], ms)),
      ),
      RUNS,
    );
  });

  it('validateEnvelope: nesting beyond the limit in any member is SCHEMA_INVALID, however deep', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('consent', 'sealed', 'caseRef', 'extension', 'inReplyTo'),
        deep,
        (member, value) => {
          const result = validateEnvelope({ ...VALID.REFERRAL_REQUEST, [member]: value });
          if (result.ok) throw new Error('a deep envelope was accepted');
          expect(result.code).toBe(RejectionCode.SCHEMA_INVALID);
          expectWellFormedErrors(result.errors);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('validatePayload: every type, arbitrary values and any legal basis', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MESSAGE_TYPES),
        json,
        fc.option(fc.constantFrom(...LEGAL_BASES), { nil: undefined }),
        checkPayload,
      ),
      RUNS,
    );
  });

  it('validatePayload: the example of every type with mutated, missing, extra and deep members', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MESSAGE_TYPES),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...LEGAL_BASES),
        (type, ms, legalBasis) => checkPayload(type, applyMutations(examplePayload(type), ms), legalBasis),
      ),
      RUNS,
    );
  });

  it('validatePayload: a type that is not a TRM type is refused, whatever the payload', () => {
    fc.assert(
      fc.property(fc.oneof(secretString, fc.string()), json, (type, payload) => {
        fc.pre(!(MESSAGE_TYPES as readonly string[]).includes(type));
        const result = validatePayload(type as MessageType, payload);
        expect(result.ok).toBe(false);
        if (!result.ok) expectWellFormedErrors(result.errors);
      }),
      RUNS,
    );
  });

  it('bytes: arbitrary bytes decode to a value or to nothing, and the value validates without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const value = decode(bytes);
        if (value !== undefined) checkEnvelope(value);
      }),
      RUNS,
    );
  });

  it('bytes: valid bodies cut, flipped and spliced decode and validate without throwing', () => {
    fc.assert(
      fc.property(mangledBody, (bytes) => {
        const value = decode(bytes);
        if (value !== undefined) checkEnvelope(value);
      }),
      RUNS,
    );
  });

  it('bytes: 10,000 levels of nesting decode and are refused without a stack overflow', () => {
    for (const text of [
      '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
      '['.repeat(100_000) + ']'.repeat(100_000),
    ]) {
      const value = decode(Buffer.from(text));
      const result = validateEnvelope(value);
      expect(result.ok).toBe(false);
      expect(validatePayload('REFERRAL_REQUEST', value).ok).toBe(false);
    }
  });
});

describe('open never throws anything but SealError, and SealError never echoes (fast-check)', () => {
  const head = {
    id: '0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f10',
    type: 'CASE_UPDATE',
    from: 'FR',
    to: 'MK',
    caseRef: null,
  };
  const aad = sealAad(head);
  const plaintext = Buffer.from(JSON.stringify(examplePayload('CASE_UPDATE')));
  const sealed = seal(plaintext, recipient, aad) as unknown as Record<string, unknown>;

  function checkOpen(candidate: unknown, candidateAad: unknown): void {
    let opened: Buffer;
    try {
      opened = open(candidate as never, recipientPrivate, candidateAad as string);
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      expect(['DECRYPTION_FAILED', 'UNSUPPORTED_ALG']).toContain(error.code);
      expectNoEcho(error.message);
      return;
    }
    // Only the untouched sealed payload, with its own AAD, may open; and then to its own plaintext.
    expect(opened.equals(plaintext)).toBe(true);
  }

  const base64Of = (bytes: fc.Arbitrary<Uint8Array>) =>
    fc.oneof(
      bytes.map((b) => Buffer.from(b).toString('base64')),
      bytes.map((b) => Buffer.from(b).toString('base64url')),
      bytes.map((b) => Buffer.from(b).toString('base64').replace(/=+$/, '')),
      bytes.map((b) => ` ${Buffer.from(b).toString('base64')}\n`),
      secretString,
    );

  /** Objects shaped like `sealed`: each member kept, replaced by base64 of other lengths, or by anything. */
  const sealedLike = fc
    .record({
      alg: fc.oneof(fc.constant(sealed.alg), secretString, json),
      recipientKeyId: fc.oneof(fc.constant(sealed.recipientKeyId), secretString),
      epk: fc.oneof(fc.constant(sealed.epk), base64Of(fc.uint8Array({ minLength: 31, maxLength: 33 })), json),
      iv: fc.oneof(fc.constant(sealed.iv), base64Of(fc.uint8Array({ minLength: 11, maxLength: 13 })), json),
      ct: fc.oneof(fc.constant(sealed.ct), base64Of(fc.uint8Array({ maxLength: 64 })), json),
      tag: fc.oneof(fc.constant(sealed.tag), base64Of(fc.uint8Array({ minLength: 15, maxLength: 17 })), json),
    })
    .chain((candidate) =>
      fc
        .subarray(Object.keys(candidate))
        .map((kept) => Object.fromEntries(kept.map((k) => [k, candidate[k as 'alg']]))),
    );

  it('arbitrary values as the sealed payload and as the AAD', () => {
    fc.assert(fc.property(fc.oneof(json, fc.jsonValue()), fc.oneof(fc.string(), json), checkOpen), RUNS);
  });

  it('sealed-shaped objects with members missing, of the wrong length, non-canonical or of the wrong type', () => {
    fc.assert(
      fc.property(sealedLike, fc.oneof(fc.constant(aad), fc.string(), secretString), checkOpen),
      RUNS,
    );
  });

  it('a valid sealed payload with one bit flipped anywhere, or another AAD, fails to open', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('epk', 'iv', 'ct', 'tag'),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (member, at, bit) => {
          const bytes = Buffer.from(String(sealed[member]), 'base64');
          const index = at % bytes.length;
          // RFC 7748 has X25519 ignore the top bit of a public key: that one flip still opens (harmless: the
          // body, epk included, is signed, and an id is processed once).
          fc.pre(!(member === 'epk' && index === 31 && bit === 7));
          bytes[index] ^= 1 << bit;
          expect(() =>
            open({ ...sealed, [member]: bytes.toString('base64') } as never, recipientPrivate, aad),
          ).toThrow(SealError);
        },
      ),
      RUNS,
    );
    fc.assert(
      fc.property(fc.string(), (other) => {
        fc.pre(other !== aad);
        expect(() => open(sealed as never, recipientPrivate, other)).toThrow(SealError);
      }),
      { numRuns: 100 },
    );
  });

  it('verify answers a boolean for any body, signature and key', () => {
    const anyInput = fc.oneof(
      json,
      fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
    );
    const maybeBase64 = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 70 }).map((b) => Buffer.from(b).toString('base64')),
      json,
    );
    fc.assert(
      fc.property(anyInput, maybeBase64, maybeBase64, (body, signature, key) => {
        expect(typeof verify(body as Buffer, signature as string, key as string)).toBe('boolean');
      }),
      RUNS,
    );
  });
});

// --- properties an accept-everything validator, or a seal that does not seal, would fail -------------------

type JsonSchema = Record<string, unknown>;
type Path = Array<string | number>;
const SCHEMAS = buildSchemas();
const payloadSchema = (type: MessageType) => SCHEMAS[`${type}.schema.json`] as JsonSchema;
const ENVELOPE_SCHEMA = SCHEMAS['envelope.schema.json'] as JsonSchema;

/** The schema node itself, its `$ref` followed inside the file. */
function resolve(root: JsonSchema, node: JsonSchema): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  return (root.definitions as Record<string, JsonSchema>)[ref.slice('#/definitions/'.length)];
}

/** The JSON kinds a schema node allows (integer counts as number), or null when it does not say. */
function kindsOf(root: JsonSchema, node: JsonSchema): Set<string> | null {
  const resolved = resolve(root, node);
  if (Array.isArray(resolved.anyOf)) {
    const kinds = (resolved.anyOf as JsonSchema[]).map((branch) => kindsOf(root, branch));
    return kinds.some((k) => k === null) ? null : new Set(kinds.flatMap((k) => [...k!]));
  }
  if (typeof resolved.type !== 'string') return resolved.properties ? new Set(['object']) : null;
  return new Set([resolved.type === 'integer' ? 'number' : resolved.type]);
}

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

interface Member {
  path: Path;
  required: boolean;
  kinds: Set<string> | null;
}

/** Every member the value carries, where the published schema says whether it is required and its kinds. */
function membersOf(root: JsonSchema, node: JsonSchema, value: unknown, at: Path = []): Member[] {
  const schema = resolve(root, node);
  if (Array.isArray(value) && schema.items && value.length > 0) {
    return membersOf(root, schema.items as JsonSchema, value[0], [...at, 0]);
  }
  if (kindOf(value) !== 'object' || !schema.properties) return [];
  const properties = schema.properties as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(value as Record<string, unknown>).flatMap(([name, member]) =>
    properties[name]
      ? [
          { path: [...at, name], required: required.has(name), kinds: kindsOf(root, properties[name]) },
          ...membersOf(root, properties[name], member, [...at, name]),
        ]
      : [],
  );
}

/** Paths of the objects inside the value (the value itself first). */
function objectsOf(value: unknown, at: Path = []): Path[] {
  if (kindOf(value) !== 'object' && !Array.isArray(value)) return [];
  const here = kindOf(value) === 'object' ? [at] : [];
  return [
    ...here,
    ...Object.entries(value as object).flatMap(([k, v]) =>
      objectsOf(v, [...at, Array.isArray(value) ? Number(k) : k]),
    ),
  ];
}

/** A copy of `value` with the member at `path` deleted (`replacement` omitted) or replaced. */
function withMember(value: unknown, path: Path, ...replacement: [unknown?]): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement.length === 0) delete parent[last];
  else
    Object.defineProperty(parent, last, {
      value: replacement[0],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}

const legalBasisOf = (type: MessageType) => VALID[type].legalBasis as 'CONSENT';
const payloadOk = (type: MessageType, payload: unknown) =>
  validatePayload(type, payload, { legalBasis: legalBasisOf(type) }).ok;

const PAYLOAD_MEMBERS = MESSAGE_TYPES.flatMap((type) =>
  membersOf(payloadSchema(type), payloadSchema(type), examplePayload(type)).map((m) => ({ type, ...m })),
);
const ENVELOPE_MEMBERS = MESSAGE_TYPES.flatMap((type) =>
  membersOf(ENVELOPE_SCHEMA, ENVELOPE_SCHEMA, VALID[type]).map((m) => ({ type, ...m })),
);
const REQUIRED_PAYLOAD_MEMBERS = PAYLOAD_MEMBERS.filter((m) => m.required);
const REQUIRED_ENVELOPE_MEMBERS = ENVELOPE_MEMBERS.filter((m) => m.required);

/** A JSON value of a kind the member does not allow. */
const wrongKindFor = (kinds: Set<string>) =>
  fc.oneof(fc.jsonValue(), json).filter((v) => !kinds.has(kindOf(v)));

describe('what the validators must refuse, and what seal and sign must keep (fast-check)', () => {
  it('the examples are valid, and their members are found in the published schemas', () => {
    for (const type of MESSAGE_TYPES) expect(payloadOk(type, examplePayload(type))).toBe(true);
    // Enough to mean something: nested required members (person.familyName, consent.scopes, sealed.ct) too.
    expect(REQUIRED_PAYLOAD_MEMBERS.map((m) => m.path.join('.'))).toEqual(
      expect.arrayContaining(['person', 'person.familyName', 'age.status', 'wishToReturnToFamily']),
    );
    expect(REQUIRED_ENVELOPE_MEMBERS.map((m) => m.path.join('.'))).toEqual(
      expect.arrayContaining(['id', 'sentAt', 'consent.scopes', 'sealed.ct']),
    );
  });

  it('a payload without one of its required members is never ok', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUIRED_PAYLOAD_MEMBERS), ({ type, path }) => {
        expect(payloadOk(type, withMember(examplePayload(type), path))).toBe(false);
      }),
      { numRuns: REQUIRED_PAYLOAD_MEMBERS.length * 2 },
    );
  });

  it('a payload whose member (required or not) holds a value of a kind its schema does not allow is never ok', () => {
    const typed = PAYLOAD_MEMBERS.filter((m) => m.kinds !== null);
    fc.assert(
      fc.property(
        fc.constantFrom(...typed).chain((m) => fc.tuple(fc.constant(m), wrongKindFor(m.kinds!))),
        ([{ type, path }, value]) => {
          expect(payloadOk(type, withMember(examplePayload(type), path, value))).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('a payload with a member its schema does not know, at any depth, is never ok', () => {
    const places = MESSAGE_TYPES.flatMap((type) =>
      objectsOf(examplePayload(type)).map((at) => ({ type, at })),
    );
    fc.assert(
      fc.property(fc.constantFrom(...places), key, json, ({ type, at }, name, value) => {
        const payload = examplePayload(type);
        let parent: unknown = payload;
        for (const step of at) parent = (parent as Record<string | number, unknown>)[step];
        fc.pre(!Object.prototype.hasOwnProperty.call(parent, name));
        expect(payloadOk(type, withMember(payload, [...at, name], value))).toBe(false);
      }),
      RUNS,
    );
  });

  it('an envelope without one of its required members, or with one of the wrong kind, is never ok', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUIRED_ENVELOPE_MEMBERS), ({ type, path }) => {
        expect(validateEnvelope(withMember(VALID[type], path)).ok).toBe(false);
      }),
      { numRuns: REQUIRED_ENVELOPE_MEMBERS.length * 2 },
    );
    const typed = ENVELOPE_MEMBERS.filter((m) => m.kinds !== null);
    fc.assert(
      fc.property(
        fc.constantFrom(...typed).chain((m) => fc.tuple(fc.constant(m), wrongKindFor(m.kinds!))),
        ([{ type, path }, value]) => {
          expect(validateEnvelope(withMember(VALID[type], path, value)).ok).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('seal then open gives back any plaintext under any AAD, and only under that AAD', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.string(), fc.string(), (bytes, aad, other) => {
        const plaintext = Buffer.from(bytes);
        const sealed = seal(plaintext, recipient, aad);
        expect(open(sealed, recipientPrivate, aad).equals(plaintext)).toBe(true);
        // Sealed means hidden: no copy of a plaintext worth finding sits in the ciphertext.
        if (plaintext.length >= 16) expect(Buffer.from(sealed.ct, 'base64').equals(plaintext)).toBe(false);
        if (other !== aad) expect(() => open(sealed, recipientPrivate, other)).toThrow(SealError);
      }),
      RUNS,
    );
  });

  it('sign then verify holds for any body, and fails for any other body or key', () => {
    const signer = generateKeyPairs('FR').signing;
    const other = generateKeyPairs('IT').signing;
    const signingKey = ed25519PrivateFromSeed(signer.privateRaw);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (bytes, at, bit) => {
          const body = Buffer.from(bytes);
          const signature = sign(body, signingKey);
          expect(verify(body, signature, signer.publicKey)).toBe(true);
          expect(verify(body, signature, other.publicKey)).toBe(false);
          const changed = body.length === 0 ? Buffer.from([bit]) : Buffer.from(body);
          if (body.length > 0) changed[at % body.length] ^= 1 << bit;
          expect(verify(changed, signature, signer.publicKey)).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('a failing property names its seed and counterexample path, so the run can be replayed', () => {
    expect(() => fc.assert(fc.property(fc.nat(), (n) => n < 0))).toThrow(
      new RegExp(`seed: ${SEED}, path: "[0-9:]+"`),
    );
  });
});
