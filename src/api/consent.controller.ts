import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { ConsentView, RecordConsentDto } from '../consent/consent.dto';
import { ConsentService } from '../consent/consent.service';
import { ConsentWithdrawalService } from '../transfers/consent-withdrawal.service';
import { Actor } from './actor';
import { PageOf, PageQueryDto } from '../common/page';
import { CaseRefPipe } from '../common/request-guards';

class NotifiedView {
  @ApiProperty() country!: string;
  @ApiProperty({ format: 'uuid', description: 'the CONSENT_WITHDRAWN message sent to that country' })
  messageId!: string;
}

class NotNotifiedView {
  @ApiProperty() country!: string;
  @ApiProperty({ description: 'why no CONSENT_WITHDRAWN could go (e.g. CONSENT_INSUFFICIENT, NOT_ACCEPTED)' })
  reasonCode!: string;
  @ApiProperty() reason!: string;
}

class CancelledView {
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty() type!: string;
  @ApiProperty() country!: string;
}

class WithdrawalView {
  @ApiProperty({ type: ConsentView }) consent!: ConsentView;
  @ApiProperty({ type: [NotifiedView] }) notified!: NotifiedView[];
  @ApiProperty({
    type: [NotNotifiedView],
    description: 'countries that had data of the case but could not be told: tell them by other means',
  })
  notNotified!: NotNotifiedView[];
  @ApiProperty({
    type: [CancelledView],
    description: 'messages queued under the consent and not yet published: cancelled, never sent',
  })
  cancelled!: CancelledView[];
  @ApiProperty({ description: 'current risk assessments now due for review' }) assessmentsToReview!: number;
}

class ConsentPageView extends PageOf(ConsentView) {}

@ApiTags('consent')
@Roles('coordinator')
@Controller('cases/:caseRef/consents')
export class ConsentController {
  constructor(
    private readonly consent: ConsentService,
    private readonly withdrawals: ConsentWithdrawalService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'record a consent' })
  @ApiCreatedResponse({ type: ConsentView, description: 'a new consent record (records are never edited)' })
  @ApiBadRequestResponse()
  @ApiNotFoundResponse()
  @ApiUnprocessableEntityResponse({
    description: 'a child’s consent must come from a guardian or legal representative',
  })
  async record(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: RecordConsentDto,
    @Actor() actor: string,
  ): Promise<ConsentView> {
    return this.consent.record(caseRef, body, actor);
  }

  @Get()
  @ApiOperation({ summary: "the case's consent records" })
  @ApiOkResponse({
    type: ConsentPageView,
    description: "the case's consent records, newest first, a page at a time",
  })
  async list(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Query() page: PageQueryDto,
    @Actor() actor: string,
  ): Promise<ConsentPageView> {
    return this.consent.list(caseRef, page, actor);
  }

  @Post(':consentId/withdraw')
  @ApiOperation({ summary: 'withdraw a consent' })
  @HttpCode(200)
  @ApiOkResponse({
    type: WithdrawalView,
    description:
      'withdrawn, always; its queued messages cancelled; CONSENT_WITHDRAWN queued to every country that received data of the case, except those that cannot be told (notNotified)',
  })
  @ApiNotFoundResponse()
  @ApiUnprocessableEntityResponse({ description: 'already withdrawn' })
  async withdraw(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Param('consentId', new ParseUUIDPipe()) consentId: string,
    @Actor() actor: string,
  ): Promise<WithdrawalView> {
    return this.withdrawals.withdraw(caseRef, consentId, actor);
  }
}
