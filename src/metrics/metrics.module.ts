import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** Global: the relay and the consumer observe into it wherever they live. */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
