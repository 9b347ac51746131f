import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles';
import { AmqpConnection } from '../transport/amqp-connection';
import { Publisher } from '../transport/publisher';
import { UrgentLaneThread } from '../transfers/urgent-lane-thread';

/** A database that takes longer than this to answer `SELECT 1` is not ready for work either. */
const DATABASE_PROBE_TIMEOUT_MS = 2_000;

class Readiness {
  @ApiProperty({
    enum: ['ok', 'degraded', 'unavailable'],
    description:
      'ok: all up; degraded: the broker or the urgent lane is down, or the broker blocks publishes (work is accepted and queued); unavailable: the database is down',
  })
  status!: 'ok' | 'degraded' | 'unavailable';

  @ApiProperty({ enum: ['up', 'down'] })
  database!: 'up' | 'down';

  @ApiProperty({
    enum: ['up', 'blocked', 'down'],
    description:
      'reported, never a reason to be taken out of service; blocked: connected, but the broker holds publishes ' +
      '(a memory or disk alarm), so messages wait in the outbox',
  })
  broker!: 'up' | 'blocked' | 'down';

  @ApiProperty({
    enum: ['thread', 'inline', 'down'],
    description:
      'where emergency alerts are taken: in a thread of their own (TRM_URGENT_LANE=thread), on the main thread ' +
      '(inline), or nowhere while that thread is starting again (degraded: alerts wait in their queue)',
  })
  urgentLane!: 'thread' | 'inline' | 'down';
}

class Liveness {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

/**
 * Probes for a load balancer or an orchestrator (docs/operations.md). Ready means the database answers: the
 * node is built to accept work while the broker is away (the outbox holds it), so a broker outage is
 * reported, not fatal, and taking every node out of service for it would refuse work the node can take.
 * Health answers are reports, not errors: their bodies are the reports below, also with 503.
 */
@ApiTags('health')
@Public()
// Probes must answer while the database is down, and rate limits are counted in the database.
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly amqp: AmqpConnection,
    private readonly publisher: Publisher,
    private readonly urgentLane: UrgentLaneThread,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'liveness: the process answers' })
  @HttpCode(200)
  @ApiOkResponse({ type: Liveness, description: 'the process answers HTTP; nothing else is checked' })
  live(): Liveness {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'readiness: the database answers (the broker is reported, not fatal)' })
  @HttpCode(200)
  @ApiOkResponse({ type: Readiness, description: 'the database answers; the broker is reported' })
  @ApiServiceUnavailableResponse({ type: Readiness, description: 'the database does not answer' })
  ready(@Res({ passthrough: true }) response: Response): Promise<Readiness> {
    return this.readiness(response);
  }

  /** The same as /health/ready (kept for existing probes; until issue 14 it was 503 while the broker was down). */
  @Get()
  @ApiOperation({ summary: 'the same as /health/ready' })
  @HttpCode(200)
  @ApiOkResponse({ type: Readiness, description: 'the same as /health/ready' })
  @ApiServiceUnavailableResponse({ type: Readiness, description: 'the database does not answer' })
  check(@Res({ passthrough: true }) response: Response): Promise<Readiness> {
    return this.readiness(response);
  }

  private async readiness(response: Response): Promise<Readiness> {
    const database = (await this.databaseAnswers()) ? 'up' : 'down';
    const broker = this.amqp.blocked
      ? 'blocked'
      : this.amqp.connected && this.publisher.ready
        ? 'up'
        : 'down';
    const urgentLane = this.urgentLane.state;
    if (database === 'down') response.status(503);
    const status =
      database === 'down' ? 'unavailable' : broker === 'up' && urgentLane !== 'down' ? 'ok' : 'degraded';
    return { status, database, broker, urgentLane };
  }

  private async databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), DATABASE_PROBE_TIMEOUT_MS);
    });
    const probe = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
