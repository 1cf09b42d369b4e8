import { SkyportError } from '@skyport/model';
import { call, waitForInstance } from '../provider-calls.js';
import type { MigrationStep } from '../step-types.js';
import type { CreateTargetOutput } from './create-target.js';

export interface BootVerifyOutput {
  /** How the boot was verified: the guest's marker on the console, the instance running, or not at all. */
  readonly verified: 'console-marker' | 'running' | 'skipped';
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join(' | ');
}

/** The target runs, and (when the plan names a marker and the provider shows a console) its guest booted. */
export const bootVerifyStep: MigrationStep<BootVerifyOutput> = {
  id: 'boot-verify',
  weight: 8,
  async run(step) {
    const { options } = step.spec;
    if (!options.verifyBoot) return { verified: 'skipped' };
    const created = await step.output<CreateTargetOutput>('create-target');
    const timeoutMs = options.bootTimeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    await waitForInstance(step, step.target, created.instanceNativeId, 'running', `booting ${step.vm.targetName}`, timeoutMs);
    const marker = options.bootMarker;
    const { driver, factory } = step.target;
    if (marker === undefined || !factory.capabilities.instances.console || driver.getConsoleOutput === undefined) return { verified: 'running' };
    const read = driver.getConsoleOutput.bind(driver);
    step.progress({ message: `waiting for "${marker}" on the console of ${step.vm.targetName}` });
    for (let output = ''; ; ) {
      output = await call(step, () => read(created.instanceNativeId));
      if (output.includes(marker)) return { verified: 'console-marker' };
      if (Date.now() > deadline) {
        throw new SkyportError('Timeout', `the boot marker "${marker}" did not appear on the console of ${step.vm.targetName} within ${options.bootTimeoutSeconds} s; last console lines: ${lastLines(output, 5) || '(empty)'}`, {
          retryable: true,
          details: { marker, timeoutSeconds: options.bootTimeoutSeconds },
        });
      }
      await step.services.ctx.clock.sleep(Math.max(step.services.ctx.tuning.operationPollMs, 250), step.signal);
    }
  },
};
