/**
 * Database roles around the audit tables. The migration already makes them append-only for their owner
 * (no UPDATE, DELETE or TRUNCATE, and a trigger), but an owner can grant itself those privileges back or
 * drop the trigger. When the node's role runs its own migrations it owns every table it creates, so after
 * migrating, a database administrator hands the audit tables to a role the node cannot become: then a
 * change to the audit trail really needs a superuser (docs/audit.md, "Roles"). LocalFederation does exactly
 * this for the tests and the demo.
 */

export const AUDIT_TABLES = ['audit_log', 'audit_chain', 'audit_peer_checkpoints'] as const;
const AUDIT_SEQUENCES = ['audit_log_seq_seq', 'audit_peer_checkpoints_id_seq'];
const AUDIT_STATISTICS = [
  'audit_log_country_type_stats',
  'audit_log_country_action_stats',
  'audit_log_type_action_stats',
];

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** SQL for a superuser, run once after the migrations: `owner` must exist and `app` is the node's role. */
export function auditHandoverStatements(owner: string, app: string): string[] {
  for (const role of [owner, app]) {
    if (!ROLE_NAME.test(role)) throw new Error(`not a plain role name: ${JSON.stringify(role)}`);
  }
  return [
    ...AUDIT_TABLES.map((table) => `ALTER TABLE ${table} OWNER TO ${owner}`),
    // Owning the trigger function would let the node replace it with one that allows everything.
    `ALTER FUNCTION audit_append_only() OWNER TO ${owner}`,
    ...AUDIT_STATISTICS.map((statistics) => `ALTER STATISTICS ${statistics} OWNER TO ${owner}`),
    `GRANT SELECT, INSERT ON ${AUDIT_TABLES.join(', ')} TO ${app}`,
    `GRANT USAGE ON SEQUENCE ${AUDIT_SEQUENCES.join(', ')} TO ${app}`,
  ];
}
