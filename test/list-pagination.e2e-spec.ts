import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { encodePageCursor } from '../src/common/page';
import { examplePayload } from '../src/messages/examples';
import { api, ApiOptions, grantAgency, openSharableCase, sendMessage } from './support/node-api';

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
});
