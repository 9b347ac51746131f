import {
  BadRequestException,
  INestApplication,
  Logger,
  LogLevel,
  ShutdownSignal,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { declarePayloads } from './api/openapi-payloads';
import { declareProblemDetails, ProblemDetails } from './common/problem-details';
import { ProblemFilter } from './api/problem.filter';
import { bodyGuard, bodyParserErrors, verifyUtf8 } from './common/request-guards';
import { AppModule } from './app.module';
import { serveConsole } from './console/console-serving';
import { securityHeaders } from './console/security-headers';
import { requestContext, withLogContext } from './logging/log-context';
import { TrmLogger } from './logging/trm-logger';
import { NodeConfig } from './config/config';
import { TrmTransport } from './transfers/trm-transport';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug'];

/** The node's logger: TRM_LOG_LEVEL and everything above it, in TRM_LOG_FORMAT. */
export function nodeLogger(config: NodeConfig): TrmLogger {
  return new TrmLogger(LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1), config.logFormat);
}

/** Builds a node (used by main.ts, the demo and the tests alike); the caller decides when to listen. */
export async function createNode(config: NodeConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forNode(config), {
    logger: nodeLogger(config),
    bodyParser: false,
  });
  const http = new Logger('HTTP');
  app.use(requestContext(config.country, (line) => http.log(line)));
  app.use(securityHeaders());
  serveConsole(app, config.consoleDir);
  app.useBodyParser('json', { limit: config.maxMessageBytes, verify: verifyUtf8 });
  app.use(bodyParserErrors);
  app.use(bodyGuard);
  // Read on every request (req.ip): the rate limits count per client address behind a proxy (docs/access.md).
  app.set('trust proxy', config.trustProxy);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) =>
        new BadRequestException({
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          error: 'Bad Request',
          message: 'invalid request',
          fields: fieldErrors(errors),
        }),
    }),
  );
  // Every error, of every route and of unknown routes, as RFC 9457 problem details (docs/errors.md).
  app.useGlobalFilters(new ProblemFilter());
  // Every signal Nest knows shuts down, but SIGHUP: it reads the directory file again (docs/directory.md).
  app.enableShutdownHooks(Object.values(ShutdownSignal).filter((signal) => signal !== ShutdownSignal.SIGHUP));
  // Outlive the clients' idle keep-alive, so a client never reuses a socket the server is just closing.
  const server = app.getHttpServer() as import('node:http').Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document);
  // Started here, the node's loops (broker connection, relays, consumers, schedulers) keep its code as a log
  // field in everything they write; several nodes may share a process.
  await withLogContext({ node: config.country }, async () => {
    await app.init();
    // A hybrid application: the TRM inbound is a Nest transport, started once every module is ready.
    app.connectMicroservice({ strategy: app.get(TrmTransport) });
    await app.startAllMicroservices();
  });
  return app;
}

/**
 * The node's OpenAPI document: the same for every node (no country, host or key in it), so `npm run openapi`
 * writes it without a database or broker and the console's typed client is generated from it. Every error
 * response is declared as RFC 9457 problem details.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = declareProblemDetails(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('trm-broker node')
        .setDescription('National contact point API for TRM v1 referral and return messages')
        .setVersion('1')
        // docs/access.md: a token from POST /auth/token, or an agency system's API key.
        .addBearerAuth()
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
        .addSecurityRequirements('bearer')
        .addSecurityRequirements('api-key')
        .build(),
      {
        extraModels: [ProblemDetails],
        // `CasesController.list` → `Cases_list`: stable, unique, and readable as the typed client's names.
        operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
      },
    ),
  );
  return declarePayloads(document);
}

function fieldErrors(errors: ValidationError[], prefix = ''): Array<{ path: string; constraints: string[] }> {
  return errors.flatMap((e) => {
    // Unknown member names come from the caller: only plain identifiers are repeated back.
    const name = /^[A-Za-z0-9_]{1,64}$/.test(e.property) ? e.property : '?';
    const path = prefix ? `${prefix}.${name}` : name;
    const own = e.constraints
      ? [
          {
            path,
            constraints: Object.entries(e.constraints).map(([kind, message]) =>
              kind === 'whitelistValidation' ? 'property is not allowed' : message,
            ),
          },
        ]
      : [];
    return [...own, ...fieldErrors(e.children ?? [], path)];
  });
}
