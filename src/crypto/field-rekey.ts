/**
 * What a node does with the stored ciphertexts as a whole: at boot, check that it holds every key id they
 * name, encrypt any plaintext left from before field encryption and bind every `v1` value (table and column
 * only) to its row (`v2`); on rotation, move every value to the active key. Batches of rows, each in its own
 * transaction, so a run can stop anywhere and start again where it stopped.
 */
import { DataSource, EntityManager } from 'typeorm';
import { CaseKeys } from './case-keys';
import { EncryptedColumnInfo, legacyPlain } from './encrypted-column';
import { FieldCipher, FieldCipherError, isSealedValue, sealForCase } from './field-cipher';

/** The stored format as a PostgreSQL regular expression (the same pattern `isSealedValue` uses). */
const SEALED_SQL = String.raw`^v[12]\.([A-Za-z0-9_-]{1,64})\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$`;
const DEFAULT_BATCH = 200;

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
const where = (c: EncryptedColumnInfo): string => `${c.table}.${c.column}`;

/**
 * The values of column `c` still to move: for a row of a case, any not under its case's key yet (`v3`);
 * otherwise any value that does not start with `$1` (`v2.%` at boot, `v2.<active key>.%` on rotation).
 */
function pendingSql(c: EncryptedColumnInfo): string {
  const column = quote(c.column);
  if (c.caseColumn === null) return `${column} NOT LIKE $1`;
  // An empty case reference is no case (a technical answer to a message whose case could not be read).
  const caseRef = `NULLIF(${quote(c.caseColumn)}, '')`;
  return `((${caseRef} IS NOT NULL AND ${column} NOT LIKE 'v3.%') OR (${caseRef} IS NULL AND ${column} NOT LIKE $1))`;
}

/** How many values each key check tries: one altered value among them must not pass for a wrong key. */
const KEY_SAMPLES = 5;

export interface StoredKeyUse {
  column: string;
  /** null: values stored in clear, from before field encryption. */
  keyId: string | null;
  count: number;
  /** A few of those values with their rows' ids, to check that the key file under that id is the right key. */
  samples: Array<{ rowId: string; value: string }>;
}

/** How many stored values name each key id, per column, with a few of them to try the key on. */
export async function storedKeyIds(
  dataSource: DataSource,
  columns: EncryptedColumnInfo[],
): Promise<StoredKeyUse[]> {
  const found: StoredKeyUse[] = [];
  for (const c of columns) {
    const [value, id] = [quote(c.column), quote(c.primaryKey)];
    const rows: Array<{
      key_id: string | null;
      count: string;
      samples: Array<{ rowId: string; value: string }>;
    }> = await dataSource.query(
      `SELECT key_id, count(*) AS count,
                json_agg(json_build_object('rowId', row_id, 'value', value)) FILTER (WHERE n <= ${KEY_SAMPLES}) AS samples
         FROM (SELECT substring(${value} from $1) AS key_id, ${id}::text AS row_id, ${value} AS value,
                      row_number() OVER (PARTITION BY substring(${value} from $1)) AS n
               FROM ${quote(c.table)} WHERE ${value} IS NOT NULL AND ${value} NOT LIKE 'v3.%') numbered
         GROUP BY key_id`,
      [SEALED_SQL],
    );
    for (const row of rows)
      found.push({ column: where(c), keyId: row.key_id, count: Number(row.count), samples: row.samples });
  }
  return found;
}

/**
 * Refuses a database whose values name a data key this node lacks, or holds under another key file (the
 * error names the key id and the column, never a value), then encrypts values stored in clear before field
 * encryption existed and binds `v1` values to their rows, in batches that each commit (`say` gets the
 * progress): interrupted, the next start goes on where this one stopped.
 */
export async function prepareStoredFields(
  dataSource: DataSource,
  cipher: FieldCipher,
  columns: EncryptedColumnInfo[],
  say: (line: string) => void = () => undefined,
): Promise<void> {
  const stored = await storedKeyIds(dataSource, columns);
  for (const { column, keyId, samples } of stored) {
    if (keyId === null) continue;
    const restore = `restore the key file ${cipher.code}.${keyId.slice(3)}.key from the key backup`;
    if (!cipher.hasKey(keyId)) {
      throw new FieldCipherError(
        `${column} holds values encrypted under data key ${keyId}, which is not in ${cipher.dir}: ${restore}`,
      );
    }
    // The key is the right one when any sample opens: an altered value is reported by the binding pass
    // below, row by row, rather than read as a wrong key.
    if (!samples.some(({ rowId, value }) => opens(cipher, value, column, rowId))) {
      throw new FieldCipherError(
        `${column} holds values that data key ${keyId} in ${cipher.dir} does not open (a different key under that id, or altered values): ${restore}`,
      );
    }
  }
  const unbound = await countUnbound(dataSource, columns);
  if (unbound.size === 0) return;
  const total = [...unbound.values()].reduce((a, b) => a + b, 0);
  say(
    columns.some((c) => c.caseColumn !== null)
      ? `binding ${total} stored values to their rows (v2) or their cases' keys (v3)`
      : `binding ${total} stored values to their rows (v2)`,
  );
  const done = new Map<string, number>();
  const reports = await rekeyFields(dataSource, cipher, columns, {
    unboundOnly: true,
    onBatch: (column, count) => {
      done.set(column, (done.get(column) ?? 0) + count);
      say(`  ${column}: ${done.get(column)} of ${unbound.get(column) ?? '?'}`);
    },
  });
  for (const r of reports.filter((r) => r.reencrypted > 0 || r.remaining > 0)) {
    const locked = r.remaining - r.unreadable.length;
    say(
      `${r.column}: ${r.reencrypted} bound to their rows, ${locked} left (rows in use: the next start binds them)`,
    );
    for (const rowId of r.unreadable)
      say(`${r.column} (row ${rowId}): fails authentication, left as it is: restore it from a backup`);
  }
}

function opens(cipher: FieldCipher, value: string, column: string, rowId: string): boolean {
  try {
    cipher.open(value, column, rowId);
    return true;
  } catch {
    return false;
  }
}

/** Values not bound to their rows yet (plaintext or `v1`), per column. */
async function countUnbound(
  dataSource: DataSource,
  columns: EncryptedColumnInfo[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const c of columns) {
    const [{ count }]: Array<{ count: string }> = await dataSource.query(
      `SELECT count(*) AS count FROM ${quote(c.table)} WHERE ${quote(c.column)} IS NOT NULL AND ${pendingSql(c)}`,
      ['v2.%'],
    );
    if (Number(count) > 0) counts.set(where(c), Number(count));
  }
  return counts;
}

export interface RekeyOptions {
  /**
   * Only values not bound to their rows: stored in clear, or `v1` (at boot). Otherwise every value not
   * row-bound under the active key (rotation).
   */
  unboundOnly?: boolean;
  batchSize?: number;
  onBatch?: (column: string, reencrypted: number) => void;
}

export interface RekeyReport {
  column: string;
  reencrypted: number;
  /**
   * Values still not moved: rows another transaction held locked during the run, and values that fail
   * authentication (`unreadable`).
   */
  remaining: number;
  /** Row ids whose value fails authentication (altered, or moved from another row or column): left as is. */
  unreadable: string[];
}

/**
 * Re-encrypts, batch by batch in primary-key order, each batch in its own transaction. A value that fails
 * authentication is left as it is and reported (it reads as an integrity error until it is restored from a
 * backup): one altered row must not stop a node from starting, nor a rotation from moving the others.
 */
export async function rekeyFields(
  dataSource: DataSource,
  cipher: FieldCipher,
  columns: EncryptedColumnInfo[],
  options: RekeyOptions = {},
): Promise<RekeyReport[]> {
  const reports: RekeyReport[] = [];
  for (const c of columns) {
    const [table, column, pk] = [quote(c.table), quote(c.column), quote(c.primaryKey)];
    if (!/^[a-z ]+$/.test(c.primaryKeyType)) throw new Error(`${where(c)}: unexpected key type`);
    const keyType = c.primaryKeyType;
    const pending = {
      sql: pendingSql(c),
      param: options.unboundOnly ? 'v2.%' : `v2.${cipher.activeKeyId}.%`,
    };
    const caseKeys = new CaseKeys(cipher);
    const caseRefSql = c.caseColumn === null ? 'NULL' : `NULLIF(${quote(c.caseColumn)}, '')`;
    let reencrypted = 0;
    const unreadable: string[] = [];
    // Past the last row seen, so rows left as they are (locked, unreadable) are not selected again.
    let after: string | null = null;
    for (;;) {
      const batch: { moved: number; last: string | null } = await dataSource.transaction(async (manager) => {
        // Lets re-encryption through the consent records' no-edit trigger, for this transaction only.
        await manager.query(`SELECT set_config('trm.rekey', 'on', true)`);
        const rows: Array<{ pk: string; value: string; caseRef: string | null }> = await manager.query(
          `SELECT ${pk}::text AS pk, ${column} AS value, ${caseRefSql} AS "caseRef" FROM ${table}
           WHERE ${column} IS NOT NULL AND ${pending.sql} AND ($3::text IS NULL OR ${pk} > $3::${keyType})
           ORDER BY ${pk} LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [pending.param, options.batchSize ?? DEFAULT_BATCH, after],
        );
        let moved = 0;
        for (const row of rows) {
          let plain: Buffer;
          try {
            plain = isSealedValue(row.value)
              ? cipher.open(row.value, where(c), row.pk)
              : legacyPlain(c.kind, row.value);
          } catch (error) {
            if (!(error instanceof FieldCipherError && error.integrity)) throw error;
            unreadable.push(row.pk);
            continue;
          }
          const run = (sql: string, params?: unknown[]) => manager.query(sql, params);
          const sealed = row.caseRef
            ? sealForCase(await caseKeys.keyFor(run, row.caseRef), plain, where(c), row.pk)
            : cipher.sealRow(plain, where(c), row.pk);
          await manager.query(`UPDATE ${table} SET ${column} = $1 WHERE ${pk} = $2`, [sealed, row.pk]);
          moved++;
        }
        return { moved, last: rows.at(-1)?.pk ?? null };
      });
      if (batch.last === null) break;
      after = batch.last;
      reencrypted += batch.moved;
      if (batch.moved > 0) options.onBatch?.(where(c), batch.moved);
    }
    const [{ count }]: Array<{ count: string }> = await dataSource.query(
      `SELECT count(*) AS count FROM ${table} WHERE ${column} IS NOT NULL AND ${pending.sql}`,
      [pending.param],
    );
    reports.push({ column: where(c), reencrypted, remaining: Number(count), unreadable });
  }
  return reports;
}

/**
 * Moves every value of one case still under the node's key (or in clear) under the case's key, in the
 * caller's transaction: erasure runs it before destroying the key, so that nothing of the case is left
 * that the node's key opens. Returns how many values it moved.
 */
export async function moveCaseValues(
  manager: EntityManager,
  cipher: FieldCipher,
  columns: EncryptedColumnInfo[],
  caseRef: string,
): Promise<number> {
  const caseKeys = new CaseKeys(cipher);
  const run = (sql: string, params?: unknown[]) => manager.query(sql, params);
  await manager.query(`SELECT set_config('trm.rekey', 'on', true)`);
  let moved = 0;
  for (const c of columns.filter((c) => c.caseColumn !== null)) {
    const [table, column, pk] = [quote(c.table), quote(c.column), quote(c.primaryKey)];
    const rows: Array<{ pk: string; value: string }> = await manager.query(
      `SELECT ${pk}::text AS pk, ${column} AS value FROM ${table}
       WHERE ${quote(c.caseColumn!)} = $1 AND ${column} IS NOT NULL AND ${column} NOT LIKE 'v3.%' FOR UPDATE`,
      [caseRef],
    );
    for (const row of rows) {
      const plain = isSealedValue(row.value)
        ? cipher.open(row.value, where(c), row.pk)
        : legacyPlain(c.kind, row.value);
      const sealed = sealForCase(await caseKeys.keyFor(run, caseRef), plain, where(c), row.pk);
      await manager.query(`UPDATE ${table} SET ${column} = $1 WHERE ${pk} = $2`, [sealed, row.pk]);
      moved++;
    }
  }
  return moved;
}
