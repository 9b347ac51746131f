/**
 * `@EncryptedColumn(kind)`: a text column whose value is stored through the node's FieldCipher, so an entity
 * reads like any other and a database dump holds only ciphertext.
 *
 * Entity decorators are global, but several nodes may share one process (tests, benchmark), each with its own
 * keys: so the decorator only marks the column, and `bindFieldCipher` gives each DataSource's column metadata
 * a transformer bound to that node's cipher. The additional authenticated data is `table.column`; the row id is
 * left out because a transformer never sees the row, and the outbox copies stored bodies between rows.
 */
import { Column, DataSource, ValueTransformer } from 'typeorm';
import { FieldCipher, FieldCipherError } from './field-cipher';

/** What the column holds before encryption: a JSON value, a string, or raw bytes. */
export type PlainKind = 'json' | 'text' | 'bytes';

export interface EncryptedColumnInfo {
  table: string;
  column: string;
  /** The single-column primary key, for batch re-encryption. */
  primaryKey: string;
  kind: PlainKind;
}

const MARKED: Array<{ target: object; propertyName: string; kind: PlainKind }> = [];

const UNBOUND: ValueTransformer = {
  to: () => {
    throw new FieldCipherError('encrypted column used before the field cipher was bound to the data source');
  },
  from: () => {
    throw new FieldCipherError('encrypted column used before the field cipher was bound to the data source');
  },
};

export function EncryptedColumn(
  kind: PlainKind,
  options: { name?: string; nullable?: boolean } = {},
): PropertyDecorator {
  return (target, propertyName) => {
    MARKED.push({ target: target.constructor, propertyName: String(propertyName), kind });
    Column('text', { ...options, transformer: UNBOUND })(target, propertyName);
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

/** Gives every encrypted column of this DataSource a transformer bound to `cipher`; returns the columns. */
export function bindFieldCipher(dataSource: DataSource, cipher: FieldCipher): EncryptedColumnInfo[] {
  const bound: EncryptedColumnInfo[] = [];
  for (const metadata of dataSource.entityMetadatas) {
    for (const column of metadata.columns) {
      const mark = MARKED.find((m) => m.target === metadata.target && m.propertyName === column.propertyName);
      if (!mark) continue;
      const aad = `${metadata.tableName}.${column.databaseName}`;
      const { kind } = mark;
      column.transformer = {
        to: (value: unknown) =>
          value === null || value === undefined ? value : cipher.seal(toPlain(kind, value), aad),
        from: (value: string | null) => (value === null ? null : fromPlain(kind, cipher.open(value, aad))),
      };
      const [primary, ...more] = metadata.primaryColumns;
      if (!primary || more.length > 0)
        throw new Error(`${aad}: encrypted columns need a one-column primary key`);
      bound.push({
        table: metadata.tableName,
        column: column.databaseName,
        primaryKey: primary.databaseName,
        kind,
      });
    }
  }
  return bound;
}
