/**
 * `@EncryptedColumn(kind)`: a text column whose value is stored through the node's FieldCipher, bound to its
 * row, so an entity reads like any other, a database dump holds only ciphertext, and a ciphertext moved to
 * another row fails to open.
 *
 * A column transformer never sees the row, so the work is done by an entity subscriber, which does:
 * before an insert it gives the row its primary key if the database would have (a uuid, or the next value of
 * the row's sequence) and seals each value for that key; before an update it seals for the primary key found
 * among the values (`updateEncrypted` puts it there; an update without it is refused, never written
 * unbound); after a load it opens each value with the loaded row's key (a load without the primary key is
 * refused). A value that fails authentication is audited (`STORED_DATA_INTEGRITY_FAILED`, in a transaction
 * of its own, as the reader's rolls back) and thrown, never shown.
 *
 * Entity decorators are global, but several nodes may share one process (tests, benchmark), each with its own
 * keys: so the decorator only marks the column, and `bindFieldCipher` gives each DataSource a subscriber bound
 * to that node's cipher.
 */
import { KeyObject, randomUUID } from 'node:crypto';
import {
  Column,
  DataSource,
  EntityManager,
  EntityMetadata,
  EntitySubscriberInterface,
  EntityTarget,
  InsertEvent,
  LoadEvent,
  ObjectLiteral,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
  UpdateEvent,
} from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CASE_KEYS_TABLE, CaseKeys, RunQuery, TransactionKeys } from './case-keys';
import { FieldCipher, FieldCipherError, isCaseSealed, openForCase, sealForCase } from './field-cipher';

/** What the column holds before encryption: a JSON value, a string, or raw bytes. */
export type PlainKind = 'json' | 'text' | 'bytes';

export interface EncryptedColumnInfo {
  table: string;
  column: string;
  /** The single-column primary key: bound into every value, and the batches' order when re-encrypting. */
  primaryKey: string;
  /** Its SQL type (`uuid`, `bigint`). */
  primaryKeyType: string;
  kind: PlainKind;
  /**
   * The table's `case_ref` column when its values are under their case's key (`v3`); null: under the node's
   * data key (`v2`), as are the values of rows without a case.
   */
  caseColumn: string | null;
}

/** The column naming a row's case: the tables that have it hold a case's personal data under its key. */
const CASE_COLUMN = 'case_ref';

const MARKED: Array<{ target: object; propertyName: string; kind: PlainKind }> = [];

export function EncryptedColumn(
  kind: PlainKind,
  options: { name?: string; nullable?: boolean } = {},
): PropertyDecorator {
  return (target, propertyName) => {
    MARKED.push({ target: target.constructor, propertyName: String(propertyName), kind });
    Column('text', options)(target, propertyName);
  };
}

export function toPlain(kind: PlainKind, value: unknown): Buffer {
  if (kind === 'bytes') return value as Buffer;
  return Buffer.from(kind === 'json' ? JSON.stringify(value) : (value as string), 'utf8');
}

export function fromPlain(kind: PlainKind, plain: Buffer): unknown {
  if (kind === 'bytes') return plain;
  const text = plain.toString('utf8');
  return kind === 'json' ? JSON.parse(text) : text;
}

/** A value stored before encryption existed, as the field-encryption migration left it. */
export function legacyPlain(kind: PlainKind, stored: string): Buffer {
  return kind === 'bytes' ? Buffer.from(stored, 'base64') : Buffer.from(stored, 'utf8');
}

/**
 * Updates a row with encrypted columns by its primary key, which goes among the values too: the subscriber
 * only sees the values, and seals each for that key.
 */
export async function updateEncrypted<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  id: string,
  changes: Partial<T>,
): Promise<void> {
  const metadata = manager.connection.getMetadata(target);
  const key = primaryOf(metadata).propertyName;
  await manager.update(target, { [key]: id } as never, { ...changes, [key]: id } as never);
}

interface EntityColumns {
  table: string;
  /** uuid: generated here; sequence: the next value of the column's own sequence (bigserial). */
  primary: {
    propertyName: string;
    databaseName: string;
    type: string;
    generated: 'uuid' | 'sequence' | null;
  };
  columns: Array<{ propertyName: string; where: string; kind: PlainKind }>;
  /** The row's case (property and column), when its values go under the case's key. */
  caseOf: { propertyName: string; databaseName: string } | null;
}

function primaryOf(metadata: EntityMetadata): EntityColumns['primary'] {
  const [primary, ...more] = metadata.primaryColumns;
  if (!primary || more.length > 0)
    throw new Error(`${metadata.tableName}: encrypted columns need a one-column primary key`);
  return {
    propertyName: primary.propertyName,
    databaseName: primary.databaseName,
    type: typeof primary.type === 'string' ? primary.type : 'text',
    generated:
      primary.generationStrategy === 'uuid'
        ? 'uuid'
        : primary.generationStrategy === 'increment' || primary.type === 'bigint'
          ? 'sequence'
          : null,
  };
}

class FieldEncryptionSubscriber implements EntitySubscriberInterface {
  /** The plain values an insert or update replaced, put back after it so the caller's object is unchanged. */
  private readonly replaced = new WeakMap<object, Array<[string, unknown]>>();
  /** The case keys each transaction under way has read (its query runner's), dropped when it ends. */
  private readonly transactionKeys = new WeakMap<QueryRunner, TransactionKeys>();

  constructor(
    private readonly cipher: FieldCipher,
    private readonly entities: Map<EntityMetadata['target'], EntityColumns>,
    private readonly dataSource: DataSource,
    private readonly caseKeys: CaseKeys,
  ) {}

  /**
   * TypeORM runs the hook of every row of a multi-row insert at once: their statements take turns on the
   * transaction's one connection (pg runs one query at a time), and the second row of a case finds its key
   * kept by the first.
   */
  beforeInsert(event: InsertEvent<ObjectLiteral>): Promise<void> {
    return this.inTurn(event.queryRunner, () => this.sealInserted(event));
  }

  private async sealInserted(event: InsertEvent<ObjectLiteral>): Promise<void> {
    const found = this.entities.get(event.metadata.target);
    if (!found || !event.entity) return;
    const row = event.entity;
    const { primary } = found;
    if (row[primary.propertyName] === undefined || row[primary.propertyName] === null) {
      // The database would give the row its key after the insert; the value must be sealed for it before.
      if (primary.generated === 'uuid') row[primary.propertyName] = randomUUID();
      else if (primary.generated === 'sequence') {
        const [{ id }]: Array<{ id: string }> = await event.queryRunner.query(
          `SELECT nextval(pg_get_serial_sequence($1, $2))::text AS id`,
          [found.table, primary.databaseName],
        );
        row[primary.propertyName] = id;
      } else
        throw new FieldCipherError(`${found.table}: a row with encrypted columns is inserted without its id`);
    }
    const run: RunQuery = (sql, params) => event.queryRunner.query(sql, params);
    const caseRef = found.caseOf && caseOrNone(row[found.caseOf.propertyName]);
    // A row without personal values (a technical answer's record) needs no key: nor does it refuse an erased case.
    const sealing = found.columns.some(
      (c) => row[c.propertyName] !== undefined && row[c.propertyName] !== null,
    );
    const caseKey =
      typeof caseRef === 'string' && sealing
        ? await this.caseKeys.keyFor(run, caseRef, this.keptBy(event.queryRunner))
        : null;
    this.seal(found, row, String(row[primary.propertyName]), caseKey);
  }

  /** Keys are kept within a transaction only (case-keys.ts): none outside one, none past its end. */
  private keptBy(queryRunner: QueryRunner | undefined): TransactionKeys | undefined {
    if (!queryRunner?.isTransactionActive) return undefined;
    let kept = this.transactionKeys.get(queryRunner);
    if (!kept) this.transactionKeys.set(queryRunner, (kept = new TransactionKeys()));
    return kept;
  }

  /** Reads the keys of these cases in one statement, for the rows the transaction is about to load. */
  async readCaseKeys(queryRunner: QueryRunner, caseRefs: string[]): Promise<void> {
    const kept = this.keptBy(queryRunner);
    if (!kept) return;
    const run: RunQuery = (sql, params) => queryRunner.query(sql, params);
    await this.inTurn(queryRunner, () => this.caseKeys.readAll(run, caseRefs, kept));
  }

  beforeTransactionStart(event: TransactionStartEvent): void {
    this.transactionKeys.delete(event.queryRunner);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    this.transactionKeys.delete(event.queryRunner);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.transactionKeys.delete(event.queryRunner);
  }

  afterInsert(event: InsertEvent<ObjectLiteral>): void {
    if (event.entity) this.restore(event.entity);
  }

  beforeUpdate(event: UpdateEvent<ObjectLiteral>): Promise<void> {
    return this.inTurn(event.queryRunner, () => this.sealUpdated(event));
  }

  private async sealUpdated(event: UpdateEvent<ObjectLiteral>): Promise<void> {
    const found = this.entities.get(event.metadata.target);
    const values = event.entity;
    if (!found || !values) return;
    const touched = found.columns.filter((c) => values[c.propertyName] !== undefined);
    if (touched.length === 0) return;
    const id = values[found.primary.propertyName];
    if (id === undefined || id === null) {
      throw new FieldCipherError(
        `${touched[0].where}: an encrypted column is updated by the row's primary key, among the values (updateEncrypted)`,
      );
    }
    const run: RunQuery = (sql, params) => event.queryRunner.query(sql, params);
    const caseRef = await this.caseOfRow(run, found, values, String(id));
    const caseKey =
      caseRef === null ? null : await this.caseKeys.keyFor(run, caseRef, this.keptBy(event.queryRunner));
    this.seal(found, values, String(id), caseKey);
  }

  /** The row's case when its values go under the case's key: from the values, or else from the stored row. */
  private async caseOfRow(
    run: RunQuery,
    found: EntityColumns,
    values: ObjectLiteral,
    id: string,
  ): Promise<string | null> {
    if (!found.caseOf) return null;
    const given: unknown = values[found.caseOf.propertyName];
    if (typeof given === 'string') return caseOrNone(given);
    const rows = (await run(
      `SELECT ${found.caseOf.databaseName} AS "caseRef" FROM ${found.table} WHERE ${found.primary.databaseName} = $1`,
      [id],
    )) as Array<{ caseRef: string | null }>;
    return caseOrNone(rows[0]?.caseRef);
  }

  afterUpdate(event: UpdateEvent<ObjectLiteral>): void {
    if (event.entity) this.restore(event.entity);
  }

  async afterLoad(entity: ObjectLiteral, event?: LoadEvent<ObjectLiteral>): Promise<void> {
    const found = event && this.entities.get(event.metadata.target);
    if (!found) return;
    const stored = found.columns.filter((c) => typeof entity[c.propertyName] === 'string');
    if (stored.length === 0) return;
    const id = entity[found.primary.propertyName];
    if (id === undefined || id === null)
      throw new FieldCipherError(
        `${stored[0].where}: an encrypted column is read with its row's primary key`,
      );
    const caseSealed = stored.filter((c) => isCaseSealed(entity[c.propertyName]));
    let caseKey: KeyObject | null = null;
    if (caseSealed.length > 0) {
      // Rows of one load are opened together: their key reads take turns on the loader's connection.
      const owner: object = event!.queryRunner ?? event!.manager;
      const run: RunQuery = (sql, params) => this.inTurn(owner, () => event!.manager.query(sql, params));
      const caseRef = found.caseOf && (await this.caseOfRow(run, found, entity, String(id)));
      caseKey = caseRef
        ? await this.caseKeys.existingKey(run, caseRef, this.keptBy(event!.queryRunner))
        : null;
    }
    for (const c of stored) {
      try {
        const value: string = entity[c.propertyName];
        if (isCaseSealed(value)) {
          // The case is erased: its key is gone, and so is the value.
          entity[c.propertyName] = caseKey
            ? fromPlain(c.kind, openForCase(caseKey, value, c.where, String(id)))
            : null;
          continue;
        }
        entity[c.propertyName] = fromPlain(c.kind, this.cipher.open(value, c.where, String(id)));
      } catch (error) {
        if (error instanceof FieldCipherError && error.integrity)
          await this.auditIntegrityFailure(c.where, String(id), entity.caseRef);
        throw error;
      }
    }
  }

  /** One query at a time per connection: pg refuses to run a second while the first is running. */
  private readonly turns = new WeakMap<object, Promise<unknown>>();

  private inTurn<T>(owner: object, work: () => Promise<T>): Promise<T> {
    const next = (this.turns.get(owner) ?? Promise.resolve()).then(work, work);
    this.turns.set(
      owner,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Seals each value for the row: under the case's key when it has one, else under the node's data key. */
  private seal(found: EntityColumns, row: ObjectLiteral, id: string, caseKey: KeyObject | null): void {
    const replaced: Array<[string, unknown]> = [];
    for (const c of found.columns) {
      const value = row[c.propertyName];
      if (value === undefined || value === null) continue;
      replaced.push([c.propertyName, value]);
      const plain = toPlain(c.kind, value);
      row[c.propertyName] = caseKey
        ? sealForCase(caseKey, plain, c.where, id)
        : this.cipher.sealRow(plain, c.where, id);
    }
    if (replaced.length > 0) this.replaced.set(row, replaced);
  }

  private restore(row: ObjectLiteral): void {
    for (const [property, value] of this.replaced.get(row) ?? []) row[property] = value;
    this.replaced.delete(row);
  }

  /**
   * Ids and the column only. Its own connection and transaction: the reader's is about to fail. A failure to
   * audit does not hide the integrity error, which is thrown either way.
   */
  private async auditIntegrityFailure(column: string, rowId: string, caseRef: unknown): Promise<void> {
    try {
      await new AuditService().record(this.dataSource.manager, {
        action: 'STORED_DATA_INTEGRITY_FAILED',
        actor: `node:${this.cipher.code}`,
        caseRef: typeof caseRef === 'string' ? caseRef : null,
        decision: 'DENY',
        reasonCode: 'FIELD_INTEGRITY',
        details: { column, rowId },
      });
    } catch {
      // The error below is logged by whoever catches it (StoredDataErrorFilter over HTTP).
    }
  }
}

/**
 * Binds every encrypted column of this DataSource to `cipher` (one subscriber per DataSource); returns them.
 * With `caseKeys` (the node does), the values of a table with a `case_ref` are put under their case's key.
 */
export function bindFieldCipher(
  dataSource: DataSource,
  cipher: FieldCipher,
  options: { caseKeys?: boolean } = {},
): EncryptedColumnInfo[] {
  const bound: EncryptedColumnInfo[] = [];
  const entities = new Map<EntityMetadata['target'], EntityColumns>();
  for (const metadata of dataSource.entityMetadatas) {
    const columns: EntityColumns['columns'] = [];
    for (const column of metadata.columns) {
      const mark = MARKED.find((m) => m.target === metadata.target && m.propertyName === column.propertyName);
      if (!mark) continue;
      const where = `${metadata.tableName}.${column.databaseName}`;
      columns.push({ propertyName: column.propertyName, where, kind: mark.kind });
    }
    if (columns.length === 0) continue;
    const primary = primaryOf(metadata);
    const caseColumn = metadata.columns.find((c) => c.databaseName === CASE_COLUMN);
    const caseOf =
      options.caseKeys && caseColumn && metadata.tableName !== CASE_KEYS_TABLE
        ? { propertyName: caseColumn.propertyName, databaseName: caseColumn.databaseName }
        : null;
    entities.set(metadata.target, { table: metadata.tableName, primary, columns, caseOf });
    for (const c of columns) {
      bound.push({
        table: metadata.tableName,
        column: c.where.slice(metadata.tableName.length + 1),
        primaryKey: primary.databaseName,
        primaryKeyType: primary.type,
        kind: c.kind,
        caseColumn: caseOf?.databaseName ?? null,
      });
    }
  }
  const subscribers = dataSource.subscribers as EntitySubscriberInterface[];
  const earlier = subscribers.findIndex((s) => s instanceof FieldEncryptionSubscriber);
  if (earlier >= 0) subscribers.splice(earlier, 1);
  subscribers.push(new FieldEncryptionSubscriber(cipher, entities, dataSource, new CaseKeys(cipher)));
  BOUND.set(dataSource, bound);
  return bound;
}

const BOUND = new WeakMap<DataSource, EncryptedColumnInfo[]>();

/**
 * Before loading the rows of many cases in the caller's transaction: their keys in one statement, instead of
 * one read per case as each row is opened. Outside a transaction, or with no cipher bound, it does nothing.
 */
export async function readCaseKeys(manager: EntityManager, caseRefs: string[]): Promise<void> {
  const subscriber = manager.connection.subscribers.find(
    (s): s is FieldEncryptionSubscriber => s instanceof FieldEncryptionSubscriber,
  );
  if (subscriber && manager.queryRunner) await subscriber.readCaseKeys(manager.queryRunner, caseRefs);
}

/** The encrypted columns `bindFieldCipher` bound on this DataSource (none before it ran). */
export function boundColumnsOf(dataSource: DataSource): EncryptedColumnInfo[] {
  return BOUND.get(dataSource) ?? [];
}

/**
 * The case a row belongs to, or null: an empty reference is no case (PROTOCOL.md: the answer to a message whose
 * case could not be read carries caseRef ""), so its values stay under the node's key.
 */
function caseOrNone(caseRef: unknown): string | null {
  return typeof caseRef === 'string' && caseRef !== '' ? caseRef : null;
}
