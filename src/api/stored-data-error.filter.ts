import { Logger } from '@nestjs/common';
import type { FieldCipherError } from '../crypto/field-cipher';
import type { Problem } from '../common/problem-details';

const logger = new Logger('StoredData');

/** The code a caller gets for a stored value that does not open. */
export const STORED_DATA_UNREADABLE = 'STORED_DATA_UNREADABLE';

/**
 * A stored value that does not open (altered, moved between columns, or under a data key the node lacks) is
 * the operator's problem, not the caller's: 500, with the column and key id, which name no personal data.
 */
export function storedDataProblem(error: FieldCipherError): Problem {
  logger.error(error.message);
  return {
    status: 500,
    code: STORED_DATA_UNREADABLE,
    detail: `stored data could not be decrypted: ${error.message}`,
  };
}
