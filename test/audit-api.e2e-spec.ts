import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { examplePayload } from '../src/messages/examples';
import { sealNow } from './support/audit-tools';
import { api, Caller, openCase, openSharableCase, sendMessage, waitDelivered } from './support/node-api';

interface Entry {
  seq: string;
  at: string;
  action: string;
  actor: string;
  caseRef: string | null;
  messageId: string | null;
  messageType: string | null;
  counterpart: string | null;
  decision: string | null;
  chainPos: string | null;
  hash: string | null;
}

/**
 * Issue 4, the auditor API on the real services: filters, keyset pages, streamed CSV and JSON Lines exports,
 * a case's timeline, the chain hashes peers verify against; and never a victim's personal data.
 */
describe('auditor API (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let shared: string;
  let refused: string;
  let referralId: string;
  let all: Entry[];

  interface Response {
    status: number;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: any;
    text: string;
    type: string;
  }

  async function get(node: RunningNode, path: string, as: Caller = 'auditor'): Promise<Response> {
    const response = await api(node, 'GET', path, undefined, { as });
    return { ...response, type: response.headers.get('content-type') ?? '' };
  }

  /** Follows nextCursor to the end. */
  async function everyPage(node: RunningNode, query: string, limit = 4): Promise<Entry[]> {
    const entries: Entry[] = [];
    let after = '';
    for (let pages = 0; pages < 500; pages++) {
      const page = await get(
        node,
        `/audit/entries?limit=${limit}${query ? `&${query}` : ''}${after ? `&after=${after}` : ''}`,
      );
      expect(page.status).toBe(200);
      entries.push(...page.body.entries);
      if (!page.body.nextCursor) return entries;
      after = page.body.nextCursor;
    }
    throw new Error('too many pages');
  }

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    shared = await openSharableCase(fr);
    const sent = await sendMessage(fr, shared, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect(sent.status).toBe(202);
    referralId = sent.body.id;
    await waitDelivered(fr, referralId, 20_000);
    // A refusal (no consent on this case) and a read by someone else.
    refused = await openCase(fr);
    const denied = await sendMessage(fr, refused, {
      type: 'CASE_UPDATE',
      to: 'IT',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(denied.status).toBe(422);
    expect((await get(fr, `/cases/${shared}`, 'coordinator')).status).toBe(200);
    // The auditor logs in (an audited step) before the chain is sealed and the entries are read.
    expect((await get(fr, '/auth/me')).status).toBe(200);
    expect((await get(mk, '/auth/me')).status).toBe(200);
    await sealNow(fr);
    await sealNow(mk);
    all = (await get(fr, '/audit/entries?limit=1000')).body.entries;
  });

  afterAll(async () => {
    await federation.tearDown();
  });

  it('lists every entry in time order, each with its place in the chain once sealed', async () => {
    const [{ n }] = await federation.query<{ n: number }>('FR', `SELECT count(*)::int AS n FROM audit_log`);
    expect(all).toHaveLength(n);
    for (let i = 1; i < all.length; i++) {
      expect(all[i].at >= all[i - 1].at).toBe(true);
      if (all[i].at === all[i - 1].at) expect(Number(all[i].seq)).toBeGreaterThan(Number(all[i - 1].seq));
    }
    expect(all.every((e) => e.chainPos !== null && /^[0-9a-f]{64}$/.test(e.hash!))).toBe(true);
  });

  it.each([
    ['case', () => `caseRef=${shared}`, (e: Entry) => e.caseRef === shared],
    ['country', () => 'country=MK', (e: Entry) => e.counterpart === 'MK'],
    [
      'message type',
      () => 'messageType=REFERRAL_REQUEST',
      (e: Entry) => e.messageType === 'REFERRAL_REQUEST',
    ],
    ['decision', () => 'decision=DENY', (e: Entry) => e.decision === 'DENY'],
    ['actor', () => 'actor=api:coordinator', (e: Entry) => e.actor === 'api:coordinator'],
    ['action', () => 'action=PERSONAL_DATA_READ', (e: Entry) => e.action === 'PERSONAL_DATA_READ'],
    [
      'a combination',
      () => `caseRef=${shared}&country=MK&decision=ALLOW`,
      (e: Entry) => e.caseRef === shared && e.counterpart === 'MK' && e.decision === 'ALLOW',
    ],
  ])('filters by %s, page by page', async (_, query, matches) => {
    const expected = all.filter(matches);
    expect(expected.length).toBeGreaterThan(0);
    expect(await everyPage(fr, query(), 2)).toEqual(expected);
  });

  it('filters by a time range: from inclusive, to exclusive', async () => {
    const from = all[3].at;
    const to = all[all.length - 2].at;
    const expected = all.filter((e) => e.at >= from && e.at < to);
    const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    expect(await everyPage(fr, range, 3)).toEqual(expected);
  });

  it('pages backwards too, and the pages join with no gap and no repeat', async () => {
    const backwards = await everyPage(fr, 'order=desc', 5);
    expect(backwards).toEqual([...all].reverse());
  });

  it('finds the refusal with its reason code, and the read of personal data with who read it', async () => {
    const [refusal] = (await get(fr, `/audit/entries?caseRef=${refused}&decision=DENY`)).body.entries;
    expect(refusal).toMatchObject({
      action: 'MESSAGE_REFUSED',
      counterpart: 'IT',
      messageType: 'CASE_UPDATE',
      actor: 'api:coordinator',
    });
    expect(refusal.reasonCode).toEqual(expect.any(String));
    const reads = (await get(fr, `/audit/entries?caseRef=${shared}&action=PERSONAL_DATA_READ`)).body.entries;
    expect(reads.map((e: Entry) => e.actor)).toEqual(['api:coordinator']);
  });

  it('exports the same entries as CSV and as JSON Lines, streamed', async () => {
    const query = `caseRef=${shared}`;
    const expected = all.filter((e) => e.caseRef === shared);
    const jsonl = await get(fr, `/audit/export?format=jsonl&${query}`);
    expect(jsonl.status).toBe(200);
    expect(jsonl.type).toMatch(/application\/x-ndjson/);
    const lines = jsonl.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(expected);

    const csv = await get(fr, `/audit/export?format=csv&${query}`);
    expect(csv.type).toMatch(/text\/csv/);
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'seq,at,action,actor,caseRef,messageId,messageType,counterpart,legalBasis,decision,reasonCode,details,chainPos,hash',
    );
    expect(rows).toHaveLength(expected.length + 1);
    expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual(expected.map((e) => e.seq));

    const everything = await get(fr, '/audit/export?format=jsonl');
    expect(everything.text.trim().split('\n')).toHaveLength(all.length);
  });

  it("tells a case's timeline across its messages and decisions, on both sides", async () => {
    const atFr = await get(fr, `/audit/cases/${shared}/timeline`);
    expect(atFr.status).toBe(200);
    const actions = atFr.body.entries.map((e: Entry) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'CASE_OPENED',
        'CONSENT_RECORDED',
        'RISK_ASSESSED',
        'MESSAGE_QUEUED',
        'MESSAGE_PUBLISHED',
        'RECEIPT_RECEIVED',
        'PERSONAL_DATA_READ',
      ]),
    );
    expect(actions[0]).toBe('CASE_OPENED');
    const trail = atFr.body.messages.find((m: { messageId: string }) => m.messageId === referralId);
    expect(trail).toMatchObject({
      messageType: 'REFERRAL_REQUEST',
      counterpart: 'MK',
      direction: 'OUTBOUND',
      lastAction: 'RECEIPT_RECEIVED',
    });
    expect(trail.steps.map((s: { action: string }) => s.action)).toEqual([
      'MESSAGE_QUEUED',
      'MESSAGE_PUBLISHED',
      'RECEIPT_RECEIVED',
    ]);
    expect(atFr.body.decisions.map((e: Entry) => e.action)).toContain('MESSAGE_QUEUED');

    const atMk = await get(mk, `/audit/cases/${shared}/timeline`);
    const received = atMk.body.messages.find((m: { messageId: string }) => m.messageId === referralId);
    expect(received).toMatchObject({
      direction: 'INBOUND',
      counterpart: 'FR',
      lastAction: 'MESSAGE_RECEIVED',
    });

    expect((await get(fr, '/audit/cases/TRM-FR-2026-999999/timeline')).status).toBe(404);
  });

  it('serves chain hashes from a position, linked, for peers checking their checkpoints', async () => {
    const page = await get(fr, '/audit/chain?fromPos=2&limit=5');
    expect(page.status).toBe(200);
    expect(page.body.rows.map((r: { pos: string }) => r.pos)).toEqual(['2', '3', '4', '5', '6']);
    for (let i = 1; i < page.body.rows.length; i++)
      expect(page.body.rows[i].prevHash).toBe(page.body.rows[i - 1].hash);
    expect(Number(page.body.head.pos)).toBeGreaterThanOrEqual(all.length);
    expect(page.body.rows[0]).not.toHaveProperty('actor');
  });

  it('never holds personal data: no name or birth date of the person in any export', async () => {
    for (const node of [fr, mk]) {
      const everything = (await get(node, '/audit/export?format=jsonl')).text;
      expect(everything.length).toBeGreaterThan(100);
      expect(everything).not.toMatch(/Petrovska|Петровска|2009-03-14/);
    }
  });

  it('answers a malformed query with 400 and the field at fault', async () => {
    for (const query of [
      'country=France',
      'limit=5000',
      'decision=MAYBE',
      'after=abc',
      'from=yesterday',
      'unknown=1',
    ]) {
      const response = await get(fr, `/audit/entries?${query}`);
      expect(response.status).toBe(400);
    }
    const reversed = await get(fr, `/audit/entries?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error).toBe('INVALID_QUERY');
    expect((await get(fr, '/audit/export?format=xml')).status).toBe(400);
  });
});
