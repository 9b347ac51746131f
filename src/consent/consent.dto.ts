import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { CONSENT_GIVERS, CONSENT_SCOPES, ConsentGiver, ConsentScope } from '../messages/envelope.dto';
// The message schema's strict date-time: seconds and an explicit offset, never the server's own zone.
import { IsDateTime } from '../messages/payloads/common.dto';
import { IsCountryCode } from '../common/validation';

export class RecordConsentDto {
  @ApiProperty({ enum: CONSENT_SCOPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CONSENT_SCOPES, { each: true })
  scopes!: ConsentScope[];

  @ApiProperty({ type: [String], example: ['MK'], description: 'countries the data may be shared with' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsCountryCode({ each: true })
  recipients!: string[];

  @ApiProperty({ enum: CONSENT_GIVERS, description: 'for a child: GUARDIAN or LEGAL_REPRESENTATIVE' })
  @IsIn(CONSENT_GIVERS)
  givenBy!: ConsentGiver;

  @ApiProperty({ description: 'the person was informed, honestly, of what sharing means and its limits' })
  @Equals(true, { message: 'consent must be informed' })
  informed!: boolean;

  @ApiProperty({ example: 'mk', description: 'the language the person was informed in (ISO 639-1)' })
  @Matches(/^[a-z]{2,3}$/, { message: 'informedLanguage must be an ISO 639 code' })
  informedLanguage!: string;

  @ApiPropertyOptional({ description: "for a child: the child's own view, heard and recorded" })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  childView?: string;

  @ApiPropertyOptional({ description: 'when the person gave it (default: now)' })
  @IsOptional()
  @IsDateTime()
  givenAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsDateTime()
  expiresAt?: string;
}

export class ConsentView {
  @ApiProperty({ format: 'uuid' }) consentId!: string;
  @ApiProperty() caseRef!: string;
  @ApiProperty({ enum: CONSENT_SCOPES, isArray: true }) scopes!: string[];
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty({ enum: CONSENT_GIVERS }) givenBy!: string;
  @ApiPropertyOptional({ nullable: true }) childView!: string | null;
  @ApiProperty() informedLanguage!: string;
  @ApiProperty() recordedBy!: string;
  @ApiProperty() givenAt!: string;
  @ApiProperty() recordedAt!: string;
  @ApiPropertyOptional({ nullable: true }) expiresAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) withdrawnAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) withdrawnBy!: string | null;
  @ApiProperty({ description: 'not withdrawn and not expired' }) live!: boolean;
}
