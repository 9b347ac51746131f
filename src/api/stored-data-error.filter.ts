import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { FieldCipherError } from '../crypto/field-cipher';

/**
 * A stored value that does not open (altered, moved between columns, or under a data key the node lacks) is
 * the operator's problem, not the caller's: 500, with the column and key id, which name no personal data.
 */
@Catch(FieldCipherError)
export class StoredDataErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('StoredData');

  catch(error: FieldCipherError, host: ArgumentsHost): void {
    this.logger.error(error.message);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(500)
      .json({
        statusCode: 500,
        error: 'STORED_DATA_UNREADABLE',
        message: `stored data could not be decrypted: ${error.message}`,
      });
  }
}
