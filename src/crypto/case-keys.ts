/**
 * Per-case data keys (docs/data-at-rest.md, "Per-case keys"): every personal value of a case is encrypted
 * under the case's own random AES-256 key (`v3`), which is stored in `case_keys`, wrapped by the node's data
 * key for its row. Erasing a case destroys its key: its values stay in the database as ciphertext that
 * nothing opens any more (backups taken before: docs/retention.md, "Backups").
 *
 * No cache across transactions: a key made in a transaction that rolls back must never seal a value, and a key
 * erased by another instance must stop opening at once. Within one transaction a key read once is kept
 * (TransactionKeys: an inbound message's record, its receipt and its case's row share one read), and any
 * erasure on this node drops what every transaction kept.
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

/** Counts erasures on this node (any CaseKeys): a transaction's kept keys are dropped when it moves. */
let erasures = 0;

/**
 * The case keys one transaction has read, for the rest of that transaction only: its owner (the encryption
 * subscriber) drops it when the transaction commits or rolls back, and an erasure anywhere on the node
 * empties it.
 */
export class TransactionKeys {
  private readonly keys = new Map<string, KeyObject>();
  private seen = erasures;

  get(caseRef: string): KeyObject | undefined {
    if (this.seen !== erasures) {
      this.keys.clear();
      this.seen = erasures;
    }
    return this.keys.get(caseRef);
  }

  set(caseRef: string, key: KeyObject): void {
    if (this.seen === erasures) this.keys.set(caseRef, key);
  }
}

export class CaseKeys {
  constructor(private readonly cipher: FieldCipher) {}

  /**
   * The case's key, made on its first value (in the caller's transaction); CaseErasedError once erased. One
   * statement makes it or reads it; a key another transaction made since that statement began is read again.
   */
  async keyFor(run: RunQuery, caseRef: string, kept?: TransactionKeys): Promise<KeyObject> {
    const known = kept?.get(caseRef);
    if (known) return known;
    const raw = randomBytes(32);
    let rows: Array<{ wrapped_key: string | null }>;
    try {
      rows = (await run(
        `WITH made AS (
           INSERT INTO case_keys (case_ref, wrapped_key) VALUES ($1, $2) ON CONFLICT (case_ref) DO NOTHING
           RETURNING wrapped_key)
         SELECT wrapped_key FROM made UNION ALL SELECT wrapped_key FROM case_keys WHERE case_ref = $1`,
        [caseRef, this.cipher.sealRow(raw, WRAPPED, caseRef)],
      )) as Array<{ wrapped_key: string | null }>;
    } finally {
      raw.fill(0);
    }
    const key =
      rows.length > 0 ? this.unwrap(rows[0].wrapped_key, caseRef) : await this.existingKey(run, caseRef);
    if (!key) throw new CaseErasedError(caseRef);
    kept?.set(caseRef, key);
    return key;
  }

  /** The case's key, or null when the case has none (any more): its values are erased. */
  async existingKey(run: RunQuery, caseRef: string, kept?: TransactionKeys): Promise<KeyObject | null> {
    const known = kept?.get(caseRef);
    if (known) return known;
    const rows = (await run(`SELECT wrapped_key FROM case_keys WHERE case_ref = $1`, [caseRef])) as Array<{
      wrapped_key: string | null;
    }>;
    const key = this.unwrap(rows[0]?.wrapped_key ?? null, caseRef);
    if (key) kept?.set(caseRef, key);
    return key;
  }

  /** Reads the keys these cases have in one statement and keeps them for the transaction (none kept: no read). */
  async readAll(run: RunQuery, caseRefs: string[], kept: TransactionKeys): Promise<void> {
    const wanted = [...new Set(caseRefs)].filter((caseRef) => !kept.get(caseRef));
    if (wanted.length === 0) return;
    const rows = (await run(
      `SELECT case_ref, wrapped_key FROM case_keys WHERE case_ref = ANY($1) AND wrapped_key IS NOT NULL`,
      [wanted],
    )) as Array<{ case_ref: string; wrapped_key: string }>;
    for (const row of rows) kept.set(row.case_ref, this.unwrap(row.wrapped_key, row.case_ref)!);
  }

  private unwrap(wrapped: string | null, caseRef: string): KeyObject | null {
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
    erasures += 1; // before the statement: no transaction seals with a kept key from here on
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
