import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { IsCountryCode } from '../common/validation';

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
}
