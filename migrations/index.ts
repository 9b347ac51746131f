import { TransferCore1763900000000 } from './1763900000000-transfer-core';

/** Listed explicitly (not globbed) so the same list works from ts-jest, ts-node and the compiled dist. */
export const MIGRATIONS = [TransferCore1763900000000];
