import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { OPENAPI_FILE } from '../scripts/openapi';
import { AuditCheckpointService } from '../src/checkpoints/audit-checkpoint.service';
import { DEFAULT_DEADLINES_MS } from '../src/config/deadlines';
import { examplePayload } from '../src/messages/examples';
import { isTechnicalType, MESSAGE_TYPES, MessageType } from '../src/messages/message-types';
import { auditVerify, sealNow } from './support/audit-tools';
import {
  api,
  grantAgency,
  openCase,
  openSharableCase,
  recordAssessment,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from './support/node-api';

interface Summary {
  caseRef: string;
  status: string;
  ownerCountry: string;
  countries: Array<{ country: string; role: string | null }>;
  phases: Record<string, string>;
  identificationStatus: string | null;
  restricted: boolean;
  openedAt: string;
  lastActivityAt: string;
}

/** MK's contacts for SOP 5 (evidence): the first one addressed, then the one an overdue answer escalates to. */
const MK_CONTACTS = [
  { sop: 1, institution: 'MK national referral coordination', role: 'national coordinator' },
  { sop: 5, institution: 'MK public prosecution liaison', role: 'first contact' },
  { sop: 5, institution: 'MK police cooperation unit', role: 'deputy' },
  { sop: 5, institution: 'MK ministry of justice', role: 'head of unit' },
];

/** IT accepts everything but evidence requests. */
const IT_ACCEPTS = MESSAGE_TYPES.filter((t) => !isTechnicalType(t) && t !== 'EVIDENCE_REQUEST');

/**
 * Issue 12, the node's side of the console on the real services: the committed OpenAPI document, the
 * console's static files and security headers, and the routes the console reads.
 */
describe('console API (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({
    codes: ['FR', 'MK', 'IT'],
    logLevel: 'error',
    participants: { MK: { contacts: MK_CONTACTS }, IT: { accepts: IT_ACCEPTS } },
  });
  let fr: RunningNode;
  let mk: RunningNode;
  let consoleDir: string;
  const INDEX =
    '<!doctype html><title>console fixture</title><script type="module" src="/assets/app-1a2b.js"></script>';
  const SCRIPT = 'console.log("fixture");';

  beforeAll(async () => {
    // A stand-in for the Vite build, so serving is tested whether or not the console is built.
    consoleDir = mkdtempSync(path.join(tmpdir(), 'trm-console-'));
    mkdirSync(path.join(consoleDir, 'assets'));
    writeFileSync(path.join(consoleDir, 'index.html'), INDEX);
    writeFileSync(path.join(consoleDir, 'assets', 'app-1a2b.js'), SCRIPT);
    await federation.setUp();
    // FR gives an evidence request a second and a half: MK's answer is overdue within the worklist test.
    fr = await federation.start('FR', {
      consoleDir,
      deadlines: { ...DEFAULT_DEADLINES_MS, EVIDENCE_REQUEST: 1500 },
    });
    // MK owes the answer within the same time (the receiver's own deadlines), and looks for late ones often.
    mk = await federation.start('MK', {
      deadlines: { ...DEFAULT_DEADLINES_MS, EVIDENCE_REQUEST: 1500 },
      expectationCheckIntervalMs: 300,
    });
  });

  afterAll(async () => {
    await federation.tearDown();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  describe('OpenAPI', () => {
    it('is what the node serves, byte for byte the committed docs/openapi.json (npm run openapi)', async () => {
      const served = await fetch(`${fr.url}/docs-json`);
      expect(served.status).toBe(200);
      expect(await served.json()).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
    });

    it('names and summarises every operation, each name once', () => {
      const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
        paths: Record<string, Record<string, { operationId?: string; summary?: string }>>;
      };
      const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${route}`, ...operation })),
      );
      expect(operations.length).toBeGreaterThan(40);
      expect(operations.filter((o) => !o.operationId || !o.summary)).toEqual([]);
      const ids = operations.map((o) => o.operationId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(['Cases_open', 'Cases_send', 'Audit_entries']));
    });
  });

  describe('serving the console', () => {
    const csp = (response: Response): Record<string, string> =>
      Object.fromEntries(
        (response.headers.get('content-security-policy') ?? '')
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter((d) => d[0])
          .map(([name, ...values]) => [name, values.join(' ')]),
      );
    const STRICT = {
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
      'base-uri': "'self'",
      'form-action': "'self'",
    };

    it('answers / with the index, never cached, and /assets/* cached for good', async () => {
      const index = await fetch(`${fr.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      expect(await index.text()).toBe(INDEX);
      const asset = await fetch(`${fr.url}/assets/app-1a2b.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await asset.text()).toBe(SCRIPT);
      expect((await fetch(`${fr.url}/assets/missing.js`)).status).toBe(404);
    });

    it('starts without a built console and says so at /', async () => {
      const bare = await federation.start('IT', { consoleDir: path.join(consoleDir, 'not-built') });
      try {
        const index = await fetch(`${bare.url}/`);
        expect(index.status).toBe(503);
        expect(await index.text()).toContain('console is not built');
        expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect((await fetch(`${bare.url}/health`)).status).toBe(200);
      } finally {
        await federation.stop('IT');
      }
    });

    it('never answers an API path, /docs or an unknown path with the app', async () => {
      for (const route of ['/cases', '/health', '/docs', '/docs-json', '/index.html', '/no-such-page']) {
        const body = await (await fetch(`${fr.url}${route}`)).text();
        expect({ route, app: body.includes('console fixture') }).toEqual({ route, app: false });
      }
      expect((await fetch(`${fr.url}/no-such-page`)).status).toBe(404);
      expect((await api(fr, 'GET', '/health', undefined, { as: 'anonymous' })).body).toMatchObject({
        status: 'ok',
      });
    });

    it('sends helmet headers and the strict policy on the console, the API and a 404; /docs keeps working', async () => {
      const responses = {
        console: await fetch(`${fr.url}/`),
        asset: await fetch(`${fr.url}/assets/app-1a2b.js`),
        api: await fetch(`${fr.url}/health`),
        refused: await fetch(`${fr.url}/cases`),
        notFound: await fetch(`${fr.url}/no-such-page`),
      };
      expect(responses.refused.status).toBe(401);
      for (const [what, response] of Object.entries(responses)) {
        expect({ what, csp: csp(response) }).toEqual({ what, csp: expect.objectContaining(STRICT) });
        expect({ what, inline: csp(response)['script-src'] }).toEqual({ what, inline: "'self'" });
        expect({
          what,
          nosniff: response.headers.get('x-content-type-options'),
          frame: response.headers.get('x-frame-options'),
          referrer: response.headers.get('referrer-policy'),
          poweredBy: response.headers.get('x-powered-by'),
        }).toEqual({
          what,
          nosniff: 'nosniff',
          frame: 'SAMEORIGIN',
          referrer: 'no-referrer',
          poweredBy: null,
        });
      }
      const docs = await fetch(`${fr.url}/docs`);
      expect(docs.status).toBe(200);
      const html = await docs.text();
      expect(html).toContain('swagger-ui-init.js');
      // The Swagger page's own <style> needs inline styles; its scripts are still files only.
      expect(csp(docs)).toMatchObject({ 'script-src': "'self'", 'style-src': "'self' 'unsafe-inline'" });
      expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
      const init = await fetch(`${fr.url}/docs/swagger-ui-init.js`);
      expect(init.status).toBe(200);
    });
  });

  describe('GET /cases', () => {
    const list = async (query: string): Promise<{ items: Summary[]; nextCursor: string | null }> => {
      const response = await api(fr, 'GET', `/cases${query ? `?${query}` : ''}`);
      expect({ query, status: response.status }).toEqual({ query, status: 200 });
      return response.body;
    };
    const refs = async (query: string): Promise<string[]> =>
      (await list(`limit=200&${query}`)).items.map((c) => c.caseRef);
    /** Every case of the node in the list's order, straight from the database. */
    const inDatabase = async (where = 'true'): Promise<string[]> =>
      (
        await federation.query<{ case_ref: string }>(
          'FR',
          `SELECT case_ref FROM cases WHERE ${where} ORDER BY last_activity_at DESC, case_ref DESC`,
        )
      ).map((r) => r.case_ref);

    let presumed: string;
    let identified: string;
    let closed: string;
    let inSop2: string;

    beforeAll(async () => {
      presumed = await openCase(fr, { identificationStatus: 'PRESUMED_VICTIM' });
      identified = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
      const roles = await api(fr, 'PUT', `/cases/${identified}/roles`, {
        roles: [
          { country: 'FR', role: 'DESTINATION' },
          { country: 'MK', role: 'ORIGIN' },
        ],
      });
      expect(roles.status).toBe(200);
      closed = await openCase(fr, { identificationStatus: 'PRESUMED_VICTIM' });
      expect((await api(fr, 'POST', `/cases/${closed}/close`, { reason: 'COMPLETED' })).status).toBe(202);
      inSop2 = await openCase(fr);
      expect((await api(fr, 'PUT', `/cases/${inSop2}/phases/2`, { status: 'ACTIVE' })).status).toBe(200);
    });

    it('shows a case without personal data, newest activity first, and a consent recorded moves it to the top', async () => {
      const [top] = (await list('limit=1')).items;
      expect(top.caseRef).toBe(inSop2);
      const before = (await list(`caseRef=${presumed}`)).items[0];
      expect(before).toEqual({
        caseRef: presumed,
        status: 'OPEN',
        ownerCountry: 'FR',
        countries: [{ country: 'FR', role: null }],
        phases: {},
        ageStatus: null,
        identificationStatus: 'PRESUMED_VICTIM',
        restricted: false,
        openedAt: expect.any(String),
        closedAt: null,
        lastActivityAt: expect.any(String),
      });
      const since = new Date().toISOString();
      await recordConsent(fr, presumed);
      const after = await list('limit=1');
      expect(after.items[0].caseRef).toBe(presumed);
      expect(Date.parse(after.items[0].lastActivityAt)).toBeGreaterThan(Date.parse(before.lastActivityAt));
      expect(await refs(`activityFrom=${encodeURIComponent(since)}`)).toEqual([presumed]);
      expect(await refs('')).toEqual(await inDatabase());
    });

    it('filters by reference, status, identification, country and role, SOP phase and dates', async () => {
      const identifiedSummary = (await list(`caseRef=${identified}`)).items[0];
      expect(identifiedSummary.countries).toEqual([
        { country: 'FR', role: 'DESTINATION' },
        { country: 'MK', role: 'ORIGIN' },
      ]);
      // A part of a reference finds it.
      expect(await refs(`caseRef=${closed.slice(-9)}`)).toEqual([closed]);

      const closedOnes = await refs('status=CLOSED');
      expect(closedOnes).toContain(closed);
      expect(closedOnes).toEqual(await inDatabase(`status = 'CLOSED'`));
      expect(await refs('status=OPEN')).toEqual(await inDatabase(`status = 'OPEN'`));
      expect(await refs('status=OPEN')).not.toContain(closed);

      const identifiedOnes = await refs('identificationStatus=IDENTIFIED_VICTIM');
      expect(identifiedOnes).toContain(identified);
      expect(identifiedOnes).toEqual(await inDatabase(`identification_status = 'IDENTIFIED_VICTIM'`));
      expect(identifiedOnes).not.toContain(presumed);

      expect(await refs('country=MK&role=ORIGIN')).toEqual([identified]);
      expect(await refs('country=MK&role=DESTINATION')).toEqual([]);
      // Alone, a role is this node's own.
      expect(await refs('role=DESTINATION')).toEqual([identified]);
      expect(await refs('country=MK')).toEqual(
        await inDatabase(`owner_country = 'MK' OR 'MK' = ANY (countries) OR country_roles ? 'MK'`),
      );
      expect(await refs('country=MK')).not.toContain(presumed);

      expect(await refs('sop=2&phaseStatus=ACTIVE')).toEqual([inSop2]);
      expect(await refs('sop=2')).toEqual([inSop2]);
      expect(await refs('sop=2&phaseStatus=NOT_STARTED')).not.toContain(inSop2);
      expect(await refs('phaseStatus=COMPLETED')).toEqual(
        await inDatabase(`EXISTS (SELECT 1 FROM jsonb_each_text(phases) p WHERE p.value = 'COMPLETED')`),
      );

      const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
      expect(await refs(`openedFrom=${encodeURIComponent(tomorrow)}`)).toEqual([]);
      expect((await refs(`openedTo=${encodeURIComponent(tomorrow)}`)).length).toBe(
        (await inDatabase()).length,
      );
      expect(await refs(`identificationStatus=PRESUMED_VICTIM&status=CLOSED`)).toEqual([closed]);
    });

    it('pages with an opaque cursor: every case exactly once, in order, filtered or not', async () => {
      for (let i = 0; i < 7; i++) await openCase(fr);
      for (const [query, where] of [
        ['', 'true'],
        ['status=OPEN', `status = 'OPEN'`],
      ]) {
        const seen: string[] = [];
        let after: string | null = null;
        for (let pages = 0; pages < 100; pages++) {
          const page = await list(
            `limit=3${query ? `&${query}` : ''}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
          );
          expect(page.items.length).toBeLessThanOrEqual(3);
          seen.push(...page.items.map((c) => c.caseRef));
          after = page.nextCursor;
          if (!after) break;
          expect(after).not.toContain('TRM-');
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(await inDatabase(where));
        expect(seen.length).toBeGreaterThan(9);
      }
    });

    it('refuses a cursor it did not hand out, a limit over 200 and an unknown filter, at the field', async () => {
      const forged = Buffer.from(JSON.stringify(['yesterday', "x' OR 1=1"])).toString('base64url');
      for (const [query, field] of [
        [`after=${forged}`, 'after'],
        ['after=not-a-cursor!', 'after'],
        ['limit=201', 'limit'],
        ['limit=0', 'limit'],
        ['status=LOST', 'status'],
        ['sop=6', 'sop'],
        ['openedFrom=last-week', 'openedFrom'],
        ['name=Petrovska', 'name'],
      ]) {
        const response = await api(fr, 'GET', `/cases?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        expect(response.body.fields.map((f: { path: string }) => f.path)).toEqual([field]);
      }
      expect((await api(fr, 'GET', '/cases?limit=200')).status).toBe(200);
    });
  });

  describe('compose options and the dry run', () => {
    /** Rows a send would add or change, summed over the tables it writes. */
    const footprint = async (caseRef: string): Promise<Record<string, unknown>> => {
      const [row] = await federation.query(
        'FR',
        `SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM outbox) AS outbox,
                (SELECT count(*)::int FROM audit_log) AS audit, (SELECT count(*)::int FROM expectations) AS expectations,
                (SELECT row_to_json(c)::text FROM cases c WHERE case_ref = $1) AS "case"`,
        [caseRef],
      );
      return row;
    };

    it('offers only the types the case allows now, to the participants whose directory entry accepts them', async () => {
      const caseRef = await openSharableCase(fr);
      const response = await api(fr, 'GET', `/cases/${caseRef}/compose-options`);
      expect(response.status).toBe(200);
      const options = Object.fromEntries(
        (response.body.options as Array<{ type: string; to: string[] }>).map((o) => [o.type, o.to]),
      );
      expect(options.REFERRAL_REQUEST).toEqual(['IT', 'MK']);
      // IT's directory entry does not list EVIDENCE_REQUEST.
      expect(options.EVIDENCE_REQUEST).toEqual(['MK']);
      // Nothing was asked of FR: the lifecycle refuses an answer.
      expect(options.REFERRAL_CONFIRMATION).toBeUndefined();
      expect(options.EVIDENCE_RESPONSE).toBeUndefined();
      expect(Object.keys(options).some((t) => isTechnicalType(t as MessageType))).toBe(false);
      const answer = await sendMessage(fr, caseRef, {
        type: 'REFERRAL_CONFIRMATION',
        to: 'MK',
        payload: examplePayload('REFERRAL_CONFIRMATION'),
      });
      expect(answer.status).toBe(409);

      // Once the case is closed, only what a closed case still allows: an alert, telling a country, and an
      // offender's release (a proceedings status, to IT, which announces the extension).
      expect((await api(fr, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED' })).status).toBe(202);
      const closed = (await api(fr, 'GET', `/cases/${caseRef}/compose-options`)).body.options;
      expect(closed.map((o: { type: string }) => o.type).sort()).toEqual([
        'CASE_CLOSED',
        'EMERGENCY_ALERT',
        'PROCEEDINGS_STATUS',
      ]);
      expect((await api(fr, 'GET', '/cases/TRM-FR-2026-999999/compose-options')).status).toBe(404);
    });

    it('gives, storing nothing, the reasons a send gets for a consent refusal, a risk refusal and a bad field', async () => {
      const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
      await recordGuardian(fr, caseRef);
      await recordConsent(fr, caseRef, { scopes: ['SHARE_IDENTITY'], recipients: ['MK'] });
      const referral = { type: 'REFERRAL_REQUEST', to: 'MK', payload: examplePayload('REFERRAL_REQUEST') };
      const plan = { type: 'RETURN_PLAN', to: 'MK', payload: examplePayload('RETURN_PLAN') };
      const { dateOfBirth: _, ...person } = (
        referral.payload as unknown as { person: Record<string, unknown> }
      ).person;
      const broken = {
        ...referral,
        payload: { ...referral.payload, person: { ...person, dateOfBirth: 'soon' } },
      };

      const check = async (body: object) => {
        const before = await footprint(caseRef);
        const response = await api(fr, 'POST', `/cases/${caseRef}/messages/check`, {
          legalBasis: 'CONSENT',
          ...body,
        });
        expect(response.status).toBe(200);
        expect(await footprint(caseRef)).toEqual(before);
        return response.body;
      };

      // Consent: the referral needs scopes the consent lacks.
      const consentCheck = await check(referral);
      const consentSend = await sendMessage(fr, caseRef, referral);
      expect(consentSend.status).toBe(422);
      expect(consentCheck).toEqual({
        wouldSend: false,
        error: consentSend.body.error,
        reasons: consentSend.body.reasons,
        fields: [],
        redacted: [],
      });
      expect(consentCheck.reasons.map((r: { code: string }) => r.code)).toEqual([
        'CONSENT_INSUFFICIENT',
        'CONSENT_INSUFFICIENT',
      ]);

      // Risk: a return planned at HIGH risk.
      await recordConsent(fr, caseRef);
      await recordAssessment(fr, caseRef, {
        level: 'HIGH',
        protectionPlan: 'Escorted travel; police liaison at arrival; shelter address shared with nobody.',
      });
      const riskCheck = await check(plan);
      const riskSend = await sendMessage(fr, caseRef, plan);
      expect(riskSend.status).toBe(422);
      expect(riskCheck).toEqual({
        wouldSend: false,
        error: 'POLICY_REFUSED',
        reasons: riskSend.body.reasons,
        fields: [],
        redacted: [],
      });
      expect(riskCheck.reasons).toEqual([
        expect.objectContaining({ code: 'POLICY_DENIED', overridable: true }),
      ]);

      // A field the schema refuses: the same field errors as the send's.
      const fieldCheck = await check(broken);
      const fieldSend = await sendMessage(fr, caseRef, broken);
      expect(fieldSend.status).toBe(422);
      expect(fieldCheck).toEqual({
        wouldSend: false,
        error: 'INVALID_MESSAGE',
        reasons: [],
        fields: fieldSend.body.fields,
        redacted: [],
      });
      expect(fieldCheck.fields.map((f: { path: string }) => f.path)).toContain('person.dateOfBirth');

      // And a message every gate lets through: it would go, yet nothing is stored until it is sent.
      const allowed = await check(referral);
      expect(allowed).toEqual({ wouldSend: true, error: null, reasons: [], fields: [], redacted: [] });
      const sent = await sendMessage(fr, caseRef, referral);
      expect(sent.status).toBe(202);

      // The body is validated as the send's is.
      const malformed = await api(fr, 'POST', `/cases/${caseRef}/messages/check`, { type: 'NOPE', to: 'mk' });
      expect(malformed.status).toBe(400);
      expect(
        (await api(fr, 'POST', `/cases/${caseRef}/messages/check`, referral, { as: 'agency' })).status,
      ).toBe(403);
    });
  });

  describe('GET /worklist', () => {
    it('lists an overdue owed answer first, with the contact it was escalated to, then the others by deadline', async () => {
      const caseRef = await openSharableCase(fr);
      const send = async (type: MessageType): Promise<string> => {
        const response = await sendMessage(fr, caseRef, { type, to: 'MK', payload: examplePayload(type) });
        expect(response.status).toBe(202);
        await waitDelivered(fr, response.body.id);
        return response.body.id;
      };
      const assessment = await send('RISK_ASSESSMENT_REQUEST');
      const evidence = await send('EVIDENCE_REQUEST');
      const referral = await send('REFERRAL_REQUEST');

      const worklist = await eventually(
        async () => {
          const response = await api(mk, 'GET', '/worklist');
          expect(response.status).toBe(200);
          const first = response.body.owed[0];
          return first?.requestMessageId === evidence && first.escalations.length > 0
            ? response.body
            : undefined;
        },
        20_000,
        'the overdue evidence request at the top of MK’s worklist',
      );
      const owed = worklist.owed.filter((e: { caseRef: string }) => e.caseRef === caseRef);
      expect(owed.map((e: { requestMessageId: string }) => e.requestMessageId)).toEqual([
        evidence,
        referral,
        assessment,
      ]);
      expect(owed[0]).toMatchObject({ status: 'OVERDUE', direction: 'OWED', owedBy: 'MK', owedTo: 'FR' });
      // Escalated past the first contact (and on, one deadline later each time).
      expect(owed[0].escalations[0]).toMatchObject({
        level: 1,
        contact: { institution: 'MK police cooperation unit', role: 'deputy', rank: 1 },
      });
      expect(owed[0].contact.rank).toBeGreaterThanOrEqual(1);
      expect(owed[1].status).toBe('OPEN');
      expect(
        worklist.unansweredReferrals.map((e: { requestMessageId: string }) => e.requestMessageId),
      ).toContain(referral);
      expect(
        worklist.unansweredReferrals.map((e: { requestMessageId: string }) => e.requestMessageId),
      ).not.toContain(evidence);
      // Each list says how many it holds in all (here under the cap: as many as it shows), the referrals
      // counted on their own, not within what is owed.
      expect(worklist.totals).toEqual({
        owed: worklist.owed.length,
        awaited: worklist.awaited.length,
        unansweredReferrals: worklist.unansweredReferrals.length,
        riskReviewDue: worklist.riskReviewDue.length,
        consentsExpiring: worklist.consentsExpiring.length,
      });
      expect(worklist.totals.unansweredReferrals).toBe(
        worklist.owed.filter((e: { requestType: string }) => e.requestType === 'REFERRAL_REQUEST').length,
      );

      // FR awaits the same three, the overdue one first.
      const awaited = (await api(fr, 'GET', '/worklist')).body.awaited.filter(
        (e: { caseRef: string }) => e.caseRef === caseRef,
      );
      expect(awaited.map((e: { requestMessageId: string }) => e.requestMessageId)).toEqual([
        evidence,
        referral,
        assessment,
      ]);
    });

    it('lists consents about to expire and open cases whose own assessment runs out', async () => {
      const caseRef = await openCase(fr);
      const soon = new Date(Date.now() + 5 * 86_400_000).toISOString();
      const later = new Date(Date.now() + 40 * 86_400_000).toISOString();
      const expiring = await recordConsent(fr, caseRef, { expiresAt: soon });
      const lasting = await recordConsent(fr, caseRef, { expiresAt: later });
      const shortAssessment = await recordAssessment(fr, caseRef, {
        validUntil: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      });
      const lastingCase = await openCase(fr);
      await recordAssessment(fr, lastingCase);

      const worklist = (await api(fr, 'GET', '/worklist')).body;
      const consents = worklist.consentsExpiring.map((c: { consentId: string }) => c.consentId);
      expect(consents).toContain(expiring);
      expect(consents).not.toContain(lasting);
      expect(worklist.consentsExpiring.find((c: { consentId: string }) => c.consentId === expiring)).toEqual({
        caseRef,
        consentId: expiring,
        givenBy: 'GUARDIAN',
        recipients: ['FR', 'IT', 'MK'],
        expiresAt: soon,
      });
      const wider = (await api(fr, 'GET', '/worklist?consentWithinDays=60')).body;
      expect(wider.consentsExpiring.map((c: { consentId: string }) => c.consentId)).toContain(lasting);

      const due = worklist.riskReviewDue.map((r: { caseRef: string }) => r.caseRef);
      expect(due).toContain(caseRef);
      expect(due).not.toContain(lastingCase);
      expect(worklist.riskReviewDue.find((r: { caseRef: string }) => r.caseRef === caseRef)).toMatchObject({
        assessmentId: shortAssessment,
        level: 'LOW',
        reviewRequiredAt: null,
      });
      expect((await api(fr, 'GET', '/worklist?consentWithinDays=0')).status).toBe(400);
      expect((await api(fr, 'GET', '/worklist', undefined, { as: 'auditor' })).status).toBe(403);
    });
  });

  describe('GET /audit/chain/state', () => {
    const verify = (code: string, args: string[]) =>
      auditVerify([...args, '--record'], {
        DATABASE_URL: federation.appDatabaseUrl(code),
        TRM_DIRECTORY_FILE: federation.directoryFile,
        TRM_KEYS_DIR: federation.keysDir,
        TRM_COUNTRY: code,
      });
    const state = async (node: RunningNode) => {
      const response = await api(node, 'GET', '/audit/chain/state', undefined, { as: 'auditor' });
      expect(response.status).toBe(200);
      return response.body;
    };

    it("shows the sealed head, the last verification and each peer's furthest checkpoint, to auditors only", async () => {
      await sealNow(fr);
      const sent = await fr.app!.get(AuditCheckpointService).send({ force: true });
      // What it signed and for whom (null would mean nothing went: the lock was taken or no head yet).
      expect(sent).toEqual({
        seq: expect.any(Number),
        headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        at: expect.any(String),
        peers: expect.arrayContaining(['MK']),
      });
      const fresh = await eventually(
        async () => {
          const body = await state(mk);
          return body.peers.some((p: { peer: string }) => p.peer === 'FR') ? body : undefined;
        },
        20_000,
        "FR's checkpoint at MK",
      );
      const [signed] = await federation.query<{ seq: string }>(
        'MK',
        `SELECT max(seq)::text AS seq FROM audit_peer_checkpoints WHERE peer = 'FR'`,
      );
      expect(fresh.peers.find((p: { peer: string }) => p.peer === 'FR')).toEqual({
        peer: 'FR',
        lastCheckpointSeq: signed.seq,
        lastCheckpointReceivedAt: expect.any(String),
        matched: null,
        checkedAt: null,
      });
      expect(fresh.lastVerification).toBeNull();

      // MK's auditor checks FR's chain against FR's checkpoints, and MK's own chain, recording both.
      const peerCheck = await verify('MK', ['--peer', 'FR', '--peer-url', fr.url]);
      expect(peerCheck.code).toBe(0);
      const ownCheck = await verify('MK', []);
      expect(ownCheck.code).toBe(0);
      const checked = await state(mk);
      expect(checked.peers.find((p: { peer: string }) => p.peer === 'FR')).toMatchObject({
        peer: 'FR',
        matched: true,
        checkedAt: expect.any(String),
      });
      expect(checked.lastVerification).toEqual({
        at: expect.any(String),
        ok: true,
        details: expect.objectContaining({ sealed: ownCheck.report.sealed, problemCount: 0 }),
      });

      // The sealer keeps sealing (logins are audited too): the head shown is a row of the chain as it is.
      await sealNow(fr);
      const atFr = await state(fr);
      const [row] = await federation.query<{ hash: string; sealed_at: Date }>(
        'FR',
        `SELECT encode(hash, 'hex') AS hash, sealed_at FROM audit_chain WHERE pos = $1`,
        [atFr.head.seq],
      );
      expect(atFr.head).toEqual({
        seq: expect.stringMatching(/^\d+$/),
        hash: row.hash,
        sealedAt: expect.any(String),
      });
      expect(Date.parse(atFr.head.sealedAt)).toBe(row.sealed_at.getTime());
      expect(Number(atFr.head.seq)).toBeGreaterThanOrEqual(Number(sent!.seq));
      expect((await api(fr, 'GET', '/audit/chain/state')).status).toBe(403);
    });
  });

  describe('GET /agency/cases', () => {
    it("lists the cases granted to the caller's agency and nothing else", async () => {
      const granted = await openCase(fr);
      const other = await openCase(fr);
      const account = { name: 'other-agency', role: 'agency', agency: 'other-ngo' };
      expect((await api(fr, 'POST', '/admin/accounts', account, { as: 'admin' })).status).toBe(201);
      await grantAgency(fr, 'ngo-local', granted);
      await grantAgency(fr, 'other-ngo', other);
      const response = await api(fr, 'GET', '/agency/cases', undefined, { as: 'agency' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        items: [{ caseRef: granted, grantedAt: expect.any(String) }],
        nextCursor: null,
      });
      expect((await api(fr, 'GET', '/agency/cases')).status).toBe(403);
    });
  });

  describe("the admin lists: a case's grants, an account's API keys, the agencies, the case list", () => {
    it('lists what the admin screens revoke from, so that no one types an id', async () => {
      const caseRef = await openCase(fr);
      await grantAgency(fr, 'ngo-local', caseRef);
      const asAdmin = { as: 'admin' as const };
      expect(
        (await api(fr, 'POST', '/admin/accounts/auditor/case-grants', { caseRef }, asAdmin)).status,
      ).toBe(201);
      const grants = await api(fr, 'GET', `/admin/cases/${caseRef}/grants`, undefined, asAdmin);
      expect(grants.status).toBe(200);
      expect(grants.body.nextCursor).toBeNull();
      expect(grants.body.items).toEqual([
        { grantee: 'agency', name: 'ngo-local', grantedAt: expect.any(String), grantedBy: 'api:coordinator' },
        { grantee: 'auditor', name: 'auditor', grantedAt: expect.any(String), grantedBy: 'api:admin' },
      ]);
      await api(fr, 'POST', `/admin/accounts/auditor/case-grants/${caseRef}/revoke`, undefined, asAdmin);
      const left = await api(fr, 'GET', `/admin/cases/${caseRef}/grants`, undefined, asAdmin);
      expect(left.body.items.map((g: { name: string }) => g.name)).toEqual(['ngo-local']);
      expect(
        (await api(fr, 'GET', '/admin/cases/TRM-FR-2026-999999/grants', undefined, asAdmin)).status,
      ).toBe(404);
      // Who reads a case in clear is an admin's business only.
      expect((await api(fr, 'GET', `/admin/cases/${caseRef}/grants`)).status).toBe(403);

      const account = { name: 'keyed-system', role: 'agency', agency: 'keyed-ngo', noPassword: true };
      expect((await api(fr, 'POST', '/admin/accounts', account, asAdmin)).status).toBe(201);
      const first = await api(fr, 'POST', '/admin/accounts/keyed-system/api-keys', undefined, asAdmin);
      const second = await api(fr, 'POST', '/admin/accounts/keyed-system/api-keys', undefined, asAdmin);
      await api(
        fr,
        'POST',
        `/admin/accounts/keyed-system/api-keys/${first.body.keyId}/revoke`,
        undefined,
        asAdmin,
      );
      const keys = await api(fr, 'GET', '/admin/accounts/keyed-system/api-keys', undefined, asAdmin);
      expect(keys.status).toBe(200);
      expect(keys.body.nextCursor).toBeNull();
      expect(keys.body.items).toEqual([
        {
          keyId: first.body.keyId,
          createdAt: expect.any(String),
          createdBy: 'api:admin',
          revokedAt: expect.any(String),
        },
        { keyId: second.body.keyId, createdAt: expect.any(String), createdBy: 'api:admin', revokedAt: null },
      ]);
      // Ids and dates only: the key is shown once, at issue.
      expect(keys.text).not.toContain(second.body.key);
      expect((await api(fr, 'GET', '/admin/accounts/nobody-here/api-keys', undefined, asAdmin)).status).toBe(
        404,
      );

      const agencies = await api(fr, 'GET', '/admin/agencies', undefined, asAdmin);
      expect(agencies.status).toBe(200);
      expect(agencies.body.items).toEqual(
        expect.arrayContaining([
          { code: 'keyed-ngo', registered: false, accounts: 1 },
          { code: 'ngo-local', registered: false, accounts: 1 },
        ]),
      );
      expect((await api(fr, 'GET', '/admin/agencies')).status).toBe(200);

      // An auditor picks the case she reads, an admin the case he grants: the list has no personal data.
      for (const as of ['auditor', 'admin'] as const) {
        const list = await api(fr, 'GET', `/cases?caseRef=${caseRef}`, undefined, { as });
        expect(list.status).toBe(200);
        expect(list.body.items.map((c: { caseRef: string }) => c.caseRef)).toEqual([caseRef]);
      }
      expect((await api(fr, 'GET', '/cases', undefined, { as: 'agency' })).status).toBe(403);
    });
  });
});
