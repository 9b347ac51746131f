import { Controller, Get, NotFoundException, Query } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Roles } from '../auth/roles';
import { contactsPage, RankedContact } from './contact-list';
import { ContactDto } from './directory-file.dto';
import { DirectoryService } from './directory.service';
import { type Page, PageOf, PageQueryDto } from '../common/page';
import { IsCountryCode } from '../common/validation';

export class ContactQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'MK' })
  @IsOptional()
  @IsCountryCode()
  country?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, example: 4 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  sop?: number;
}

export class RankedContactView extends ContactDto {
  @ApiProperty({ example: 'MK' }) country!: string;
  @ApiProperty({ description: 'place in the escalation order for that country and SOP (0: first)' })
  rank!: number;
}

class RankedContactPageView extends PageOf(RankedContactView) {}

/** The TRM contact list: "who handles SOP 4 in MK?". */
@ApiTags('directory')
@Roles('coordinator')
@Controller('directory/contacts')
export class ContactsController {
  constructor(private readonly directory: DirectoryService) {}

  @Get()
  @ApiOperation({ summary: 'the contact list, by country and SOP' })
  @ApiOkResponse({
    type: RankedContactPageView,
    description: 'by country, then in escalation order per SOP, a page at a time',
  })
  @ApiNotFoundResponse({ description: 'the country is not in the directory' })
  list(@Query() query: ContactQueryDto): Page<RankedContact> {
    if (query.country && !this.directory.find(query.country))
      throw new NotFoundException(`${query.country} is not in the directory`);
    return contactsPage(this.directory.all(), query, query);
  }
}
