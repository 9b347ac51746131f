import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MESSAGE_TYPES } from '../messages/message-types';
import { base64OfBytesPattern } from '../crypto/trm-crypto';
import { IsCountryCode } from '../common/validation';

const BASE64_32_BYTES = base64OfBytesPattern(32);

export class PublicKeyDto {
  @ApiProperty({ example: 'FR-sig-1' })
  @IsString()
  @MaxLength(100)
  keyId!: string;

  @ApiProperty({ description: 'standard base64 of the raw 32-byte key' })
  @Matches(BASE64_32_BYTES, {
    message: 'publicKey must be the canonical standard base64 of a raw 32-byte key',
  })
  publicKey!: string;
}

export class ContactDto {
  @ApiProperty({ minimum: 1, maximum: 5 })
  @IsInt()
  @Min(1)
  @Max(5)
  sop!: number;

  @ApiProperty()
  @IsString()
  @MaxLength(200)
  institution!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  department?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  role?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(50)
  phone?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  @MaxLength(200)
  email?: string;
}

export class ParticipantDto {
  @ApiProperty({ example: 'FR' })
  @IsCountryCode()
  code!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^[a-z]{2,3}$/, { each: true, message: 'languages must be ISO 639 codes' })
  languages!: string[];

  @ApiPropertyOptional({ type: [String], description: 'left out: every type' })
  @IsOptional()
  @IsArray()
  @IsIn(MESSAGE_TYPES, { each: true })
  accepts?: string[];

  @ApiProperty({ type: PublicKeyDto })
  @ValidateNested()
  @Type(() => PublicKeyDto)
  signingKey!: PublicKeyDto;

  @ApiProperty({ type: PublicKeyDto })
  @ValidateNested()
  @Type(() => PublicKeyDto)
  encryptionKey!: PublicKeyDto;

  @ApiProperty({ type: [ContactDto] })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts!: ContactDto[];
}

export class DirectoryFileDto {
  @ApiProperty({ example: 1 })
  @IsIn([1])
  version!: number;

  @ApiProperty({ type: [ParticipantDto] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ParticipantDto)
  participants!: ParticipantDto[];
}
