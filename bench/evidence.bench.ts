import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { AuditCheckpointService } from '../src/checkpoints/audit-checkpoint.service';
import { parseDirectoryFile } from '../src/directory/directory.service';
import type { EvidenceBundle } from '../src/evidence/evidence-bundle';
import { verifyEvidenceBundle } from '../src/evidence/evidence-verifier';
import { examplePayload } from '../src/messages/examples';
import { api, openSharableCase, recordConsent, sendMessage, waitDelivered } from '../test/support/node-api';
import { formatTable, percentile, round } from './stats';

/**
 * `npm run bench:evidence` (issue 16): a case's evidence bundle verified offline. FR and MK play a case of
 * BENCH_EVIDENCE_MESSAGES (default 50) messages, half each way, each answered by a receipt, while
 * BENCH_EVIDENCE_OTHER (default 3) messages of other cases go between each two of them (their entries sit
 * between the case's in FR's chain, as leaves in the bundle); FR signs a checkpoint for MK, an auditor granted
 * the case exports the bundle over HTTP, and the verifier reads, parses and checks it BENCH_EVIDENCE_RUNS
 * (default 50) times with the directory's public keys. Target: ≤ 1 s per verification. Everything is dropped
 * at the end.
 */

const LIMIT_MS = 1000;
const messages = Number(process.env.BENCH_EVIDENCE_MESSAGES ?? 50);
const others = Number(process.env.BENCH_EVIDENCE_OTHER ?? 3);
const runs = Number(process.env.BENCH_EVIDENCE_RUNS ?? 50);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function send(from: RunningNode, caseRef: string, to: string): Promise<string> {
  const sent = await sendMessage(from, caseRef, {
    type: 'CASE_UPDATE',
    to,
    payload: examplePayload('CASE_UPDATE'),
  });
  if (sent.status !== 202) throw new Error(`send: HTTP ${sent.status} ${JSON.stringify(sent.body)}`);
  return sent.body.id as string;
}

async function main(): Promise<void> {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'trm-bench-evidence-'));
  try {
    await federation.setUp();
    const fr = await federation.start('FR');
    const mk = await federation.start('MK');
    const caseRef = await openSharableCase(fr);
    const noise = await Promise.all([openSharableCase(fr), openSharableCase(fr)]);
    // MK knows the case once the first message arrives; it answers under a consent of its own.
    await waitDelivered(fr, await send(fr, caseRef, 'MK'));
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    log(`playing a case of ${messages} messages, ${others} messages of other cases between each two`);
    const played = Date.now();
    for (let i = 1; i < messages; i++) {
      const [from, to] = i % 2 === 0 ? [fr, 'MK'] : [mk, 'FR'];
      const pending = [send(from, caseRef, to)];
      for (let j = 0; j < others; j++) pending.push(send(fr, noise[j % noise.length], 'MK'));
      const ids = await Promise.all(pending);
      await Promise.all(ids.map((id, k) => waitDelivered(k === 0 ? from : fr, id, 60_000)));
    }
    log(`played in ${round((Date.now() - played) / 1000)} s`);
    await fr.app!.get(AuditCheckpointService).send({ force: true });
    const granted = await api(
      fr,
      'POST',
      '/admin/accounts/auditor/case-grants',
      { caseRef },
      { as: 'admin' },
    );
    if (granted.status !== 201) throw new Error(`grant: HTTP ${granted.status}`);

    const exportStarted = process.hrtime.bigint();
    const exported = await api(fr, 'GET', `/audit/cases/${caseRef}/evidence`, undefined, { as: 'auditor' });
    const exportMs = Number(process.hrtime.bigint() - exportStarted) / 1e6;
    if (exported.status !== 200) throw new Error(`export: HTTP ${exported.status}`);
    const file = path.join(workDir, 'bundle.json');
    writeFileSync(file, exported.text);
    const bundle = exported.body as EvidenceBundle;

    const directory = parseDirectoryFile(readFileSync(federation.directoryFile, 'utf8'));
    const keys = new Map(directory.participants.map((p) => [p.code, p.signingKey]));
    const samples: number[] = [];
    let report = verifyEvidenceBundle(bundle, keys);
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      report = verifyEvidenceBundle(JSON.parse(readFileSync(file, 'utf8')), keys);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    if (!report.ok) throw new Error(`the bundle does not verify: ${JSON.stringify(report.problems)}`);

    // The command an auditor runs: a fresh process, TypeScript compiled on the fly (ts-node) included.
    const cliStarted = process.hrtime.bigint();
    execFileSync(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        path.join(__dirname, '../scripts/evidence-verify.ts'),
        file,
        '--directory',
        federation.directoryFile,
      ],
      { stdio: 'ignore' },
    );
    const cliMs = Number(process.hrtime.bigint() - cliStarted) / 1e6;

    const leaves = bundle.chain.rows.filter((row) => 'leaf' in row).length;
    const p50 = percentile(samples, 50);
    const max = Math.max(...samples);
    log(
      `bundle: ${bundle.messages.length} messages, ${bundle.receipts.length} receipts, ${report.caseEntries} case entries, ` +
        `${leaves} other entries as leaves, ${bundle.checkpoints.length} checkpoint(s); ${round(exported.text.length / 1024)} KiB`,
    );
    log(
      formatTable(
        ['', 'p50', 'max', 'max / 1 s'],
        [
          [
            `verify (read, parse, check) × ${runs}`,
            `${round(p50)} ms`,
            `${round(max)} ms`,
            String(round(max / LIMIT_MS, 3)),
          ],
          ['export over HTTP (once)', `${round(exportMs)} ms`, '', ''],
          ['npm run evidence:verify, whole process (once)', `${round(cliMs)} ms`, '', ''],
        ],
      ),
    );
    log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores`,
    );
    log(max <= LIMIT_MS ? 'target met: ≤ 1 s' : 'TARGET MISSED: > 1 s');
  } finally {
    await federation.tearDown();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
