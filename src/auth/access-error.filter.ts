import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { Problem, sendProblem } from '../common/problem-details';
import { AccessError, AccessErrorCode } from './access.errors';

/** The one place access errors become HTTP; the switch is exhaustive, so a new code must be mapped. */
@Catch(AccessError)
export class AccessErrorFilter implements ExceptionFilter {
  catch(error: AccessError, host: ArgumentsHost): void {
    sendProblem(host.switchToHttp().getResponse<Response>(), accessProblem(error));
  }
}

export function accessProblem(error: AccessError): Problem {
  const status = statusOf(error.code);
  return {
    status,
    code: error.code,
    detail: error.message,
    ...(status === 401 ? { headers: { 'WWW-Authenticate': 'Bearer realm="trm-broker"' } } : {}),
  };
}

function statusOf(code: AccessErrorCode): number {
  switch (code) {
    case AccessErrorCode.UNAUTHENTICATED:
    case AccessErrorCode.INVALID_CREDENTIALS:
      return 401;
    case AccessErrorCode.FORBIDDEN:
      return 403;
    case AccessErrorCode.NOT_FOUND:
      return 404;
    case AccessErrorCode.ACCOUNT_EXISTS:
      return 409;
    case AccessErrorCode.INVALID_REQUEST:
      return 422;
    default:
      return unmapped(code);
  }
}

function unmapped(code: never): never {
  throw new Error(`unmapped access error ${String(code)}`);
}
