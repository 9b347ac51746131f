/** Who used the CPUs during a phase (measured by machine-load.ts). */
export interface CpuShare {
  /** Percent of one core, averaged over the phase: the bench's process and the nodes it spawned. */
  benchProcess: number;
  rabbitmq: number;
  postgres: number;
  other: number;
  /** Percent of all cores busy (100 = every core busy all the time). */
  machineBusy: number;
  cores: number;
}

/** Latency distribution of one phase, in milliseconds. */
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What every measured phase reports, so the table and the JSON treat them alike. */
export interface PhaseResult {
  name: string;
  messages: number;
  /** First publish (or send call) to the last receipt consumed (or DELIVERED). */
  seconds: number;
  perSecond: number;
  latency: LatencySummary;
  /** Phase-specific evidence (batch sizes, backlogs, send-call time), kept for the JSON and the analysis. */
  details: Record<string, unknown>;
  /** Who used the CPUs meanwhile (percent of one core; machineBusy: percent of all cores). */
  cpu?: CpuShare | null;
  /** Phase bounds on the monotonic clock V8's CPU profiles use (µs), to cut a --cpu-prof profile to it. */
  monotonicUs?: { start: number; end: number };
}

/** Nearest-rank percentile: a value that was really observed, never an interpolation between two. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    meanMs: round(sorted.length > 0 ? total / sorted.length : Number.NaN),
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN),
  };
}

export function phaseResult(
  name: string,
  messages: number,
  elapsedMs: number,
  latencies: readonly number[],
  details: Record<string, unknown> = {},
): PhaseResult {
  const seconds = elapsedMs / 1000;
  return {
    name,
    messages,
    seconds: round(seconds, 3),
    perSecond: round(messages / seconds),
    latency: summarize(latencies),
    details,
  };
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A plain-text table with right-aligned numeric columns (the first column is left-aligned). */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * Waits for `work` at most `ms`, then goes on regardless. For clean-up steps: closing an AMQP connection the
 * broker already dropped (say, a broker restart by someone else) can wait forever for a close-ok.
 */
export async function atMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}
