import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The console `npm run build:console` writes, for the browser tests and `npm run demo -- --keep`. */

const ROOT = path.resolve(__dirname, '..', '..');
const CONSOLE_DIST = path.join(ROOT, 'dist', 'console', 'index.html');
/** What the console build reads: a change to any of them makes the built console stale. */
const CONSOLE_INPUTS = ['console', 'docs/openapi.json', 'docs/schemas'];
function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(target)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(target, name)));
  }
  return newest;
}

/**
 * Builds the console when dist/console is missing or older than its sources, so a fresh clone's `npm test`
 * tests what is in the tree, not a console built before the last change.
 */
export function ensureConsoleBuilt(): void {
  const built = existsSync(CONSOLE_DIST) ? statSync(CONSOLE_DIST).mtimeMs : 0;
  const sources = Math.max(...CONSOLE_INPUTS.map((p) => newestMtime(path.join(ROOT, p))));
  if (built > 0 && built >= sources) return;
  try {
    execFileSync('npm', ['run', '--silent', 'build:console'], { cwd: ROOT, stdio: 'pipe', timeout: 240_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `npm run build:console failed:\n${stdout?.toString() ?? ''}\n${stderr?.toString() ?? ''}`,
      { cause: error },
    );
  }
  if (!existsSync(CONSOLE_DIST)) throw new Error(`npm run build:console did not write ${CONSOLE_DIST}`);
}
