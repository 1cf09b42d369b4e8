/**
 * One VM's durable workflow: its steps run in order, each recorded in the VM's step history
 * (`started`, `checkpoint`s, `completed`/`failed`) before the next begins; compensations undo
 * them in reverse. Opening a workflow replays the stored history, so a broker that died at any
 * point resumes at the first step not done, with what the interrupted step had recorded.
 */
import { MIGRATION_STEPS, toSkyportError, type MigrationStepId } from '@skyport/model';
import type { MigrationPlanRecord, MigrationStepRecord, MigrationVmPatch, MigrationVmRecord } from '../ports/index.js';
import type { Connection } from '../provider-connections.js';
import type { PlanSpec } from './plan-spec.js';
import { checkHistory, replay, type StepState } from './step-history.js';
import type { EngineServices, MigrationStep, StepId, VmStepContext } from './step-types.js';
import { STEPS } from './steps/index.js';
import { VmProgress } from './vm-progress.js';

/** What the job running the VM gives its workflow. */

/** The VM stopped on request before this step; resuming runs it next. */
export class PausedBefore extends Error {
  constructor(readonly step: StepId) {
    super(`paused before ${step}`);
  }
}

export interface WorkflowHost {
  readonly services: EngineServices;
  readonly plan: MigrationPlanRecord;
  readonly spec: PlanSpec;
  readonly source: Connection;
  readonly target: Connection;
  vm(): MigrationVmRecord;
  /** Writes the VM while this job holds it; throws when another worker has taken it over. */
  save(patch: MigrationVmPatch): Promise<void>;
}

const EMPTY: StepState = { done: false, output: undefined, partial: {}, touched: false };

const WHAT: Readonly<Record<StepId, string>> = {
  preflight: 'checking the VM and its target',
  'stop-source': 'stopping the source',
  'export-disk': 'reading the source disk',
  convert: 'converting the disk',
  transfer: 'copying the disk',
  import: 'importing the disk at the target',
  'create-target': 'creating the target instance',
  'boot-verify': 'verifying the target boots',
  cutover: 'cutting over',
  finalize: 'finalizing',
};

export class VmWorkflow {
  readonly progress: VmProgress;
  #entries: MigrationStepRecord[];
  #states: Map<StepId, StepState>;

  private constructor(
    private readonly host: WorkflowHost,
    entries: MigrationStepRecord[],
    states: Map<StepId, StepState>,
    private readonly steps: ReadonlyMap<StepId, MigrationStep<any>>,
  ) {
    this.#entries = entries;
    this.#states = states;
    const vm = host.vm();
    this.progress = new VmProgress(steps, { percent: 0, ...(vm.progress as object) }, (progress) => host.save({ progress: { ...progress } }));
  }

  /** Reads and checks the VM's history of its current attempt. */
  static async open(host: WorkflowHost, steps: ReadonlyMap<StepId, MigrationStep<any>> = STEPS): Promise<VmWorkflow> {
    const vm = host.vm();
    const entries = (await host.services.ctx.store.migrations.listSteps(vm.id)).filter((e) => e.attempt === vm.attempt);
    const states = checkHistory(vm.id, entries, new Set(steps.keys()), MIGRATION_STEPS);
    return new VmWorkflow(host, entries, states, steps);
  }

  state(id: StepId): StepState {
    return this.#states.get(id) ?? EMPTY;
  }

  #doneSteps(): StepId[] {
    return [...this.#states.entries()].filter(([, s]) => s.done).map(([id]) => id);
  }

  /**
   * Runs every forward step not done yet. `pauseRequested` is asked between steps: a pause
   * stops the VM at a step boundary (`PausedBefore`), where its history alone says how to go on.
   */
  async forward(signal: AbortSignal, pauseRequested: () => boolean = () => false): Promise<void> {
    for (const id of MIGRATION_STEPS) {
      if (this.state(id).done) continue;
      if (pauseRequested()) throw new PausedBefore(id);
      await this.#runStep(id, signal);
    }
    this.progress.stop();
  }

  /** Undoes, last first, every step that started and is not undone yet. */
  async compensate(signal: AbortSignal): Promise<void> {
    for (const id of [...MIGRATION_STEPS].reverse()) {
      const state = this.state(id);
      if (!state.touched) continue;
      const step = this.steps.get(id)!;
      await this.#append(id, 'compensation', 'started', null);
      await this.host.save({ step: id });
      await this.progress.begin(this.#doneSteps(), id, `rolling back: ${WHAT[id]}`);
      try {
        const result = step.compensate === undefined ? undefined : await step.compensate(this.#context(id, signal), state.output);
        await this.#append(id, 'compensation', 'completed', result ?? null);
      } catch (error) {
        await this.#append(id, 'compensation', 'failed', null, error);
        throw error;
      }
    }
    this.progress.stop();
  }

  async finalize(signal: AbortSignal): Promise<void> {
    if (!this.state('finalize').done) await this.#runStep('finalize', signal);
    this.progress.stop();
  }

  async #runStep(id: StepId, signal: AbortSignal): Promise<Record<string, unknown>> {
    const step = this.steps.get(id)!;
    await this.#append(id, 'action', 'started', null);
    if (id !== 'finalize') await this.host.save({ step: id });
    await this.progress.begin(this.#doneSteps(), id === 'finalize' ? undefined : id, WHAT[id]);
    try {
      const output = (await step.run(this.#context(id, signal))) as Record<string, unknown>;
      await this.#append(id, 'action', 'completed', { ...output });
      return output;
    } catch (error) {
      await this.#append(id, 'action', 'failed', null, error).catch(() => undefined);
      throw error;
    }
  }

  /** An earlier step's output, redone first when it no longer holds in this process. */
  async #output(id: StepId, caller: StepId, signal: AbortSignal): Promise<Record<string, unknown>> {
    const state = this.state(id);
    const step = this.steps.get(id)!;
    if (state.done && state.output !== undefined && (step.holds === undefined || (await step.holds(this.#context(id, signal), state.output)))) return state.output;
    const output = await this.#runStep(id, signal);
    // Back to the step that asked.
    if (caller !== 'finalize') await this.host.save({ step: caller });
    await this.progress.begin(this.#doneSteps(), caller === 'finalize' ? undefined : (caller as MigrationStepId), WHAT[caller]);
    return output;
  }

  #context(id: StepId, signal: AbortSignal): VmStepContext {
    const host = this.host;
    return {
      services: host.services,
      plan: host.plan,
      spec: host.spec,
      get vm() {
        return host.vm();
      },
      source: host.source,
      target: host.target,
      signal,
      partial: this.state(id).partial,
      checkpoint: (data) => this.#append(id, 'action', 'checkpoint', data),
      output: async <T>(other: StepId) => (await this.#output(other, id, signal)) as T,
      stored: <T>(other: StepId) => (this.state(other).done ? (this.state(other).output as T) : undefined),
      progress: (update) => this.progress.update(update),
      setTargets: (patch) => host.save(patch),
    };
  }

  async #append(step: StepId, kind: 'action' | 'compensation', event: MigrationStepRecord['event'], output: Readonly<Record<string, unknown>> | null, error?: unknown): Promise<void> {
    const vm = this.host.vm();
    const entry = await this.host.services.ctx.store.migrations.appendStep({
      vmId: vm.id,
      attempt: vm.attempt,
      step,
      kind,
      event,
      output,
      error: error === undefined ? null : toSkyportError(error).toJSON(),
      at: this.host.services.ctx.clock.now().toISOString(),
    });
    this.#entries.push(entry);
    this.#states = replay(this.#entries);
  }
}
