import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { logContext } from './log-context';

export type LogFormat = 'json' | 'text';

/**
 * Nest's console logger, with the fields of the log context (node, requestId, messageId, caseRef, peer) on
 * every JSON line, so one referral can be followed across nodes by its message id. Text stays Nest's own
 * line, for a person at a terminal.
 */
export class TrmLogger extends ConsoleLogger {
  constructor(levels: LogLevel[], format: LogFormat) {
    super({ logLevels: levels, json: format === 'json', colors: format === 'text' && !process.env.NO_COLOR });
  }

  protected override getJsonLogObject(
    message: unknown,
    options: {
      context: string;
      logLevel: LogLevel;
      writeStreamType?: 'stdout' | 'stderr';
      errorStack?: unknown;
    },
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    return { ...super.getJsonLogObject(message, options), ...logContext() };
  }
}
