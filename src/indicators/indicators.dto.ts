import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { IsCountryCode } from '../common/validation';
import { CHECKLIST_ITEMS } from './indicators';

export class IndicatorsQueryDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'the period starts here (inclusive); default: the beginning',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'the period ends here (exclusive); default: now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ example: 'MK', description: 'only what concerns this partner country' })
  @IsOptional()
  @IsCountryCode()
  country?: string;
}

export class RefusalCountView {
  @ApiProperty({ enum: ['SENDING', 'RECEIVING', 'PARTNER'], description: 'which gate refused' })
  gate!: string;
  @ApiProperty({ description: 'the first reason code of the refusal' }) reasonCode!: string;
  @ApiProperty() country!: string;
  @ApiProperty() count!: number;
}

export class WithdrawalCountryView {
  @ApiProperty() country!: string;
  @ApiProperty() told!: number;
  @ApiProperty() notTold!: number;
}

export class ConsentWithdrawalsView {
  @ApiProperty() withdrawals!: number;
  @ApiProperty() recipientsTold!: number;
  @ApiProperty() recipientsNotTold!: number;
  @ApiProperty({ type: [WithdrawalCountryView] }) byCountry!: WithdrawalCountryView[];
}

export class AnswerTimeView {
  @ApiProperty({ enum: ['AWAITED', 'OWED'] }) direction!: string;
  @ApiProperty() requestType!: string;
  @ApiProperty() country!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() answered!: number;
  @ApiProperty({ type: Number, nullable: true }) medianHours!: number | null;
  @ApiProperty({ type: Number, nullable: true }) p90Hours!: number | null;
  @ApiProperty() deadlineHours!: number;
  @ApiProperty() overdue!: number;
  @ApiProperty() shareOverdue!: number;
}

export class EscalationCountView {
  @ApiProperty() country!: string;
  @ApiProperty() overdue!: number;
  @ApiProperty() escalated!: number;
  @ApiProperty() exhausted!: number;
}

export class ReturnsDuringIdentificationView {
  @ApiProperty({ description: 'RETURN_PLAN messages sent or applied in the period' }) returnPlans!: number;
  @ApiProperty({ description: 'of which while identification was pending: must be 0' })
  duringIdentification!: number;
  @ApiProperty({ type: [String], description: 'the cases concerned, if any' }) cases!: string[];
}

export class EvidenceContactView {
  @ApiProperty({ description: 'EVIDENCE_REQUESTs sent to the case’s origin in the period' })
  contactsWithOrigin!: number;
  @ApiProperty({ description: 'of which under a consent' }) underConsent!: number;
  @ApiProperty({ description: 'of which on a vital-interest basis (reviewed)' }) vitalInterest!: number;
  @ApiProperty({ description: 'of which under neither: must be 0' }) withoutConsentOrVitalInterest!: number;
}

export class FamilyTracingView {
  @ApiProperty({ description: 'FAMILY_TRACING_REQUESTs sent or applied in the period' }) requests!: number;
  @ApiProperty({
    description: 'of which while an asylum claim was pending (case facts or the request): must be 0',
  })
  withAsylumClaimPending!: number;
  @ApiProperty({ description: 'of which without her wish to return to her family: must be 0' })
  withoutWish!: number;
  @ApiProperty({ description: 'of which exchanged before the node recorded the conditions: not judged' })
  unrecorded!: number;
}

export class ChecklistGapView {
  @ApiProperty({
    enum: CHECKLIST_ITEMS,
    description: 'a part of the return handshake the checklist lacked at departure',
  })
  item!: string;
  @ApiProperty() count!: number;
}

export class ReturnChecklistsView {
  @ApiProperty({ description: 'ARRIVAL_CONFIRMATIONs sent or applied in the period: returns that happened' })
  returns!: number;
  @ApiProperty({ description: 'of which with the return checklist complete before departure' })
  completeBeforeDeparture!: number;
  @ApiProperty({ description: 'of which with the checklist incomplete at departure' })
  incompleteBeforeDeparture!: number;
  @ApiProperty({ type: [ChecklistGapView], description: 'what the incomplete checklists lacked' })
  missing!: ChecklistGapView[];
  @ApiProperty({ description: 'of which exchanged before the node recorded the checklist: not judged' })
  unrecorded!: number;
}

export class ChildFollowUpsView {
  @ApiProperty({ description: 'arrivals of children (age presumption) sent or applied in the period' })
  returnedChildren!: number;
  @ApiProperty({
    description: 'follow-up reports their arrivals scheduled (reported + overdue + pending + cancelled)',
  })
  followUpsScheduled!: number;
  @ApiProperty({ description: 'follow-up reports made' }) reported!: number;
  @ApiProperty({ description: 'of which after their deadline' }) reportedLate!: number;
  @ApiProperty({ description: 'not made, and past their deadline at the end of the period' })
  overdue!: number;
  @ApiProperty({ description: 'not made, not yet due' }) pending!: number;
  @ApiProperty({ description: 'no longer owed: the case closed or consent was withdrawn' })
  cancelled!: number;
}

export class IndicatorsView {
  @ApiProperty() node!: string;
  @ApiProperty({ type: String, nullable: true }) from!: string | null;
  @ApiProperty() to!: string;
  @ApiProperty({ type: String, nullable: true }) country!: string | null;
  @ApiProperty({ type: [RefusalCountView] }) refusals!: RefusalCountView[];
  @ApiProperty({ type: ConsentWithdrawalsView }) consentWithdrawals!: ConsentWithdrawalsView;
  @ApiProperty({ type: [AnswerTimeView] }) answerTimes!: AnswerTimeView[];
  @ApiProperty({ type: [EscalationCountView] }) escalations!: EscalationCountView[];
  @ApiProperty({ type: ReturnsDuringIdentificationView })
  returnsDuringIdentification!: ReturnsDuringIdentificationView;
  @ApiProperty({ type: EvidenceContactView })
  evidenceContactsWithOrigin!: EvidenceContactView;
  @ApiProperty({ type: FamilyTracingView }) familyTracing!: FamilyTracingView;
  @ApiProperty({ type: ReturnChecklistsView }) returnChecklists!: ReturnChecklistsView;
  @ApiProperty({ type: ChildFollowUpsView }) childFollowUps!: ChildFollowUpsView;
}
