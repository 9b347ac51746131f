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
import { AccountsService } from './accounts.service';
import { ApiKeysService } from './api-keys.service';
import { CaseGrantsService } from './case-grants.service';
import {
  AccountPageView,
  AccountView,
  ApiKeyInfoPageView,
  ApiKeyView,
  CreateAccountDto,
  CreatedAccountView,
  GrantCaseDto,
  GrantView,
} from './auth.dto';
import { CurrentPrincipal } from './principal';
import { actorOf, Principal, Roles } from './roles';

/** Accounts, API keys and case grants: the node's administrators. Every change is audited. */
@ApiTags('admin')
@Roles('admin')
@Controller('admin/accounts')
export class AdminController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly apiKeys: ApiKeysService,
    private readonly grants: CaseGrantsService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'create an account' })
  @ApiCreatedResponse({ type: CreatedAccountView })
  async create(
    @Body() body: CreateAccountDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<CreatedAccountView> {
    return this.accounts.create(body, actorOf(by));
  }

  @Get()
  @ApiOperation({ summary: 'the accounts' })
  @ApiOkResponse({ type: AccountPageView, description: 'by name, a page at a time' })
  async list(@Query() page: PageQueryDto): Promise<AccountPageView> {
    return this.accounts.list(page);
  }

  @Post(':name/disable')
  @ApiOperation({ summary: 'disable an account' })
  @HttpCode(200)
  @ApiOkResponse({ type: AccountView, description: 'its tokens and API keys stop working at once' })
  @ApiNotFoundResponse()
  async disable(@Param('name') name: string, @CurrentPrincipal() by: Principal): Promise<AccountView> {
    return this.accounts.disable(name, actorOf(by));
  }

  @Post(':name/unlock')
  @ApiOperation({ summary: 'unlock a locked account' })
  @HttpCode(200)
  @ApiOkResponse({ type: AccountView })
  @ApiNotFoundResponse()
  async unlock(@Param('name') name: string, @CurrentPrincipal() by: Principal): Promise<AccountView> {
    return this.accounts.unlock(name, actorOf(by));
  }

  @Post(':name/api-keys')
  @ApiOperation({ summary: 'issue an API key for an account' })
  @ApiCreatedResponse({ type: ApiKeyView })
  @ApiNotFoundResponse()
  async issueKey(@Param('name') name: string, @CurrentPrincipal() by: Principal): Promise<ApiKeyView> {
    return this.apiKeys.issueApiKey(name, actorOf(by));
  }

  @Get(':name/api-keys')
  @ApiOperation({ summary: "an account's API keys, live and revoked (ids and dates, never a key)" })
  @ApiOkResponse({ type: ApiKeyInfoPageView, description: 'oldest first, a page at a time' })
  @ApiNotFoundResponse()
  async keys(@Param('name') name: string, @Query() query: PageQueryDto): Promise<ApiKeyInfoPageView> {
    const page = await this.apiKeys.listApiKeys(name, query);
    return {
      items: page.items.map((k) => ({
        keyId: k.keyId,
        createdAt: new Date(k.createdAt).toISOString(),
        createdBy: k.createdBy,
        revokedAt: k.revokedAt ? new Date(k.revokedAt).toISOString() : null,
      })),
      nextCursor: page.nextCursor,
    };
  }

  @Post(':name/api-keys/:keyId/revoke')
  @ApiOperation({ summary: 'revoke an API key' })
  @HttpCode(204)
  @ApiNotFoundResponse()
  async revokeKey(
    @Param('name') name: string,
    @Param('keyId') keyId: string,
    @CurrentPrincipal() by: Principal,
  ): Promise<void> {
    await this.apiKeys.revokeApiKey(name, keyId, actorOf(by));
  }

  /** An auditor sees the case's personal data. Agencies are granted cases by code (AgencyGrantsController). */
  @Post(':name/case-grants')
  @ApiOperation({ summary: 'grant an auditor a case' })
  @ApiCreatedResponse({ type: GrantView })
  @ApiNotFoundResponse()
  async grant(
    @Param('name') name: string,
    @Body() body: GrantCaseDto,
    @CurrentPrincipal() by: Principal,
  ): Promise<GrantView> {
    return this.grants.grantCase(name, body.caseRef, by);
  }

  @Post(':name/case-grants/:caseRef/revoke')
  @ApiOperation({ summary: "revoke an auditor's case grant" })
  @HttpCode(204)
  @ApiNotFoundResponse()
  async revokeGrant(
    @Param('name') name: string,
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @CurrentPrincipal() by: Principal,
  ): Promise<void> {
    await this.grants.revokeCase(name, caseRef, by);
  }
}
