import { generateKeyPairSync } from 'node:crypto';
import { rawPublicKey, seal, sign } from '../crypto/trm-crypto';
import { agencyBrokerUser, agencyPermissions } from '../transport/broker-admin';
import { AgencyIdentity, AgencyRefusalCode, parseSubmission, submissionAad } from './agency-contract';

const signing = generateKeyPairSync('ed25519').privateKey;
const nodeEncryption = generateKeyPairSync('x25519').privateKey;
const agency: AgencyIdentity = {
  code: 'ngo-lyon',
  signingKeyId: 'ngo-lyon-sig-1',
  signingPublicKey: rawPublicKey(signing).toString('base64'),
};
const nodeKey = { keyId: 'FR-enc-1', publicKey: rawPublicKey(nodeEncryption).toString('base64') };
const REQUEST_ID = '0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f10';

function submission(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const head = {
    requestId: REQUEST_ID,
    type: 'CASE_UPDATE' as const,
    to: 'MK',
    caseRef: 'TRM-FR-2026-000001',
  };
  return {
    version: 1,
    ...head,
    legalBasis: 'CONSENT',
    sealed: seal(Buffer.from('{"summary":"x"}'), nodeKey, submissionAad(head, agency.code)),
    ...overrides,
  };
}

function signed(body: Buffer, keyId = agency.signingKeyId): Record<string, unknown> {
  return { 'x-trm-key-id': keyId, 'x-trm-signature': sign(body, signing) };
}

const asBody = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

describe('parseSubmission', () => {
  it('accepts a signed submission that follows the contract', () => {
    const body = asBody(submission({ inReplyTo: REQUEST_ID, redact: true }));
    const parsed = parseSubmission(body, signed(body), agency, 10_000);
    expect(parsed).toMatchObject({
      ok: true,
      request: { requestId: REQUEST_ID, type: 'CASE_UPDATE', to: 'MK' },
    });
  });

  it.each([
    ['another key id', (body: Buffer) => signed(body, 'ngo-lyon-sig-2')],
    ['no signature', () => ({ 'x-trm-key-id': agency.signingKeyId })],
    ['a signature over other bytes', () => signed(Buffer.from('other'))],
  ])('refuses %s as SIGNATURE_INVALID', (_, headers) => {
    const body = asBody(submission());
    const parsed = parseSubmission(body, headers(body), agency, 10_000);
    expect(parsed).toMatchObject({ ok: false, refusal: { code: AgencyRefusalCode.SIGNATURE_INVALID } });
  });

  it('checks the size before anything else', () => {
    const body = asBody(submission());
    expect(parseSubmission(body, {}, agency, 100)).toMatchObject({
      ok: false,
      refusal: { code: AgencyRefusalCode.TOO_LARGE },
    });
  });

  it.each([
    ['not JSON', Buffer.from('{"requestId":'), AgencyRefusalCode.INVALID_JSON],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), AgencyRefusalCode.INVALID_JSON],
    ['an array', asBody([submission()]), AgencyRefusalCode.INVALID_REQUEST],
  ])('refuses a body that is %s', (_, body, code) => {
    expect(parseSubmission(body, signed(body), agency, 10_000)).toMatchObject({
      ok: false,
      refusal: { code },
    });
  });

  it('names every invalid field by path, keeps the request id, and never repeats a value', () => {
    const body = asBody(
      submission({ to: 'Ana Petrovska', caseRef: 'Skopje', payload: { name: 'Ana' }, sealed: undefined }),
    );
    const parsed = parseSubmission(body, signed(body), agency, 10_000);
    if (parsed.ok) throw new Error('expected a refusal');
    expect(parsed.refusal).toMatchObject({ code: AgencyRefusalCode.INVALID_REQUEST, requestId: REQUEST_ID });
    expect(parsed.refusal.fields?.map((f) => f.path).sort()).toEqual(['caseRef', 'payload', 'sealed', 'to']);
    expect(JSON.stringify(parsed.refusal)).not.toMatch(/Ana|Petrovska|Skopje/);
  });

  it('leaves the request id out when it is not a UUID', () => {
    const body = asBody(submission({ requestId: 'r-1' }));
    const parsed = parseSubmission(body, signed(body), agency, 10_000);
    expect(parsed).toMatchObject({ ok: false, refusal: { code: AgencyRefusalCode.INVALID_REQUEST } });
    expect(parsed.ok ? null : parsed.refusal.requestId).toBeUndefined();
  });
});

describe('submissionAad', () => {
  it('is PROTOCOL.md’s id|type|from|to|caseRef with the request id and the agency as sender', () => {
    expect(
      submissionAad(
        { requestId: REQUEST_ID, type: 'CASE_UPDATE', to: 'MK', caseRef: 'TRM-FR-2026-000001' },
        'ngo-lyon',
      ),
    ).toBe(`${REQUEST_ID}|CASE_UPDATE|ngo-lyon|MK|TRM-FR-2026-000001`);
  });
});

describe('agencyPermissions', () => {
  it('grants write on the national exchange as submit.<code>, read on its own reply queue, configure nothing', () => {
    expect(agencyPermissions('FR', 'ngo-lyon')).toEqual({
      permissions: {
        configure: '',
        write: '^trm\\.national\\.FR$',
        read: '^trm\\.national\\.FR\\.agency\\.ngo-lyon$',
      },
      topicPermissions: [{ exchange: 'trm.national.FR', write: '^submit\\.ngo-lyon$', read: '^$' }],
    });
    expect(agencyBrokerUser('FR', 'ngo-lyon')).toBe('FR.ngo-lyon');
  });

  it('refuses codes that would widen the patterns', () => {
    for (const code of ['ngo.lyon', 'NGO', 'a', 'ngo|police', '.*']) {
      expect(() => agencyPermissions('FR', code)).toThrow(/Invalid agency code/);
    }
    expect(() => agencyPermissions('F.', 'ngo-lyon')).toThrow(/Invalid participant code/);
  });
});
