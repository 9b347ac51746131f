import { Module } from '@nestjs/common';
import { WorklistController } from './worklist.controller';
import { WorklistService } from './worklist.service';

/** The coordinator's worklist: a read model over expectations, risk assessments and consents. */
@Module({
  controllers: [WorklistController],
  providers: [WorklistService],
})
export class WorklistModule {}
