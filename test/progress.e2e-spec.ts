import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { main as rotateKeys } from '../scripts/keys-rotate';
import { Progress, ProgressStream } from '../scripts/lib/progress';
import { verifyAuditChain } from '../src/audit/audit-verifier';
import { sealNow } from './support/audit-tools';
import { openSharableCase } from './support/node-api';

/** A terminal (or not) that keeps what is written to it. */
function fakeStream(isTTY: boolean): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, columns: 120, written, write: (text: string) => written.push(text) };
}

describe('the progress bar of the long commands (scripts/lib/progress.ts)', () => {
  it('draws count, share and rate on a terminal, at most ten times a second, and ends its line', () => {
    let now = 0;
    const stream = fakeStream(true);
    const progress = new Progress('verifying', 4000, { stream, now: () => now });
    now = 500;
    progress.tick(1000);
    expect(stream.written.at(-1)).toBe(
      '\rverifying [######------------------] 1,000/4,000 25% 2,000/s\u001b[K',
    );
    now = 550;
    progress.tick(1000); // 50 ms after the last redraw: not drawn
    expect(stream.written).toHaveLength(1);
    now = 2000;
    progress.set(4000);
    progress.done();
    expect(stream.written.slice(-2)).toEqual([
      '\rverifying [########################] 4,000/4,000 100% 2,000/s\u001b[K',
      '\n',
    ]);
  });

  it('says the count and rate alone when the total is not known', () => {
    let now = 0;
    const progress = new Progress('exporting', null, { stream: fakeStream(true), now: () => now });
    now = 2000;
    progress.tick(300);
    expect(progress.line()).toBe('exporting 300 150/s');
  });

  it('is quiet when not on a terminal, and with --json on one', () => {
    for (const [stream, json] of [
      [fakeStream(false), false],
      [fakeStream(true), true],
    ] as const) {
      const progress = new Progress('verifying', 10, { stream, json });
      progress.tick(5);
      progress.done();
      expect({ shown: progress.shown, written: stream.written }).toEqual({ shown: false, written: [] });
    }
  });
});

describe('progress of audit verification and key rotation (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    for (let i = 0; i < 3; i += 1) await openSharableCase(fr);
    await sealNow(fr);
  });

  afterAll(() => federation.tearDown());

  it.each([1, 2])(
    'audit verification reports each batch checked, up to the whole chain (%i thread(s))',
    async (workers) => {
      const calls: Array<[number, number]> = [];
      const report = await verifyAuditChain(federation.databaseUrl('FR'), {
        batchSize: 5,
        workers,
        onProgress: (checked, total) => calls.push([checked, total]),
      });
      expect(report.ok).toBe(true);
      expect(report.sealed).toBeGreaterThan(10);
      expect(calls.length).toBeGreaterThanOrEqual(Math.ceil(report.sealed / 5));
      const checked = calls.map(([c]) => c);
      expect(checked).toEqual([...checked].sort((a, b) => a - b));
      expect(calls.at(-1)).toEqual([report.sealed, report.sealed]);
    },
  );

  it('key rotation draws a bar on a terminal instead of a line per batch, and stays quiet off one', async () => {
    const env = { TRM_KEYS_DIR: federation.keysDir, DATABASE_URL: federation.appDatabaseUrl('FR') };
    const lines: string[] = [];
    const terminal = fakeStream(true);
    expect(await rotateKeys(['FR'], env, (line) => lines.push(line), terminal)).toBe(0);
    const drawn = terminal.written.filter((w) => w !== '\n');
    expect(drawn.length).toBeGreaterThan(0);
    const last = drawn.at(-1)!;
    expect(last.startsWith('\r') && last.endsWith('\u001b[K')).toBe(true);
    expect(last.slice(1, -3)).toMatch(/^re-encrypting \[#{24}\] ([\d,]+)\/\1 100% [\d,]+\/s$/);
    expect(terminal.written.at(-1)).toBe('\n');
    expect(lines.filter((l) => /^ {2}\S+: \d+ values$/.test(l))).toEqual([]);

    // Off a terminal: a line per batch, as before, and nothing on the stream.
    const logged: string[] = [];
    const log = fakeStream(false);
    expect(await rotateKeys(['FR'], env, (line) => logged.push(line), log)).toBe(0);
    expect(logged.filter((l) => /^ {2}\S+: \d+ values$/.test(l)).length).toBeGreaterThan(0);
    expect(log.written).toEqual([]);
  });
});
