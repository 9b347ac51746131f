import { AgencyReplyEntity } from './agencies/agency-reply.entity';
import { AuditEntryEntity } from './audit/audit-entry.entity';
import { CaseEntity } from './cases/case.entity';
import { CaseFactEntity } from './cases/case-fact.entity';
import { LocalSecretEntity } from './cases/local-secret.entity';
import { CaseKeyEntity } from './crypto/case-key.entity';
import { ConsentRecordEntity } from './consent/consent-record.entity';
import { PeerConsentWithdrawalEntity } from './consent/peer-consent-withdrawal.entity';
import { ParticipantEntity } from './directory/participant.entity';
import { InboundWireEntity } from './evidence/inbound-wire.entity';
import { ExpectationEntity } from './expectations/expectation.entity';
import { RiskAssessmentEntity } from './risk/risk-assessment.entity';
import { RiskOverrideEntity } from './risk/risk-override.entity';
import { MessageRecordEntity } from './transfers/message-record.entity';
import { InboxEntity } from './transport/inbox.entity';
import { OutboxEntity } from './transport/outbox.entity';

/**
 * Every entity of the node, beside app.module.ts: like it, this file knows every feature, so the database
 * module (a low folder) needs to know none.
 */
export const ENTITIES = [
  ParticipantEntity,
  CaseEntity,
  CaseKeyEntity,
  CaseFactEntity,
  LocalSecretEntity,
  MessageRecordEntity,
  OutboxEntity,
  InboxEntity,
  AuditEntryEntity,
  ConsentRecordEntity,
  PeerConsentWithdrawalEntity,
  RiskAssessmentEntity,
  RiskOverrideEntity,
  ExpectationEntity,
  AgencyReplyEntity,
  InboundWireEntity,
];
