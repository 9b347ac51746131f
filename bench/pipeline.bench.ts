import 'reflect-metadata';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { markStatement } from '../scripts/lib/leftovers';
import { LocalFederation } from '../scripts/lib/local-federation';
import { KeyStore } from '../src/crypto/key-store';
import { encodeMessage, Recipient } from '../src/transport/envelope-codec';
import { cpuShare, snapshot } from './machine-load';
import { measureForeignHops } from './foreign-hops';
import { measureNestPeer, nestPeerNames } from './nest-peer';
import { measureAlerts, measurePaced } from './latency-phases';
import { HopOptions, measureHops, Route } from './pipeline-hops';
import {
  FloorParticipant,
  measureProtocolFloor,
  ProtocolFloor,
  receiptMessage,
  requestMessage,
} from './protocol-floor';
import { installQueryCounter } from './query-counter';
import { measureRawLimit, WireSample } from './raw-limit';
import { atMost, formatTable, PhaseResult, round } from './stats';

/**
 * `npm run bench`: the transfer pipeline's throughput and latency as a ratio to the raw RabbitMQ +
 * PostgreSQL limit measured in the same run (ARCHITECTURE.md, "bench/"), to the protocol ceiling, and to
 * the NestJS peer (bench/nest-peer.ts, issue 13). Everything it creates (vhosts, users' permissions there,
 * databases, key files) is removed at the end, also on failure or Ctrl-C.
 *
 * Environment (all optional):
 *   BENCH_MESSAGES=2000          hops for the raw limit, the NestJS peer and the service pipeline
 *   BENCH_HTTP_MESSAGES=500      hops for the HTTP variant (0 skips it)
 *   BENCH_IDLE_HOPS=50           hops sent one at a time, raw and pipeline (latency without queueing)
 *   BENCH_CONCURRENCY=32         send calls in flight (pipeline and NestJS peer)
 *   BENCH_FOREIGN_CONCURRENCY=64 hops in flight from the foreign sender (phase foreign: MK alone)
 *   BENCH_MESSAGES_PER_CASE=10
 *   BENCH_INBOUND_CONCURRENCY    the nodes' TRM_INBOUND_CONCURRENCY (unset: the node's default)
 *   BENCH_ROUTES=FR>MK,IT>MK     sender>receiver pairs (FR, IT and MK run)
 *   BENCH_PHASES=raw,peer,pipeline,alerts,paced,http,foreign   (FR, IT and MK start for pipeline, alerts,
 *                                paced and http; MK alone for foreign)
 *   BENCH_ALERTS=50              alerts: EMERGENCY_ALERTs FR → MK while the routes flood MK's routine lane
 *   BENCH_ALERT_INTERVAL_MS=150  one alert every so often (open loop)
 *   BENCH_ALERTS_FLOOD=0         the flood's hops; 0: enough to outlast the alerts at the pipeline's rate
 *   BENCH_PACED_RATE=20          paced: routine hops/s when the pipeline phase did not run (else 20 % of it)
 *   BENCH_PACED_MESSAGES=0       paced: hops to send; 0: 20 s worth
 *   BENCH_PHASE_TIMEOUT_S=75     per phase (default: max(75, BENCH_MESSAGES / 20))
 *   BENCH_NODES=in-process       `in-process`: the nodes run in this process, driven by service calls;
 *                                `process`: each node its own OS process (LocalFederation.spawn), driven
 *                                through its HTTP API (no http phase then, and no BENCH_COUNT_QUERIES)
 *   BENCH_COUNT_QUERIES=1        also count the nodes' SQL statements per hop, by kind (a diagnostic)
 *   BENCH_URGENT_LANE=thread     in-process nodes' urgent lanes: in threads of their own, or `inline`
 */

const TARGET_RATIO = 0.5;
/** Issue 13: the pipeline against the NestJS peer and against the protocol ceiling, in the same run. */
const PEER_TARGET = 1.2;
const CEILING_TARGET = 0.5;
const PHASES = ['raw', 'peer', 'pipeline', 'alerts', 'paced', 'http', 'foreign'];
/** Issue 13: alerts' p99 while the routine lane is saturated, routine p99 at a share of the pipeline's rate. */
const ALERTS_P99_TARGET_MS = 20;
const PACED_P99_TARGET_MS = 50;
const PACED_SHARE = 0.2;
/** The pipeline's rate assumed when its phase did not run (for the alerts' flood size). */
const ASSUMED_PIPELINE_RATE = 150;
/**
 * The bench is a deliberate flood from two senders into one receiver: the per-sender inbound cap (issue 5)
 * is off, so the two take plain turns at the receiver whatever their backlogs. The nodes in this process run
 * their urgent lanes in threads of their own, as deployed (TRM_URGENT_LANE's default), unless
 * BENCH_URGENT_LANE=inline.
 */
const BENCH_NODE_CONFIG = {
  inboundMaxPendingPerSender: 0,
  ...(process.env.BENCH_INBOUND_CONCURRENCY
    ? { inboundConcurrency: Number(process.env.BENCH_INBOUND_CONCURRENCY) }
    : {}),
  urgentLane: process.env.BENCH_URGENT_LANE === 'inline' ? ('inline' as const) : ('thread' as const),
};
const BENCH_NODE_ENV = { TRM_INBOUND_MAX_PENDING_PER_SENDER: '0', TRM_LOG_LEVEL: 'error' };
const CODES = ['FR', 'IT', 'MK'];
/** The phases that run through the nodes (FR, IT and MK start for them). */
const NODE_PHASES = ['pipeline', 'alerts', 'paced', 'http'];

interface BenchOptions {
  messages: number;
  httpMessages: number;
  idleHops: number;
  concurrency: number;
  /** Hops in flight from the foreign sender (issue 13 measured 64). */
  foreignConcurrency: number;
  messagesPerCase: number;
  routes: Route[];
  phases: Set<string>;
  phaseTimeoutMs: number;
  alerts: number;
  alertIntervalMs: number;
  alertsFlood: number;
  pacedRate: number;
  pacedMessages: number;
  /** Nodes as their own processes (the deployment shape) or inside the bench's process. */
  nodes: 'process' | 'in-process';
}

function readOptions(env: NodeJS.ProcessEnv): BenchOptions {
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}`);
    return value;
  };
  const routes = (env.BENCH_ROUTES ?? 'FR>MK,IT>MK').split(',').map((pair) => {
    const [from, to] = pair.trim().split('>');
    if (!CODES.includes(from) || !CODES.includes(to) || from === to) {
      throw new Error(`BENCH_ROUTES: ${pair} is not <from>><to> among ${CODES.join(', ')}`);
    }
    return { from, to };
  });
  const phases = new Set((env.BENCH_PHASES ?? PHASES.join(',')).split(',').map((p) => p.trim()));
  for (const phase of phases) {
    if (!PHASES.includes(phase)) throw new Error(`BENCH_PHASES: unknown phase ${phase}`);
  }
  const messages = int('BENCH_MESSAGES', 2000, 1);
  const nodes = env.BENCH_NODES ?? 'in-process';
  if (nodes !== 'process' && nodes !== 'in-process') throw new Error('BENCH_NODES: process or in-process');
  if (nodes === 'process' && env.BENCH_COUNT_QUERIES === '1') {
    throw new Error('BENCH_COUNT_QUERIES counts in this process: it needs BENCH_NODES=in-process');
  }
  if (nodes === 'process') phases.delete('http'); // there the pipeline phase already goes through HTTP
  return {
    nodes,
    messages,
    httpMessages: int('BENCH_HTTP_MESSAGES', 500, 0),
    idleHops: int('BENCH_IDLE_HOPS', 50, 0),
    concurrency: int('BENCH_CONCURRENCY', 32, 1),
    foreignConcurrency: int('BENCH_FOREIGN_CONCURRENCY', 64, 1),
    messagesPerCase: int('BENCH_MESSAGES_PER_CASE', 10, 1),
    alerts: int('BENCH_ALERTS', 50, 1),
    alertIntervalMs: int('BENCH_ALERT_INTERVAL_MS', 150, 1),
    alertsFlood: int('BENCH_ALERTS_FLOOD', 0, 0),
    pacedRate: int('BENCH_PACED_RATE', 20, 1),
    pacedMessages: int('BENCH_PACED_MESSAGES', 0, 0),
    routes,
    phases,
    // Long enough for the requested count at 20 hops/s, far below what the pipeline does even here.
    phaseTimeoutMs: int('BENCH_PHASE_TIMEOUT_S', Math.max(75, Math.ceil(messages / 20)), 5) * 1000,
  };
}

const pgAdminUrl = process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const managementUrl = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672';

async function main(): Promise<number> {
  const options = readOptions(process.env);
  if (process.env.BENCH_COUNT_QUERIES === '1') installQueryCounter();
  const federation = new LocalFederation({ codes: CODES, logLevel: 'error' });
  const rawDatabase = federation.databaseName('BENCH');
  let cleaned: Promise<void> | null = null;
  const cleanUp = (): Promise<void> =>
    (cleaned ??= (async () => {
      // Bounded: stopping a node whose broker connection died can hang; the sweep below still runs.
      await atMost(federation.tearDown(), 30_000);
      await sweep(federation, rawDatabase);
    })());
  // Nest's shutdown hooks listen for these too, and re-raise the signal once their app is closed: `on`
  // (not `once`) keeps a listener in place, so the process lives until our clean-up is done.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: cleaning up run ${federation.runId}`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  const watchdogMs = (phaseCount(options) * options.phaseTimeoutMs + 60_000) * 1.2;
  setTimeout(() => {
    console.error(
      `watchdog: no result after ${Math.round(watchdogMs / 1000)} s; cleaning up run ${federation.runId}`,
    );
    void cleanUp().finally(() => process.exit(1));
  }, watchdogMs).unref();

  const began = Date.now();
  const results: Record<string, PhaseResult> = {};
  const failures: string[] = [];
  const machine = await describeMachine();
  let ceiling: Ceiling | null = null;
  try {
    log(
      `run ${federation.runId}: setting up vhost ${federation.vhost}, databases and nodes ${CODES.join(', ')}`,
    );
    await federation.setUp();
    await adminQuery(`CREATE DATABASE ${rawDatabase}`);
    await adminQuery(markStatement(rawDatabase, federation.runId));
    if (NODE_PHASES.some((phase) => options.phases.has(phase))) {
      for (const code of CODES) await startNode(federation, code, options.nodes);
      log(`nodes up in ${round((Date.now() - began) / 1000)} s`);
    }
    const guestUrl = federation.amqpUrl('guest', 'guest', 'guest');
    const timed = async (phase: string, work: () => Promise<PhaseResult>): Promise<void> => {
      log(`${phase}: running`);
      const before = snapshot();
      const start = monotonicUs();
      try {
        const r = await work();
        r.monotonicUs = { start, end: monotonicUs() };
        r.cpu = cpuShare(before, snapshot());
        results[phase] = r;
        log(`${phase}: ${r.perSecond}/s, p50 ${r.latency.p50Ms} ms, p99 ${r.latency.p99Ms} ms`);
      } catch (error) {
        failures.push(`${phase}: ${describeError(error)}`);
        log(`${phase}: FAILED ${describeError(error)}`);
      }
    };

    if (options.phases.has('raw')) {
      const samples = wireSamples(federation);
      await timed('raw', async () => {
        const raw = await measureRawLimit({
          amqpUrl: guestUrl,
          databaseUrl: federation.databaseUrl('BENCH'),
          messages: options.messages,
          warmup: Math.min(500, options.messages),
          ...samples,
          // Tried 128–1024 in flight and batches of 64–256: these gave the best rates on 2 cores.
          publishWindow: 512,
          prefetch: 512,
          maxBatch: 256,
          parallelBatches: 2,
          rounds: 3,
          noDelay: process.env.BENCH_RAW_NODELAY !== '0',
          idleHops: options.idleHops,
          timeoutMs: options.phaseTimeoutMs,
        });
        if (raw.idle) results.rawIdle = raw.idle;
        return raw.loaded;
      });
      if (results.raw) {
        log('protocol floor: running');
        const floor = measureProtocolFloor({
          keysDir: federation.keysDir,
          participants: directoryParticipants(federation),
          from: 'FR',
          to: 'MK',
          hops: 1000,
        });
        ceiling = ceilingOf(floor, results.raw, machine.cores);
        log(`protocol floor: ${floor.perHopMs.total} ms of CPU per hop`);
      }
    }
    if (options.phases.has('peer')) {
      await timed('peer', () =>
        measureNestPeer({
          runId: federation.runId,
          workDir: federation.workDir,
          messages: options.messages,
          concurrency: options.concurrency,
          warmup: Math.min(200, options.messages),
          timeoutMs: options.phaseTimeoutMs,
          pgAdminUrl,
          managementUrl,
        }),
      );
    }
    // Spawned nodes are driven through their HTTP API, the sender API a coordinator uses.
    const pipelineDriver = options.nodes === 'process' ? 'http' : 'service';
    const hopOptions = (
      name: string,
      driver: 'service' | 'http',
      messages: number,
      oneAtATime = false,
    ): HopOptions => ({
      name,
      driver,
      messages,
      oneAtATime,
      concurrency: options.concurrency,
      messagesPerCase: options.messagesPerCase,
      routes: options.routes,
      timeoutMs: options.phaseTimeoutMs,
      pollMs: 100,
      amqpUrl: guestUrl,
    });
    const hops = (name: string, driver: 'service' | 'http', messages: number, oneAtATime = false) =>
      measureHops(federation, hopOptions(name, driver, messages, oneAtATime));
    if (NODE_PHASES.some((phase) => options.phases.has(phase))) {
      // JIT, connection pools and the first case rows; not measured.
      await timed('warmup', () => hops('warm-up', pipelineDriver, Math.min(200, options.messages)));
      delete results.warmup;
    }
    if (options.phases.has('pipeline')) {
      if (options.idleHops > 0) {
        await timed('pipelineIdle', () =>
          hops('pipeline, one hop at a time', pipelineDriver, options.idleHops, true),
        );
      }
      await timed('pipeline', () => hops(`pipeline (${pipelineDriver})`, pipelineDriver, options.messages));
    }
    const pipelineRate = results.pipeline?.perSecond;
    if (options.phases.has('alerts')) {
      const leadInMs = 1000;
      // Enough routine hops to keep MK's routine lane full from before the first alert to after the last.
      const floodSeconds = (leadInMs + options.alerts * options.alertIntervalMs) / 1000 + 2;
      const flood =
        options.alertsFlood || Math.ceil((pipelineRate ?? ASSUMED_PIPELINE_RATE) * floodSeconds * 1.5);
      await timed('alerts', () =>
        measureAlerts(federation, {
          driver: pipelineDriver,
          route: { from: 'FR', to: 'MK' },
          alerts: options.alerts,
          intervalMs: options.alertIntervalMs,
          leadInMs,
          flood: hopOptions('alerts: routine flood', pipelineDriver, flood),
          timeoutMs: options.phaseTimeoutMs,
        }),
      );
    }
    if (options.phases.has('paced')) {
      const rate = pipelineRate ? round(pipelineRate * PACED_SHARE) : options.pacedRate;
      const rateBasis = pipelineRate
        ? `${PACED_SHARE * 100} % of the pipeline's ${pipelineRate}/s`
        : 'BENCH_PACED_RATE';
      await timed('paced', () =>
        measurePaced(federation, {
          driver: pipelineDriver,
          routes: options.routes,
          rate,
          rateBasis,
          messages: options.pacedMessages || Math.ceil(rate * 20),
          messagesPerCase: options.messagesPerCase,
          timeoutMs: options.phaseTimeoutMs,
        }),
      );
    }
    if (options.phases.has('http') && options.httpMessages > 0) {
      await timed('http', () => hops('pipeline (HTTP)', 'http', options.httpMessages));
    }
    if (options.phases.has('foreign')) {
      // MK alone: FR's node would take the foreign sender's receipts off FR's queue, and IT's would share the CPU.
      for (const code of CODES) await federation.stop(code);
      await startNode(federation, 'MK', options.nodes);
      const foreign = (messages: number, firstCase: number) => () =>
        measureForeignHops(federation, {
          from: 'FR',
          to: 'MK',
          messages,
          concurrency: options.foreignConcurrency,
          messagesPerCase: options.messagesPerCase,
          timeoutMs: options.phaseTimeoutMs,
          firstCase,
        });
      await timed('foreignWarmup', foreign(Math.min(200, options.messages), 900_000));
      delete results.foreignWarmup;
      await timed('foreign', foreign(options.messages, 910_000));
    }
  } catch (error) {
    failures.push(`setup: ${describeError(error)}`);
  } finally {
    await cleanUp();
  }

  const ratio =
    results.raw && results.pipeline ? round(results.pipeline.perSecond / results.raw.perSecond, 3) : null;
  const issue13 = issue13Ratios(results, ceiling);
  const report = {
    at: new Date().toISOString(),
    runId: federation.runId,
    seconds: round((Date.now() - began) / 1000),
    machine,
    options: {
      ...options,
      phases: [...options.phases],
      routes: options.routes.map((r) => `${r.from}>${r.to}`),
    },
    results,
    ratio,
    ceiling,
    targetRatio: TARGET_RATIO,
    meetsTarget: ratio === null ? null : ratio >= TARGET_RATIO,
    issue13,
    failures,
  };
  console.log(`\n${renderReport(report.machine, options, results, ratio, ceiling, issue13)}`);
  if (failures.length > 0) console.log(`\nFAILED:\n  ${failures.join('\n  ')}`);
  const file = path.resolve(__dirname, 'results', 'latest.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nfull results: ${path.relative(process.cwd(), file)} (${report.seconds} s in all)`);
  return failures.length > 0 ? 1 : 0;
}

/** Removes what the run created even when tearDown could not (all idempotent). */
async function sweep(federation: LocalFederation, rawDatabase: string): Promise<void> {
  // Others on this machine restart the broker now and then: retry for a while rather than leave the vhost.
  const url = new URL(managementUrl);
  const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${url.origin}/api/vhosts/${encodeURIComponent(federation.vhost)}`, {
        method: 'DELETE',
        headers: { authorization: `Basic ${auth.toString('base64')}` },
        signal: AbortSignal.timeout(10_000),
      });
      if (response.ok || response.status === 404) break;
      throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      if (attempt === 10) {
        console.error(`clean-up: vhost ${federation.vhost} left behind: ${describeError(error)}`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  const peer = nestPeerNames(federation.runId);
  await atMost(
    fetch(`${url.origin}/api/vhosts/${encodeURIComponent(peer.vhost)}`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${auth.toString('base64')}` },
      signal: AbortSignal.timeout(10_000),
    }),
    15_000,
  );
  const databases = [...CODES.map((code) => federation.databaseName(code)), rawDatabase];
  for (const database of [...databases, ...Object.values(peer.databases)]) {
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error) =>
      console.error(`clean-up: database ${database}: ${describeError(error)}`),
    );
  }
  rmSync(federation.workDir, { recursive: true, force: true });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function phaseCount(options: BenchOptions): number {
  return PHASES.filter((phase) => options.phases.has(phase)).length + 2;
}

/**
 * Nest ends the process with process.exit(1) when a module fails to bootstrap, which would skip the clean-up
 * and leave the run's vhost and databases behind. While a node starts, exit throws instead, so the failure
 * travels up as an error like any other.
 */
async function startNode(
  federation: LocalFederation,
  code: string,
  nodes: BenchOptions['nodes'],
): Promise<void> {
  if (nodes === 'process') {
    await federation.spawn(code, await freePort(), BENCH_NODE_ENV);
    return;
  }
  const exit = process.exit;
  process.exit = ((status?: number) => {
    throw new Error(`node ${code} failed to start (Nest asked to exit with ${status ?? 0})`);
  }) as typeof process.exit;
  try {
    await federation.start(code, BENCH_NODE_CONFIG);
  } finally {
    process.exit = exit;
  }
}

/**
 * A real sealed and signed REFERRAL_REQUEST (FR → MK) and its DELIVERY_RECEIPT (MK → FR), made with the
 * run's keys exactly as the nodes make them: the raw limit carries the same bytes and headers.
 */
function wireSamples(federation: LocalFederation): { request: WireSample; receipt: WireSample } {
  const participants = directoryParticipants(federation);
  const recipient = (code: string): Recipient => participants.find((p) => p.code === code)!;
  const requested = requestMessage('FR', 'MK');
  const request = encodeMessage(requested, recipient('MK'), KeyStore.load(federation.keysDir, 'FR'));
  const receipt = encodeMessage(
    receiptMessage('MK', 'FR', requested),
    recipient('FR'),
    KeyStore.load(federation.keysDir, 'MK'),
  );
  return {
    request: { body: request.body, headers: request.headers },
    receipt: { body: receipt.body, headers: receipt.headers },
  };
}

function directoryParticipants(federation: LocalFederation): FloorParticipant[] {
  return (JSON.parse(readFileSync(federation.directoryFile, 'utf8')) as { participants: FloorParticipant[] })
    .participants;
}

/**
 * The most any implementation of PROTOCOL.md could reach here: every core busy with nothing but the raw hop
 * and the protocol floor. A ratio above this ceiling's is not reachable on this machine.
 */
interface Ceiling {
  floor: ProtocolFloor;
  rawCpuMsPerHop: number;
  cores: number;
  perSecond: number;
  ratio: number;
  /** The same bound with only the bare cryptographic primitives on top of the raw hop. */
  bareRatio: number;
}

function ceilingOf(floor: ProtocolFloor, raw: PhaseResult, cores: number): Ceiling | null {
  const rawCpuMsPerHop = raw.details.cpuMsPerHop;
  if (typeof rawCpuMsPerHop !== 'number') return null;
  const perSecond = (cores * 1000) / (rawCpuMsPerHop + floor.perHopMs.total);
  const barePerSecond = (cores * 1000) / (rawCpuMsPerHop + floor.primitivesPerHopMs);
  return {
    floor,
    rawCpuMsPerHop,
    cores,
    perSecond: round(perSecond),
    ratio: round(perSecond / raw.perSecond, 3),
    bareRatio: round(barePerSecond / raw.perSecond, 3),
  };
}

interface Machine {
  cores: number;
  cpu: string;
  memoryGb: number;
  node: string;
  rabbitmq: string;
  postgres: string;
  synchronousCommit: string;
}

async function describeMachine(): Promise<Machine> {
  const cpus = os.cpus();
  const pg = await adminQuery<{ version: string; sync: string }>(
    `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sync`,
  ).catch(() => [{ version: '?', sync: '?' }]);
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? '?',
    memoryGb: round(os.totalmem() / 2 ** 30),
    node: process.version,
    rabbitmq: await rabbitmqVersion(),
    postgres: pg[0].version,
    synchronousCommit: pg[0].sync,
  };
}

async function rabbitmqVersion(): Promise<string> {
  try {
    const url = new URL(managementUrl);
    const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
    const response = await fetch(`${url.origin}/api/overview`, {
      headers: { authorization: `Basic ${auth.toString('base64')}` },
    });
    return String(((await response.json()) as { rabbitmq_version?: string }).rabbitmq_version ?? '?');
  } catch {
    return '?';
  }
}

function renderReport(
  machine: Machine,
  options: BenchOptions,
  results: Record<string, PhaseResult>,
  ratio: number | null,
  ceiling: Ceiling | null,
  issue13: Issue13Ratios,
): string {
  const row = (result: PhaseResult | undefined, label: string): string[] =>
    result
      ? [
          label,
          String(result.messages),
          result.perSecond.toFixed(1),
          result.latency.p50Ms.toFixed(1),
          result.latency.p99Ms.toFixed(1),
          result.seconds.toFixed(2),
        ]
      : [label, '-', '-', '-', '-', '-'];
  const table = formatTable(
    ['', 'messages', 'msgs/s', 'p50 ms', 'p99 ms', 'seconds'],
    [
      row(results.raw, 'raw amqplib + pg (same hop shape)'),
      row(results.peer, `NestJS peer, RMQ transport + TypeORM (${options.concurrency} in flight)`),
      row(
        results.pipeline,
        `pipeline, ${options.nodes === 'process' ? 'HTTP POST, nodes as processes' : 'service call'} (${options.concurrency} in flight)`,
      ),
      row(results.http, `pipeline, HTTP POST (${options.concurrency} in flight)`),
      row(results.foreign, `pipeline, foreign sender → MK (${options.foreignConcurrency} in flight)`),
      row(results.rawIdle, 'raw, one hop at a time'),
      row(results.pipelineIdle, 'pipeline, one hop at a time'),
    ],
  );
  const phases: Array<[string, PhaseResult | undefined]> = [
    ['raw', results.raw],
    ['NestJS peer', results.peer],
    [
      options.nodes === 'process' ? 'pipeline, nodes as processes' : 'pipeline, service call',
      results.pipeline,
    ],
    ['pipeline, foreign sender', results.foreign],
    ['pipeline, HTTP POST', results.http],
  ];
  const cpuRows = phases
    .filter(([, result]) => result?.cpu)
    .map(([label, result]) => {
      const cpu = result!.cpu!;
      return [
        label,
        ...[cpu.benchProcess, cpu.rabbitmq, cpu.postgres, cpu.other, cpu.machineBusy].map(String),
      ];
    });
  const cpuTable =
    cpuRows.length > 0
      ? formatTable(
          ['CPU % (100 = one core)', 'bench+nodes', 'rabbitmq', 'postgres', 'other', 'machine busy %'],
          cpuRows,
        )
      : '';
  const verdict =
    ratio === null
      ? 'n/a'
      : `${ratio.toFixed(3)} (target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`;
  const stages = results.pipeline?.details.stagesMs as
    Record<string, { p50: number; p99: number }> | undefined;
  const stageLines = stages
    ? Object.entries(stages).map(([name, s]) => `  ${name.padEnd(24)} p50 ${s.p50} ms, p99 ${s.p99} ms`)
    : [];
  const queries = results.pipeline?.details.queriesPerHop as
    Record<string, { total: number; durableCommits: number }> | undefined;
  // Per hop of the whole run: a sender's figure counts the hops of the other sender too (two routes: × 2 per
  // message it sent); the receiver's is per message it accepted.
  const busy = queries ? Object.entries(queries).filter(([, q]) => q.total > 0) : [];
  const queryLine = queries
    ? `SQL statements per hop (BENCH_COUNT_QUERIES, target <= 10): ${busy
        .map(([code, q]) => `${code} ${q.total}`)
        .join(', ')}; durable commits per hop (target <= 1): ${busy
        .map(([code, q]) => `${code} ${q.durableCommits}`)
        .join(', ')} (by kind in the JSON)`
    : '';
  return [
    `trm-broker transfer pipeline benchmark`,
    `machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, RabbitMQ ${machine.rabbitmq}, ` +
      `PostgreSQL ${machine.postgres} (synchronous_commit=${machine.synchronousCommit})`,
    `hops: REFERRAL_REQUEST sender → receiver committed → DELIVERY_RECEIPT applied at sender; routes ` +
      `${options.routes.map((r) => `${r.from}→${r.to}`).join(', ')}; ${options.concurrency} sends in flight; ` +
      `${options.messagesPerCase} messages per case`,
    '',
    table,
    '',
    `ratio pipeline/raw (msgs/s): ${verdict}`,
    `ratio ${issue13Subject(results)}/NestJS peer (hops/s): ${target(issue13.pipelinePerPeer, PEER_TARGET)}`,
    `ratio ${issue13Subject(results)}/protocol ceiling (hops/s): ${target(issue13.pipelinePerCeiling, CEILING_TARGET)}`,
    ...(ceiling ? ['', ...renderCeiling(ceiling)] : []),
    ...(cpuTable ? ['', cpuTable] : []),
    ...(stageLines.length > 0 ? ['pipeline stages (database timestamps):', ...stageLines] : []),
    ...(queryLine ? [queryLine] : []),
    ...renderLatencies(results, issue13),
  ].join('\n');
}

/**
 * Issue 13's targets: two ratios of hops/s measured in this run, and two p99 latencies in ms (null: a phase is
 * missing).
 */
interface Issue13Ratios {
  pipelinePerPeer: number | null;
  pipelinePerCeiling: number | null;
  alertsP99Ms: number | null;
  pacedP99Ms: number | null;
  targets: { pipelinePerPeer: number; pipelinePerCeiling: number; alertsP99Ms: number; pacedP99Ms: number };
}

function issue13Ratios(results: Record<string, PhaseResult>, ceiling: Ceiling | null): Issue13Ratios {
  // Issue 13 measures the pipeline from a foreign participant; the two-node pipeline stands in without it.
  const pipeline = (results.foreign ?? results.pipeline)?.perSecond;
  const per = (other: number | undefined): number | null =>
    pipeline === undefined || !other ? null : round(pipeline / other, 3);
  return {
    pipelinePerPeer: per(results.peer?.perSecond),
    pipelinePerCeiling: per(ceiling?.perSecond),
    alertsP99Ms: results.alerts?.latency.p99Ms ?? null,
    pacedP99Ms: results.paced?.latency.p99Ms ?? null,
    targets: {
      pipelinePerPeer: PEER_TARGET,
      pipelinePerCeiling: CEILING_TARGET,
      alertsP99Ms: ALERTS_P99_TARGET_MS,
      pacedP99Ms: PACED_P99_TARGET_MS,
    },
  };
}

/** A p99 against its ceiling: the ratio p99/target, met when at most 1. */
function latencyTarget(p99: number | null, targetMs: number): string {
  if (p99 === null) return `n/a (issue 13 target p99 <= ${targetMs} ms)`;
  const ratio = p99 / targetMs;
  return `p99/target ${ratio.toFixed(2)} (issue 13 target p99 <= ${targetMs} ms: ${ratio <= 1 ? 'met' : 'NOT met'})`;
}

type Summary = { p50Ms: number; p99Ms: number; maxMs: number };
const ms3 = (s: Summary): string => `p50 ${s.p50Ms}, p99 ${s.p99Ms}, max ${s.maxMs} ms`;

function renderLatencies(results: Record<string, PhaseResult>, issue13: Issue13Ratios): string[] {
  const lines: string[] = [''];
  const alerts = results.alerts;
  if (alerts) {
    const d = alerts.details as {
      alertsDuringFlood: number;
      sendToAppliedMs: Summary;
      hopMs: Summary;
      flood: {
        messages: number;
        perSecond: number;
        backlog: { inboxReady: Record<string, { mean: number }> };
      };
    };
    lines.push(
      `emergency alerts FR → MK, routine lane flooded (FR published → applied at MK, ` +
        `${d.alertsDuringFlood}/${alerts.messages} during the flood): ${ms3(alerts.latency)}; ` +
        latencyTarget(issue13.alertsP99Ms, ALERTS_P99_TARGET_MS),
      `  send call → applied at MK ${ms3(d.sendToAppliedMs)}; full hop (send → receipt at FR) ${ms3(d.hopMs)}`,
      `  flood: ${d.flood.messages} hops at ${d.flood.perSecond}/s, MK routine queue ready (mean) ` +
        `${d.flood.backlog.inboxReady.MK?.mean ?? '?'}`,
    );
  }
  const paced = results.paced;
  if (paced) {
    const d = paced.details as {
      rate: number;
      rateBasis: string;
      sendToCommittedMs: Summary;
      maxScheduleLagMs: number;
    };
    lines.push(
      `routine at ${d.rate}/s (${d.rateBasis}), open loop (send → receipt applied at sender): ` +
        `${ms3(paced.latency)}; ` +
        latencyTarget(issue13.pacedP99Ms, PACED_P99_TARGET_MS),
      `  send call → committed at MK ${ms3(d.sendToCommittedMs)}; bench behind schedule at most ` +
        `${d.maxScheduleLagMs} ms`,
    );
  }
  return lines.length > 1 ? lines : [];
}

function issue13Subject(results: Record<string, PhaseResult>): string {
  return results.foreign ? 'pipeline from a foreign sender' : 'pipeline';
}

function target(ratio: number | null, wanted: number): string {
  if (ratio === null) return `n/a (issue 13 target >= ${wanted})`;
  return `${ratio.toFixed(3)} (issue 13 target >= ${wanted}: ${ratio >= wanted ? 'met' : 'NOT met'})`;
}

function renderCeiling(c: Ceiling): string[] {
  const f = c.floor.perHopMs;
  const ms = (value: number): string => `${value.toFixed(3)} ms`;
  return [
    `protocol floor (CPU per hop that PROTOCOL.md requires on top of the raw hop, request and receipt):`,
    `  seal + sign ${ms(f.sealAndSign)}, verify + open ${ms(f.verifyAndOpen)}, validate ${ms(f.validate)}: ` +
      `${ms(f.total)}; the raw hop itself ${ms(c.rawCpuMsPerHop)} (bench, RabbitMQ, PostgreSQL)`,
    `  the same cryptography as bare node:crypto calls, nothing else: ${ms(c.floor.primitivesPerHopMs)} ` +
      `(ceiling ratio ${c.bareRatio.toFixed(3)})`,
    `  ceiling for any implementation on ${c.cores} cores: ${c.cores} × 1000 / (${c.rawCpuMsPerHop} + ` +
      `${f.total}) = ${c.perSecond.toFixed(0)} hops/s, ratio ${c.ratio.toFixed(3)}` +
      (c.ratio < TARGET_RATIO ? ` (below the ${TARGET_RATIO} target: out of reach on this machine)` : ''),
  ];
}

async function adminQuery<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const client = new Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** process.hrtime and V8's profiler both read CLOCK_MONOTONIC, so these bound samples of a --cpu-prof. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function log(line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench failed: ${describeError(error)}`);
    process.exit(1);
  },
);
