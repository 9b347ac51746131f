import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatTable, round } from './stats';

/**
 * Summarises a V8 CPU profile of a bench run, cut to one phase, by where the time went: self time per
 * library / src folder, self time per function, and inclusive time of the pipeline's own functions.
 *
 *   BENCH_PHASES=pipeline node --cpu-prof --cpu-prof-dir=/tmp/trm-prof \
 *     -r ts-node/register/transpile-only bench/pipeline.bench.ts
 *   npx ts-node --transpile-only bench/cpu-profile-summary.ts /tmp/trm-prof/<file>.cpuprofile [phase]
 *
 * The phase bounds come from bench/results/latest.json (`monotonicUs`), written by that same run.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = path.resolve(__dirname, '..');

/** A library name, a src/ folder, or a V8 pseudo-frame: the unit a suggestion for src/ can act on. */
export function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName || '(anonymous)'}`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' ? parts.slice(1, 2).join('/') : parts[0]}`;
  }
  const local = path.relative(ROOT, url.replace(/^file:\/\//, ''));
  if (!local.startsWith('..')) return local.split(path.sep).slice(0, 2).join('/');
  return url;
}

function label(frame: CallFrame): string {
  const file = frame.url ? frame.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '') : '';
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

export function summarizeProfile(profile: CpuProfile, window?: { start: number; end: number }): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByCategory = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusiveSrc = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    // Each sample stands for the interval up to the next one.
    const weight = profile.timeDeltas[i + 1] ?? 0;
    if (window && (at < window.start || at > window.end)) continue;
    const node = byId.get(profile.samples[i])!;
    if (node.callFrame.functionName === '(idle)') {
      idle += weight;
      continue;
    }
    total += weight;
    add(selfByCategory, categoryOf(node.callFrame), weight);
    add(selfByFunction, label(node.callFrame), weight);
    // Inclusive time of src/ functions: every distinct one on the stack, counted once per sample.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!frame.url.includes('/src/') || frame.url.includes('node_modules')) continue;
      const key = label(frame);
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusiveSrc, key, weight);
      }
    }
  }
  const ms = (us: number): string => round(us / 1000).toFixed(1);
  const pct = (us: number): string => ((us / Math.max(1, total)) * 100).toFixed(1);
  const top = (map: Map<string, number>, n: number): string[][] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => [name, ms(us), pct(us)]);
  const span = window ? window.end - window.start : profile.endTime - profile.startTime;
  return [
    `window ${ms(span)} ms: busy ${ms(total)} ms (${((total / Math.max(1, span)) * 100).toFixed(1)}% of one core), idle ${ms(idle)} ms`,
    '',
    formatTable(['self time by library / src folder', 'ms', '% busy'], top(selfByCategory, 25)),
    '',
    formatTable(['self time by function', 'ms', '% busy'], top(selfByFunction, 30)),
    '',
    formatTable(['inclusive time of src/ functions', 'ms', '% busy'], top(inclusiveSrc, 40)),
  ].join('\n');
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

if (require.main === module) {
  const [file, phase] = process.argv.slice(2);
  if (!file) {
    console.error('usage: cpu-profile-summary.ts <file.cpuprofile> [phase: raw|pipeline|http]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  let window: { start: number; end: number } | undefined;
  if (phase) {
    const results = JSON.parse(readFileSync(path.join(__dirname, 'results', 'latest.json'), 'utf8')) as {
      results: Record<string, { monotonicUs?: { start: number; end: number } }>;
    };
    window = results.results[phase]?.monotonicUs;
    if (!window) throw new Error(`bench/results/latest.json has no ${phase} phase with monotonicUs`);
  }
  console.log(summarizeProfile(profile, window));
}
