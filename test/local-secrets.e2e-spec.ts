import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { examplePayload } from '../src/messages/examples';
import { MESSAGE_TYPES } from '../src/messages/message-types';
import { api, openCase, openSharableCase, sendMessage } from './support/node-api';

/** Every string of a payload, by path, with `add` appended to it. */
function withEveryString(payload: unknown, add: string): { payload: unknown; paths: string[] } {
  const paths: string[] = [];
  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      paths.push(path);
      return `${node} ${add}`;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${path}[${i}]`));
    if (node && typeof node === 'object')
      return Object.fromEntries(
        Object.entries(node).map(([k, v]) => [k, walk(v, path ? `${path}.${k}` : k)]),
      );
    return node;
  };
  return { payload: walk(payload, ''), paths };
}

/**
 * Issue 15, local secrets on the real services: kept sealed on the node, recorded and read by its
 * coordinators only, each read audited with its reason and never with the value, and no message of any type
 * leaves with a secret's value in it.
 */
describe('local secrets (real PostgreSQL and RabbitMQ)', () => {
  // At debug level, with everything the in-process nodes print kept, to be searched for the secrets.
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'debug' });
  let printed = '';
  const writes = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array) => {
      printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof stream.write;
    return () => (stream.write = original);
  });
  let fr: RunningNode;
  const shelter = 'Rruga e Kavajës 112, Tiranë';
  const phone = '+389 70 123 456';
  let secretCase: string;
  let shelterId: string;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    await federation.start('MK');
    secretCase = await openSharableCase(fr);
    const recorded = await api(fr, 'POST', `/cases/${secretCase}/local-secrets`, {
      label: 'Shelter address',
      value: shelter,
    });
    expect(recorded.status).toBe(201);
    shelterId = recorded.body.id;
    expect(
      (
        await api(fr, 'POST', `/cases/${secretCase}/local-secrets`, {
          label: 'Safe-house phone',
          value: phone,
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await federation.tearDown();
    for (const restore of writes) restore();
  });

  const everything = async (sql: string, params: unknown[] = []): Promise<string> =>
    JSON.stringify(await federation.query('FR', sql, params));

  it('lists a case’s secrets by label, never with their values, and keeps them sealed for their rows', async () => {
    const listed = await api(fr, 'GET', `/cases/${secretCase}/local-secrets`);
    expect(listed.status).toBe(200);
    expect(listed.body.nextCursor).toBeNull();
    expect(listed.body.items.map((s: { label: string }) => s.label)).toEqual([
      'Shelter address',
      'Safe-house phone',
    ]);
    expect(listed.text).not.toContain('Kavaj');
    expect(listed.text).not.toContain('123');
    const stored = await federation.query<{ label: string; value: string }>(
      'FR',
      `SELECT label, value FROM local_secrets WHERE case_ref = $1`,
      [secretCase],
    );
    // Under the case's own key (v3: docs/data-at-rest.md, "Per-case keys"), so that erasing the case ends them.
    for (const row of stored) {
      expect(row.value).toMatch(/^v3\./);
      expect(row.label).toMatch(/^v3\./);
    }
  });

  it('gives the value to a coordinator who states a reason, and audits who, which secret and why, never the value', async () => {
    const reason = 'to arrange the escort to the shelter on arrival';
    const read = await api(fr, 'POST', `/cases/${secretCase}/local-secrets/${shelterId}/read`, { reason });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: shelterId, label: 'Shelter address', value: shelter });

    const audited = await federation.query<{ actor: string; details: unknown }>(
      'FR',
      `SELECT actor, details FROM audit_log WHERE case_ref = $1 AND action = 'LOCAL_SECRET_READ' ORDER BY seq`,
      [secretCase],
    );
    expect(audited).toEqual([{ actor: 'api:coordinator', details: { secretId: shelterId, reason } }]);
    const recorded = await federation.query<{ details: unknown }>(
      'FR',
      `SELECT details FROM audit_log WHERE case_ref = $1 AND action = 'LOCAL_SECRET_RECORDED' ORDER BY seq`,
      [secretCase],
    );
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toEqual({ details: { secretId: shelterId } });

    // No reason, or one that holds the secret itself: refused, and not audited.
    const none = await api(fr, 'POST', `/cases/${secretCase}/local-secrets/${shelterId}/read`, {});
    expect(none.status).toBe(400);
    const leaky = await api(fr, 'POST', `/cases/${secretCase}/local-secrets/${shelterId}/read`, {
      reason: `to drive to ${shelter.toUpperCase()}`,
    });
    expect({ status: leaky.status, code: leaky.body.code }).toEqual({ status: 422, code: 'CHANGE_REFUSED' });
    expect(leaky.text).not.toContain('Kavaj');
    expect(await everything(`SELECT details FROM audit_log`)).not.toContain('Kavaj');
  });

  it('answers problem details for a secret too short to match, an unknown secret or case, and lets only coordinators in', async () => {
    const short = await api(fr, 'POST', `/cases/${secretCase}/local-secrets`, { label: 'PIN', value: '1 2' });
    expect({ status: short.status, code: short.body.code }).toEqual({ status: 422, code: 'CHANGE_REFUSED' });
    const unknown = await api(
      fr,
      'POST',
      `/cases/${secretCase}/local-secrets/00000000-0000-4000-8000-000000000000/read`,
      { reason: 'to check the address again' },
    );
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({
      status: 404,
      code: 'SECRET_NOT_FOUND',
    });
    const otherCase = await openCase(fr);
    const elsewhere = await api(fr, 'POST', `/cases/${otherCase}/local-secrets/${shelterId}/read`, {
      reason: 'to check the address again',
    });
    expect(elsewhere.status).toBe(404);
    const noCase = await api(fr, 'GET', `/cases/TRM-FR-2026-999999/local-secrets`);
    expect(noCase.status).toBe(404);
    for (const role of ['auditor', 'agency', 'admin'] as const) {
      const list = await api(fr, 'GET', `/cases/${secretCase}/local-secrets`, undefined, { as: role });
      const read = await api(
        fr,
        'POST',
        `/cases/${secretCase}/local-secrets/${shelterId}/read`,
        { reason: 'to check the address again' },
        { as: role },
      );
      expect({ role, list: list.status, read: read.status }).toEqual({ role, list: 403, read: 403 });
    }
  });

  it('refuses every message type of the catalogue with a secret’s value in its text, on any case, naming the fields, never the value', async () => {
    const otherCase = await openSharableCase(fr);
    const variants = [shelter, shelter.toUpperCase().replace(/ /g, '  '), '+389-70-123-456'];
    for (const [i, type] of MESSAGE_TYPES.entries()) {
      const caseRef = i % 2 === 0 ? secretCase : otherCase;
      const example = examplePayload(type);
      const { payload, paths } = withEveryString(example, `(${variants[i % variants.length]})`);
      expect({ type, strings: paths.length > 0 }).toEqual({ type, strings: true });
      const check = await api(fr, 'POST', `/cases/${caseRef}/messages/check`, {
        type,
        to: 'MK',
        legalBasis: 'CONSENT',
        payload,
      });
      expect({
        type,
        status: check.status,
        wouldSend: check.body.wouldSend,
        error: check.body.error,
      }).toEqual({
        type,
        status: 200,
        wouldSend: false,
        error: 'POLICY_REFUSED',
      });
      expect({ type, reasons: check.body.reasons }).toEqual({
        type,
        reasons: [
          {
            code: 'POLICY_DENIED',
            rule: 'LOCAL_SECRET',
            message: 'the message holds a value this node keeps as a local secret: it is never sent',
            fields: paths,
          },
        ],
      });
      expect(check.text).not.toMatch(/kavaj|123/i);
      // The same message without the secret is not refused for it.
      const clean = await api(fr, 'POST', `/cases/${caseRef}/messages/check`, {
        type,
        to: 'MK',
        legalBasis: 'CONSENT',
        payload: example,
      });
      const rules = (clean.body.reasons ?? []).map((r: { rule?: string }) => r.rule);
      expect({ type, clean: rules.includes('LOCAL_SECRET') }).toEqual({ type, clean: false });
    }
  });

  it('refuses the send itself: nothing stored or queued, the refusal audited by its rule, never the value', async () => {
    const caseRef = await openSharableCase(fr);
    const before = await federation.query<{ n: string }>('FR', `SELECT count(*) AS n FROM outbox`);
    const payload = examplePayload('CASE_UPDATE') as unknown as Record<string, unknown>;
    const sent = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: { ...payload, summary: `moved to the shelter, call ${phone.replace(/ /g, '')}` },
    });
    expect({ status: sent.status, code: sent.body.code }).toEqual({ status: 422, code: 'POLICY_REFUSED' });
    expect(sent.body.reasons).toEqual([
      expect.objectContaining({ rule: 'LOCAL_SECRET', fields: ['summary'] }),
    ]);
    expect(sent.text).not.toContain('123');
    expect(await federation.query('FR', `SELECT count(*) AS n FROM outbox`)).toEqual(before);
    expect(
      await federation.query('FR', `SELECT id FROM messages WHERE case_ref = $1 AND type = 'CASE_UPDATE'`, [
        caseRef,
      ]),
    ).toEqual([]);
    const refused = await federation.query<{ reason_code: string; details: unknown }>(
      'FR',
      `SELECT reason_code, details FROM audit_log WHERE case_ref = $1 AND action = 'MESSAGE_REFUSED'`,
      [caseRef],
    );
    expect(refused).toEqual([
      { reason_code: 'POLICY_DENIED', details: { reasons: ['POLICY_DENIED'], rules: ['LOCAL_SECRET'] } },
    ]);
    expect(await everything(`SELECT details FROM audit_log`)).not.toMatch(/kavaj|123 ?456/i);
  });

  it('never prints a secret, its label or a read’s reason in any log line, at debug level', () => {
    // The nodes did log (else the search proves nothing), the refusal too.
    expect(printed).toMatch(/refused CASE_UPDATE case TRM-FR-2026-\d{6} to MK: POLICY_DENIED/);
    const fragments = [
      'Kavaj',
      'Tiran',
      '123 456',
      '123456',
      '123-456',
      'Shelter address',
      'escort to the shelter',
    ];
    expect(fragments.filter((f) => printed.toLowerCase().includes(f.toLowerCase()))).toEqual([]);
  });
});
