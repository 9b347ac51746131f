import { verifyAuditChain } from '../src/audit/audit-verifier';
import { eventually, LocalFederation } from '../scripts/lib/local-federation';
import { ForeignPeer } from './support/foreign-peer';
import { sealNow } from './support/audit-tools';
import { MessageRecordEntity } from '../src/transfers/message-record.entity';

/**
 * Inbound deliveries that arrive together are applied together: one transaction for the batch, and still
 * each message accepted or rejected on its own (InboundService.applyBatch), against the real PostgreSQL and
 * RabbitMQ. MK starts with a queue already full, so its consumer takes many deliveries at once.
 */
describe('inbound batches (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let france: ForeignPeer;

  beforeAll(async () => {
    await federation.setUp();
    france = await ForeignPeer.connect(federation, 'FR');
  });

  afterAll(async () => {
    await france?.close();
    await federation.tearDown();
  });

  /** The transactions that accepted these messages at MK: how many each applied. */
  async function perTransaction(ids: string[]): Promise<number[]> {
    const rows = await federation.query<{ tx: string; n: number }>(
      'MK',
      `SELECT xmin::text AS tx, count(*)::int AS n FROM inbox
       WHERE message_id = ANY($1) AND outcome = 'ACCEPTED' GROUP BY xmin::text`,
      [ids],
    );
    return rows.map((row) => row.n);
  }

  const caseOf = (n: number): string => `TRM-FR-2026-${String(700_000 + n)}`;
  const update = (n: number, extra: Record<string, unknown> = {}) => ({
    type: 'CASE_UPDATE' as const,
    to: 'MK',
    caseRef: caseOf(n),
    payload: { sop: 3, summary: `Update ${n}.` },
    ...extra,
  });

  it('applies what arrived together in shared transactions, each message on its own', async () => {
    // Waiting in MK's queue before MK runs: 30 updates of 30 cases; among them one that check 13 refuses
    // (older than the node accepts) after check 12 opened its case, and one published twice.
    const valid: string[] = [];
    for (let n = 0; n < 30; n++) valid.push(await france.send(update(n)));
    const stale = await france.send(
      update(30, { sentAt: new Date(Date.now() - 40 * 86_400_000).toISOString() }),
    );
    const twice = france.build(update(31));
    for (let i = 0; i < 2; i++)
      await france.publish(twice.body, {
        id: twice.id,
        type: 'CASE_UPDATE',
        to: 'MK',
        signature: twice.signature,
        caseRef: caseOf(31),
      });
    for (let n = 32; n < 40; n++) valid.push(await france.send(update(n)));

    const mk = await federation.start('MK');

    for (const id of valid) expect((await france.replyTo(id, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    const refused = await france.replyTo(stale, 60_000);
    expect(refused.envelope.type).toBe('DELIVERY_REJECTED');
    expect(refused.payload.reasonCode).toBe('STALE');
    // The one published twice: applied once, and answered twice with the very same receipt.
    await france.waitFor(
      (r) => r.envelope.inReplyTo === twice.id && france.repliesTo(twice.id).length === 2,
      60_000,
      'two answers',
    );
    const answers = france.repliesTo(twice.id);
    expect(answers.map((a) => a.envelope.type)).toEqual(['DELIVERY_RECEIPT', 'DELIVERY_RECEIPT']);
    expect(answers[1].envelope.id).toBe(answers[0].envelope.id);

    const accepted = [...valid, twice.id];
    const inbox = await federation.query<{ message_id: string; outcome: string; tx: string }>(
      'MK',
      `SELECT message_id, outcome, xmin::text AS tx FROM inbox WHERE sender = 'FR'`,
    );
    expect(
      inbox
        .filter((row) => row.outcome === 'ACCEPTED')
        .map((row) => row.message_id)
        .sort(),
    ).toEqual([...accepted].sort());
    expect(inbox.filter((row) => row.outcome === 'REJECTED').map((row) => row.message_id)).toEqual([stale]);
    // Batches: some transaction applied several messages (each alone: 39 transactions of one).
    const perTransaction = new Map<string, number>();
    for (const row of inbox.filter((r) => r.outcome === 'ACCEPTED'))
      perTransaction.set(row.tx, (perTransaction.get(row.tx) ?? 0) + 1);
    expect(Math.max(...perTransaction.values())).toBeGreaterThanOrEqual(3);

    // Each accepted message once, its case opened once; the refused one left nothing of its case behind.
    const messages = await federation.query<{ id: string }>(
      'MK',
      `SELECT id FROM messages WHERE direction = 'INBOUND' AND counterpart = 'FR'`,
    );
    expect(messages.map((m) => m.id).sort()).toEqual([...accepted].sort());
    const cases = await federation.query<{ case_ref: string }>('MK', `SELECT case_ref FROM cases`);
    expect(cases.map((c) => c.case_ref).sort()).toEqual(
      [
        ...Array.from({ length: 30 }, (_, n) => caseOf(n)),
        caseOf(31),
        ...[32, 33, 34, 35, 36, 37, 38, 39].map(caseOf),
      ].sort(),
    );
    const audit = await federation.query<{ action: string; n: number }>(
      'MK',
      `SELECT action, count(*)::int AS n FROM audit_log WHERE counterpart = 'FR' GROUP BY action`,
    );
    const count = (action: string): number => audit.find((a) => a.action === action)?.n ?? 0;
    expect(count('MESSAGE_RECEIVED')).toBe(accepted.length);
    expect(count('CASE_OPENED')).toBe(accepted.length);
    expect(count('MESSAGE_REJECTED')).toBe(1);
    expect(count('DUPLICATE_RECEIVED')).toBe(1);
    const report = await eventually(
      async () => {
        await sealNow(mk);
        const r = await verifyAuditChain(federation.databaseUrl('MK'));
        return r.pending === 0 && r.sealed > 0 ? r : undefined;
      },
      20_000,
      'the audit chain sealed',
    );
    expect({ ok: report.ok, problems: report.problems }).toEqual({ ok: true, problems: [] });
  }, 180_000);

  it('locks a batch’s known cases together and still refuses the one erased meanwhile', async () => {
    // MK running whichever test ran before; ten cases MK knows, each with a message under its case key.
    await federation.stop('MK');
    await federation.start('MK');
    const first: string[] = [];
    for (let n = 100; n < 110; n++) first.push(await france.send(update(n)));
    for (const id of first) expect((await france.replyTo(id, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');

    // MK stops; one case is erased as another instance would erase it (its row marked, its key destroyed),
    // and a second message for each case waits in MK's queue.
    await federation.stop('MK');
    await federation.query('MK', `UPDATE cases SET erased_at = now() WHERE case_ref = $1`, [caseOf(104)]);
    await federation.query(
      'MK',
      `UPDATE case_keys SET wrapped_key = NULL, erased_at = now() WHERE case_ref = $1`,
      [caseOf(104)],
    );
    const second = new Map<number, string>();
    for (let n = 100; n < 110; n++)
      second.set(n, await france.send(update(n, { payload: { sop: 3, summary: `Again ${n}.` } })));
    const mk = await federation.start('MK');

    const refused = await france.replyTo(second.get(104)!, 60_000);
    expect(refused.envelope.type).toBe('DELIVERY_REJECTED');
    expect(refused.payload.reasonCode).toBe('CASE_STATE_CONFLICT');
    const accepted = [...second].filter(([n]) => n !== 104).map(([, id]) => id);
    for (const id of accepted)
      expect((await france.replyTo(id, 60_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    // Applied in batches on the known cases (their rows locked and keys read together), each payload
    // stored under its own case's key and read back.
    expect(Math.max(...(await perTransaction(accepted)))).toBeGreaterThanOrEqual(3);
    for (const [n, id] of second) {
      const stored = await mk.dataSource!.manager.findOneBy(MessageRecordEntity, { id });
      if (n === 104) expect(stored).toBeNull();
      else expect(stored?.payload).toEqual({ sop: 3, summary: `Again ${n}.` });
    }
  }, 180_000);
});
