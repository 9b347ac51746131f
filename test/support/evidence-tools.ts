import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDirectoryFile } from '../../src/directory/directory.service';
import type { EvidenceBundle } from '../../src/evidence/evidence-bundle';

/** The participants' signing keys in a directory file, by country: what an auditor verifies a bundle with. */
export function directorySigningKeys(
  directoryFile: string,
): Map<string, { keyId: string; publicKey: string }> {
  return new Map(
    parseDirectoryFile(readFileSync(directoryFile, 'utf8')).participants.map((p) => [p.code, p.signingKey]),
  );
}

/** `npm run evidence:verify -- <file> --directory <directoryFile>`, as an auditor runs it, offline. */
export function runEvidenceVerify(
  file: string,
  directoryFile: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = path.resolve(__dirname, '../../scripts/evidence-verify.ts');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', script, file, '--directory', directoryFile],
      { timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** A deep copy of the bundle with one change made by `mutate`: the original stays as exported. */
export function mutatedCopy(bundle: EvidenceBundle, mutate: (copy: EvidenceBundle) => void): EvidenceBundle {
  const copy = JSON.parse(JSON.stringify(bundle)) as EvidenceBundle;
  mutate(copy);
  return copy;
}
