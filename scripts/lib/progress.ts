/**
 * A progress bar for the long commands (audit:verify, keys:rotate), on standard error: count, share of the
 * total and rate, redrawn in place at most ten times a second. Quiet when standard error is not a terminal
 * (a log, a pipe, CI) or the command prints JSON, so nothing but the report reaches what reads its output.
 * No dependency: a line redrawn with `\r` is all it takes.
 */

/** What the bar writes to: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** The command prints JSON (`--json`): no bar. */
  json?: boolean;
  stream?: ProgressStream;
  /** Milliseconds, for tests. */
  now?: () => number;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

const grouped = (n: number): string => Math.round(n).toLocaleString('en-US');

export class Progress {
  private count = 0;
  private lastDraw = -Infinity;
  private readonly started: number;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  /** False off a terminal or with --json: then every call does nothing. */
  readonly shown: boolean;

  constructor(
    private readonly label: string,
    private total: number | null,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.shown = Boolean(this.stream.isTTY) && !options.json;
  }

  /** `n` more done; redrawn unless the last redraw was under 100 ms ago. */
  tick(n = 1): void {
    this.count += n;
    if (!this.shown || this.now() - this.lastDraw < REDRAW_MS) return;
    this.draw();
  }

  /** The count, and the total, as the caller knows them now. */
  set(count: number, total: number | null = this.total): void {
    this.count = count;
    this.total = total;
    this.tick(0);
  }

  /** The last state, and the line ended so what follows starts on its own. */
  done(): void {
    if (!this.shown) return;
    if (this.total !== null) this.total = Math.max(this.total, this.count);
    this.draw();
    this.stream.write('\n');
  }

  /** The line as drawn: `label [#####-----] 1,200/5,000 24% 3,400/s`. */
  line(): string {
    const seconds = Math.max((this.now() - this.started) / 1000, 0.001);
    const rate = `${grouped(this.count / seconds)}/s`;
    if (this.total === null || this.total === 0) return `${this.label} ${grouped(this.count)} ${rate}`;
    const share = Math.min(this.count / this.total, 1);
    const filled = Math.round(share * BAR_WIDTH);
    return (
      `${this.label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ` +
      `${grouped(this.count)}/${grouped(this.total)} ${Math.floor(share * 100)}% ${rate}`
    );
  }

  private draw(): void {
    this.lastDraw = this.now();
    // Cleared to the end of the line (ESC [K): a shorter line leaves no tail of the previous one.
    this.stream.write(`\r${this.line().slice(0, (this.stream.columns ?? 200) - 1)}\u001b[K`);
  }
}
