import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { LocalSecretListing } from '../cases/local-secrets.repository';
import { LocalSecretsService } from '../cases/local-secrets.service';
import { PageQueryDto } from '../common/page';
import { CaseRefPipe } from '../common/request-guards';
import { Actor } from './actor';
import {
  LocalSecretListingView,
  LocalSecretPageView,
  LocalSecretValueView,
  ReadLocalSecretDto,
  RecordLocalSecretDto,
} from './local-secrets.dto';

const toListing = (s: LocalSecretListing): LocalSecretListingView => ({
  id: s.id,
  label: s.label,
  recordedBy: s.recordedBy,
  recordedAt: s.recordedAt.toISOString(),
});

/**
 * Local secrets on a case (docs/data-at-rest.md, "Local secrets"): this node's coordinators only; the value
 * is read by a POST with a reason, so every read is audited and no value sits in a URL or a cache.
 */
@ApiTags('cases')
@Roles('coordinator')
@ApiNotFoundResponse({ description: 'no such case (or secret) on this node' })
@ApiBadRequestResponse({ description: 'a malformed case reference or body, with field-level reasons' })
@Controller('cases/:caseRef/local-secrets')
export class LocalSecretsController {
  constructor(private readonly secrets: LocalSecretsService) {}

  @Get()
  @ApiOperation({ summary: "the case's local secrets, labels only, without their values" })
  @ApiOkResponse({ type: LocalSecretPageView, description: 'oldest first, a page at a time' })
  async list(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Query() query: PageQueryDto,
  ): Promise<LocalSecretPageView> {
    const page = await this.secrets.list(caseRef, query);
    return { items: page.items.map(toListing), nextCursor: page.nextCursor };
  }

  @Post()
  @ApiOperation({ summary: 'keep a local secret on the case (never sent to another country)' })
  @ApiCreatedResponse({ type: LocalSecretListingView, description: 'audited by its id, never its value' })
  @ApiUnprocessableEntityResponse({ description: 'a value too short to be recognised in a message' })
  async record(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: RecordLocalSecretDto,
    @Actor() actor: string,
  ): Promise<LocalSecretListingView> {
    return toListing(await this.secrets.record(caseRef, { label: body.label, value: body.value }, actor));
  }

  @Post(':secretId/read')
  @HttpCode(200)
  @ApiOperation({ summary: "read a local secret's value, with a reason (audited: who, when, which, why)" })
  @ApiOkResponse({ type: LocalSecretValueView })
  @ApiUnprocessableEntityResponse({ description: 'a reason that holds the secret itself' })
  async read(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Param('secretId', new ParseUUIDPipe()) secretId: string,
    @Body() body: ReadLocalSecretDto,
    @Actor() actor: string,
  ): Promise<LocalSecretValueView> {
    const secret = await this.secrets.read(caseRef, secretId, body.reason, actor);
    return { ...toListing(secret), value: secret.value };
  }
}
