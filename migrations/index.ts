import { TransferCore1763900000000 } from './1763900000000-transfer-core';
import { ConsentAndRisk1763900200000 } from './1763900200000-consent-and-risk';

/** Listed explicitly (not globbed) so the same list works from ts-jest, ts-node and the compiled dist. */
export const MIGRATIONS = [TransferCore1763900000000, ConsentAndRisk1763900200000];
