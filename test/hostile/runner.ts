import { examplePayload } from '../../src/messages/examples';
import { LocalFederation, RunningNode } from '../../scripts/lib/local-federation';
import { ForeignPeer, Reply } from '../support/foreign-peer';
import { api, openCase, openSharableCase, sendMessage } from '../support/node-api';
import { DeadLetters, diffStore, Forger, healthOf, NodeStore, RawPublisher, StoreDiff } from './harness';
import type { HttpCase, HttpContext, HttpRequest } from './http-corpus';
import { stringLeaves } from './payloads';
import { echoedFragments } from './strings';
import type { BuiltWire, WireCase, WireContext } from './wire-corpus';

/**
 * Runs the corpus against a federation of real nodes: FR (the HTTP API under test, sending to MK) and MK
 * (the queue under test), with IT as a participant written from PROTOCOL.md. Every case checks the clear
 * error, that the node keeps serving, that nothing already stored changed, and that a valid message sent
 * right after goes through. Used by test/hostile-input.e2e-spec.ts.
 */
export interface HostileEnvironment {
  federation: LocalFederation;
  fr: RunningNode;
  mk: RunningNode;
  italy: ForeignPeer;
  publisher: RawPublisher;
  deadLetters: DeadLetters;
  stores: { FR: NodeStore; MK: NodeStore };
  wire: WireContext;
  http: HttpContext;
}

type Row = Record<string, unknown>;
type CaseFile = { messages: Array<{ id: string; payload: unknown }> };
type Allowed = (table: string, row: Row) => boolean;

export function hostileEnvironment(): HostileEnvironment {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  const env = { federation } as HostileEnvironment;
  let caseCounter = 700_000;

  beforeAll(async () => {
    await federation.setUp();
    env.fr = await federation.start('FR');
    env.mk = await federation.start('MK');
    env.italy = await ForeignPeer.connect(federation, 'IT');
    env.publisher = await RawPublisher.connect(federation, 'IT');
    env.deadLetters = await DeadLetters.consume(federation, 'MK');
    env.stores = {
      FR: await NodeStore.connect(federation, 'FR'),
      MK: await NodeStore.connect(federation, 'MK'),
    };
    const italy = new Forger(federation, 'IT');
    const france = new Forger(federation, 'FR');

    env.wire = {
      italy,
      france,
      nextCaseRef: () => `TRM-IT-2026-${String(++caseCounter).padStart(6, '0')}`,
      sendValid: async (draft = {}) => {
        const id = await env.italy.send({
          type: 'REFERRAL_REQUEST',
          to: 'MK',
          caseRef: env.wire.nextCaseRef(),
          payload: examplePayload('REFERRAL_REQUEST'),
          ...draft,
        });
        const reply = await env.italy.replyTo(id, 10_000);
        return { id, answerId: reply.envelope.id, answerType: reply.envelope.type };
      },
      receiptSentToFrance: async () => {
        const [row] = await env.stores.MK.query<{ id: string; case_ref: string }>(
          `SELECT id, case_ref FROM messages
           WHERE direction = 'OUTBOUND' AND counterpart = 'FR' AND type = 'DELIVERY_RECEIPT' AND case_ref IS NOT NULL
           ORDER BY created_at LIMIT 1`,
        );
        return { id: row.id, caseRef: row.case_ref };
      },
    };
    env.http = {
      fr: env.fr,
      caseRef: await openSharableCase(env.fr),
      consentCaseRef: await openCase(env.fr),
      freshSharableCase: () => openSharableCase(env.fr),
    };
    // The federation works before anything hostile happens (and MK has answered FR at least once).
    await validMessageFromFrance(env);
  }, 60_000);

  afterAll(async () => {
    await env.italy?.close();
    await env.publisher?.close();
    await env.deadLetters?.close();
    await env.stores?.FR.close();
    await env.stores?.MK.close();
    await federation.tearDown();
  }, 60_000);

  return env;
}

/** The corpus on MK's queue, as IT publishes it. */
export function describeWireCases(env: HostileEnvironment, cases: WireCase[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('queue: %s', async (_name, hostile) => {
    const built = await hostile.build(env.wire);
    const store = env.stores.MK;
    await store.settle();
    const before = await store.snapshot();
    const earlier = new Set(env.italy.repliesTo(built.answerTo));
    const deadBefore = env.deadLetters.count(built.messageId);
    const nextAnswer = async (): Promise<Reply> =>
      (
        await env.italy.waitFor(
          (r) => r.envelope.inReplyTo === built.answerTo && !earlier.has(r),
          10_000,
          `MK's answer to ${hostile.name}`,
        )
      )[0];

    await env.publisher.publish(built);

    const expected = hostile.expect;
    let allowed: Allowed = () => false;
    switch (expected.outcome) {
      case 'REJECTED': {
        const answered = expected.answered ?? true;
        const dead = await env.deadLetters.take(built.messageId, deadBefore);
        expect(dead['x-trm-reject-code']).toBe(expected.code);
        expect(dead['x-trm-sender-answered']).toBe(answered);
        expect(echoedFragments(String(dead['x-trm-reject-reason']))).toEqual([]);
        if (answered) {
          const reply = await nextAnswer();
          expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
          expect(reply.payload.reasonCode).toBe(expected.code);
          const reason = String(reply.payload.reason);
          expect(reason.length).toBeLessThanOrEqual(500);
          expect(echoedFragments(reason)).toEqual([]);
          if (expected.reasonMentions) expect(reason).toContain(expected.reasonMentions);
        }
        allowed = (table, row) =>
          (table === 'messages' &&
            answered &&
            row.type === 'DELIVERY_REJECTED' &&
            row.direction === 'OUTBOUND' &&
            row.counterpart === 'IT' &&
            row.in_reply_to === built.answerTo) ||
          (table === 'inbox' && row.message_id === built.messageId && row.outcome === 'REJECTED');
        break;
      }
      case 'ACCEPTED': {
        const reply = await nextAnswer();
        expect(reply.envelope.type).toBe('DELIVERY_RECEIPT');
        await expectStoredIntact(env, built);
        const caseRef = JSON.parse(built.body.toString('utf8')).caseRef;
        allowed = (table, row) =>
          (table === 'messages' && (row.id === built.messageId || row.in_reply_to === built.messageId)) ||
          (table === 'inbox' && row.message_id === built.messageId) ||
          (table === 'cases' && row.case_ref === caseRef);
        break;
      }
      case 'DUPLICATE': {
        const reply = await nextAnswer();
        expect(reply.envelope.id).toBe(built.firstAnswerId);
        break;
      }
      case 'RECORDED': {
        await eventuallyTrue(async () => {
          const rows = await store.query('SELECT 1 FROM inbox WHERE message_id = $1', [built.messageId]);
          return rows.length > 0;
        }, `MK recorded ${hostile.name}`);
        allowed = (table, row) =>
          (table === 'messages' && row.id === built.messageId && row.direction === 'INBOUND') ||
          (table === 'inbox' && row.message_id === built.messageId && row.outcome === 'ACCEPTED');
        break;
      }
    }

    expect(await healthOf(env.mk.url)).toBe(200);
    await store.settle();
    expectOnlyAllowed(diffStore(before, await store.snapshot()), allowed);
    if (expected.outcome === 'REJECTED' && expected.answered !== false) {
      const added = diffStore(before, await store.snapshot()).added.filter((a) => a.table === 'messages');
      expect(added).toHaveLength(1);
    }
    if (expected.outcome !== 'REJECTED') expect(env.deadLetters.count(built.messageId)).toBe(deadBefore);

    const valid = await env.wire.sendValid();
    expect(valid.answerType).toBe('DELIVERY_RECEIPT');
    if (expected.outcome === 'REJECTED' && expected.answered === false) {
      expect(env.italy.repliesTo(built.answerTo).filter((r) => !earlier.has(r))).toEqual([]);
    }
  });
}

/** The corpus on FR's HTTP API. */
export function describeHttpCases(env: HostileEnvironment, cases: HttpCase[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('http: %s', async (_name, hostile) => {
    const request = await hostile.request(env.http);
    const store = env.stores.FR;
    await store.settle();
    const before = await store.snapshot();

    const response = await api(env.fr, request.method, request.path, undefined, {
      rawBody: request.body,
      contentType: request.contentType,
    });
    const text = response.text;
    expect({ status: response.status, body: text.slice(0, 300) }).toEqual({
      status: hostile.expect.status,
      body: expect.any(String),
    });

    let allowed: Allowed = () => false;
    const body = JSON.parse(text);
    if (response.status >= 400) {
      expectClearError(body, hostile.expect as Extract<HttpCase['expect'], { status: 400 }>);
      expect(echoedFragments(text)).toEqual([]);
      expect(
        echoedFragments(
          stringLeaves(body)
            .map(([, value]) => value)
            .join('\n'),
        ),
      ).toEqual([]);
    } else if (response.status === 202) {
      const caseRef = decodeURIComponent(request.path.split('/')[2]);
      await store.settle();
      await expectDeliveredIntact(env, body.id, request);
      const receipts = (
        await store.query<{ id: string }>(
          `SELECT id FROM messages WHERE in_reply_to = $1 AND direction = 'INBOUND'`,
          [body.id],
        )
      ).map((r) => r.id);
      allowed = (table, row) =>
        (table === 'messages' && (row.id === body.id || row.in_reply_to === body.id)) ||
        (table === 'inbox' && receipts.includes(String(row.message_id))) ||
        (table === 'cases' && row.case_ref === caseRef);
    } else {
      const records = await store.query<{ child_view: string }>(
        'SELECT child_view FROM consent_records WHERE id = $1',
        [body.consentId],
      );
      expectSameText(
        await store.decrypt(records[0].child_view, 'consent_records.child_view', body.consentId),
        request.childView!,
      );
      expectSameText(body.childView, request.childView!);
      allowed = (table, row) => table === 'consent_records' && row.id === body.consentId;
    }

    expect(await healthOf(env.fr.url)).toBe(200);
    await store.settle();
    // An accepted message or consent is activity on its case: cases.last_activity_at moves, nothing else.
    const accepted = response.status < 400;
    expectOnlyAllowed(diffStore(before, await store.snapshot()), allowed, response.status === 202, accepted);
    await validMessageFromFrance(env);
  });
}

function expectClearError(
  body: Record<string, unknown>,
  expected: { fields?: string[]; reasons?: string[]; constraint?: string },
): void {
  expect(typeof body.message).toBe('string');
  const fields = (body.fields ?? []) as Array<{ path: string; constraints: string[] }>;
  const reasons = (body.reasons ?? []) as Array<{ code: string; message: string }>;
  if (expected.fields) expect(fields.map((f) => f.path)).toEqual(expect.arrayContaining(expected.fields));
  if (expected.reasons) expect(reasons.map((r) => r.code)).toEqual(expect.arrayContaining(expected.reasons));
  if (expected.constraint) {
    expect(fields.flatMap((f) => f.constraints).some((c) => c.startsWith(expected.constraint!))).toBe(true);
  }
}

/** Nothing removed, nothing changed, and every new row is one the case explains. */
function expectOnlyAllowed(
  diff: StoreDiff,
  allowed: Allowed,
  caseRowMayChange = false,
  activityMayChange = false,
): void {
  const onlyActivity = (c: StoreDiff['changed'][number]) =>
    c.table === 'cases' &&
    JSON.stringify({ ...c.before, last_activity_at: null }) ===
      JSON.stringify({ ...c.after, last_activity_at: null });
  expect(diff.removed).toEqual([]);
  expect(
    diff.changed.filter(
      (c) =>
        !(caseRowMayChange && c.table === 'cases' && allowed(c.table, c.after)) &&
        !(activityMayChange && onlyActivity(c)),
    ),
  ).toEqual([]);
  expect(diff.added.filter((a) => !allowed(a.table, a.row))).toEqual([]);
}

/** MK stored the payload (and the consent id) exactly as IT sent them, and serves them back unchanged. */
async function expectStoredIntact(env: HostileEnvironment, built: BuiltWire): Promise<void> {
  const [row] = await env.stores.MK.query<{ payload: string; consent_id: string; case_ref: string }>(
    `SELECT payload, consent->>'consentId' AS consent_id, case_ref FROM messages WHERE id = $1`,
    [built.messageId],
  );
  expectSamePayload(
    JSON.parse(await env.stores.MK.decrypt(row.payload, 'messages.payload', built.messageId)),
    built.payload,
  );
  expectSameText(row.consent_id, built.consentId!);
  const file = (await api(env.mk, 'GET', `/cases/${row.case_ref}`)).body as CaseFile;
  const served = file.messages.find((m) => m.id === built.messageId)!;
  expectSamePayload(served.payload, built.payload);
}

/** FR's message was delivered, and MK holds and serves its payload exactly as the coordinator wrote it. */
async function expectDeliveredIntact(
  env: HostileEnvironment,
  id: string,
  request: HttpRequest,
): Promise<void> {
  const [status] = await env.stores.FR.query<{ status: string }>(
    'SELECT status FROM messages WHERE id = $1',
    [id],
  );
  expect(status.status).toBe('DELIVERED');
  for (const store of [env.stores.FR, env.stores.MK]) {
    const [row] = await store.query<{ payload: string }>('SELECT payload FROM messages WHERE id = $1', [id]);
    expectSamePayload(JSON.parse(await store.decrypt(row.payload, 'messages.payload', id)), request.payload);
  }
  const caseRef = decodeURIComponent(request.path.split('/')[2]);
  const file = (await api(env.mk, 'GET', `/cases/${caseRef}`)).body as CaseFile;
  expectSamePayload(file.messages.find((m) => m.id === id)!.payload, request.payload);
}

function expectSamePayload(stored: unknown, sent: unknown): void {
  expect(stored).toEqual(sent);
  const storedLeaves = new Map(stringLeaves(stored));
  for (const [path, value] of stringLeaves(sent)) expectSameText(storedLeaves.get(path)!, value, path);
}

/** Byte for byte: no normalisation, no replacement character, no trimming. */
function expectSameText(stored: string, sent: string, what = 'text'): void {
  expect({ what, hex: Buffer.from(stored ?? '', 'utf8').toString('hex') }).toEqual({
    what,
    hex: Buffer.from(sent, 'utf8').toString('hex'),
  });
}

/** A valid CASE_UPDATE from FR to MK goes through: 202, then DELIVERED. */
async function validMessageFromFrance(env: HostileEnvironment): Promise<void> {
  const sent = await sendMessage(env.fr, env.http.caseRef, {
    type: 'CASE_UPDATE',
    to: 'MK',
    payload: examplePayload('CASE_UPDATE'),
  });
  expect(sent.status).toBe(202);
  await eventuallyTrue(async () => {
    const [row] = await env.stores.FR.query<{ status: string }>('SELECT status FROM messages WHERE id = $1', [
      sent.body.id,
    ]);
    return row?.status === 'DELIVERED';
  }, `delivery of ${sent.body.id}`);
}

async function eventuallyTrue(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
