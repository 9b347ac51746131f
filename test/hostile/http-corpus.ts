import { examplePayload } from '../../src/messages/examples';
import { MAX_NESTING_DEPTH } from '../../src/messages/catalogue';
import { RejectionCode } from '../../src/messages/rejection-codes';
import type { RunningNode } from '../../scripts/lib/local-federation';
import { injectionReferrals, namesReferral } from './payloads';
import {
  deeplyNested,
  INJECTION_STRINGS,
  longString,
  NAMES,
  ONE_MEGABYTE,
  SECRET_NAME,
  UNSTORABLE,
} from './strings';

/** The hostile corpus as a coordinator's client (or whoever reaches the HTTP API) sends it. */

export interface HttpContext {
  /** The node under test. */
  fr: RunningNode;
  /** A case on FR with consent for every scope and a current assessment: anything may be sent on it. */
  caseRef: string;
  /** A case on FR that collects the consent records of the corpus. */
  consentCaseRef: string;
  freshSharableCase(): Promise<string>;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Sent as is: a string or bytes, so that malformed bodies stay malformed. */
  body?: string | Buffer;
  contentType?: string;
  /** 202 and 201: what must be stored, and read back, byte for byte. */
  payload?: Record<string, unknown>;
  childView?: string;
}

export type HttpExpectation =
  /** Refused: nothing stored; `fields` (paths) or `reasons` (codes) name why. */
  | { status: 400 | 404 | 413 | 422; fields?: string[]; reasons?: RejectionCode[]; constraint?: string }
  /** A message that must arrive on MK with its payload intact. */
  | { status: 202 }
  /** A consent record that must be stored with its text intact. */
  | { status: 201 };

export interface HttpCase {
  name: string;
  request(ctx: HttpContext): HttpRequest | Promise<HttpRequest>;
  expect: HttpExpectation;
}

const json = (value: unknown): string => JSON.stringify(value);

const caseUpdate = (extra: Record<string, unknown> = {}) => ({
  type: 'CASE_UPDATE',
  to: 'MK',
  legalBasis: 'CONSENT',
  payload: examplePayload('CASE_UPDATE'),
  ...extra,
});

const send = (ctx: HttpContext, body: string | Buffer, contentType?: string): HttpRequest => ({
  method: 'POST',
  path: `/cases/${ctx.caseRef}/messages`,
  body,
  contentType,
});

const consent = (extra: Record<string, unknown> = {}) => ({
  scopes: ['SHARE_IDENTITY'],
  recipients: ['MK'],
  givenBy: 'GUARDIAN',
  informed: true,
  informedLanguage: 'mk',
  ...extra,
});

const recordConsent = (ctx: HttpContext, body: string): HttpRequest => ({
  method: 'POST',
  path: `/cases/${ctx.consentCaseRef}/consents`,
  body,
});

const MAX_BODY = 256 * 1024;

/** A valid request padded with insignificant whitespace to `bytes` bytes. */
function paddedTo(body: string, bytes: number): string {
  return body.replace(/}$/, `${' '.repeat(bytes - Buffer.byteLength(body))}}`);
}

export const HTTP_CASES: HttpCase[] = [
  // POST /cases/:caseRef/messages: framing
  { name: 'malformed JSON', request: (c) => send(c, '{"type":"CASE_UPDATE","to":'), expect: { status: 400 } },
  { name: 'JSON null', request: (c) => send(c, 'null'), expect: { status: 400 } },
  { name: 'a JSON array', request: (c) => send(c, '[]'), expect: { status: 400, fields: ['type'] } },
  {
    name: 'an empty body',
    request: (c) => send(c, ''),
    expect: { status: 400, fields: ['type', 'to', 'payload'] },
  },
  {
    name: 'JSON sent as text/plain',
    request: (c) => send(c, json(caseUpdate()), 'text/plain'),
    expect: { status: 400, fields: ['type'] },
  },
  {
    name: 'a JSON string that is a name',
    request: (c) => send(c, json(SECRET_NAME)),
    expect: { status: 400 },
  },
  {
    name: 'invalid UTF-8 inside a payload string',
    request: (c) => {
      const [head, tail] = json(
        caseUpdate({ payload: { ...examplePayload('CASE_UPDATE'), summary: '@@' } }),
      ).split('@@');
      return send(c, Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(tail)]));
    },
    expect: { status: 400 },
  },

  // wrong types, missing and extra members
  {
    name: 'every member of the wrong type',
    request: (c) =>
      send(c, json({ type: 123, to: ['MK'], legalBasis: true, redact: 'yes', inReplyTo: 5, payload: 'x' })),
    expect: { status: 400, fields: ['type', 'to', 'legalBasis', 'redact', 'inReplyTo', 'payload'] },
  },
  {
    name: 'a payload that is an array',
    request: (c) => send(c, json(caseUpdate({ payload: [] }))),
    expect: { status: 400, fields: ['payload'] },
  },
  {
    name: 'every member missing',
    request: (c) => send(c, '{}'),
    expect: { status: 400, fields: ['type', 'to', 'legalBasis', 'payload'] },
  },
  {
    name: 'an extra member',
    request: (c) => send(c, json(caseUpdate({ priority: 'HIGH' }))),
    expect: { status: 400, fields: ['priority'] },
  },
  {
    name: 'an extra member named with a script and a name',
    request: (c) => send(c, json(caseUpdate({ [`${INJECTION_STRINGS[3]} ${SECRET_NAME}`]: 1 }))),
    expect: { status: 400 },
  },
  {
    name: 'an extra payload member',
    request: (c) =>
      send(c, json(caseUpdate({ payload: { ...examplePayload('CASE_UPDATE'), homeAddress: SECRET_NAME } }))),
    expect: { status: 422, fields: ['homeAddress'] },
  },
  {
    name: 'a payload missing a required member',
    request: (c) => send(c, json(caseUpdate({ payload: { sop: 3, status: 'open' } }))),
    expect: { status: 422, fields: ['summary'] },
  },
  {
    name: 'a payload member of the wrong type',
    request: (c) => send(c, json(caseUpdate({ payload: { ...examplePayload('CASE_UPDATE'), summary: 5 } }))),
    expect: { status: 422, fields: ['summary'] },
  },
  {
    name: 'a payload with a __proto__ member',
    request: (c) =>
      send(c, json(caseUpdate()).replace('"payload":{', '"payload":{"__proto__":{"polluted":true},')),
    expect: { status: 400, constraint: 'forbiddenKey' },
  },

  // sizes and nesting
  {
    name: 'a 1 MB string',
    request: (c) =>
      send(
        c,
        json(
          caseUpdate({ payload: { ...examplePayload('CASE_UPDATE'), summary: longString(ONE_MEGABYTE) } }),
        ),
      ),
    expect: { status: 413 },
  },
  {
    name: 'a body one byte over the limit',
    request: (c) => send(c, paddedTo(json(caseUpdate()), MAX_BODY + 1)),
    expect: { status: 413 },
  },
  {
    name: 'a 150 kB string under the limit',
    request: (c) =>
      send(
        c,
        json(caseUpdate({ payload: { ...examplePayload('CASE_UPDATE'), summary: longString(150_000) } })),
      ),
    expect: { status: 422, fields: ['summary'], constraint: 'maxLength' },
  },
  {
    name: `${MAX_NESTING_DEPTH + 1} levels of nesting in the payload`,
    request: (c) =>
      send(
        c,
        json(caseUpdate()).replace('"payload":{', `"payload":{"x":${deeplyNested(MAX_NESTING_DEPTH + 1)},`),
      ),
    expect: { status: 400, constraint: 'maxDepth' },
  },
  {
    name: '10,000 levels of nesting in the payload',
    request: (c) =>
      send(c, json(caseUpdate()).replace('"payload":{', `"payload":{"x":${deeplyNested(10_000)},`)),
    expect: { status: 400, constraint: 'maxDepth' },
  },

  // types, recipients, legal bases
  {
    name: 'an unknown type',
    request: (c) => send(c, json(caseUpdate({ type: 'TEA_INVITATION' }))),
    expect: { status: 400, fields: ['type'] },
  },
  {
    name: 'a technical type',
    request: (c) =>
      send(c, json(caseUpdate({ type: 'DELIVERY_RECEIPT', payload: examplePayload('DELIVERY_RECEIPT') }))),
    expect: { status: 422, reasons: [RejectionCode.POLICY_DENIED] },
  },
  {
    name: 'VITAL_INTEREST on a case update',
    request: (c) => send(c, json(caseUpdate({ legalBasis: 'VITAL_INTEREST' }))),
    expect: { status: 422, reasons: [RejectionCode.POLICY_DENIED] },
  },
  {
    name: 'legal basis NONE',
    request: (c) => send(c, json(caseUpdate({ legalBasis: 'NONE' }))),
    expect: { status: 400, fields: ['legalBasis'] },
  },
  {
    name: 'a recipient outside the directory',
    request: (c) => send(c, json(caseUpdate({ to: 'ZZ' }))),
    expect: { status: 422, reasons: [RejectionCode.NOT_ACCEPTED] },
  },
  {
    name: 'itself as recipient',
    request: (c) => send(c, json(caseUpdate({ to: 'FR' }))),
    expect: { status: 422, reasons: [RejectionCode.NOT_ADDRESSED_TO_ME] },
  },
  {
    name: 'a lower-case recipient',
    request: (c) => send(c, json(caseUpdate({ to: 'mk' }))),
    expect: { status: 400, fields: ['to'] },
  },
  {
    name: 'a routing-key wildcard as recipient',
    request: (c) => send(c, json(caseUpdate({ to: '#' }))),
    expect: { status: 400, fields: ['to'] },
  },
  {
    name: 'SQL in inReplyTo',
    request: (c) => send(c, json(caseUpdate({ inReplyTo: INJECTION_STRINGS[0] }))),
    expect: { status: 400, fields: ['inReplyTo'] },
  },
  {
    name: 'SQL as the case reference',
    request: () => ({
      method: 'POST',
      path: `/cases/${encodeURIComponent(INJECTION_STRINGS[0])}/messages`,
      body: json(caseUpdate()),
    }),
    expect: { status: 400 },
  },

  // text PostgreSQL cannot store
  {
    name: 'a NUL character in a payload string',
    request: (c) =>
      send(c, json(caseUpdate({ payload: { ...examplePayload('CASE_UPDATE'), summary: UNSTORABLE.nul } }))),
    expect: { status: 400, fields: ['payload.summary'] },
  },
  {
    name: 'a lone surrogate in a payload string',
    request: (c) =>
      send(
        c,
        json(
          caseUpdate({ payload: { ...examplePayload('CASE_UPDATE'), summary: UNSTORABLE.loneSurrogate } }),
        ),
      ),
    expect: { status: 400, fields: ['payload.summary'] },
  },
  {
    name: 'a NUL character in the case reference',
    request: () => ({ method: 'POST', path: '/cases/TRM-FR-2026-%00/messages', body: json(caseUpdate()) }),
    expect: { status: 400 },
  },

  // injection strings and names that must pass intact, to the receiving node
  ...injectionReferrals().map(({ round, payload }): HttpCase => ({
    name: `injection strings in every text field, round ${round + 1}`,
    request: async (c) => ({
      method: 'POST',
      path: `/cases/${await c.freshSharableCase()}/messages`,
      body: json({ type: 'REFERRAL_REQUEST', to: 'MK', legalBasis: 'CONSENT', payload }),
      payload,
    }),
    expect: { status: 202 },
  })),
  {
    name: 'names in Cyrillic, Arabic, Vietnamese (composed and decomposed), Greek and astral characters',
    request: async (c) => {
      const payload = namesReferral();
      return {
        method: 'POST',
        path: `/cases/${await c.freshSharableCase()}/messages`,
        body: json({ type: 'REFERRAL_REQUEST', to: 'MK', legalBasis: 'CONSENT', payload }),
        payload,
      };
    },
    expect: { status: 202 },
  },

  // POST /cases
  {
    name: 'open a case: malformed JSON',
    request: () => ({ method: 'POST', path: '/cases', body: '{"ageStatus":' }),
    expect: { status: 400 },
  },
  {
    name: 'open a case: wrong types and injection strings',
    request: () => ({
      method: 'POST',
      path: '/cases',
      body: json({ ageStatus: 5, identificationStatus: INJECTION_STRINGS[0] }),
    }),
    expect: { status: 400, fields: ['ageStatus', 'identificationStatus'] },
  },
  {
    name: 'open a case: an extra member',
    request: () => ({ method: 'POST', path: '/cases', body: json({ name: SECRET_NAME }) }),
    expect: { status: 400, fields: ['name'] },
  },
  {
    name: 'open a case: a 1 MB string',
    request: () => ({ method: 'POST', path: '/cases', body: json({ ageStatus: longString(ONE_MEGABYTE) }) }),
    expect: { status: 413 },
  },
  {
    name: 'open a case: 10,000 levels of nesting',
    request: () => ({ method: 'POST', path: '/cases', body: `{"ageStatus":${deeplyNested(10_000)}}` }),
    expect: { status: 400 },
  },

  // consent records
  {
    name: 'consent: malformed JSON',
    request: (c) => recordConsent(c, '{"scopes":['),
    expect: { status: 400 },
  },
  {
    name: 'consent: wrong types',
    request: (c) =>
      recordConsent(c, json(consent({ scopes: 'SHARE_IDENTITY', recipients: 'MK', informed: 'yes' }))),
    expect: { status: 400, fields: ['scopes', 'recipients', 'informed'] },
  },
  {
    name: 'consent: not informed',
    request: (c) => recordConsent(c, json(consent({ informed: false }))),
    expect: { status: 400, fields: ['informed'] },
  },
  {
    name: 'consent: an extra member',
    request: (c) => recordConsent(c, json(consent({ victimName: SECRET_NAME }))),
    expect: { status: 400, fields: ['victimName'] },
  },
  {
    name: 'consent: a child’s view over 4,000 characters',
    request: (c) => recordConsent(c, json(consent({ childView: longString(4001) }))),
    expect: { status: 400, fields: ['childView'] },
  },
  {
    name: 'consent: SQL as the recipient and a year-0 date',
    request: (c) =>
      recordConsent(
        c,
        json(consent({ recipients: [INJECTION_STRINGS[0]], givenAt: '0000-01-01T00:00:00Z' })),
      ),
    expect: { status: 400, fields: ['recipients', 'givenAt'] },
  },
  {
    name: 'consent: injection strings and names in the child’s view',
    request: (c) => {
      const childView = [...INJECTION_STRINGS, ...Object.values(NAMES)].join('\n');
      return { ...recordConsent(c, json(consent({ childView }))), childView };
    },
    expect: { status: 201 },
  },
  {
    name: 'consent: a 1 MB child’s view',
    request: (c) => recordConsent(c, json(consent({ childView: longString(ONE_MEGABYTE) }))),
    expect: { status: 413 },
  },
  {
    name: 'consent: a NUL character in the child’s view',
    request: (c) => recordConsent(c, json(consent({ childView: UNSTORABLE.nul }))),
    expect: { status: 400, fields: ['childView'] },
  },
  {
    name: 'consent: 10,000 levels of nesting',
    request: (c) => recordConsent(c, `{"scopes":${deeplyNested(10_000)}}`),
    expect: { status: 400 },
  },
  {
    name: 'consent: withdraw with SQL as the consent id',
    request: (c) => ({
      method: 'POST',
      path: `/cases/${c.consentCaseRef}/consents/${encodeURIComponent(INJECTION_STRINGS[0])}/withdraw`,
    }),
    expect: { status: 400 },
  },
  {
    name: 'consent: withdraw an unknown consent',
    request: (c) => ({
      method: 'POST',
      path: `/cases/${c.consentCaseRef}/consents/0192f1c6-0000-7000-8000-00000000dead/withdraw`,
    }),
    expect: { status: 404 },
  },
  {
    name: 'consent: an unknown case',
    request: () => ({ method: 'POST', path: '/cases/TRM-FR-2026-999999/consents', body: json(consent()) }),
    expect: { status: 404 },
  },
  {
    name: 'consent: a script and a name as the case reference',
    request: () => ({
      method: 'POST',
      path: `/cases/${encodeURIComponent(`${INJECTION_STRINGS[3]}${SECRET_NAME}`)}/consents`,
      body: json(consent()),
    }),
    expect: { status: 400 },
  },

  // reads
  {
    name: 'read a case: a script and a name as the reference',
    request: () => ({
      method: 'GET',
      path: `/cases/${encodeURIComponent(`${INJECTION_STRINGS[3]}${SECRET_NAME}`)}`,
    }),
    expect: { status: 400 },
  },
  {
    name: 'read a case: a NUL character in the reference',
    request: () => ({ method: 'GET', path: '/cases/TRM-FR-2026-%00' }),
    expect: { status: 400 },
  },
  {
    name: 'read a message: SQL as the id',
    request: () => ({ method: 'GET', path: `/messages/${encodeURIComponent(INJECTION_STRINGS[0])}` }),
    expect: { status: 400 },
  },
];
