/**
 * `npm run audit:deps`: fails on any high or critical advisory in the production dependencies
 * (`npm audit --omit=dev`). When the registry's audit endpoint cannot be reached (some mirrors answer 405),
 * it says so plainly and exits 0: an unreachable service is not a clean bill of health, and the message
 * says that too. `--strict` turns "could not check" into a failure.
 */
import { spawnSync } from 'node:child_process';

interface AuditReport {
  error?: { summary?: string };
  message?: string;
  statusCode?: number;
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
}

const strict = process.argv.includes('--strict');
const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report: AuditReport;
try {
  report = JSON.parse(run.stdout) as AuditReport;
} catch {
  report = { message: (run.stderr || 'no output').trim().split('\n').pop() };
}

const counts = report.metadata?.vulnerabilities;
if (!counts) {
  const why = report.error?.summary || report.message || `npm audit exited ${run.status}`;
  console.warn(`audit:deps: could not check advisories (${why}); dependencies are NOT verified`);
  process.exit(strict ? 2 : 0);
}
const serious = Object.entries(report.vulnerabilities ?? {}).filter(([, v]) =>
  ['high', 'critical'].includes(v.severity),
);
console.log(`audit:deps: ${JSON.stringify(counts)}`);
for (const [name, v] of serious) console.error(`  ${v.severity}: ${name}`);
process.exit(serious.length > 0 ? 1 : 0);
