import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { AGE_STATUSES, IDENTIFICATION_STATUSES } from '../messages/payloads/identification.dto';

/** What the policies need to know from the start; a referral later updates both. */
export class OpenCaseDto {
  @ApiPropertyOptional({
    enum: AGE_STATUSES,
    description: 'a documented, presumed or disputed child is protected as a child',
  })
  @IsOptional()
  @IsIn(AGE_STATUSES)
  ageStatus?: (typeof AGE_STATUSES)[number];

  @ApiPropertyOptional({ enum: IDENTIFICATION_STATUSES })
  @IsOptional()
  @IsIn(IDENTIFICATION_STATUSES)
  identificationStatus?: (typeof IDENTIFICATION_STATUSES)[number];
}
