import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CaseWorkflowView } from '../cases/case-workflow.service';
import { CaseEntity, CaseManager, Guardian } from '../cases/case.entity';
import { OverrideStatusView } from '../risk/risk.dto';
import type { CaseFactsState } from '../cases/case-facts.policy';
import { CaseFactsView } from './case-facts.dto';
import { MessageRecordEntity } from '../transfers/message-record.entity';
import type { CaseFile } from '../transfers/transfers.service';

export class CaseView {
  @ApiProperty({ example: 'TRM-FR-2026-000123' }) caseRef!: string;
  @ApiProperty({ example: 'FR' }) ownerCountry!: string;
  @ApiProperty({ type: [String] }) countries!: string[];
  @ApiProperty({ enum: ['OPEN', 'CLOSED'] }) status!: string;
  @ApiProperty() openedAt!: string;
  @ApiPropertyOptional({ nullable: true }) closedAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) ageStatus!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    description:
      "the case owner's identification status (only the owner's messages or coordinators change it)",
  })
  identificationStatus!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    description:
      "on another country's case, this node's own identification decision: this node's gates use it instead of the owner's",
  })
  ownIdentificationStatus!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    description: 'consent was withdrawn: personal data is withheld and nothing but an emergency alert leaves',
  })
  restrictedAt!: string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'the case was erased (docs/retention.md): its personal values read as null, and it takes no change',
  })
  erasedAt!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: ['ORIGIN', 'TRANSIT', 'DESTINATION'] },
    description: 'the role of each country on the case',
  })
  countryRoles!: Record<string, string>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: ['NOT_STARTED', 'ACTIVE', 'COMPLETED', 'SKIPPED'] },
    description: 'the status of each SOP by number; a SOP not listed has not started',
  })
  phases!: Record<string, string>;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) managers!: CaseManager[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  guardian!: Guardian | null;
}

export class MessageStatusView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ nullable: true }) caseRef!: string | null;
  @ApiProperty({ enum: ['OUTBOUND', 'INBOUND'] }) direction!: string;
  @ApiProperty() type!: string;
  @ApiProperty() counterpart!: string;
  @ApiPropertyOptional({ nullable: true }) inReplyTo!: string | null;
  @ApiProperty() legalBasis!: string;
  @ApiProperty({ enum: ['QUEUED', 'SENT', 'DELIVERED', 'REJECTED', 'ACCEPTED'] }) status!: string;
  @ApiPropertyOptional({ nullable: true }) reasonCode!: string | null;
  @ApiPropertyOptional({ nullable: true }) reason!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    example: 'fr',
    description: 'the language of the free text (ISO 639-1), when the envelope carried one',
  })
  language!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) sentAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) deliveredAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) rejectedAt!: string | null;
}

export class SentMessageView extends MessageStatusView {
  @ApiProperty({
    type: [String],
    description: 'field groups left out because the consent does not cover them',
  })
  redacted!: string[];
}

export class MessageView extends MessageStatusView {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) payload!:
    object | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) consent!:
    object | null;
  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description:
      'the use restrictions the message’s data travelled under (docs/protocol.md, "Use restrictions")',
  })
  restrictions!: string[] | null;
}

export class CaseFileView {
  @ApiProperty({ type: CaseView }) case!: CaseView;
  @ApiProperty({ type: [MessageView] }) messages!: MessageView[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'the lifecycle: countries and roles (self marks this node), SOP phases, case managers, guardian, ' +
      'return checklist (the four notifications, eligibility, estimated departure) and timeline',
  })
  workflow!: CaseWorkflowView;
  @ApiProperty({
    type: [OverrideStatusView],
    description:
      'the risk overrides of the case, newest first: status (PENDING_CONFIRMATION until a second coordinator ' +
      'confirms), who requested and who confirmed (actor names only; the written reason is not shown here)',
  })
  riskOverrides!: OverrideStatusView[];
  @ApiProperty({
    type: CaseFactsView,
    description:
      "the case's facts the gates read: asylum claim and its history, identification history, reflection " +
      'period (end, days left, extensions), threats reported, reopenings',
  })
  facts!: CaseFactsView;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description:
      'the use restrictions on the case’s data, by the country that set them (docs/protocol.md, "Use ' +
      'restrictions"); NO_ONWARD_SHARING keeps every personal-data message on the case from other countries',
  })
  restrictions!: Record<string, string[]>;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toCaseView(c: CaseEntity): CaseView {
  return {
    caseRef: c.caseRef,
    ownerCountry: c.ownerCountry,
    countries: c.countries,
    status: c.status,
    openedAt: c.openedAt.toISOString(),
    closedAt: iso(c.closedAt),
    ageStatus: c.ageStatus,
    identificationStatus: c.identificationStatus,
    ownIdentificationStatus: c.ownIdentificationStatus,
    restrictedAt: iso(c.restrictedAt),
    erasedAt: iso(c.erasedAt),
    countryRoles: c.countryRoles,
    phases: c.phases,
    managers: c.managers,
    guardian: c.guardian,
  };
}

export function toMessageStatusView(m: MessageRecordEntity): MessageStatusView {
  return {
    id: m.id,
    caseRef: m.caseRef,
    direction: m.direction,
    type: m.type,
    counterpart: m.counterpart,
    inReplyTo: m.inReplyTo,
    legalBasis: m.legalBasis,
    status: m.status,
    reasonCode: m.reasonCode,
    reason: m.reason,
    language: m.language ?? null,
    createdAt: m.createdAt.toISOString(),
    sentAt: iso(m.sentAt),
    deliveredAt: iso(m.deliveredAt),
    rejectedAt: iso(m.rejectedAt),
  };
}

export function toCaseFileView(
  file: CaseFile,
  workflow: CaseWorkflowView,
  riskOverrides: OverrideStatusView[],
  facts: CaseFactsState,
): CaseFileView {
  return {
    riskOverrides,
    facts,
    workflow: file.case.restrictedAt
      ? { ...workflow, returnChecklist: { ...workflow.returnChecklist, estimatedDeparture: null } }
      : workflow,
    case: toCaseView(file.case),
    // On a restricted case the personal data stays in the database but is no longer shown.
    messages: file.messages.map((m) => ({
      ...toMessageStatusView(m),
      payload: file.case.restrictedAt ? null : m.payload,
      consent: m.consent,
      restrictions: m.restrictions,
    })),
    restrictions: file.restrictions,
  };
}

export class ComposeOptionView {
  @ApiProperty({ example: 'REFERRAL_REQUEST' }) type!: string;
  @ApiProperty({
    type: [String],
    example: ['MK'],
    description: 'participants that accept it, the case allowing',
  })
  to!: string[];
}

export class ComposeOptionsView {
  @ApiProperty({ type: [ComposeOptionView] }) options!: ComposeOptionView[];
}

export class PolicyReasonView {
  @ApiProperty({ example: 'CONSENT_INSUFFICIENT' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ description: 'the consent scope the message needs' }) scope?: string;
  @ApiPropertyOptional({ type: [String], description: 'the payload fields that need it' }) fields?: string[];
  @ApiPropertyOptional({ description: 'a coordinator may override it (risk HIGH)' }) overridable?: boolean;
  @ApiPropertyOptional({
    enum: ['ASYLUM_CLAIM_PENDING', 'THREAT_REVIEW_PENDING', 'FAMILY_INVOLVED', 'FAMILY_THREATENED'],
    description: "the rule of the case's facts that refused, beside the protocol's code",
  })
  rule?: string;
}

export class FieldErrorView {
  @ApiProperty({ example: 'payload.person.dateOfBirth' }) path!: string;
  @ApiProperty({ type: [String] }) constraints!: string[];
}

export class MessageCheckView {
  @ApiProperty({ description: 'a send now would be stored and queued' }) wouldSend!: boolean;
  @ApiPropertyOptional({
    nullable: true,
    enum: ['INVALID_MESSAGE', 'POLICY_REFUSED', 'CASE_STATE_CONFLICT'],
    description: "the send's error code (422, or 409 for CASE_STATE_CONFLICT)",
  })
  error!: string | null;
  @ApiProperty({ type: [PolicyReasonView], description: "the send's 422/409 `reasons`" })
  reasons!: PolicyReasonView[];
  @ApiProperty({ type: [FieldErrorView], description: "the send's 422 `fields`" }) fields!: FieldErrorView[];
  @ApiProperty({ type: [String], description: 'field groups a send with redact would leave out' })
  redacted!: string[];
}
