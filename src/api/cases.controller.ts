import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CasesService } from '../cases/cases.service';
import { OutboundService } from '../transfers/outbound.service';
import { TransfersService } from '../transfers/transfers.service';
import {
  CaseFileView,
  CaseView,
  MessageStatusView,
  toCaseFileView,
  toCaseView,
  toMessageStatusView,
} from './views';
import { SendMessageDto } from './send-message.dto';

/** Until accounts exist (issue 5), the caller names itself for the audit log; it is not authenticated. */
const actorOf = (header: string | undefined): string => `api:${(header ?? 'anonymous').slice(0, 60)}`;

@ApiTags('cases')
@ApiHeader({ name: 'x-trm-actor', required: false, description: 'who is acting, for the audit log' })
@Controller('cases')
export class CasesController {
  constructor(
    private readonly cases: CasesService,
    private readonly outbound: OutboundService,
    private readonly transfers: TransfersService,
  ) {}

  @Post()
  @ApiCreatedResponse({
    type: CaseView,
    description: 'a new case with its transnational reference TRM-<CC>-<year>-<nnnnnn>',
  })
  async open(@Headers('x-trm-actor') actor?: string): Promise<CaseView> {
    return toCaseView(await this.cases.open(actorOf(actor)));
  }

  @Get(':caseRef')
  @ApiOkResponse({
    type: CaseFileView,
    description: 'the case with every message (personal data: the read is audited)',
  })
  @ApiNotFoundResponse()
  async get(
    @Param('caseRef') caseRef: string,
    @Headers('x-trm-actor') actor?: string,
  ): Promise<CaseFileView> {
    return toCaseFileView(await this.transfers.caseFile(caseRef, actorOf(actor)));
  }

  @Post(':caseRef/messages')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: MessageStatusView,
    description: 'stored and queued; follow its status at /messages/{id}',
  })
  @ApiUnprocessableEntityResponse({
    description: 'the payload is invalid (field-level reasons) or a policy refused it',
  })
  @ApiNotFoundResponse()
  async send(
    @Param('caseRef') caseRef: string,
    @Body() body: SendMessageDto,
    @Headers('x-trm-actor') actor?: string,
  ): Promise<MessageStatusView> {
    const record = await this.outbound.send({ ...body, caseRef }, actorOf(actor));
    return toMessageStatusView(record);
  }
}
