/**
 * Progress of a long disk job as the operation shows it: one percentage over weighted phases,
 * and a message with the phase, bytes done of total, and the time left, e.g.
 * `extracting and verifying the OVA: 512 MiB of 2.0 GiB (31%), about 40 s left`.
 * Reports are throttled (the store is written on each), and never overtake one another.
 */
export interface ProgressSink {
  report(progress: number, message: string): Promise<void>;
}

export interface Phase {
  readonly label: string;
  /** Share of the whole operation, 0..100, where this phase starts and ends. */
  readonly from: number;
  readonly to: number;
  readonly totalBytes: number;
}

const MIN_INTERVAL_MS = 250;

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

export class TransferProgress {
  readonly #started = Date.now();
  #phase: Phase | undefined;
  #phaseStarted = 0;
  #lastAt = 0;
  #last: Promise<void> = Promise.resolve();
  #inFlight = false;

  constructor(private readonly sink: ProgressSink) {}

  /** Starts a phase and reports its first line. */
  async phase(phase: Phase): Promise<void> {
    this.#phase = phase;
    this.#phaseStarted = Date.now();
    await this.#send(phase.from, `${phase.label}: ${formatBytes(phase.totalBytes)}`, true);
  }

  /** Bytes done in the current phase; reported at most every 250 ms. */
  bytes(done: number): void {
    const phase = this.#phase;
    if (phase === undefined) return;
    const share = phase.totalBytes <= 0 ? 1 : Math.min(1, done / phase.totalBytes);
    const percent = phase.from + (phase.to - phase.from) * share;
    const elapsed = Date.now() - this.#phaseStarted;
    // Time left in this phase from its own rate, plus the later phases at the whole job's pace.
    const phaseLeft = share > 0.01 && elapsed > 500 ? (elapsed / share) * (1 - share) : undefined;
    const laterShare = (100 - phase.to) / 100;
    const overall = (Date.now() - this.#started) / Math.max(0.01, percent / 100);
    const left = phaseLeft === undefined ? undefined : phaseLeft + overall * laterShare;
    const message = `${phase.label}: ${formatBytes(done)} of ${formatBytes(phase.totalBytes)} (${Math.floor(share * 100)}%)${left === undefined ? '' : `, about ${formatDuration(left)} left`}`;
    void this.#send(percent, message, share >= 1);
  }

  /** A plain step with no bytes to count. */
  step(progress: number, message: string): Promise<void> {
    return this.#send(progress, message, true);
  }

  /** Waits for the reports already sent. */
  flush(): Promise<void> {
    return this.#last;
  }

  #send(progress: number, message: string, force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && (this.#inFlight || now - this.#lastAt < MIN_INTERVAL_MS)) return this.#last;
    this.#lastAt = now;
    this.#inFlight = true;
    // Chained: a slow store write must not let an older percentage land after a newer one.
    this.#last = this.#last
      .then(() => this.sink.report(Math.min(99, progress), message))
      .catch(() => undefined)
      .finally(() => {
        this.#inFlight = false;
      });
    return this.#last;
  }
}
