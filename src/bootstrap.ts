import {
  BadRequestException,
  INestApplication,
  LogLevel,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DomainErrorFilter } from './api/domain-error.filter';
import { AppModule } from './app.module';
import { NodeConfig } from './config/config';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug'];

/** Builds a node (used by main.ts, the demo and the tests alike); the caller decides when to listen. */
export async function createNode(config: NodeConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forNode(config), {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: config.maxMessageBytes });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) =>
        new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: 'invalid request',
          fields: fieldErrors(errors),
        }),
    }),
  );
  app.useGlobalFilters(new DomainErrorFilter());
  app.enableShutdownHooks();
  // Outlive the clients' idle keep-alive, so a client never reuses a socket the server is just closing.
  const server = app.getHttpServer() as import('node:http').Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`trm-broker node ${config.country}`)
      .setDescription('National contact point API for TRM v1 referral and return messages')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}

function fieldErrors(errors: ValidationError[], prefix = ''): Array<{ path: string; constraints: string[] }> {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ path, constraints: Object.values(e.constraints) }] : [];
    return [...own, ...fieldErrors(e.children ?? [], path)];
  });
}
