/**
 * Progress of long CLI commands (issue 10 item 3): audit verify and export, deliveries replay
 * --all-failed. Written to stderr, never stdout, so an export piped to a file or a checkpoint read
 * by a script stays clean. On a terminal one line is redrawn in place (at most every 100 ms); when
 * stderr is not a terminal (cron, CI, a log file) plain lines are written at each tenth of the
 * work instead, because carriage returns make a log unreadable.
 */
export interface ProgressSink {
  isTTY: boolean;
  write(text: string): void;
}

export interface Progress {
  /** `n` more items done. */
  advance(n?: number): void;
  /** Clear the terminal line; the command prints its own result. */
  done(): void;
}

const BAR = 24;
/** Below this many items a command is quick: no intermediate lines. */
const QUIET_BELOW = 1_000;

export const noProgress: Progress = { advance: () => {}, done: () => {} };

export function progress(
  sink: ProgressSink | undefined,
  label: string,
  total: number,
  now: () => number = Date.now,
): Progress {
  if (!sink || total < QUIET_BELOW) return noProgress;
  let count = 0;
  let lastDraw = 0;
  let lastTenth = 0;
  const percent = () => Math.min(100, Math.floor((count * 100) / total));
  return {
    advance(n = 1) {
      count += n;
      if (sink.isTTY) {
        if (now() - lastDraw < 100 && count < total) return;
        lastDraw = now();
        const filled = Math.round((percent() * BAR) / 100);
        sink.write(
          `\r${label} [${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${percent()}% ${count}/${total}`,
        );
        return;
      }
      const tenth = Math.floor(percent() / 10);
      if (tenth > lastTenth && count < total) {
        lastTenth = tenth;
        sink.write(`${label}: ${count}/${total} (${tenth * 10}%)\n`);
      }
    },
    done() {
      // Erase the redrawn line (CSI K, "erase in line") so the result starts on a clean line.
      if (sink.isTTY) sink.write('\r\u001b[K');
    },
  };
}
