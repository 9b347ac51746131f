// class-transformer's @Type and class-validator-jsonschema read design-time types through this polyfill.
import 'reflect-metadata';
import {
  buildMessage,
  IsEmail,
  IsNotEmpty,
  IsString,
  isISO8601,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
  ValidationOptions,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

// Limits shared by every payload: generous for real case work, small enough that one message cannot be
// used to push megabytes of text through a validator or into a database column.
export const NAME_MAX = 200;
export const TEXT_MAX = 4000;
export const ITEM_MAX = 500;
export const ID_MAX = 100;
export const LIST_MAX = 50;

export const LANGUAGE_CODE_RE = /^[a-z]{2}$/;
export const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
// RFC 3339: seconds and an explicit offset are required, because a local time without offset is ambiguous
// between two countries.
export const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

type NamedPropertyDecorator = (target: object, key: string) => void;

/** One decorator out of several, e.g. a validator and the JSON Schema that describes it. */
export function composeDecorators(...decorators: NamedPropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    // Symbol-keyed properties never come from JSON.
    if (typeof key !== 'string') throw new TypeError('message DTO properties must have string names');
    decorators.forEach((decorate) => decorate(target, key));
  };
}

/**
 * Like @IsOptional, but only an absent property is skipped: `null` is rejected. Payloads are written by other
 * countries' software, and @IsOptional's silent acceptance of null would contradict both the published
 * JSON Schema (which says `type: string`) and our own `field?: T` types.
 */
export function IsOptionalNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: unknown, value: unknown) => value !== undefined, options);
}

/** A timestamp: `2026-11-23T10:15:00.000Z` or `2026-11-23T11:15:00+01:00`. */
export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return composeDecorators(
    ValidateBy(
      {
        name: 'isDateTime',
        validator: {
          validate: (value: unknown) =>
            typeof value === 'string' && DATE_TIME_RE.test(value) && isISO8601(value, { strict: true }),
          defaultMessage: buildMessage(
            (each) => `${each}$property must be an ISO 8601 date-time with seconds and an offset`,
            options,
          ),
        },
      },
      options,
    ),
    JSONSchema({ type: 'string', format: 'date-time' }),
  );
}

/** A calendar date without time, e.g. a date of birth: `2009-03-14`. */
export function IsDateOnly(options?: ValidationOptions): PropertyDecorator {
  return composeDecorators(
    ValidateBy(
      {
        name: 'isDateOnly',
        validator: {
          validate: (value: unknown) =>
            typeof value === 'string' && DATE_RE.test(value) && isISO8601(value, { strict: true }),
          defaultMessage: buildMessage((each) => `${each}$property must be a date YYYY-MM-DD`, options),
        },
      },
      options,
    ),
    JSONSchema({ type: 'string', format: 'date' }),
  );
}

/** For cross-field rules on timestamps that have already passed `IsDateTime`. */
export function isLaterThan(later: string, earlier: string): boolean {
  return Date.parse(later) > Date.parse(earlier);
}

export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * A named case manager in one country. Contact details travel so that staff turnover does not break a
 * referral; they are a professional's work contacts, never the victim's.
 */
export class CaseManagerDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  institution!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  role?: string;

  @IsOptionalNotNull()
  @IsString()
  @Matches(/^\+?[0-9][0-9 ()./-]{2,39}$/, { message: '$property must be a phone number' })
  @MaxLength(40)
  phone?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsEmail()
  @MaxLength(254)
  email?: string;
}
