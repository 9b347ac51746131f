import { BadRequestException } from '@nestjs/common';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decodePageCursor, encodePageCursor, Page, PAGE_DEFAULT_LIMIT } from '../common/page';
import { UUID } from '../common/validation';

/**
 * One sort key of a keyset page: its SQL over the query's alias, its type, and its value in a row. The last
 * key must be unique (an id). Times are compared to the millisecond, as a JavaScript Date holds them, so the
 * cursor made from a row's Date finds that row again.
 */
export interface PageKey<E> {
  sql: string;
  type: 'timestamptz' | 'text' | 'uuid';
  of: (row: E) => string | Date;
}

function asText(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}

/** Each cursor value checked against its key's type, so a forged cursor is a 400 and never a SQL error. */
function cursorValues<E>(keys: PageKey<E>[], after: string): string[] {
  const values = decodePageCursor(after);
  const fits =
    values !== null &&
    values.length === keys.length &&
    keys.every(({ type }, i) =>
      type === 'uuid'
        ? UUID.test(values[i])
        : type === 'timestamptz'
          ? !Number.isNaN(Date.parse(values[i]))
          : true,
    );
  if (!fits) throw new BadRequestException('after must be the nextCursor of a previous page');
  return values;
}

/**
 * The page of `query` after the cursor, in the keys' order (all ascending or all descending), with the
 * cursor of the next page when there is one: one row more than the page is read to know.
 */
export async function keysetPage<E extends ObjectLiteral>(
  query: SelectQueryBuilder<E>,
  keys: PageKey<E>[],
  order: 'ASC' | 'DESC',
  request: { limit?: number; after?: string },
): Promise<Page<E>> {
  const limit = request.limit ?? PAGE_DEFAULT_LIMIT;
  const sql = keys.map(keySql);
  if (request.after) {
    const values = cursorValues(keys, request.after);
    const params = Object.fromEntries(values.map((value, i) => [`pageKey${i}`, value]));
    const placeholders = keys.map(({ type }, i) => `CAST(:pageKey${i} AS ${type})`);
    query.andWhere(`(${sql.join(', ')}) ${order === 'ASC' ? '>' : '<'} (${placeholders.join(', ')})`, params);
  }
  sql.forEach((expression, i) =>
    i === 0 ? query.orderBy(expression, order) : query.addOrderBy(expression, order),
  );
  return pageOfRows(await query.limit(limit + 1).getMany(), keys, limit);
}

/**
 * The same keyset for a query written in SQL: its condition (`true` on the first page) and ORDER BY, with
 * the cursor's values as parameters numbered from `$firstParam`; read `limit + 1` rows and give them to
 * pageOfRows with `limit`.
 */
export function keysetSql<R>(
  keys: PageKey<R>[],
  order: 'ASC' | 'DESC',
  request: { limit?: number; after?: string },
  firstParam: number,
): { where: string; orderBy: string; limit: number; params: string[] } {
  const sql = keys.map(keySql);
  const orderBy = sql.map((expression) => `${expression} ${order}`).join(', ');
  const limit = request.limit ?? PAGE_DEFAULT_LIMIT;
  if (!request.after) return { where: 'true', orderBy, limit, params: [] };
  const params = cursorValues(keys, request.after);
  const placeholders = keys.map(({ type }, i) => `CAST($${firstParam + i} AS ${type})`);
  const where = `(${sql.join(', ')}) ${order === 'ASC' ? '>' : '<'} (${placeholders.join(', ')})`;
  return { where, orderBy, limit, params };
}

/** The page from rows read with one more than `limit`: the extra row says a next page exists. */
export function pageOfRows<R>(rows: R[], keys: PageKey<R>[], limit: number): Page<R> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > limit && last ? encodePageCursor(keys.map(({ of }) => asText(of(last)))) : null;
  return { items, nextCursor };
}

function keySql<R>({ sql, type }: PageKey<R>): string {
  return type === 'timestamptz' ? `date_trunc('milliseconds', ${sql})` : sql;
}
