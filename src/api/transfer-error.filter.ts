import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { TransferError, TransferErrorCode } from '../transfers/transfer.errors';

/** The one place transfer errors become HTTP: a new code nobody maps fails to compile (the `never` below). */
@Catch(TransferError)
export class TransferErrorFilter implements ExceptionFilter {
  catch(error: TransferError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    response.status(statusOf(error.code)).json({
      statusCode: statusOf(error.code),
      error: error.code,
      message: error.message,
      ...(error.details.fields ? { fields: error.details.fields } : {}),
      ...(error.details.reasons ? { reasons: error.details.reasons } : {}),
    });
  }
}

function statusOf(code: TransferErrorCode): number {
  switch (code) {
    case TransferErrorCode.CASE_NOT_FOUND:
    case TransferErrorCode.MESSAGE_NOT_FOUND:
      return 404;
    case TransferErrorCode.INVALID_MESSAGE:
    case TransferErrorCode.POLICY_REFUSED:
      return 422;
    default: {
      const unhandled: never = code;
      throw new Error(`unmapped transfer error ${String(unhandled)}`);
    }
  }
}
