import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { encodePageCursor } from '../src/common/page';
import { examplePayload } from '../src/messages/examples';
import { asTamperer } from './support/audit-tools';
import {
  api,
  ApiOptions,
  grantAgency,
  openSharableCase,
  recordAssessment,
  recordConsent,
  sendMessage,
} from './support/node-api';

/**
 * Issue 14, lists that do not truncate silently: every paged list route says the cursor of its next page,
 * and following the cursors gives every row once, also when rows tie on their sort time (the id, or the
 * case reference, breaks the tie) and when a time has more precision than the cursor keeps.
 */
describe('cursor pagination of the list routes (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  const cases: string[] = [];
  const ROWS = 5;

  /** Every row of a list route, `limit` at a time, and how many pages it took. */
  async function everyPage<T>(
    path: string,
    limit: number,
    options?: ApiOptions,
  ): Promise<{ rows: T[]; pages: number }> {
    const rows: T[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const cursor: string = after ? `&after=${encodeURIComponent(after)}` : '';
      const response = await api(fr, 'GET', `${path}${separator}limit=${limit}${cursor}`, undefined, options);
      expect(response.status).toBe(200);
      const page = response.body as { items: T[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(limit);
      rows.push(...page.items);
      after = page.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(50);
    } while (after);
    return { rows, pages };
  }

  /**
   * Pages of two (or `size`) give exactly the rows one page of 500 gives, in the same order, in as few
   * pages as they need; and a cursor the node did not write is a 400 problem on that route too. Returns the
   * rows.
   */
  async function pagesOfTwoGiveTheWhole<T>(path: string, options?: ApiOptions, size = 2): Promise<T[]> {
    const separator = path.includes('?') ? '&' : '?';
    const whole = await api(fr, 'GET', `${path}${separator}limit=500`, undefined, options);
    expect(whole.status).toBe(200);
    expect(whole.body.nextCursor).toBeNull();
    const { rows, pages } = await everyPage<T>(path, size, options);
    expect(rows).toEqual(whole.body.items);
    expect(pages).toBe(Math.max(1, Math.ceil(rows.length / size)));
    for (const after of ['not-a-cursor!', encodePageCursor(['yesterday', 'x', 'y', 'z'])]) {
      const forged = await api(
        fr,
        'GET',
        `${path}${separator}after=${encodeURIComponent(after)}`,
        undefined,
        options,
      );
      expect(forged.status).toBe(400);
      expect(forged.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    return rows;
  }

  /** Sorted as `key` orders them, as text, descending or not: the stable order a route promises. */
  const inOrder = <T>(rows: T[], key: (row: T) => string, descending = false): T[] =>
    [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (descending ? -1 : 1));

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    // Five referrals to MK, each awaited by FR: five expectations.
    for (let i = 0; i < ROWS; i += 1) {
      const caseRef = await openSharableCase(fr);
      const sent = await sendMessage(fr, caseRef, {
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        payload: examplePayload('REFERRAL_REQUEST'),
      });
      expect(sent.status).toBe(202);
      cases.push(caseRef);
    }
  });

  afterAll(() => federation.tearDown());

  it('GET /expectations: pages of two give all five once, by deadline, though they tie to the microsecond', async () => {
    // The same deadline for all, with microseconds a JavaScript Date (and so a cursor) cannot hold.
    await federation.query('FR', `UPDATE expectations SET due_at = '2026-12-10 10:00:00.123456+00'`);
    const { rows, pages } = await everyPage<{ id: string; caseRef: string }>('/expectations', 2);
    expect(pages).toBe(3);
    expect(rows.map((e) => e.caseRef).sort()).toEqual([...cases].sort());
    expect(new Set(rows.map((e) => e.id)).size).toBe(ROWS);
    // Ties broken by id, so the order is stable from page to page.
    expect(rows.map((e) => e.id)).toEqual(rows.map((e) => e.id).sort());

    // A single page that holds them all says there is no next one.
    const whole = await api(fr, 'GET', '/expectations?limit=10');
    expect(whole.body.nextCursor).toBeNull();
    expect(whole.body.items).toHaveLength(ROWS);
    // The other two expectation lists page the same way.
    expect((await everyPage(`/cases/${cases[0]}/expectations`, 1)).rows).toHaveLength(1);
    expect((await everyPage('/expectations/overdue', 2)).rows).toEqual([]);
  });

  it('GET /expectations: a cursor this node did not write is a 400 problem, not an error or an empty page', async () => {
    for (const after of ['not-a-cursor!', encodePageCursor(['yesterday', 'x']), encodePageCursor(['a'])]) {
      const response = await api(fr, 'GET', `/expectations?after=${encodeURIComponent(after)}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('GET /admin/accounts: pages of two give every account once, by name', async () => {
    for (let i = 0; i < ROWS; i += 1) {
      const created = await api(
        fr,
        'POST',
        '/admin/accounts',
        { name: `paged-${i}`, role: 'coordinator' },
        { as: 'admin' },
      );
      expect(created.status).toBe(201);
    }
    const { rows, pages } = await everyPage<{ name: string }>('/admin/accounts', 2, { as: 'admin' });
    const names = rows.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining([0, 1, 2, 3, 4].map((i) => `paged-${i}`)));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([...names].sort());
    expect(pages).toBe(Math.ceil(names.length / 2));
  });

  it('GET /agency/cases: pages of two give every granted case once, newest grant first, ties by reference', async () => {
    for (const caseRef of cases) await grantAgency(fr, 'ngo-local', caseRef);
    await federation.query('FR', `UPDATE case_grants SET granted_at = '2026-12-10 10:00:00.123456+00'`);
    const { rows, pages } = await everyPage<{ caseRef: string }>('/agency/cases', 2, { as: 'agency' });
    expect(pages).toBe(3);
    expect(rows.map((c) => c.caseRef)).toEqual([...cases].sort().reverse());
  });

  it('GET /audit/checkpoints: pages of two give every peer checkpoint once, by peer and position', async () => {
    for (let seq = 1; seq <= ROWS; seq += 1) {
      await federation.query(
        'FR',
        `INSERT INTO audit_peer_checkpoints (peer, message_id, seq, head_hash, signed_at, key_id, body, signature)
         VALUES ('MK', gen_random_uuid(), $1, repeat('a', 64), now(), 'MK-sig-1', '\\x00', 'signature')`,
        [seq],
      );
    }
    const { rows, pages } = await everyPage<{ peer: string; seq: string }>('/audit/checkpoints?peer=MK', 2, {
      as: 'auditor',
    });
    expect(pages).toBe(3);
    expect(rows.map((r) => r.seq)).toEqual(['1', '2', '3', '4', '5']);
    const forged = await api(
      fr,
      'GET',
      `/audit/checkpoints?after=${encodePageCursor(['MK', 'x', '1'])}`,
      undefined,
      {
        as: 'auditor',
      },
    );
    expect(forged.status).toBe(400);
  });

  it('GET /agency/submissions: a page says there is no next one when there is none', async () => {
    const response = await api(fr, 'GET', '/agency/submissions?limit=2', undefined, { as: 'agency' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });

  it("a case's consents, risk assessments and local secrets: pages of two give every record once, ties by id", async () => {
    const caseRef = cases[0];
    for (let i = 0; i < 2; i += 1) {
      await recordConsent(fr, caseRef);
      await recordAssessment(fr, caseRef);
    }
    for (const [label, value] of [
      ['Shelter address', 'Rruga e Kavajes 14'],
      ['Safe-house phone', '+355 69 555 0101'],
      ['Second shelter', 'Bulevardi Zogu 7'],
    ]) {
      expect((await api(fr, 'POST', `/cases/${caseRef}/local-secrets`, { label, value })).status).toBe(201);
    }
    // Three of each, all at one instant: only the id can order them.
    const instant = '2026-12-01 09:00:00.123456+00';
    // Consent records refuse every edit but a withdrawal: only a session with triggers off can move one.
    await asTamperer(federation, 'FR', (client) =>
      client.query(`UPDATE consent_records SET recorded_at = '${instant}' WHERE case_ref = $1`, [caseRef]),
    );
    await federation.query(
      'FR',
      `UPDATE risk_assessments SET assessed_at = '${instant}' WHERE case_ref = $1`,
      [caseRef],
    );
    await federation.query('FR', `UPDATE local_secrets SET recorded_at = '${instant}' WHERE case_ref = $1`, [
      caseRef,
    ]);

    const consents = await pagesOfTwoGiveTheWhole<{ consentId: string }>(`/cases/${caseRef}/consents`);
    expect(consents).toHaveLength(3);
    expect(consents).toEqual(inOrder(consents, (c) => c.consentId, true));
    const assessments = await pagesOfTwoGiveTheWhole<{ id: string; current: boolean }>(
      `/cases/${caseRef}/risk-assessments`,
    );
    expect(assessments).toHaveLength(3);
    expect(assessments).toEqual(inOrder(assessments, (a) => a.id, true));
    // Which one governs is judged over them all, whichever page it falls on.
    expect(assessments.filter((a) => a.current)).toHaveLength(1);
    const secrets = await pagesOfTwoGiveTheWhole<{ id: string; label: string }>(
      `/cases/${caseRef}/local-secrets`,
    );
    expect(secrets.map((s) => s.label).sort()).toEqual([
      'Safe-house phone',
      'Second shelter',
      'Shelter address',
    ]);
    expect(secrets).toEqual(inOrder(secrets, (s) => s.id));
  });

  it('GET /directory/contacts: pages of one give the contact list once, by country and escalation order', async () => {
    const contacts = await pagesOfTwoGiveTheWhole<{ country: string; sop: number; rank: number }>(
      '/directory/contacts',
      undefined,
      1, // the test directory has few contacts
    );
    expect(contacts.length).toBeGreaterThanOrEqual(2);
    expect(contacts.map((c) => c.country)).toEqual(contacts.map((c) => c.country).sort());
    const mk = await pagesOfTwoGiveTheWhole<{ country: string }>(
      '/directory/contacts?country=MK',
      undefined,
      1,
    );
    expect(mk).toEqual(contacts.filter((c) => c.country === 'MK'));
  });

  it("the admin's lists: a case's grants, an account's API keys and the agencies, every row once", async () => {
    const asAdmin = { as: 'admin' as const };
    const caseRef = cases[1];
    for (const agency of ['paged-ngo-a', 'paged-ngo-b', 'paged-ngo-c']) {
      const account = { name: `${agency}-system`, role: 'agency', agency, noPassword: true };
      expect((await api(fr, 'POST', '/admin/accounts', account, asAdmin)).status).toBe(201);
      await grantAgency(fr, agency, caseRef);
    }
    expect((await api(fr, 'POST', '/admin/accounts/auditor/case-grants', { caseRef }, asAdmin)).status).toBe(
      201,
    );
    await federation.query(
      'FR',
      `UPDATE case_grants SET granted_at = '2026-12-01 09:00:00.123456+00' WHERE case_ref = $1`,
      [caseRef],
    );
    const grants = await pagesOfTwoGiveTheWhole<{ grantee: string; name: string }>(
      `/admin/cases/${caseRef}/grants`,
      asAdmin,
    );
    // At one instant, by grantee and then name.
    expect(grants.map((g) => `${g.grantee} ${g.name}`)).toEqual([
      'agency ngo-local',
      'agency paged-ngo-a',
      'agency paged-ngo-b',
      'agency paged-ngo-c',
      'auditor auditor',
    ]);

    for (let i = 0; i < 3; i += 1) {
      expect(
        (await api(fr, 'POST', '/admin/accounts/paged-ngo-a-system/api-keys', undefined, asAdmin)).status,
      ).toBe(201);
    }
    await federation.query(
      'FR',
      `UPDATE api_keys SET created_at = '2026-12-01 09:00:00.123456+00' WHERE account = 'paged-ngo-a-system'`,
    );
    const keys = await pagesOfTwoGiveTheWhole<{ keyId: string }>(
      '/admin/accounts/paged-ngo-a-system/api-keys',
      asAdmin,
    );
    expect(keys).toHaveLength(3);
    expect(keys).toEqual(inOrder(keys, (k) => k.keyId));

    const agencies = await pagesOfTwoGiveTheWhole<{ code: string }>('/admin/agencies', asAdmin);
    expect(agencies.map((a) => a.code)).toEqual(
      expect.arrayContaining(['paged-ngo-a', 'paged-ngo-b', 'paged-ngo-c']),
    );
    expect(agencies).toEqual(inOrder(agencies, (a) => a.code));
  });

  it("the worklist's lists: pages of two give every row once, and the home page says each list's cursor", async () => {
    // FR awaits MK's answer to each referral; each case gets a consent that expires soon, and its own
    // assessment runs out soon.
    for (const caseRef of cases) {
      await recordConsent(fr, caseRef, { expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    }
    await federation.query(
      'FR',
      `UPDATE risk_assessments SET valid_until = now() + interval '2 days', review_required_at = NULL`,
    );
    await federation.query('FR', `UPDATE expectations SET due_at = '2026-12-10 10:00:00.123456+00'`);

    const awaited = await pagesOfTwoGiveTheWhole<{ id: string; caseRef: string }>('/worklist/awaited');
    expect(awaited.map((e) => e.caseRef).sort()).toEqual([...cases].sort());
    expect(awaited).toEqual(inOrder(awaited, (e) => e.id));
    expect(await pagesOfTwoGiveTheWhole('/worklist/owed')).toEqual([]);
    expect(await pagesOfTwoGiveTheWhole('/worklist/unanswered-referrals')).toEqual([]);
    const reviews = await pagesOfTwoGiveTheWhole<{ caseRef: string }>('/worklist/risk-review-due');
    // They run out at one instant: by case reference.
    expect(reviews.map((r) => r.caseRef)).toEqual([...cases].sort());
    const expiring = await pagesOfTwoGiveTheWhole<{ consentId: string; caseRef: string }>(
      '/worklist/consents-expiring?consentWithinDays=5',
    );
    expect(expiring.map((c) => c.caseRef).sort()).toEqual([...cases].sort());
    expect(new Set(expiring.map((c) => c.consentId)).size).toBe(ROWS);

    const home = await api(fr, 'GET', '/worklist');
    expect(home.status).toBe(200);
    expect(home.body.awaited).toEqual(awaited);
    expect(home.body.totals.awaited).toBe(ROWS);
    expect(home.body.nextCursors).toEqual({
      owed: null,
      awaited: null,
      unansweredReferrals: null,
      riskReviewDue: null,
      consentsExpiring: null,
    });
  });

  it('GET /audit/entries and GET /cases, with cursors of their own: no cursor the node did not write gives a page', async () => {
    const asAuditor = { as: 'auditor' as const };
    // A seq no entry has compared with nothing and gave an empty last page, as if the trail ended there.
    for (const after of ['999999999', 'abc']) {
      const response = await api(fr, 'GET', `/audit/entries?after=${after}`, undefined, asAuditor);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    // Its own cursor still leads from page to page, every entry once.
    const first = await api(fr, 'GET', '/audit/entries?action=CASE_OPENED&limit=2', undefined, asAuditor);
    const second = await api(
      fr,
      'GET',
      `/audit/entries?action=CASE_OPENED&limit=2&after=${first.body.nextCursor}`,
      undefined,
      asAuditor,
    );
    expect(second.status).toBe(200);
    const whole = await api(fr, 'GET', '/audit/entries?action=CASE_OPENED&limit=4', undefined, asAuditor);
    expect([...first.body.entries, ...second.body.entries]).toEqual(whole.body.entries);

    for (const after of ['not-a-cursor!', encodePageCursor(['yesterday', 'x'])]) {
      const response = await api(fr, 'GET', `/cases?after=${encodeURIComponent(after)}`);
      expect(response.status).toBe(400);
    }
  });
});
