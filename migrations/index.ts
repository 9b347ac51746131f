import { TransferCore1763900000000 } from './1763900000000-transfer-core';
import { AuditTrail1763900100000 } from './1763900100000-audit-trail';
import { ConsentAndRisk1763900200000 } from './1763900200000-consent-and-risk';
import { MessageSubmitter1763900250000 } from './1763900250000-message-submitter';
import { Accounts1763900300000 } from './1763900300000-accounts';
import { FieldEncryption1763900400000 } from './1763900400000-field-encryption';
import { CaseWorkflow1763900500000 } from './1763900500000-case-workflow';
import { Expectations1763900550000 } from './1763900550000-expectations';
import { PartnerAgencies1763900600000 } from './1763900600000-partner-agencies';
import { AgencyGrants1763900800000 } from './1763900800000-agency-grants';
import { AgencyReplyEncryption1763900900000 } from './1763900900000-agency-reply-encryption';
import { CasePeopleEncryption1763901000000 } from './1763901000000-case-people-encryption';
import { InboxSenderKey1763901100000 } from './1763901100000-inbox-sender-key';
import { RateLimits1763901200000 } from './1763901200000-rate-limits';
import { OverrideConfirmation1763901300000 } from './1763901300000-override-confirmation';
import { RowBoundFields1763901400000 } from './1763901400000-row-bound-fields';
import { CancelReasonsAndOwnIdentification1763902100000 } from './1763902100000-cancel-reasons-and-own-identification';
import { CaseActivity1763902200000 } from './1763902200000-case-activity';
import { CaseFacts1763903100000 } from './1763903100000-case-facts';
import { EvidenceBundles1763903300000 } from './1763903300000-evidence-bundles';
import { DirectoryVersions1763903400000 } from './1763903400000-directory-versions';
import { UseRestrictions1763903700000 } from './1763903700000-use-restrictions';
import { LocalSecrets1763903800000 } from './1763903800000-local-secrets';
import { MessageLanguage1763903810000 } from './1763903810000-message-language';
import { CaseStatistics1763903900000 } from './1763903900000-case-statistics';
import { CaseKeys1764200000000 } from './1764200000000-case-keys';
import { RetentionAndHolds1764200010000 } from './1764200010000-retention-and-holds';

/** Listed explicitly (not globbed) so the same list works from ts-jest, ts-node and the compiled dist. */
export const MIGRATIONS = [
  TransferCore1763900000000,
  AuditTrail1763900100000,
  ConsentAndRisk1763900200000,
  MessageSubmitter1763900250000,
  Accounts1763900300000,
  FieldEncryption1763900400000,
  CaseWorkflow1763900500000,
  Expectations1763900550000,
  PartnerAgencies1763900600000,
  AgencyGrants1763900800000,
  AgencyReplyEncryption1763900900000,
  CasePeopleEncryption1763901000000,
  InboxSenderKey1763901100000,
  RateLimits1763901200000,
  OverrideConfirmation1763901300000,
  RowBoundFields1763901400000,
  CancelReasonsAndOwnIdentification1763902100000,
  CaseActivity1763902200000,
  CaseFacts1763903100000,
  EvidenceBundles1763903300000,
  DirectoryVersions1763903400000,
  UseRestrictions1763903700000,
  LocalSecrets1763903800000,
  MessageLanguage1763903810000,
  CaseStatistics1763903900000,
  CaseKeys1764200000000,
  RetentionAndHolds1764200010000,
];
