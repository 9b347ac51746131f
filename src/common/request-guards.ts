import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { structureErrors } from '../messages/catalogue';
import { CASE_REF_RE } from '../messages/envelope.dto';
import { sendProblem } from './problem-details';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** body-parser `verify` hook: bytes that are not UTF-8 are refused, not silently replaced with U+FFFD. */
export function verifyUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  try {
    utf8.decode(body);
  } catch {
    throw Object.assign(new Error('the body is not valid UTF-8'), { status: 400, expose: true });
  }
}

/**
 * Runs before validation: depth, forbidden keys (`__proto__`…) and characters PostgreSQL cannot store are
 * refused with the same rules as the AMQP path, before class-transformer walks the body recursively.
 */
export function bodyGuard(req: Request, res: Response, next: NextFunction): void {
  const fields = req.body === undefined ? [] : structureErrors(req.body);
  if (fields.length === 0) return next();
  sendProblem(res, {
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: 'invalid request body',
    legacyError: 'Bad Request',
    fields,
  });
}

/** Body-parser failures carry the start of the body in their message: answer without it. */
export function bodyParserErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const status = (error as { status?: number; type?: string }).status;
  if (!status || status < 400 || status >= 500) return next(error);
  const type = (error as { type?: string }).type;
  const [code, detail] =
    type === 'entity.too.large'
      ? ['PAYLOAD_TOO_LARGE', 'the body exceeds the size limit']
      : type === 'entity.parse.failed'
        ? ['MALFORMED_BODY', 'the body is not valid JSON']
        : ['MALFORMED_BODY', 'the body could not be read'];
  sendProblem(res, { status, code, detail, legacyError: 'Bad Request' });
}

/** A case reference in a path: its shape is checked, so nothing else is ever echoed or queried. */
@Injectable()
export class CaseRefPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !CASE_REF_RE.test(value)) {
      throw new BadRequestException({
        statusCode: 400,
        code: 'INVALID_CASE_REF',
        error: 'Bad Request',
        message: 'caseRef must look like TRM-<CC>-<year>-<6 digits>',
      });
    }
    return value;
  }
}
