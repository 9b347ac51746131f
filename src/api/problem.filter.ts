import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditError } from '../audit/audit.errors';
import { auditProblem } from '../audit/audit-error.filter';
import { AccessError } from '../auth/access.errors';
import { accessProblem } from '../auth/access-error.filter';
import { CaseErrorCode } from '../cases/case.errors';
import { CaseErasedError } from '../crypto/case-keys';
import { FieldCipherError } from '../crypto/field-cipher';
import { domainProblem, isDomainError } from './domain-error.filter';
import { codeForStatus, Problem, sendProblem } from '../common/problem-details';
import { storedDataProblem } from './stored-data-error.filter';

/**
 * The last filter of every route, and of requests no route matches: whatever was thrown leaves as problem
 * details. The modules' own filters map their errors the same way (the same functions), so which of them
 * Nest picks first makes no difference to the body.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const problem = this.problemOf(error, http.getRequest<Request>());
    if (response.headersSent) {
      // A stream (an audit export) failed after its first bytes: nothing can be said any more but stopping.
      response.destroy();
      return;
    }
    sendProblem(response, problem);
  }

  private problemOf(error: unknown, request: Request): Problem {
    if (error instanceof AccessError) return accessProblem(error);
    if (error instanceof AuditError) return auditProblem(error);
    if (isDomainError(error)) return domainProblem(error);
    // Personal data for an erased case: the case's state refuses it, nothing is wrong with the store.
    if (error instanceof CaseErasedError)
      return { status: 409, code: CaseErrorCode.CASE_STATE_CONFLICT, detail: error.message };
    if (error instanceof FieldCipherError) return storedDataProblem(error);
    if (error instanceof HttpException) return httpProblem(error, request);
    // Our bug or an unreachable dependency: logged as Nest logs it, and answered without its message, which
    // may quote a database value.
    this.logger.error(
      error instanceof Error ? error.message : String(error),
      error instanceof Error ? error.stack : undefined,
    );
    return {
      status: 500,
      code: 'INTERNAL_ERROR',
      detail: 'the request failed on the node; it is logged there',
    };
  }
}

/** Nest's own exceptions (pipes, throttler, unknown routes, controllers' NotFoundException…). */
export function httpProblem(error: HttpException, request: Request): Problem {
  const status = error.getStatus();
  const body = error.getResponse();
  const members = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (status === 404 && !request.route) {
    // Nest's message quotes the path as sent, which may carry anything.
    return {
      status,
      code: 'ROUTE_NOT_FOUND',
      detail: 'no route matches this method and path',
      legacyError: 'Not Found',
    };
  }
  const message = members.message ?? body;
  return {
    status,
    code: typeof members.code === 'string' ? members.code : codeForStatus(status),
    detail:
      typeof message === 'string' ? message : Array.isArray(message) ? message.join('; ') : error.message,
    ...(typeof members.error === 'string' ? { legacyError: members.error } : {}),
    ...(Array.isArray(members.fields) ? { fields: members.fields as unknown[] } : {}),
  };
}
