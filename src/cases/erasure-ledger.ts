/**
 * The cases this node has erased, kept outside its database (docs/retention.md, "Backups"): a database
 * restored from a backup taken before an erasure holds the case's wrapped key again, and the node erases
 * such a case once more at boot, before it serves, from this file. One case reference per line, appended
 * and synced to disk after the erasure commits; references are pseudonymous, never a person's details.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';

export class ErasureLedger {
  constructor(readonly file: string) {}

  /** The references erased so far (none when the file does not exist yet). */
  read(): Set<string> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw error;
    }
    return new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    );
  }

  /**
   * Appends the references and waits until they are on disk: an erasure must outlive a crash. With none, it
   * only makes sure the file can be written (at boot, so a read-only place fails the start, not an erasure).
   */
  append(caseRefs: readonly string[]): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = openSync(this.file, 'a', 0o600);
    try {
      writeSync(fd, caseRefs.map((ref) => `${ref}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
