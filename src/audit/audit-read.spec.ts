import { CSV_HEADER, csvLine, jsonLine } from './audit-export';
import { entriesQuery } from './audit-query';
import { buildTimeline } from './audit-timeline';
import type { AuditEntryRow } from './audit.repository';

function row(seq: number, changes: Partial<AuditEntryRow> = {}): AuditEntryRow {
  return {
    seq: String(seq),
    at: `2026-11-23T10:00:0${seq}.000000Z`,
    action: 'MESSAGE_QUEUED',
    actor: 'api:coordinator-1',
    caseRef: 'TRM-FR-2026-000001',
    messageId: 'm-1',
    messageType: 'REFERRAL_REQUEST',
    counterpart: 'MK',
    legalBasis: 'CONSENT',
    decision: 'ALLOW',
    reasonCode: null,
    details: {},
    chainPos: String(seq),
    hash: 'ab'.repeat(32),
    ...changes,
  };
}

describe('entriesQuery', () => {
  it('puts every filter in parameters, in (at, seq) order, with the cursor as a row comparison', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const query = entriesQuery({
      caseRef: 'TRM-FR-2026-000001',
      country: 'MK',
      messageType: 'REFERRAL_REQUEST',
      actor: "api:o'brien",
      action: 'MESSAGE_QUEUED',
      decision: 'DENY',
      from,
      after: '42',
      limit: 10,
      order: 'asc',
    });
    expect(query.values).toEqual([
      'TRM-FR-2026-000001',
      'MK',
      'REFERRAL_REQUEST',
      "api:o'brien",
      'MESSAGE_QUEUED',
      from,
      '42',
      10,
    ]);
    expect(query.text).toContain(`a.decision = 'DENY'`);
    expect(query.text).toContain(
      '(a.at, a.seq) > ((SELECT at FROM audit_log WHERE seq = $7::bigint), $7::bigint)',
    );
    expect(query.text).toMatch(/ORDER BY a\.at ASC, a\.seq ASC\s+LIMIT \$8/);
    expect(query.text).not.toContain("o'brien");
  });

  it('pages backwards with the comparison reversed, and has no WHERE without filters', () => {
    const query = entriesQuery({ after: '5', limit: 3, order: 'desc' });
    expect(query.text).toContain('(a.at, a.seq) < (');
    expect(query.text).toContain('ORDER BY a.at DESC, a.seq DESC');
    expect(entriesQuery({ limit: 3, order: 'asc' }).text).not.toContain('WHERE');
  });
});

describe('exports', () => {
  it('writes RFC 4180 CSV: quotes where needed, details as JSON, nulls empty', () => {
    expect(CSV_HEADER).toBe(
      'seq,at,action,actor,caseRef,messageId,messageType,counterpart,legalBasis,decision,reasonCode,details,chainPos,hash\r\n',
    );
    const line = csvLine(row(1, { actor: 'api:a, "b"', details: { reasons: ['X', 'Y'] } }));
    expect(line).toBe(
      `1,2026-11-23T10:00:01.000000Z,MESSAGE_QUEUED,"api:a, ""b""",TRM-FR-2026-000001,m-1,REFERRAL_REQUEST,MK,CONSENT,ALLOW,,"{""reasons"":[""X"",""Y""]}",1,${'ab'.repeat(32)}\r\n`,
    );
  });

  it('never hands a spreadsheet a formula', () => {
    expect(csvLine(row(1, { actor: '=HYPERLINK("http://x")' }))).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csvLine(row(1, { actor: '@SUM(A1)' }))).toContain(`,'@SUM(A1),`);
  });

  it('writes JSON Lines: one entry per line, exactly the API fields', () => {
    const line = jsonLine(row(2));
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual(row(2));
  });
});

describe('buildTimeline', () => {
  it('groups a case by message, with its direction and steps, and lists the decisions', () => {
    const entries = [
      row(1, {
        action: 'CASE_OPENED',
        messageId: null,
        messageType: null,
        counterpart: null,
        decision: null,
      }),
      row(2),
      row(3, { action: 'MESSAGE_PUBLISHED', decision: null }),
      row(4, { action: 'MESSAGE_RECEIVED', messageId: 'm-2', messageType: 'REFERRAL_CONFIRMATION' }),
      row(5, { action: 'RECEIPT_RECEIVED', decision: null }),
      row(6, {
        action: 'MESSAGE_REFUSED',
        messageId: 'm-3',
        decision: 'DENY',
        reasonCode: 'CONSENT_INSUFFICIENT',
      }),
    ];
    const timeline = buildTimeline('TRM-FR-2026-000001', entries, false);
    expect(timeline.entries).toBe(entries);
    expect(timeline.messages.map((m) => [m.messageId, m.direction, m.lastAction, m.steps.length])).toEqual([
      ['m-1', 'OUTBOUND', 'RECEIPT_RECEIVED', 3],
      ['m-2', 'INBOUND', 'MESSAGE_RECEIVED', 1],
      ['m-3', 'OUTBOUND', 'MESSAGE_REFUSED', 1],
    ]);
    expect(timeline.decisions.map((e) => e.seq)).toEqual(['2', '4', '6']);
    expect(timeline.truncated).toBe(false);
  });
});
