import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength, MinLength } from 'class-validator';
import { ITEM_MAX, NAME_MAX } from '../messages/payloads/common.dto';
import { PageOf } from '../common/page';

/** A reason a coordinator writes: long enough to say something; it goes into the audit log. */
const REASON_MIN = 10;

export class RecordLocalSecretDto {
  @ApiProperty({
    example: 'Shelter address',
    description: 'what it is; shown in the list (encrypted at rest)',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  label!: string;

  @ApiProperty({
    example: 'Rruga e Kavajës 112, Tiranë',
    description:
      'the secret: kept on this node, encrypted, never sent (a message holding it is refused: rule LOCAL_SECRET); at least 4 letters or digits',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(ITEM_MAX)
  value!: string;
}

export class ReadLocalSecretDto {
  @ApiProperty({
    minLength: REASON_MIN,
    example: 'to arrange the escort to the shelter on arrival',
    description: 'why it is read: audited with the read (never the secret itself: refused if it holds it)',
  })
  @IsString()
  @MinLength(REASON_MIN)
  @MaxLength(ITEM_MAX)
  reason!: string;
}

export class LocalSecretListingView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Shelter address' })
  label!: string;

  @ApiProperty({ example: 'api:coordinator' })
  recordedBy!: string;

  @ApiProperty({ format: 'date-time' })
  recordedAt!: string;
}

/** Labels only, never the values. */
export class LocalSecretPageView extends PageOf(LocalSecretListingView) {}

export class LocalSecretValueView extends LocalSecretListingView {
  @ApiProperty({ description: 'the secret: never in a message, a log line or the audit log' })
  value!: string;
}
