import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageOf } from '../common/page';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { MIN_PASSWORD_LENGTH } from './passwords';
import { ROLES, type Role } from './roles';
import { IsCaseRef } from '../common/validation';

export class LoginDto {
  @ApiProperty() @IsString() @MaxLength(64) name!: string;
  // Long enough for any passphrase, short enough that hashing it costs nothing extra.
  @ApiProperty() @IsString() @MaxLength(1024) password!: string;
}

export class TokenView {
  @ApiProperty({ description: 'send as `Authorization: Bearer <accessToken>`' }) accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'seconds until it expires' }) expiresIn!: number;
}

export class PrincipalView {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiPropertyOptional() agency?: string;
}

export class CreateAccountDto {
  @ApiProperty({ example: 'coordinator.fr' }) @IsString() @MaxLength(40) name!: string;
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES) role!: Role;
  @ApiPropertyOptional({ description: 'role agency only: the agency code', example: 'ngo-lyon' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  agency?: string;
  @ApiPropertyOptional({
    description: `at least ${MIN_PASSWORD_LENGTH} characters; omitted: one is generated`,
  })
  @IsOptional()
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(1024)
  password?: string;
  @ApiPropertyOptional({ description: 'an agency system that only uses API keys' })
  @IsOptional()
  @IsBoolean()
  noPassword?: boolean;
}

export class AccountView {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiPropertyOptional({ nullable: true }) agency!: string | null;
  @ApiProperty() locked!: boolean;
  @ApiProperty() disabled!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() createdBy!: string;
}

export class AccountPageView {
  @ApiProperty({ type: [AccountView] }) items!: AccountView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as `after` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export class CreatedAccountView {
  @ApiProperty({ type: AccountView }) account!: AccountView;
  @ApiPropertyOptional({ description: 'the generated password, shown this once' }) password?: string;
}

export class ApiKeyView {
  @ApiProperty() keyId!: string;
  @ApiProperty({ description: 'send as `X-API-Key`; shown this once, only its hash is kept' }) key!: string;
}

export class GrantCaseDto {
  @ApiProperty({ example: 'TRM-FR-2026-000123' })
  @IsString()
  @IsCaseRef()
  caseRef!: string;
}

export class GrantView {
  @ApiProperty() account!: string;
  @ApiProperty() caseRef!: string;
}

export class AgencyGrantView {
  @ApiProperty({ example: 'ngo-lyon' }) agency!: string;
  @ApiProperty() caseRef!: string;
}

export class ApiKeyInfoView {
  @ApiProperty() keyId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() createdBy!: string;
  @ApiPropertyOptional({ nullable: true, description: 'null while the key works' }) revokedAt!: string | null;
}

export class CaseGrantEntryView {
  @ApiProperty({ enum: ['auditor', 'agency'], description: "an auditor's account or an agency's code" })
  grantee!: 'auditor' | 'agency';
  @ApiProperty({ description: 'the account name (auditor) or the agency code (agency)' }) name!: string;
  @ApiProperty() grantedAt!: string;
  @ApiProperty() grantedBy!: string;
}

export class AgencyListView {
  @ApiProperty({ example: 'ngo-lyon' }) code!: string;
  @ApiProperty({ description: 'its system is registered for AMQP submissions' }) registered!: boolean;
  @ApiProperty({ description: 'how many accounts it has on this node' }) accounts!: number;
}

export class ApiKeyInfoPageView extends PageOf(ApiKeyInfoView) {}
export class CaseGrantEntryPageView extends PageOf(CaseGrantEntryView) {}
export class AgencyListPageView extends PageOf(AgencyListView) {}
