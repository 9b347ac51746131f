import { TransferCore1763900000000 } from './1763900000000-transfer-core';
import { AuditTrail1763900100000 } from './1763900100000-audit-trail';
import { ConsentAndRisk1763900200000 } from './1763900200000-consent-and-risk';
import { MessageSubmitter1763900250000 } from './1763900250000-message-submitter';
import { Accounts1763900300000 } from './1763900300000-accounts';

/** Listed explicitly (not globbed) so the same list works from ts-jest, ts-node and the compiled dist. */
export const MIGRATIONS = [
  TransferCore1763900000000,
  AuditTrail1763900100000,
  ConsentAndRisk1763900200000,
  MessageSubmitter1763900250000,
  Accounts1763900300000,
];
