import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Roles, ROLES } from '../auth/roles';
import { DirectoryRefusalCode } from './directory-change.policy';
import { DirectoryFileDto } from './directory-file.dto';
import { DirectoryReload, DirectoryService } from './directory.service';

export class DirectoryReloadView implements DirectoryReload {
  @ApiProperty({ enum: ['ACCEPTED', 'UNCHANGED', 'REFUSED'] })
  outcome!: DirectoryReload['outcome'];

  @ApiProperty({ description: 'the directory version the node runs with now' })
  version!: number;

  @ApiPropertyOptional({ nullable: true, description: 'ACCEPTED: the version before (null: none)' })
  from?: number | null;

  @ApiPropertyOptional({
    enum: DirectoryRefusalCode,
    description: 'REFUSED: why (the node kept its version)',
  })
  code?: DirectoryRefusalCode;

  @ApiPropertyOptional({ description: 'REFUSED: why, in words' })
  reason?: string;
}

@ApiTags('directory')
@Controller('directory')
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Get()
  @Roles(...ROLES)
  @ApiOperation({ summary: "the participants' directory this node uses" })
  @ApiOkResponse({
    type: DirectoryFileDto,
    description:
      "the directory this node runs with, in the directory-file format, with the anchor's signature",
  })
  get(): DirectoryFileDto {
    return this.directory.toFile();
  }

  @Post('reload')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'read the directory file again now (a new signed version is taken, others refused)',
  })
  @ApiOkResponse({
    type: DirectoryReloadView,
    description: 'what came of it; a refused file leaves the node on its version and is audited',
  })
  reload(): Promise<DirectoryReload> {
    return this.directory.reload('request');
  }
}
