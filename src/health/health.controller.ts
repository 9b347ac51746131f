import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/roles';
import { DataSource } from 'typeorm';
import { AmqpConnection } from '../transport/amqp-connection';
import { Publisher } from '../transport/publisher';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly amqp: AmqpConnection,
    private readonly publisher: Publisher,
  ) {}

  @Get()
  @ApiOperation({ summary: 'whether the node, its database and its broker are up' })
  @HttpCode(200)
  @ApiOkResponse({ description: 'database and broker reachable' })
  @ApiServiceUnavailableResponse({ description: 'one of them is not' })
  async check(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: string; database: string; broker: string }> {
    const database = await this.dataSource
      .query('SELECT 1')
      .then(() => 'up')
      .catch(() => 'down');
    const broker = this.amqp.connected && this.publisher.ready ? 'up' : 'down';
    const status = database === 'up' && broker === 'up' ? 'ok' : 'degraded';
    if (status !== 'ok') response.status(503);
    return { status, database, broker };
  }
}
