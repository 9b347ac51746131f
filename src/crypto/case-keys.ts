/**
 * Per-case data keys (docs/data-at-rest.md, "Per-case keys"): every personal value of a case is encrypted
 * under the case's own random AES-256 key (`v3`), which is stored in `case_keys`, wrapped by the node's data
 * key for its row. Erasing a case destroys its key: its values stay in the database as ciphertext that
 * nothing opens any more (backups taken before: docs/retention.md, "Backups").
 *
 * No cache: a key made in a transaction that rolls back must never seal a value, and a key erased by another
 * instance must stop opening at once. One indexed read per row loaded; the unwrapping is one AES-GCM block.
 */
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { FieldCipher, FieldCipherError } from './field-cipher';

/** Where wrapped case keys are stored: the additional authenticated data binds each to its case. */
export const CASE_KEYS_TABLE = 'case_keys';
const WRAPPED = 'case_keys.wrapped_key';

/** Runs one SQL statement in the caller's transaction (a QueryRunner's or an EntityManager's `query`). */
export type RunQuery = (sql: string, params?: unknown[]) => Promise<unknown>;

/** Writing personal data for a case whose key was destroyed: refused, never stored under another key. */
export class CaseErasedError extends FieldCipherError {
  constructor(caseRef: string) {
    super(`case ${caseRef} is erased: no personal data can be stored for it`);
  }
}

export class CaseKeys {
  constructor(private readonly cipher: FieldCipher) {}

  /** The case's key, made on its first value (in the caller's transaction); CaseErasedError once erased. */
  async keyFor(run: RunQuery, caseRef: string): Promise<KeyObject> {
    const raw = randomBytes(32);
    try {
      await run(
        `INSERT INTO case_keys (case_ref, wrapped_key) VALUES ($1, $2) ON CONFLICT (case_ref) DO NOTHING`,
        [caseRef, this.cipher.sealRow(raw, WRAPPED, caseRef)],
      );
    } finally {
      raw.fill(0);
    }
    const key = await this.existingKey(run, caseRef);
    if (!key) throw new CaseErasedError(caseRef);
    return key;
  }

  /** The case's key, or null when the case has none (any more): its values are erased. */
  async existingKey(run: RunQuery, caseRef: string): Promise<KeyObject | null> {
    const rows = (await run(`SELECT wrapped_key FROM case_keys WHERE case_ref = $1`, [caseRef])) as Array<{
      wrapped_key: string | null;
    }>;
    const wrapped = rows[0]?.wrapped_key;
    if (!wrapped) return null;
    const raw = this.cipher.open(wrapped, WRAPPED, caseRef);
    try {
      return createSecretKey(raw);
    } finally {
      raw.fill(0);
    }
  }

  /** Destroys the case's key (and refuses any later one): true when this call erased it. */
  async destroy(run: RunQuery, caseRef: string): Promise<boolean> {
    const rows = (await run(
      `INSERT INTO case_keys (case_ref, wrapped_key, erased_at) VALUES ($1, NULL, now())
       ON CONFLICT (case_ref) DO UPDATE SET wrapped_key = NULL, erased_at = now()
         WHERE case_keys.erased_at IS NULL
       RETURNING case_ref`,
      [caseRef],
    )) as unknown[];
    return rows.length > 0;
  }
}
