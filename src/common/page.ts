import type { Type as ClassOf } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';

/**
 * Keyset pagination for the list routes (GET /cases has its own, older cursor): a page says the cursor of the
 * next one, so a list never stops short without saying so. The cursor is opaque to clients: the sort key
 * values of the page's last row, as base64url JSON.
 */
export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const PAGE_MAX_LIMIT = 500;
export const PAGE_DEFAULT_LIMIT = 100;

/** At most this long: a cursor holds a few short keys, never a value from the client beyond them. */
const CURSOR_MAX_LENGTH = 400;

export function encodePageCursor(keys: string[]): string {
  return Buffer.from(JSON.stringify(keys)).toString('base64url');
}

/** The keys of a cursor, or null when the token is not one this node wrote. */
export function decodePageCursor(token: string): string[] | null {
  if (token.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  try {
    const keys: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string') ? keys : null;
  } catch {
    return null;
  }
}

/** `limit` and `after` of every paged list route. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_MAX_LIMIT, default: PAGE_DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page (opaque)' })
  @IsOptional()
  @ValidateBy({
    name: 'isPageCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodePageCursor(value) !== null,
      defaultMessage: () => 'after must be the nextCursor of a previous page',
    },
  })
  after?: string;
}

/**
 * The OpenAPI shape of a page of `item`s, to extend with the page's own name:
 * `class ConsentPageView extends PageOf(ConsentView) {}`.
 */
export function PageOf<T>(item: ClassOf<T>): ClassOf<Page<T>> {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiProperty({
      nullable: true,
      type: String,
      description: 'pass as `after` for the next page; null on the last',
    })
    nextCursor!: string | null;
  }
  return PageOfItems;
}
