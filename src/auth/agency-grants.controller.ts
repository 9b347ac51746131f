import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { PageQueryDto } from '../common/page';
import { CaseRefPipe } from '../common/request-guards';
import { CaseGrantsService } from './case-grants.service';
import { AgencyGrantView, AgencyListPageView, CaseGrantEntryPageView, GrantCaseDto } from './auth.dto';
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

/** The agencies a case can be granted to, for whoever grants them (admins and coordinators). */
@ApiTags('admin')
@Roles('admin', 'coordinator')
@Controller('admin/agencies')
export class AgenciesListController {
  constructor(private readonly grants: CaseGrantsService) {}

  @Get()
  @ApiOperation({
    summary: 'the partner agencies this node knows (registered systems and agencies of accounts)',
  })
  @ApiOkResponse({ type: AgencyListPageView, description: 'by code, a page at a time' })
  async list(@Query() page: PageQueryDto): Promise<AgencyListPageView> {
    return this.grants.agencies(page);
  }
}

/**
 * Who a case is granted to, auditors and agencies alike: the admin's list to revoke from. Admins only, as
 * an auditor's grant is (a coordinator grants agencies, but who reads a case in clear is not hers to see).
 */
@ApiTags('admin')
@Roles('admin')
@Controller('admin/cases/:caseRef/grants')
export class CaseGrantsListController {
  constructor(private readonly grants: CaseGrantsService) {}

  @Get()
  @ApiOperation({ summary: "a case's grants: auditors by account, agencies by code" })
  @ApiOkResponse({ type: CaseGrantEntryPageView, description: 'oldest grant first, a page at a time' })
  @ApiNotFoundResponse({ description: 'no such case on this node' })
  async list(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Query() query: PageQueryDto,
  ): Promise<CaseGrantEntryPageView> {
    const page = await this.grants.grantsOn(caseRef, query);
    return {
      items: page.items.map((g) => ({ ...g, grantedAt: new Date(g.grantedAt).toISOString() })),
      nextCursor: page.nextCursor,
    };
  }
}
