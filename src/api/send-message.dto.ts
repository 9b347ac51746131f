import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsUUID, Matches, ValidateNested } from 'class-validator';
import { ConsentSummaryDto } from '../messages/envelope.dto';
import { MESSAGE_TYPES, MessageType } from '../messages/message-types';

/** The coordinator's request; the payload is checked against the catalogue schema of `type` afterwards. */
export class SendMessageDto {
  @ApiProperty({ enum: MESSAGE_TYPES })
  @IsIn(MESSAGE_TYPES)
  type!: MessageType;

  @ApiProperty({ example: 'MK', description: 'the receiving participant (ISO 3166-1 alpha-2)' })
  @Matches(/^[A-Z]{2}$/, { message: 'to must be an ISO 3166-1 alpha-2 code' })
  to!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the id of the message this one answers' })
  @IsOptional()
  @IsUUID()
  inReplyTo?: string;

  @ApiProperty({ enum: ['CONSENT', 'VITAL_INTEREST'] })
  @IsIn(['CONSENT', 'VITAL_INTEREST'])
  legalBasis!: 'CONSENT' | 'VITAL_INTEREST';

  @ApiPropertyOptional({ type: ConsentSummaryDto, description: 'required with legalBasis CONSENT' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentSummaryDto)
  consent?: ConsentSummaryDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'validated against docs/schemas/<type>.schema.json',
  })
  @IsObject()
  payload!: Record<string, unknown>;
}
