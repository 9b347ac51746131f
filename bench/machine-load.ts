import { readdirSync, readFileSync } from 'node:fs';
import { type CpuShare, round } from './stats';

/**
 * Who used the CPUs during a phase: this process (the nodes and the bench driver share it), RabbitMQ,
 * PostgreSQL, and everything else. On a small shared machine "everything else" can be large, and a figure
 * measured next to someone else's build says little; this makes that visible in the report. Linux only:
 * elsewhere `snapshot()` returns null and the phase simply has no load figures.
 */

export type { CpuShare };

interface Snapshot {
  atMs: number;
  /** Jiffies per process id, with its command name and parent. */
  processes: Map<number, { comm: string; ppid: number; ticks: number }>;
  busyTicks: number;
  totalTicks: number;
  cores: number;
}

// USER_HZ: 100 on every mainstream Linux build; /proc reports process times in these ticks.
const TICKS_PER_SECOND = 100;

export function snapshot(): Snapshot | null {
  try {
    const cpuLines = readFileSync('/proc/stat', 'utf8').split('\n');
    const total = cpuLines[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = total[3] + total[4];
    const sum = total.reduce((a, b) => a + b, 0);
    const processes = new Map<number, { comm: string; ppid: number; ticks: number }>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // comm is parenthesised and may hold spaces: fields resume after the last ')'.
        const close = stat.lastIndexOf(')');
        const comm = stat.slice(stat.indexOf('(') + 1, close);
        const fields = stat.slice(close + 2).split(' ');
        processes.set(Number(entry), {
          comm,
          ppid: Number(fields[1]),
          ticks: Number(fields[11]) + Number(fields[12]),
        });
      } catch {
        // the process ended between readdir and read
      }
    }
    return {
      atMs: Date.now(),
      processes,
      busyTicks: sum - idle,
      totalTicks: sum,
      cores: cpuLines.filter((line) => /^cpu\d+ /.test(line)).length,
    };
  } catch {
    return null;
  }
}

/** CPU time (ms) the bench's process, RabbitMQ and PostgreSQL used between two snapshots. */
export function cpuMsByGroup(
  before: Snapshot | null,
  after: Snapshot | null,
): { benchProcess: number; rabbitmq: number; postgres: number } | null {
  if (!before || !after) return null;
  const groups = { benchProcess: 0, rabbitmq: 0, postgres: 0 };
  for (const [pid, now] of after.processes) {
    const ticks = now.ticks - (before.processes.get(pid)?.ticks ?? 0);
    if (ticks <= 0) continue;
    // The nodes the bench spawned (BENCH_NODES=process) are its children.
    if (pid === process.pid || now.ppid === process.pid) groups.benchProcess += ticks;
    else if (now.comm === 'beam.smp' || now.comm.startsWith('erl')) groups.rabbitmq += ticks;
    else if (now.comm === 'postgres') groups.postgres += ticks;
  }
  const ms = (ticks: number): number => (ticks / TICKS_PER_SECOND) * 1000;
  return {
    benchProcess: ms(groups.benchProcess),
    rabbitmq: ms(groups.rabbitmq),
    postgres: ms(groups.postgres),
  };
}

export function cpuShare(before: Snapshot | null, after: Snapshot | null): CpuShare | null {
  const used = cpuMsByGroup(before, after);
  if (!used || !before || !after) return null;
  const seconds = (after.atMs - before.atMs) / 1000;
  if (seconds <= 0) return null;
  const percent = (ms: number): number => round((ms / 1000 / seconds) * 100);
  const machineBusy =
    (after.busyTicks - before.busyTicks) / Math.max(1, after.totalTicks - before.totalTicks);
  const named = percent(used.benchProcess) + percent(used.rabbitmq) + percent(used.postgres);
  return {
    benchProcess: percent(used.benchProcess),
    rabbitmq: percent(used.rabbitmq),
    postgres: percent(used.postgres),
    // The remainder of the machine's busy time, so processes that came and went during the phase count too.
    other: round(Math.max(0, machineBusy * after.cores * 100 - named)),
    machineBusy: round(machineBusy * 100),
    cores: after.cores,
  };
}
