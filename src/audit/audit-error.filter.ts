import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { Problem, sendProblem } from '../common/problem-details';
import { AuditError, AuditErrorCode } from './audit.errors';

/** The one place audit errors become HTTP; the switch is exhaustive, so a new code must be mapped. */
@Catch(AuditError)
export class AuditErrorFilter implements ExceptionFilter {
  catch(error: AuditError, host: ArgumentsHost): void {
    sendProblem(host.switchToHttp().getResponse<Response>(), auditProblem(error));
  }
}

export function auditProblem(error: AuditError): Problem {
  return { status: statusOf(error.code), code: error.code, detail: error.message };
}

function statusOf(code: AuditErrorCode): number {
  switch (code) {
    case AuditErrorCode.NOT_FOUND:
      return 404;
    case AuditErrorCode.INVALID_QUERY:
      return 400;
    case AuditErrorCode.CASE_NOT_GRANTED:
      return 403;
    // An entry the log refuses is the calling module's bug, not the HTTP client's.
    case AuditErrorCode.INVALID_ENTRY:
      return 500;
    default: {
      const unmapped: never = code;
      throw new Error(`unmapped audit error ${String(unmapped)}`);
    }
  }
}
