import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, ROLES } from '../auth/roles';
import { DirectoryFileDto } from './directory-file.dto';
import { DirectoryService } from './directory.service';

@ApiTags('directory')
@Roles(...ROLES)
@Controller('directory')
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Get()
  @ApiOperation({ summary: "the participants' directory this node uses" })
  @ApiOkResponse({
    type: DirectoryFileDto,
    description: 'the directory this node runs with, in the directory-file format',
  })
  get(): DirectoryFileDto {
    return this.directory.toFile();
  }
}
