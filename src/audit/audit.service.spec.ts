import type { EntityManager } from 'typeorm';
import { auditHandoverStatements } from './audit-roles';
import { AuditError } from './audit.errors';
import { AuditService } from './audit.service';

describe('AuditService', () => {
  const calls: Array<{ sql: string; values: unknown[] }> = [];
  const manager = {
    query: async (sql: string, values: unknown[]) => {
      calls.push({ sql, values });
      return [];
    },
  } as unknown as EntityManager;
  const audit = new AuditService();

  beforeEach(() => (calls.length = 0));

  it('writes many entries in one insert, in the caller’s transaction, with no hash and no lock', async () => {
    await audit.recordMany(manager, [
      { action: 'MESSAGE_PUBLISHED', actor: 'node:FR', messageId: 'm-1', details: { attempt: 1 } },
      { action: 'CONSENT_RECORDED', actor: 'api:x', caseRef: 'TRM-FR-2026-000001' },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0].sql).toMatch(/^INSERT INTO audit_log/);
    expect(calls[0].sql).not.toMatch(/lock|hash/i);
    expect(calls[0].values).toHaveLength(22);
    expect(calls[0].values.slice(1, 11)).toEqual([
      'MESSAGE_PUBLISHED',
      'node:FR',
      null,
      'm-1',
      null,
      null,
      null,
      null,
      null,
      '{"attempt":1}',
    ]);
  });

  it('stores what a hostile sender put in an id or a type, even NUL, which PostgreSQL text cannot hold', async () => {
    await audit.record(manager, {
      action: 'MESSAGE_REJECTED',
      actor: 'IT',
      messageType: 'REFERRAL_REQUEST\u0000',
      details: { fields: ['type\u0000'] },
    });
    expect(calls[0].values[5]).toBe('REFERRAL_REQUEST\ufffd');
    expect(calls[0].values[10]).toBe('{"fields":["type\ufffd"]}');
  });

  it('takes a new action code nobody listed yet: the union is open', async () => {
    await audit.record(manager, { action: 'FOLLOW_UP_SCHEDULED', actor: 'api:x' });
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['an action that is not a code', { action: 'consent given by Ana', actor: 'api:x' }],
    ['no actor', { action: 'CASE_OPENED', actor: '' }],
    ['an unknown decision', { action: 'CASE_OPENED', actor: 'x', decision: 'MAYBE' as 'ALLOW' }],
    [
      'details the size of a payload',
      { action: 'CASE_OPENED', actor: 'x', details: { note: 'x'.repeat(5000) } },
    ],
  ])('refuses %s, so the change it would record rolls back', async (_, entry) => {
    await expect(audit.record(manager, entry)).rejects.toBeInstanceOf(AuditError);
    expect(calls).toHaveLength(0);
  });
});

describe('auditHandoverStatements', () => {
  it('hands every audit table, the guard function and the statistics to the owner, and grants append only', () => {
    const sql = auditHandoverStatements('trm_audit', 'trm_app').join(';\n');
    for (const table of ['audit_log', 'audit_chain', 'audit_peer_checkpoints']) {
      expect(sql).toContain(`ALTER TABLE ${table} OWNER TO trm_audit`);
    }
    expect(sql).toContain('ALTER FUNCTION audit_append_only() OWNER TO trm_audit');
    expect(sql).toContain(
      'GRANT SELECT, INSERT ON audit_log, audit_chain, audit_peer_checkpoints TO trm_app',
    );
    expect(sql).not.toMatch(/GRANT[^;]*(UPDATE|DELETE|TRUNCATE)/);
  });

  it('refuses a role name it would have to quote', () => {
    expect(() => auditHandoverStatements('trm_audit', 'x; DROP TABLE audit_log')).toThrow();
  });
});
