/**
 * npm run keys:rotate -- <CC> [--resume]
 *
 * Rotates a node's data key (field encryption at rest): writes the next key `<CC>.data-<n>.key` to
 * $TRM_KEYS_DIR, which makes it the active one, then re-encrypts every encrypted value of the node's
 * database ($DATABASE_URL) under it, in batches that each commit on their own. Safe while the node runs:
 * running instances that share the keys directory switch to the new key within seconds (the script waits
 * for that before it starts), and rows they hold locked are left for the next run. Interrupted or with rows
 * left over, `--resume` finishes the job without adding another key. It prints what it moved and which old
 * keys no stored value needs any more.
 */
import 'reflect-metadata';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { bindFieldCipher } from '../src/crypto/encrypted-column';
import {
  createDataKey,
  FieldCipher,
  FieldCipherError,
  REFRESH_INTERVAL_MS,
} from '../src/crypto/field-cipher';
import { rekeyFields, storedKeyIds } from '../src/crypto/field-rekey';
import { KeyStoreError } from '../src/crypto/key-store';
import { ENTITIES } from '../src/entities';
import { Progress, ProgressStream } from './lib/progress';

const USAGE =
  'usage: npm run keys:rotate -- <CC> [--resume]   (with TRM_KEYS_DIR and the node’s DATABASE_URL)';

class UsageError extends Error {}

function parseArgs(argv: string[]): { code: string; resume: boolean } {
  let code: string | undefined;
  let resume = false;
  for (const arg of argv) {
    if (arg === '--resume') resume = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (code === undefined) code = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (code === undefined || !/^[A-Z]{2}$/.test(code))
    throw new UsageError('the participant code (two upper-case letters) is required');
  return { code, resume };
}

/** Returns the exit code: 0 done, 1 error, 3 values left under an old key (run again with --resume). */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  say: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  stream: ProgressStream = process.stderr,
): Promise<number> {
  let dataSource: DataSource | undefined;
  try {
    const { code, resume } = parseArgs(argv);
    if (!env.DATABASE_URL) throw new UsageError('DATABASE_URL (the node’s database) is required');
    const dir = path.resolve(env.TRM_KEYS_DIR || './keys');
    const cipher = FieldCipher.load(dir, code);
    dataSource = await new DataSource({
      type: 'postgres',
      url: env.DATABASE_URL,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      extra: { max: 2, application_name: `trm-keys-rotate-${code}` },
    }).initialize();
    if (await dataSource.showMigrations())
      throw new UsageError(
        'the database has pending migrations: start the node once (it applies them), then rotate',
      );
    const columns = bindFieldCipher(dataSource, cipher, { caseKeys: true });
    for (const { column, keyId } of await storedKeyIds(dataSource, columns)) {
      if (keyId !== null && !cipher.hasKey(keyId))
        throw new FieldCipherError(`${column} holds values under data key ${keyId}, which is not in ${dir}`);
    }

    if (!resume) {
      const keyId = createDataKey(dir, code);
      cipher.reload();
      say(`created data key ${keyId} in ${dir}; it is now the active key`);
      // Running instances look for a new key every REFRESH_INTERVAL_MS: after this, none writes under an old one.
      await new Promise((resolve) => setTimeout(resolve, 2 * REFRESH_INTERVAL_MS));
    }
    say(`re-encrypting under ${cipher.activeKeyId}`);
    // On a terminal, a bar over every value not yet under the active key; elsewhere a line per batch.
    const toMove = (await storedKeyIds(dataSource, columns))
      .filter((s) => s.keyId !== cipher.activeKeyId)
      .reduce((sum, s) => sum + s.count, 0);
    const progress = new Progress('re-encrypting', toMove, { stream });
    const reports = await rekeyFields(dataSource, cipher, columns, {
      onBatch: (column, count) =>
        progress.shown ? progress.tick(count) : say(`  ${column}: ${count} values`),
    });
    progress.done();
    for (const r of reports) {
      say(`${r.column}: ${r.reencrypted} re-encrypted, ${r.remaining} left`);
      // An altered value (or one moved between rows) is left as it is: it reads as an integrity error.
      for (const rowId of r.unreadable)
        say(`  ${r.column} (row ${rowId}) fails authentication: left as it is, restore it from a backup`);
    }

    const inUse = new Set(
      (await storedKeyIds(dataSource, columns)).filter((s) => s.count > 0).map((s) => s.keyId),
    );
    const left = reports.reduce((sum, r) => sum + r.remaining, 0);
    for (const keyId of cipher.keyIds()) {
      if (keyId === cipher.activeKeyId) continue;
      say(
        inUse.has(keyId)
          ? `data key ${keyId} is still needed by some values: keep it and run again with --resume`
          : `data key ${keyId} no longer encrypts anything in this database: delete ${path.join(dir, `${code}.${keyId.slice(3)}.key`)} ` +
              'once no database backup you may restore still needs it',
      );
    }
    if (left > 0) {
      say(`${left} values are still under an old key (rows in use during the run): run again with --resume`);
      return 3;
    }
    say(`done: every encrypted value is under ${cipher.activeKeyId}`);
    return 0;
  } catch (err) {
    const known =
      err instanceof UsageError || err instanceof KeyStoreError || err instanceof FieldCipherError;
    process.stderr.write(
      `error: ${(err as Error).message}${err instanceof UsageError ? `\n${USAGE}` : ''}\n`,
    );
    if (!known && env.DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  } finally {
    await dataSource?.destroy();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env).then((code) => (process.exitCode = code));
}
