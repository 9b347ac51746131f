import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AccessError, AccessErrorCode } from '../auth/access.errors';
import { CaseGrantsService } from '../auth/case-grants.service';
import { CurrentPrincipal } from '../auth/principal';
import { Principal, Roles } from '../auth/roles';
import { AgencyVisibility } from '../transfers/agency-visibility';
import { MessageRecordEntity } from '../transfers/message-record.entity';
import { OutboundService } from '../transfers/outbound.service';
import { Actor } from './actor';
import { SendMessageDto } from './send-message.dto';
import { MessageStatusView, MessageView, SentMessageView, toMessageStatusView } from './views';
import { PageQueryDto } from '../common/page';
import { IsCaseRef } from '../common/validation';

export class AgencySubmissionDto extends SendMessageDto {
  @ApiProperty({ example: 'TRM-FR-2026-000123', description: 'a case this agency was granted' })
  @IsCaseRef()
  caseRef!: string;
}

/**
 * What an agency sees of a message's status: the reason code, never the peer's free-text reason, which may
 * name the person and is meant for the case team (the AMQP replies carry the code only too).
 */
function toAgencyStatusView(m: MessageRecordEntity): MessageStatusView {
  return { ...toMessageStatusView(m), reason: null };
}

export class MessageStatusPageView {
  @ApiProperty({ type: [MessageStatusView] }) items!: MessageStatusView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as `after` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export class AgencySubmissionView {
  @ApiProperty({ type: MessageStatusView }) submission!: MessageStatusView;
  @ApiProperty({ type: [MessageView], description: 'inbound messages answering it' }) replies!: MessageView[];
}

/**
 * Partner agencies over HTTP: they submit on the cases they were granted, through the same pipeline and
 * gates as a coordinator, and see only their own submissions and the replies to them. Another agency's
 * message, or a case not granted, is 404 like one that does not exist, so ids cannot be probed.
 */
@ApiTags('agency')
@Roles('agency')
@Controller('agency/submissions')
export class AgencyController {
  constructor(
    private readonly outbound: OutboundService,
    private readonly submissions: AgencyVisibility,
    private readonly grants: CaseGrantsService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'submit information on a granted case' })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SentMessageView })
  @ApiNotFoundResponse({ description: 'no such case, or not granted to this agency' })
  @ApiUnprocessableEntityResponse({ description: 'as for a coordinator: schema, consent or risk refusal' })
  async submit(
    @Body() body: AgencySubmissionDto,
    @CurrentPrincipal() principal: Principal,
    @Actor() actor: string,
  ): Promise<SentMessageView> {
    if (!(await this.grants.isGranted(principal, body.caseRef)))
      throw new AccessError(AccessErrorCode.NOT_FOUND, `no case ${body.caseRef} for this agency`);
    const sent = await this.outbound.send(body, actor);
    return { ...toAgencyStatusView(sent.record), redacted: sent.redacted };
  }

  @Get()
  @ApiOperation({ summary: "the agency's submissions" })
  @ApiOkResponse({
    type: MessageStatusPageView,
    description: 'this agency’s submissions, newest first, a page at a time',
  })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<MessageStatusPageView> {
    const page = await this.submissions.list(principal.agency!, query);
    return { items: page.items.map(toAgencyStatusView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'one submission and the replies to it' })
  @ApiOkResponse({ type: AgencySubmissionView })
  @ApiNotFoundResponse()
  async get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AgencySubmissionView> {
    // @Roles('agency'): every agency principal carries its agency's code.
    const found = await this.submissions.find(principal.agency!, id);
    if (!found) throw new AccessError(AccessErrorCode.NOT_FOUND, `no submission ${id}`);
    return {
      submission: toAgencyStatusView(found.submission),
      replies: found.replies.map((r) => ({
        ...toAgencyStatusView(r),
        payload: r.payload,
        consent: r.consent,
        restrictions: r.restrictions,
      })),
    };
  }
}

export class AgencyCaseView {
  @ApiProperty({ example: 'TRM-FR-2026-000123' }) caseRef!: string;
  @ApiProperty({ format: 'date-time' }) grantedAt!: string;
}

export class AgencyCasePageView {
  @ApiProperty({ type: [AgencyCaseView] }) items!: AgencyCaseView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as `after` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

/** The cases an agency may submit on: the reference and when it was granted, nothing of the case itself. */
@ApiTags('agency')
@Roles('agency')
@Controller('agency/cases')
export class AgencyCasesController {
  constructor(private readonly grants: CaseGrantsService) {}

  @Get()
  @ApiOperation({ summary: "the cases granted to the caller's agency" })
  @ApiOkResponse({ type: AgencyCasePageView, description: 'newest grant first, a page at a time' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<AgencyCasePageView> {
    const page = await this.grants.agencyCases(principal, query);
    return {
      items: page.items.map((g) => ({ caseRef: g.caseRef, grantedAt: new Date(g.grantedAt).toISOString() })),
      nextCursor: page.nextCursor,
    };
  }
}
