import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { TransfersService } from '../transfers/transfers.service';
import { MessageStatusView, toMessageStatusView } from './views';

@ApiTags('messages')
@Roles('coordinator')
@Controller('messages')
export class MessagesController {
  constructor(private readonly transfers: TransfersService) {}

  @Get(':id')
  @ApiOperation({ summary: "a message's delivery status" })
  @ApiOkResponse({ type: MessageStatusView, description: 'delivery status, without the payload' })
  @ApiNotFoundResponse()
  async status(@Param('id', new ParseUUIDPipe()) id: string): Promise<MessageStatusView> {
    return toMessageStatusView(await this.transfers.deliveryStatus(id));
  }
}
