import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CaseRefPipe } from '../common/request-guards';
import { CaseGrantsService } from './case-grants.service';
import { AgencyGrantView, GrantCaseDto } from './auth.dto';
import { CurrentPrincipal } from './principal';
import { Principal, Roles } from './roles';

/**
 * The cases an agency may act on, by agency code: one grant covers its accounts over HTTP and its registered
 * system over AMQP. Admins and coordinators grant (the case team decides who works on a case); audited.
 */
@ApiTags('admin')
@Roles('admin', 'coordinator')
@Controller('admin/agencies/:code/case-grants')
export class AgencyGrantsController {
  constructor(private readonly grants: CaseGrantsService) {}

  @Post()
  @ApiOperation({ summary: 'grant a partner agency a case' })
  @ApiCreatedResponse({ type: AgencyGrantView })
  @ApiNotFoundResponse({
    description: 'no such case, or no agency with this code (registered or with accounts)',
  })
  async grant(
    @Param('code') code: string,
    @Body() body: GrantCaseDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<AgencyGrantView> {
    return this.grants.grantAgencyCase(code, body.caseRef, by);
  }

  @Post(':caseRef/revoke')
  @ApiOperation({ summary: "revoke an agency's case grant" })
  @HttpCode(204)
  @ApiNotFoundResponse()
  async revoke(
    @Param('code') code: string,
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @CurrentPrincipal() by: Principal,
  ): Promise<void> {
    await this.grants.revokeAgencyCase(code, caseRef, by);
  }
}
