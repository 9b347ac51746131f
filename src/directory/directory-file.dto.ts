import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
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
import { DIRECTORY_SIGNATURE_ALG } from './signed-directory';

const BASE64_32_BYTES = base64OfBytesPattern(32);
const BASE64_64_BYTES = base64OfBytesPattern(64);

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

  @ApiPropertyOptional({
    type: [String],
    description:
      'envelope extensions the participant takes (docs/protocol.md): USE_RESTRICTIONS ("Use restrictions"), ' +
      'LANGUAGE ("Language of the free text"); left out: none, and a sender puts no such member on its messages. ' +
      'Values this node does not know are kept, not refused: a newer participant may announce more',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[A-Z][A-Z0-9_]{0,63}$/, { each: true })
  extensions?: string[];

  @ApiProperty({ type: PublicKeyDto })
  @ValidateNested()
  @Type(() => PublicKeyDto)
  signingKey!: PublicKeyDto;

  @ApiProperty({ type: PublicKeyDto })
  @ValidateNested()
  @Type(() => PublicKeyDto)
  encryptionKey!: PublicKeyDto;

  // Key rollover (docs/protocol.md, "Key rollover"): keys announced before use and keys being retired.
  // Receivers verify signatures by any of the three signing keys; senders seal for `encryptionKey` only.

  @ApiPropertyOptional({ type: PublicKeyDto, description: 'announced: the next signing key, not used yet' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PublicKeyDto)
  nextSigningKey?: PublicKeyDto;

  @ApiPropertyOptional({
    type: PublicKeyDto,
    description: 'announced: the next encryption key, not sealed for yet',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PublicKeyDto)
  nextEncryptionKey?: PublicKeyDto;

  @ApiPropertyOptional({
    type: PublicKeyDto,
    description: 'retiring: still verifies messages signed before the switch',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PublicKeyDto)
  previousSigningKey?: PublicKeyDto;

  @ApiPropertyOptional({ type: PublicKeyDto, description: 'retiring: messages sealed for it still open' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PublicKeyDto)
  previousEncryptionKey?: PublicKeyDto;

  @ApiProperty({ type: [ContactDto] })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts!: ContactDto[];
}

/** A trust anchor's signature over the file (docs/directory.md). */
export class DirectorySignatureDto {
  @ApiProperty({ enum: [DIRECTORY_SIGNATURE_ALG] })
  @IsIn([DIRECTORY_SIGNATURE_ALG])
  alg!: typeof DIRECTORY_SIGNATURE_ALG;

  @ApiProperty({ description: "the anchor's Ed25519 public key, standard base64 of the raw 32 bytes" })
  @Matches(BASE64_32_BYTES, { message: 'anchor must be the canonical standard base64 of a raw 32-byte key' })
  anchor!: string;

  @ApiProperty({
    description: 'Ed25519 over the RFC 8785 canonical form of the file without `signature`, standard base64',
  })
  @Matches(BASE64_64_BYTES, { message: 'value must be the standard base64 of a 64-byte signature' })
  value!: string;
}

export class DirectoryFileDto {
  @ApiProperty({
    example: 1,
    description: "the directory's version: 1 for the first, higher for each new one (never goes back)",
  })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  version!: number;

  @ApiPropertyOptional({ example: '2026-12-06T20:00:00.000Z', description: 'when the anchor issued it' })
  @IsOptional()
  @IsISO8601({ strict: true })
  issuedAt?: string;

  @ApiProperty({ type: [ParticipantDto] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ParticipantDto)
  participants!: ParticipantDto[];

  @ApiPropertyOptional({ type: DirectorySignatureDto, description: 'left out: an unsigned directory' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DirectorySignatureDto)
  signature?: DirectorySignatureDto;
}

/** A participant's signing keys a receiver accepts: the current one, the announced one, the retiring one. */
export function signingKeysOf(participant: ParticipantDto): PublicKeyDto[] {
  return [participant.signingKey, participant.nextSigningKey, participant.previousSigningKey].filter(
    (key): key is PublicKeyDto => key !== undefined,
  );
}

/** A participant's encryption keys its own node opens payloads with (the same three). */
export function encryptionKeysOf(participant: ParticipantDto): PublicKeyDto[] {
  return [participant.encryptionKey, participant.nextEncryptionKey, participant.previousEncryptionKey].filter(
    (key): key is PublicKeyDto => key !== undefined,
  );
}
