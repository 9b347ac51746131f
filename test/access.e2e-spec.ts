import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { MIGRATIONS } from '../migrations';
import { AgencyGrants1763900800000 } from '../migrations/1763900800000-agency-grants';
import { eventually, LOCAL_ACCOUNTS, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { ROLES, type Role } from '../src/auth/roles';
import { examplePayload } from '../src/messages/examples';
import {
  api,
  Caller,
  login,
  openSharableCase,
  recordConsent,
  sendMessage,
  waitDelivered,
} from './support/node-api';
import { declaredRoutes, expressRoutes } from './support/routes';
import { ThrowawayDatabase } from './support/throwaway-database';

interface Denial {
  actor: string;
  reason_code: string;
  method: string;
  route: string;
  status: string;
}

/**
 * Issue 5, access on the real services: every route refuses whoever its declaration leaves out (and the
 * audit log says so), logins, lock-out, token expiry, disabled accounts, API keys, agency isolation, the
 * auditors' pseudonyms and grants, rate limits, and `npm run user:create`.
 */
describe('access: accounts, roles and rate limits (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT', 'DE'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let tight: RunningNode;
  let de: RunningNode;

  const denials = (code: string, since = 0): Promise<Denial[]> =>
    federation.query<Denial>(
      code,
      `SELECT actor, reason_code, details->>'method' AS method, details->>'route' AS route,
              details->>'status' AS status
       FROM audit_log WHERE action = 'ACCESS_DENIED' AND seq > $1 ORDER BY seq`,
      [since],
    );
  const lastSeq = async (code: string): Promise<number> =>
    Number(
      (await federation.query<{ seq: string }>(code, 'SELECT coalesce(max(seq), 0) AS seq FROM audit_log'))[0]
        .seq,
    );

  /** Creates an account through the admin API; returns its (generated unless given) password. */
  async function createAccount(
    node: RunningNode,
    account: { name: string; role: Role; agency?: string; password?: string; noPassword?: boolean },
  ): Promise<string> {
    const created = await api(node, 'POST', '/admin/accounts', account, { as: 'admin' });
    expect(created.status).toBe(201);
    return account.password ?? created.body.password;
  }

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    const auth = federation.nodeConfig('IT').auth;
    // IT: tight rate limits; DE: tokens that live two seconds.
    tight = await federation.start('IT', {
      auth: { ...auth, rateLimitPerMinute: 15, loginRateLimitPerMinute: 3 },
    });
    de = await federation.start('DE', { auth: { ...auth, tokenTtlSeconds: 2 } });
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  describe('every route', () => {
    it('declares its roles or that it is public, and the declarations cover every route Express serves', () => {
      const routes = declaredRoutes(fr.app!);
      expect(routes.length).toBeGreaterThan(20);
      expect(routes.filter((r) => !r.isPublic && r.roles.length === 0)).toEqual([]);
      const served = expressRoutes(fr.app!).filter((r) => !r.includes(' /docs'));
      expect(new Set(served)).toEqual(new Set(routes.map((r) => `${r.method} ${r.path}`)));
      // What may be public: health, logging in, and the chain hashes peers verify against.
      expect(
        routes
          .filter((r) => r.isPublic)
          .map((r) => `${r.method} ${r.path}`)
          .sort(),
      ).toEqual([
        'GET /audit/chain',
        'GET /health',
        'GET /health/live',
        'GET /health/ready',
        'POST /auth/token',
      ]);
    });

    it('refuses anonymous callers (401) and every role outside its declaration (403), each denial audited', async () => {
      const since = await lastSeq('FR');
      const expected: Denial[] = [];
      for (const route of declaredRoutes(fr.app!).filter((r) => !r.isPublic)) {
        const url = route.path
          .replace(':caseRef', 'TRM-FR-2026-000001')
          .replace(':name', 'coordinator')
          .replace(':keyId', '0123456789abcdef')
          .replace(/:[A-Za-z]+/g, randomUUID());
        const callers: Array<[Caller, number, string]> = [
          ['anonymous', 401, 'anonymous'],
          ...ROLES.filter((role) => !route.roles.includes(role)).map((role): [Caller, number, string] => [
            role,
            403,
            role === 'agency' ? `agency:${LOCAL_ACCOUNTS.agency.agency}` : `api:${LOCAL_ACCOUNTS[role].name}`,
          ]),
        ];
        for (const [caller, status, actor] of callers) {
          const response = await api(fr, route.method, url, route.method === 'GET' ? undefined : {}, {
            as: caller,
          });
          expect({ route: `${route.method} ${route.path}`, caller, status: response.status }).toEqual({
            route: `${route.method} ${route.path}`,
            caller,
            status,
          });
          expected.push({
            actor,
            reason_code: status === 401 ? 'NO_CREDENTIALS' : 'ROLE_NOT_ALLOWED',
            method: route.method,
            route: route.path,
            status: String(status),
          });
        }
      }
      expect(expected.length).toBeGreaterThan(40);
      const audited = await denials('FR', since);
      expect(audited).toEqual(expect.arrayContaining(expected));
      expect(audited).toHaveLength(expected.length);
      // Only the route pattern is kept, never the path as sent.
      expect(JSON.stringify(audited)).not.toContain('TRM-FR-2026-000001');
    });

    it('answers public routes without credentials, and keeps /docs reachable', async () => {
      expect((await api(fr, 'GET', '/health', undefined, { as: 'anonymous' })).status).toBe(200);
      expect((await api(fr, 'GET', '/audit/chain', undefined, { as: 'anonymous' })).status).toBe(200);
      const docs = await fetch(`${fr.url}/docs`);
      expect(docs.status).toBe(200);
    });
  });

  describe('logins', () => {
    it('give a short-lived token for the right password and one answer for everything else, all audited', async () => {
      const since = await lastSeq('FR');
      const token = await login(fr, 'coordinator', LOCAL_ACCOUNTS.coordinator.password);
      const me = await api(fr, 'GET', '/auth/me', undefined, { as: { token } });
      expect(me.body).toEqual({ name: 'coordinator', role: 'coordinator' });
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      expect(claims.exp - claims.iat).toBe(900);
      expect(claims).toMatchObject({ sub: 'coordinator', iss: 'trm-node:FR', aud: 'trm-api' });

      const wrong = await api(
        fr,
        'POST',
        '/auth/token',
        { name: 'coordinator', password: 'not-it-at-all' },
        { as: 'anonymous' },
      );
      const unknown = await api(
        fr,
        'POST',
        '/auth/token',
        { name: 'nobody-here', password: 'not-it-at-all' },
        { as: 'anonymous' },
      );
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);

      const entries = await federation.query<{ action: string; actor: string; reason_code: string | null }>(
        'FR',
        `SELECT action, actor, reason_code FROM audit_log
         WHERE seq > $1 AND action IN ('LOGIN_SUCCEEDED', 'LOGIN_FAILED') ORDER BY seq`,
        [since],
      );
      expect(entries).toEqual([
        { action: 'LOGIN_SUCCEEDED', actor: 'api:coordinator', reason_code: null },
        { action: 'LOGIN_FAILED', actor: 'api:coordinator', reason_code: 'WRONG_PASSWORD' },
        // A name nobody has may be a mistyped password: it is not written down.
        { action: 'LOGIN_FAILED', actor: 'anonymous', reason_code: 'UNKNOWN_ACCOUNT' },
      ]);
      const everything = JSON.stringify(
        await federation.query('FR', 'SELECT * FROM audit_log WHERE seq > $1', [since]),
      );
      expect(everything).not.toContain('not-it-at-all');
      expect(everything).not.toContain('nobody-here');
      expect(everything).not.toContain(token);
    });

    it('lock an account after five failures in a row, even for the right password, until an admin unlocks it', async () => {
      const password = await createAccount(fr, {
        name: 'locked-out',
        role: 'coordinator',
        password: 'the-right-password',
      });
      for (let attempt = 0; attempt < 5; attempt++) {
        const refused = await api(
          fr,
          'POST',
          '/auth/token',
          { name: 'locked-out', password: 'a-wrong-password' },
          { as: 'anonymous' },
        );
        expect(refused.status).toBe(401);
      }
      const whileLocked = await api(
        fr,
        'POST',
        '/auth/token',
        { name: 'locked-out', password },
        { as: 'anonymous' },
      );
      expect(whileLocked.status).toBe(401);
      const reasons = await federation.query<{ action: string; reason_code: string }>(
        'FR',
        `SELECT action, reason_code FROM audit_log WHERE actor = 'api:locked-out' ORDER BY seq`,
      );
      expect(reasons.map((r) => `${r.action} ${r.reason_code}`)).toEqual([
        ...Array(5).fill('LOGIN_FAILED WRONG_PASSWORD'),
        'ACCOUNT_LOCKED TOO_MANY_FAILED_LOGINS',
        'LOGIN_FAILED ACCOUNT_LOCKED',
      ]);
      const listed = await api(fr, 'GET', '/admin/accounts', undefined, { as: 'admin' });
      expect(listed.body.items.find((a: { name: string }) => a.name === 'locked-out')).toMatchObject({
        locked: true,
      });
      expect(JSON.stringify(listed.body)).not.toMatch(/scrypt|password/i);

      expect(
        (await api(fr, 'POST', '/admin/accounts/locked-out/unlock', undefined, { as: 'admin' })).status,
      ).toBe(200);
      expect(await login(fr, 'locked-out', password)).toEqual(expect.any(String));
    });

    it('refuse an expired token, a forged one and another node’s', async () => {
      // DE's tokens live two seconds: a busy machine may take that long between login and use, so a fresh one
      // is tried until one is used in time (a node refusing every token never gets there).
      const token = await eventually(
        async () => {
          const fresh = await login(de, 'coordinator', LOCAL_ACCOUNTS.coordinator.password);
          const me = await api(de, 'GET', '/auth/me', undefined, { as: { token: fresh } });
          return me.status === 200 ? fresh : undefined;
        },
        30_000,
        'a fresh token accepted',
      );
      // Denials from here on (a token that expired before its first use is not one of this test's).
      const since = await lastSeq('DE');
      const { iat, exp } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
        iat: number;
        exp: number;
      };
      expect(exp - iat).toBe(2);
      const expired = await eventually(
        async () => {
          const me = await api(de, 'GET', '/auth/me', undefined, { as: { token } });
          return me.status === 200 ? undefined : me;
        },
        30_000,
        'the token refused',
      );
      // Refused because it expired, and only then.
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toContain('Bearer');

      const [header, payload] = token.split('.');
      const forgedClaims = {
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        exp: 4_000_000_000,
      };
      const forged = `${header}.${Buffer.from(JSON.stringify(forgedClaims)).toString('base64url')}.${token.split('.')[2]}`;
      expect((await api(de, 'GET', '/auth/me', undefined, { as: { token: forged } })).status).toBe(401);
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      expect((await api(de, 'GET', '/auth/me', undefined, { as: { token: unsigned } })).status).toBe(401);

      // Same secret in this federation, but the token names FR as its issuer.
      const frToken = await login(fr, 'coordinator', LOCAL_ACCOUNTS.coordinator.password);
      expect((await api(de, 'GET', '/auth/me', undefined, { as: { token: frToken } })).status).toBe(401);

      expect((await denials('DE', since)).map((d) => d.reason_code)).toEqual([
        'TOKEN_EXPIRED',
        'TOKEN_INVALID',
        'TOKEN_INVALID',
        'TOKEN_INVALID',
      ]);
    });

    it('stop working for a disabled account at once, tokens included', async () => {
      const password = await createAccount(fr, { name: 'leaving-soon', role: 'coordinator' });
      const token = await login(fr, 'leaving-soon', password);
      expect((await api(fr, 'GET', '/auth/me', undefined, { as: { token } })).status).toBe(200);
      expect(
        (await api(fr, 'POST', '/admin/accounts/leaving-soon/disable', undefined, { as: 'admin' })).status,
      ).toBe(200);
      const since = await lastSeq('FR');
      expect((await api(fr, 'GET', '/auth/me', undefined, { as: { token } })).status).toBe(401);
      expect(
        (await api(fr, 'POST', '/auth/token', { name: 'leaving-soon', password }, { as: 'anonymous' }))
          .status,
      ).toBe(401);
      expect(await denials('FR', since)).toEqual([
        {
          actor: 'api:leaving-soon',
          reason_code: 'ACCOUNT_DISABLED',
          method: 'GET',
          route: '/auth/me',
          status: '401',
        },
      ]);
    });
  });

  describe('agencies', () => {
    let caseRef: string;
    let submitted: string;
    let otherKey: string;

    beforeAll(async () => {
      caseRef = await openSharableCase(fr);
      await createAccount(fr, { name: 'ngo-b-system', role: 'agency', agency: 'ngo-b', noPassword: true });
      const issued = await api(fr, 'POST', '/admin/accounts/ngo-b-system/api-keys', undefined, {
        as: 'admin',
      });
      expect(issued.status).toBe(201);
      otherKey = issued.body.key;
      // Cases are granted to agencies by code, covering all their accounts, not account by account.
      const byAccount = await api(
        fr,
        'POST',
        `/admin/accounts/ngo-b-system/case-grants`,
        { caseRef },
        {
          as: 'admin',
        },
      );
      expect(byAccount.status).toBe(422);
      expect(byAccount.body.message).toContain('/admin/agencies/ngo-b/case-grants');
      for (const agency of [LOCAL_ACCOUNTS.agency.agency!, 'ngo-b']) {
        const granted = await api(fr, 'POST', `/admin/agencies/${agency}/case-grants`, { caseRef });
        expect(granted.status).toBe(201);
        expect(granted.body).toEqual({ agency, caseRef });
      }
    });

    it('submit through the same pipeline and gates, recorded as agency:<code>', async () => {
      const refused = await api(
        fr,
        'POST',
        '/agency/submissions',
        {
          caseRef,
          type: 'REFERRAL_REQUEST',
          to: 'MK',
          legalBasis: 'CONSENT',
          payload: { ...examplePayload('REFERRAL_REQUEST'), person: undefined },
        },
        { as: 'agency' },
      );
      expect(refused.status).toBe(422);
      const sent = await api(
        fr,
        'POST',
        '/agency/submissions',
        {
          caseRef,
          type: 'REFERRAL_REQUEST',
          to: 'MK',
          legalBasis: 'CONSENT',
          payload: examplePayload('REFERRAL_REQUEST'),
        },
        { as: 'agency' },
      );
      expect(sent.status).toBe(202);
      submitted = sent.body.id;
      const [row] = await federation.query<{ submitted_by: string }>(
        'FR',
        'SELECT submitted_by FROM messages WHERE id = $1',
        [submitted],
      );
      expect(row.submitted_by).toBe('agency:ngo-local');
      await waitDelivered(fr, submitted);
    });

    it('see their own submissions and the replies to them, and nothing of another agency’s', async () => {
      await recordConsent(mk, caseRef, { scopes: ['RETURN'], recipients: ['FR'] });
      const reply = await sendMessage(mk, caseRef, {
        type: 'REFERRAL_CONFIRMATION',
        to: 'FR',
        inReplyTo: submitted,
        payload: examplePayload('REFERRAL_CONFIRMATION'),
      });
      expect(reply.status).toBe(202);
      const seen = await eventually(
        async () => {
          const found = await api(fr, 'GET', `/agency/submissions/${submitted}`, undefined, { as: 'agency' });
          return found.status === 200 && found.body.replies.length > 0 ? found.body : undefined;
        },
        20_000,
        'the reply at FR',
      );
      expect(seen.submission).toMatchObject({ id: submitted, status: 'DELIVERED', type: 'REFERRAL_REQUEST' });
      expect(seen.replies).toEqual([
        expect.objectContaining({ id: reply.body.id, inReplyTo: submitted, payload: expect.any(Object) }),
      ]);
      const mine = await api(fr, 'GET', '/agency/submissions', undefined, { as: 'agency' });
      expect(mine.body).toEqual({ items: [expect.objectContaining({ id: submitted })], nextCursor: null });

      // The other agency: no list entry, and 404 (not 403) for the id, like an id that does not exist.
      const other = { apiKey: otherKey };
      expect((await api(fr, 'GET', '/agency/submissions', undefined, { as: other })).body).toEqual({
        items: [],
        nextCursor: null,
      });
      const probed = await api(fr, 'GET', `/agency/submissions/${submitted}`, undefined, { as: other });
      const missing = await api(fr, 'GET', `/agency/submissions/${randomUUID()}`, undefined, { as: other });
      expect(probed.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(probed.body.error).toBe(missing.body.error);
      // A case it was not granted is 404 too.
      const notGranted = await openSharableCase(fr);
      const refused = await api(
        fr,
        'POST',
        '/agency/submissions',
        {
          caseRef: notGranted,
          type: 'CASE_UPDATE',
          to: 'MK',
          legalBasis: 'CONSENT',
          payload: examplePayload('CASE_UPDATE'),
        },
        { as: other },
      );
      expect(refused.status).toBe(404);
    });

    it('authenticate systems with API keys that work until revoked, and never store the key', async () => {
      expect((await api(fr, 'GET', '/auth/me', undefined, { as: { apiKey: otherKey } })).body).toEqual({
        name: 'ngo-b-system',
        role: 'agency',
        agency: 'ngo-b',
      });
      const keyId = otherKey.split('_')[1];
      // The secret is base64url, so it may itself hold `_` (even first): everything after the key id.
      const secret = otherKey.slice(`trm_${keyId}_`.length);
      expect(secret).toHaveLength(43);
      const stored = JSON.stringify(await federation.query('FR', 'SELECT * FROM api_keys'));
      expect(stored).not.toContain(secret);
      const tampered = `${otherKey.slice(0, -2)}${otherKey.endsWith('AA') ? 'BB' : 'AA'}`;
      expect((await api(fr, 'GET', '/auth/me', undefined, { as: { apiKey: tampered } })).status).toBe(401);
      // A password login is not possible for an account without one.
      expect(
        (
          await api(
            fr,
            'POST',
            '/auth/token',
            { name: 'ngo-b-system', password: 'anything-at-all' },
            { as: 'anonymous' },
          )
        ).status,
      ).toBe(401);

      expect(
        (
          await api(fr, 'POST', `/admin/accounts/ngo-b-system/api-keys/${keyId}/revoke`, undefined, {
            as: 'admin',
          })
        ).status,
      ).toBe(204);
      const since = await lastSeq('FR');
      expect((await api(fr, 'GET', '/auth/me', undefined, { as: { apiKey: otherKey } })).status).toBe(401);
      expect(await denials('FR', since)).toEqual([
        {
          actor: 'agency:ngo-b',
          reason_code: 'API_KEY_REVOKED',
          method: 'GET',
          route: '/auth/me',
          status: '401',
        },
      ]);
    });
  });

  describe('auditors', () => {
    it('see a case file’s personal data as stable pseudonyms until an admin grants them the case', async () => {
      const caseRef = await openSharableCase(fr);
      const referral = examplePayload('REFERRAL_REQUEST');
      const sent = await sendMessage(fr, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK', payload: referral });
      expect(sent.status).toBe(202);
      // The rest of the file names people too: the case managers, the guardian, the departure date.
      const manager = { name: 'Claire Dubois', institution: 'OCRTEH Lyon', role: 'case officer' };
      const guardian = {
        kind: 'GUARDIAN',
        institution: 'Aide sociale à l’enfance',
        appointedAt: '2026-11-20',
      };
      expect((await api(fr, 'PUT', `/cases/${caseRef}/manager`, manager)).status).toBe(200);
      expect((await api(fr, 'PUT', `/cases/${caseRef}/guardian`, guardian)).status).toBe(200);

      const asCoordinator = await api(fr, 'GET', `/cases/${caseRef}`);
      expect(asCoordinator.body.messages[0].payload.person.givenName).toBe(referral.person.givenName);
      expect(asCoordinator.body.workflow.returnChecklist.estimatedDeparture).toBe(
        referral.estimatedDeparture,
      );

      const first = await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'auditor' });
      const again = await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'auditor' });
      expect(first.status).toBe(200);
      const shown = first.body.messages[0].payload;
      expect(shown.person.givenName).toMatch(/^pseud:[0-9a-f]{8}$/);
      expect(shown.requestedSop).toBe(referral.requestedSop);
      expect(again.body.messages[0].payload).toEqual(shown);
      expect(first.text).not.toContain(referral.person.givenName);
      expect(first.text).not.toContain(referral.person.familyName);
      for (const clear of [manager.name, manager.institution, guardian.institution, guardian.appointedAt])
        expect(first.text).not.toContain(clear);
      expect(first.text).not.toContain(referral.estimatedDeparture);
      for (const part of [first.body.case, first.body.workflow]) {
        expect(part.managers[0].name).toMatch(/^pseud:[0-9a-f]{8}$/);
        expect(part.guardian).toMatchObject({
          kind: 'GUARDIAN',
          institution: expect.stringMatching(/^pseud:/),
        });
      }
      expect(first.body.workflow.returnChecklist.estimatedDeparture).toMatch(/^pseud:[0-9a-f]{8}$/);

      // A coordinator may grant agencies, not auditors.
      const since = await lastSeq('FR');
      expect((await api(fr, 'POST', '/admin/accounts/auditor/case-grants', { caseRef })).status).toBe(403);
      expect(await denials('FR', since)).toEqual([
        {
          actor: 'api:coordinator',
          reason_code: 'ROLE_NOT_ALLOWED',
          method: 'POST',
          route: '/admin/accounts/:name/case-grants',
          status: '403',
        },
      ]);
      expect(
        (await api(fr, 'POST', '/admin/accounts/auditor/case-grants', { caseRef }, { as: 'admin' })).status,
      ).toBe(201);
      const granted = await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'auditor' });
      expect(granted.body.messages[0].payload).toEqual(asCoordinator.body.messages[0].payload);
      expect(granted.body.workflow.managers).toEqual(asCoordinator.body.workflow.managers);
      // A grant can be taken back; then pseudonyms again.
      const revoked = await api(
        fr,
        'POST',
        `/admin/accounts/auditor/case-grants/${caseRef}/revoke`,
        undefined,
        {
          as: 'admin',
        },
      );
      expect(revoked.status).toBe(204);
      const afterRevoke = await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'auditor' });
      expect(afterRevoke.body.messages[0].payload).toEqual(shown);

      const reads = await federation.query<{ actor: string; pseudonymised: string | null }>(
        'FR',
        `SELECT actor, details->>'pseudonymised' AS pseudonymised FROM audit_log
         WHERE action = 'PERSONAL_DATA_READ' AND case_ref = $1 ORDER BY seq`,
        [caseRef],
      );
      expect(reads).toEqual([
        { actor: 'api:coordinator', pseudonymised: null },
        { actor: 'api:auditor', pseudonymised: 'true' },
        { actor: 'api:auditor', pseudonymised: 'true' },
        { actor: 'api:auditor', pseudonymised: null },
        { actor: 'api:auditor', pseudonymised: 'true' },
      ]);
      const grants = await federation.query<{ actor: string; account: string }>(
        'FR',
        `SELECT actor, details->>'account' AS account FROM audit_log WHERE action = 'CASE_GRANTED' AND case_ref = $1`,
        [caseRef],
      );
      expect(grants).toEqual([{ actor: 'api:admin', account: 'auditor' }]);
    });

    it('get pseudonyms that link nothing across fields or cases, and booleans about the person pseudonymised', async () => {
      // The case's countries are listed in clear, so a manager's country gives its pseudonym away: it must not
      // be the pseudonym of the person's nationality, nor of the same value in another case.
      const referral = {
        ...examplePayload('REFERRAL_REQUEST'),
        medical: { ...examplePayload('REFERRAL_REQUEST').medical, needsUrgentCare: true },
      };
      const read = async () => {
        const caseRef = await openSharableCase(fr);
        expect(
          (await sendMessage(fr, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK', payload: referral })).status,
        ).toBe(202);
        const manager = {
          country: 'MK',
          name: 'Elena Stojanova',
          institution: 'Center for Social Work Skopje',
        };
        expect((await api(fr, 'PUT', `/cases/${caseRef}/manager`, manager)).status).toBe(200);
        const seen = await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'auditor' });
        expect(seen.status).toBe(200);
        return { caseRef, body: seen.body };
      };
      const one = await read();
      const two = await read();
      for (const { body } of [one, two]) {
        expect(body.case.countries).toContain('MK');
        const payload = body.messages[0].payload;
        const managerCountries: string[] = body.case.managers.map((m: { country: string }) => m.country);
        expect(managerCountries.length).toBeGreaterThan(0);
        for (const country of managerCountries) {
          expect(country).toMatch(/^pseud:[0-9a-f]{8}$/);
          expect([payload.person.nationality, payload.residenceInOrigin.country]).not.toContain(country);
        }
        expect(payload.person.nationality).not.toBe(payload.residenceInOrigin.country);
        // Health and asylum flags are personal data, not readable as true or false.
        expect(payload.medical.needsUrgentCare).toMatch(/^pseud:[0-9a-f]{8}$/);
        // Codes evaluators need stay.
        expect(payload.identificationStatus).toBe(referral.identificationStatus);
      }
      // The same values in two cases: different pseudonyms, so one decoded case decodes no other.
      const [p1, p2] = [one, two].map(({ body }) => body.messages[0].payload);
      expect(p2.person.nationality).not.toBe(p1.person.nationality);
      expect(p2.person.givenName).not.toBe(p1.person.givenName);
      expect(p2.medical.needsUrgentCare).not.toBe(p1.medical.needsUrgentCare);
      expect(two.body.case.managers).not.toEqual(one.body.case.managers);
      // Within one case a value stays the same pseudonym in the same field: an auditor still sees it unchanged.
      const again = await api(fr, 'GET', `/cases/${one.caseRef}`, undefined, { as: 'auditor' });
      expect(again.body.messages[0].payload).toEqual(p1);
      expect(again.body.workflow.managers).toEqual(one.body.case.managers);
    });
  });

  describe('rate limits', () => {
    it('answer 429 with Retry-After past the limit per principal, and audit the first refusal only', async () => {
      const since = await lastSeq('IT');
      const statuses: number[] = [];
      for (let i = 0; i < 17; i++) statuses.push((await api(tight, 'GET', '/auth/me')).status);
      expect(statuses.slice(0, 15)).toEqual(Array(15).fill(200));
      expect(statuses.slice(15)).toEqual([429, 429]);
      const refused = await api(tight, 'GET', '/auth/me');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another principal has its own allowance.
      expect((await api(tight, 'GET', '/auth/me', undefined, { as: 'auditor' })).status).toBe(200);
      const audited = await federation.query<{ actor: string; reason_code: string; tracker: string }>(
        'IT',
        `SELECT actor, reason_code, details->>'tracker' AS tracker FROM audit_log
         WHERE action = 'RATE_LIMITED' AND seq > $1`,
        [since],
      );
      expect(audited).toEqual([
        { actor: 'api:coordinator', reason_code: 'RATE_LIMIT', tracker: 'principal:coordinator' },
      ]);
    });

    it('hold logins to a tighter limit per address', async () => {
      // The coordinator and the auditor above logged in once each: one login left this minute.
      const attempt = () =>
        api(
          tight,
          'POST',
          '/auth/token',
          { name: 'admin', password: 'a-wrong-password' },
          { as: 'anonymous' },
        );
      expect((await attempt()).status).toBe(401);
      const limited = await attempt();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const [entry] = await federation.query<{ reason_code: string; actor: string }>(
        'IT',
        `SELECT reason_code, actor FROM audit_log WHERE action = 'RATE_LIMITED' AND reason_code = 'LOGIN_RATE_LIMIT'`,
      );
      expect(entry).toEqual({ reason_code: 'LOGIN_RATE_LIMIT', actor: 'anonymous' });
      // Refused before the password was checked: no failure counted against the account.
      const failures = await federation.query('IT', `SELECT 1 FROM audit_log WHERE action = 'LOGIN_FAILED'`);
      expect(failures).toHaveLength(1);
    });
  });

  describe('npm run user:create', () => {
    const run = (args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = execFile(
          process.execPath,
          [
            '-r',
            'ts-node/register/transpile-only',
            path.resolve(__dirname, '../scripts/user-create.ts'),
            ...args,
          ],
          { env: { ...process.env, DATABASE_URL: federation.appDatabaseUrl('FR') }, timeout: 60_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
        child.stdin!.end(stdin ?? '');
      });

    it('creates the first accounts of a node, with a password from stdin or generated, and agency API keys', async () => {
      const fromStdin = await run(
        ['--role', 'admin', '--password-stdin', 'first-admin'],
        'a-long-enough-password\n',
      );
      expect(fromStdin).toMatchObject({ code: 0 });
      expect(fromStdin.stdout).not.toContain('a-long-enough-password');
      expect(await login(fr, 'first-admin', 'a-long-enough-password')).toEqual(expect.any(String));

      const generated = await run(['--role', 'coordinator', 'second-coordinator']);
      expect(generated.code).toBe(0);
      const password = /GENERATED PASSWORD \(shown once\): (\S+)/.exec(generated.stdout)![1];
      expect(await login(fr, 'second-coordinator', password)).toEqual(expect.any(String));

      const system = await run([
        '--role',
        'agency',
        '--agency',
        'ngo-cli',
        '--no-password',
        '--api-key',
        'ngo-cli-system',
      ]);
      expect(system.code).toBe(0);
      const key = /API KEY \S+ \(shown once\): (\S+)/.exec(system.stdout)![1];
      expect((await api(fr, 'GET', '/auth/me', undefined, { as: { apiKey: key } })).body).toMatchObject({
        agency: 'ngo-cli',
      });

      const again = await run(['--role', 'coordinator', 'second-coordinator']);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already exists');
      const short = await run(['--role', 'auditor', '--password-stdin', 'short-password'], 'short');
      expect(short.code).toBe(1);
      const badRole = await run(['--role', 'root', 'someone']);
      expect(badRole.code).toBe(2);

      const created = await federation.query<{ actor: string; account: string }>(
        'FR',
        `SELECT actor, details->>'account' AS account FROM audit_log WHERE action = 'ACCOUNT_CREATED' AND actor LIKE 'cli:%' ORDER BY seq`,
      );
      expect(created.map((c) => c.account)).toEqual(['first-admin', 'second-coordinator', 'ngo-cli-system']);
    });
  });
});

/** Migration 1763900800000 on grants written before it: an agency account's grants become its agency's. */
describe('agency grants migration on existing grants (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
  });

  afterAll(() => scratch?.drop());

  it('moves agency accounts’ grants to their agency, keeps auditors’, and goes back', async () => {
    await scratch.migrateWithout(AgencyGrants1763900800000);
    const q = (sql: string, params: unknown[] = []) => scratch.dataSource!.query(sql, params);
    await q(
      `INSERT INTO cases (case_ref, owner_country, managers)
       VALUES ('TRM-FR-2026-000001', 'FR', '[]'), ('TRM-FR-2026-000002', 'FR', '[]')`,
    );
    await q(
      `INSERT INTO accounts (name, role, agency, created_by) VALUES
         ('ngo-anna', 'agency', 'ngo-lyon', 'test'), ('ngo-ben', 'agency', 'ngo-lyon', 'test'),
         ('rapporteur', 'auditor', NULL, 'test')`,
    );
    await q(
      `INSERT INTO case_grants (account, case_ref, granted_at, granted_by) VALUES
         ('ngo-anna', 'TRM-FR-2026-000001', '2026-11-01T10:00:00Z', 'api:first'),
         ('ngo-ben', 'TRM-FR-2026-000001', '2026-11-02T10:00:00Z', 'api:second'),
         ('ngo-ben', 'TRM-FR-2026-000002', '2026-11-03T10:00:00Z', 'api:second'),
         ('rapporteur', 'TRM-FR-2026-000001', '2026-11-04T10:00:00Z', 'api:admin')`,
    );
    const grants = () =>
      q(`SELECT account, agency, case_ref AS "caseRef", granted_by AS "grantedBy" FROM case_grants
         ORDER BY account NULLS FIRST, agency, case_ref`);

    expect(await (await scratch.open({ migrations: MIGRATIONS })).runMigrations()).toHaveLength(1);
    expect(await grants()).toEqual([
      { account: null, agency: 'ngo-lyon', caseRef: 'TRM-FR-2026-000001', grantedBy: 'api:first' },
      { account: null, agency: 'ngo-lyon', caseRef: 'TRM-FR-2026-000002', grantedBy: 'api:second' },
      { account: 'rapporteur', agency: null, caseRef: 'TRM-FR-2026-000001', grantedBy: 'api:admin' },
    ]);
    // One grant per agency and case, and a grant names exactly one grantee.
    await expect(
      q(
        `INSERT INTO case_grants (agency, case_ref, granted_by) VALUES ('ngo-lyon', 'TRM-FR-2026-000002', 'x')`,
      ),
    ).rejects.toThrow(/case_grants_agency_idx/);
    await expect(
      q(`INSERT INTO case_grants (account, agency, case_ref, granted_by)
         VALUES ('rapporteur', 'ngo-lyon', 'TRM-FR-2026-000002', 'x')`),
    ).rejects.toThrow(/case_grants_one_grantee/);

    await scratch.dataSource!.undoLastMigration();
    const back = await q(
      `SELECT account, case_ref AS "caseRef", granted_by AS "grantedBy" FROM case_grants ORDER BY account, case_ref`,
    );
    expect(back).toEqual([
      { account: 'ngo-anna', caseRef: 'TRM-FR-2026-000001', grantedBy: 'api:first' },
      { account: 'ngo-anna', caseRef: 'TRM-FR-2026-000002', grantedBy: 'api:second' },
      { account: 'ngo-ben', caseRef: 'TRM-FR-2026-000001', grantedBy: 'api:first' },
      { account: 'ngo-ben', caseRef: 'TRM-FR-2026-000002', grantedBy: 'api:second' },
      { account: 'rapporteur', caseRef: 'TRM-FR-2026-000001', grantedBy: 'api:admin' },
    ]);
  });
});
