import { MIGRATION_STEPS, type MigrationProgress, type MigrationStepId } from '@skyport/model';
import type { MigrationStep, StepId, StepProgress } from './step-types.js';

/** Progress goes to the store at most this often per VM (and at every step boundary). */
const WRITE_EVERY_MS = 250;

/**
 * A VM's progress: the weights of the steps done plus the current step's share, bytes and
 * rate of the step moving data, and an ETA extrapolated from the progress made since this
 * process took the VM (so time spent down before a restart does not slow the estimate).
 */
export class VmProgress {
  #done = new Set<StepId>();
  #step: MigrationStepId | undefined;
  #stepStartedAt = Date.now();
  #latest: MigrationProgress;
  readonly #startPercent: number;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #lastWrite = 0;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly steps: ReadonlyMap<StepId, MigrationStep<unknown>>,
    initial: MigrationProgress,
    private readonly write: (progress: MigrationProgress) => Promise<void>,
  ) {
    this.#latest = initial;
    this.#startPercent = initial.percent;
  }

  get current(): MigrationProgress {
    return this.#latest;
  }

  #weight(id: StepId): number {
    return this.steps.get(id)?.weight ?? 0;
  }

  #total(): number {
    return MIGRATION_STEPS.reduce((sum, id) => sum + this.#weight(id), 0) || 1;
  }

  /** The steps already done (from the history) and the one starting now. */
  begin(done: Iterable<StepId>, step: MigrationStepId | undefined, message: string): Promise<void> {
    this.#done = new Set(done);
    this.#step = step;
    this.#stepStartedAt = Date.now();
    this.#latest = this.#compute({ stepPercent: 0, message });
    return this.flush();
  }

  update(update: StepProgress): void {
    this.#latest = this.#compute(update);
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, WRITE_EVERY_MS - (Date.now() - this.#lastWrite));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().catch(() => undefined);
    }, wait);
    this.#timer.unref();
  }

  /** Writes the latest progress now (after any write under way). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const progress = this.#latest;
    this.#lastWrite = Date.now();
    this.#writing = this.#writing.then(() => this.write(progress)).catch(() => undefined);
    return this.#writing;
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #compute(update: StepProgress): MigrationProgress {
    const doneWeight = MIGRATION_STEPS.filter((id) => this.#done.has(id)).reduce((sum, id) => sum + this.#weight(id), 0);
    const stepPercent = Math.max(0, Math.min(100, update.stepPercent ?? (update.bytesTotal ? ((update.bytesDone ?? 0) / update.bytesTotal) * 100 : 0)));
    const current = this.#step === undefined ? 0 : (this.#weight(this.#step) * stepPercent) / 100;
    const percent = Math.min(100, Math.round(((doneWeight + current) / this.#total()) * 1000) / 10);
    const now = Date.now();
    const stepSeconds = (now - this.#stepStartedAt) / 1000;
    const bytesPerSecond = update.bytesDone !== undefined && stepSeconds > 0.5 ? Math.round(update.bytesDone / stepSeconds) : undefined;
    const gained = percent - this.#startPercent;
    const seconds = (now - this.#startedAt) / 1000;
    const etaSeconds = gained >= 1 && seconds >= 1 ? Math.round(((100 - percent) * seconds) / gained) : undefined;
    return {
      ...(this.#step === undefined ? {} : { step: this.#step }),
      percent,
      stepPercent: Math.round(stepPercent),
      ...(update.bytesDone === undefined ? {} : { bytesDone: update.bytesDone }),
      ...(update.bytesTotal === undefined ? {} : { bytesTotal: update.bytesTotal }),
      ...(bytesPerSecond === undefined ? {} : { bytesPerSecond }),
      ...(etaSeconds === undefined ? {} : { etaSeconds }),
      ...(update.message === undefined ? (this.#latest.message === undefined ? {} : { message: this.#latest.message }) : { message: update.message }),
    };
  }
}
