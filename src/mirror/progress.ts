/**
 * Progress on stderr. On a terminal: one line per image in flight and a total bytes bar, redrawn in
 * place with ANSI cursor moves (no dependency). Elsewhere: one log line per finished image.
 */

export interface Progress {
  /** An image started. */
  start(image: string): void;
  /** A blob of `size` bytes started streaming (grows the total). */
  expect(size: number): void;
  /** `n` more bytes streamed for `image`. */
  bytes(image: string, n: number): void;
  /** An image finished; `line` says how. */
  finish(image: string, line: string): void;
  /** Stop redrawing; leave the last state on screen. */
  close(): void;
}

export interface ProgressOptions {
  /** stderr is a terminal. */
  interactive: boolean;
  quiet: boolean;
  write: (text: string) => void;
  /** Terminal width; long lines are cut so a redraw never wraps. */
  columns?: number;
  /** Milliseconds between redraws. */
  interval?: number;
}

const CLEAR_LINE = '\x1b[2K';
const up = (n: number): string => (n > 0 ? `\x1b[${n}A` : '');

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** "[#########-----------] 45.0 MiB / 100.0 MiB" */
export function progressBar(done: number, total: number, width = 24): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${formatBytes(done)} / ${formatBytes(total)}`;
}

const silent: Progress = { start() {}, expect() {}, bytes() {}, finish() {}, close() {} };

function lineLog(write: (text: string) => void): Progress {
  return { ...silent, finish: (_image, line) => write(`${line}\n`) };
}

class TerminalProgress implements Progress {
  private readonly inFlight = new Map<string, number>();
  private total = 0;
  private done = 0;
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: ProgressOptions) {
    this.timer = setInterval(() => this.draw(), opts.interval ?? 100);
    this.timer.unref();
  }

  start(image: string): void {
    this.inFlight.set(image, 0);
  }
  expect(size: number): void {
    this.total += size;
  }
  bytes(image: string, n: number): void {
    this.done += n;
    this.inFlight.set(image, (this.inFlight.get(image) ?? 0) + n);
  }
  finish(image: string, line: string): void {
    this.inFlight.delete(image);
    this.draw(line);
  }
  close(): void {
    clearInterval(this.timer);
    this.draw();
  }

  private fit(text: string): string {
    // A pty with no size set (script, serial consoles) reports 0 columns: treat it as unknown.
    const columns = this.opts.columns || 120;
    return text.length > columns - 1 ? `${text.slice(0, columns - 2)}…` : text;
  }

  /** Erase what was drawn, print `permanent` above, draw the in-flight lines and the bar again. */
  private draw(permanent?: string): void {
    let out = up(this.drawn);
    if (permanent !== undefined) out += `${CLEAR_LINE}${permanent}\n`;
    const lines = [...this.inFlight].map(([image, n]) => this.fit(`  ${image}  ${formatBytes(n)}`));
    lines.push(this.fit(`${progressBar(this.done, this.total)}  ${this.inFlight.size} in flight`));
    for (const l of lines) out += `${CLEAR_LINE}${l}\n`;
    out += '\x1b[J';
    this.drawn = lines.length;
    this.opts.write(out);
  }
}

export function createProgress(opts: ProgressOptions): Progress {
  if (opts.quiet) return silent;
  return opts.interactive ? new TerminalProgress(opts) : lineLog(opts.write);
}
