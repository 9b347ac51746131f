import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { type Page, PageQueryDto } from '../common/page';
import { CANCELLATIONS, type CancelReason, type ExpectationStatus } from './expectation-rules';
import type {
  AddressedContact,
  Escalation,
  ExpectationDirection,
  ExpectationEntity,
} from './expectation.entity';

const STATUSES: ExpectationStatus[] = ['OPEN', 'OVERDUE', 'ANSWERED', 'FAILED', 'CANCELLED'];
const DIRECTIONS: ExpectationDirection[] = ['AWAITED', 'OWED'];

export class ExpectationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: ExpectationStatus;

  @ApiPropertyOptional({ enum: DIRECTIONS, description: 'AWAITED: from another country; OWED: by this one' })
  @IsOptional()
  @IsIn(DIRECTIONS)
  direction?: ExpectationDirection;
}

export class AddressedContactView {
  @ApiProperty() institution!: string;
  @ApiPropertyOptional() department?: string;
  @ApiPropertyOptional() role?: string;
  @ApiProperty({ description: 'place in the escalation order for that country and SOP (0: first)' })
  rank!: number;
}

export class EscalationView {
  @ApiProperty() level!: number;
  @ApiProperty({ type: AddressedContactView }) contact!: AddressedContact | null;
  @ApiProperty() at!: string;
}

export class ExpectationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() caseRef!: string;
  @ApiProperty({ format: 'uuid' }) requestMessageId!: string;
  @ApiProperty() requestType!: string;
  @ApiProperty({ type: [String], description: 'the answer types that close it' }) expectedTypes!: string[];
  @ApiProperty({ enum: DIRECTIONS }) direction!: ExpectationDirection;
  @ApiProperty({ description: 'the country that must answer' }) owedBy!: string;
  @ApiProperty() owedTo!: string;
  @ApiProperty() sop!: number;
  @ApiProperty() requestedAt!: string;
  @ApiProperty() dueAt!: string;
  @ApiProperty({ enum: STATUSES }) status!: ExpectationStatus;
  @ApiPropertyOptional({ nullable: true }) deliveredAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) answeredAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) answerMessageId!: string | null;
  @ApiPropertyOptional({ nullable: true }) answerType!: string | null;
  @ApiPropertyOptional({ nullable: true }) failedAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) failureReasonCode!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'the case closed before the answer came' })
  cancelledAt!: string | null;
  @ApiPropertyOptional({
    nullable: true,
    enum: Object.keys(CANCELLATIONS),
    description:
      'why it was cancelled: CASE_CLOSED, CASE_CLOSED_UNTOLD (closed here, the country could not be told), CONSENT_WITHDRAWN, CONSENT_WITHDRAWN_UNTOLD (withdrawn here, the country could not be told), ANSWER_REFUSED',
  })
  cancelReason!: CancelReason | null;
  @ApiPropertyOptional({ nullable: true }) overdueAt!: string | null;
  @ApiProperty() escalationLevel!: number;
  @ApiPropertyOptional({
    type: AddressedContactView,
    nullable: true,
    description: 'the contact addressed now',
  })
  contact!: AddressedContact | null;
  @ApiProperty({ type: [EscalationView] }) escalations!: Escalation[];
  @ApiPropertyOptional({ nullable: true, description: 'every contact in the list was tried' })
  escalationExhaustedAt!: string | null;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toExpectationView(e: ExpectationEntity): ExpectationView {
  return {
    id: e.id,
    caseRef: e.caseRef,
    requestMessageId: e.requestMessageId,
    requestType: e.requestType,
    expectedTypes: e.expectedTypes,
    direction: e.direction,
    owedBy: e.owedBy,
    owedTo: e.owedTo,
    sop: e.sop,
    requestedAt: e.requestedAt.toISOString(),
    dueAt: e.dueAt.toISOString(),
    status: e.status,
    deliveredAt: iso(e.deliveredAt),
    answeredAt: iso(e.answeredAt),
    answerMessageId: e.answerMessageId,
    answerType: e.answerType,
    failedAt: iso(e.failedAt),
    failureReasonCode: e.failureReasonCode,
    cancelledAt: iso(e.cancelledAt),
    cancelReason: e.cancelReason,
    overdueAt: iso(e.overdueAt),
    escalationLevel: e.escalationLevel,
    contact: e.contact,
    escalations: e.escalations,
    escalationExhaustedAt: iso(e.escalationExhaustedAt),
  };
}

export class ExpectationPageView {
  @ApiProperty({ type: [ExpectationView] }) items!: ExpectationView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as `after` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export function toExpectationPageView(page: Page<ExpectationEntity>): ExpectationPageView {
  return { items: page.items.map(toExpectationView), nextCursor: page.nextCursor };
}
