/**
 * Progress of an upload or a download: a bar with bytes, speed and time left on a terminal,
 * a line every 10% otherwise (logs, CI). On stderr, so stdout keeps only the result.
 */
import cliProgress from 'cli-progress';
import type { Output } from './output.js';

export interface TransferDisplay {
  update(doneBytes: number): void;
  stop(): void;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** `label` says what moves (`uploading web.ova`); `totalBytes` may be unknown (NaN). */
export function transferDisplay(out: Output, label: string, totalBytes: number): TransferDisplay {
  const known = Number.isFinite(totalBytes) && totalBytes > 0;
  const started = Date.now();
  if (out.stderr.isTTY === true && known) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% {done} of {all}, {speed}/s, ETA {eta_formatted}`,
        stream: out.stderr,
        hideCursor: true,
        barsize: 30,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(totalBytes, 0, { done: formatBytes(0), all: formatBytes(totalBytes), speed: formatBytes(0) });
    return {
      update(done) {
        const seconds = Math.max(0.001, (Date.now() - started) / 1000);
        bar.update(done, { done: formatBytes(done), all: formatBytes(totalBytes), speed: formatBytes(done / seconds) });
      },
      stop: () => bar.stop(),
    };
  }
  let nextTenth = 1;
  let last = 0;
  return {
    update(done) {
      last = done;
      if (!known) return;
      while (done / totalBytes >= nextTenth / 10 && nextTenth <= 10) {
        out.note(`${label}: ${nextTenth * 10}% (${formatBytes(done)} of ${formatBytes(totalBytes)})`);
        nextTenth++;
      }
    },
    stop() {
      if (!known) out.note(`${label}: ${formatBytes(last)}`);
    },
  };
}
