import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsString,
  MaxLength,
} from 'class-validator';
import { ITEM_MAX, LIST_MAX, NAME_MAX, TEXT_MAX } from './common.dto';

// SOP 5: criminal proceedings and compensation claims.

export class EvidenceRequestPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  purpose!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  requestingAuthority!: string;

  /**
   * Whether the request means contacting the country of origin's police, courts or consular services:
   * that needs the person's consent for it and is refused when the assessment flags a security risk.
   */
  @IsBoolean()
  targetsOriginAuthorities!: boolean;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  items!: string[];
}

export class EvidenceResponsePayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary!: string;

  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  itemsProvided!: string[];
}
