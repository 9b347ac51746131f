import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsUUID,
  Matches,
} from 'class-validator';
import { USE_RESTRICTIONS, UseRestriction } from '../transfers/use-restriction.policy';
import { MESSAGE_TYPES, MessageType } from '../messages/message-types';
import { IsCountryCode } from '../common/validation';

/** The coordinator's request; the payload is checked against the catalogue schema of `type` afterwards. */
export class SendMessageDto {
  @ApiProperty({ enum: MESSAGE_TYPES })
  @IsIn(MESSAGE_TYPES)
  type!: MessageType;

  @ApiProperty({ example: 'MK', description: 'the receiving participant (ISO 3166-1 alpha-2)' })
  @IsCountryCode()
  to!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the id of the message this one answers' })
  @IsOptional()
  @IsUUID()
  inReplyTo?: string;

  @ApiProperty({
    enum: ['CONSENT', 'VITAL_INTEREST'],
    description:
      'CONSENT: the node attaches the live consent record of the case that covers the message. ' +
      'VITAL_INTEREST: EMERGENCY_ALERT only, with a written justification in the payload, and the EMERGENCY_ALERT_ACKNOWLEDGEMENT of an alert sent on VITAL_INTEREST; reviewed by auditors',
  })
  @IsIn(['CONSENT', 'VITAL_INTEREST'])
  legalBasis!: 'CONSENT' | 'VITAL_INTEREST';

  @ApiPropertyOptional({
    description:
      'send without the field groups the live consent does not cover (and say which), instead of refusing; ' +
      'a group the message needs cannot be removed',
  })
  @IsOptional()
  @IsBoolean()
  redact?: boolean;

  @ApiPropertyOptional({
    enum: USE_RESTRICTIONS,
    isArray: true,
    description:
      'use restrictions on the personal data, carried in the envelope and enforced by the receiver ' +
      '(docs/protocol.md, "Use restrictions"); left out or empty: none. Only to a participant whose directory ' +
      'entry announces USE_RESTRICTIONS in `extensions` (otherwise 422, RESTRICTION_NOT_ANNOUNCED)',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(USE_RESTRICTIONS, { each: true })
  restrictions?: UseRestriction[];

  @ApiPropertyOptional({
    example: 'fr',
    description:
      "the language of the payload's free text (ISO 639-1); default: this node's first language in the directory. " +
      'Sent in the envelope only to a participant that lists the `LANGUAGE` extension (docs/protocol.md)',
  })
  @IsOptional()
  @Matches(/^[a-z]{2}$/, { message: 'language must be an ISO 639-1 code (two lower-case letters)' })
  language?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'validated against docs/schemas/<type>.schema.json',
  })
  @IsObject()
  payload!: Record<string, unknown>;
}
