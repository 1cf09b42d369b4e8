import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { CloudDriver, DriverConfig, DriverFactory } from '@skyport/core';
import type { CaseContext, ConformanceCase } from './conformance-case.js';
import { guardDriver } from './guard-driver.js';
import { defaultPollMs } from './poll.js';
import { SuiteFixtures, type FixtureOptions } from './suite-fixtures.js';

export interface SuiteOptions {
  readonly factory: DriverFactory;
  readonly config: () => Promise<DriverConfig> | DriverConfig;
  readonly stateChangeMs: number;
  readonly pollMs?: number;
  readonly fixtures?: FixtureOptions;
  readonly cleanup?: () => Promise<void>;
}

/** One driver under test for the length of a suite, and the per-case bookkeeping around it. */
export class ConformanceSuite {
  readonly pollMs: number;
  readonly fixtures: SuiteFixtures;
  readonly #violations: string[] = [];
  #driver: CloudDriver | undefined;

  constructor(private readonly options: SuiteOptions) {
    this.pollMs = options.pollMs ?? defaultPollMs(options.stateChangeMs);
    this.fixtures = new SuiteFixtures(() => this.driver, options.fixtures ?? {}, options.stateChangeMs, this.pollMs, options.factory.behaviour.createdStopped);
  }

  get driver(): CloudDriver {
    if (this.#driver === undefined) throw new Error('the driver was not created (see the failure of the suite setup)');
    return this.#driver;
  }

  async open(): Promise<void> {
    const config = await this.options.config();
    this.#driver = guardDriver(this.options.factory.create(config), (message) => this.#violations.push(message));
  }

  async close(): Promise<void> {
    try {
      if (this.#driver !== undefined) {
        await this.fixtures.release();
        await this.#driver.close();
      }
    } finally {
      await this.options.cleanup?.();
    }
  }

  /** Runs a case, then its undo steps in reverse; a case passes only if both went well. */
  async run(testCase: ConformanceCase, t: TestContext): Promise<void> {
    const driver = this.driver;
    const violationsBefore = this.#violations.length;
    const undo: { what: string; step: () => Promise<unknown> }[] = [];
    const ctx: CaseContext = {
      driver,
      factory: this.options.factory,
      stateChangeMs: this.options.stateChangeMs,
      pollMs: this.pollMs,
      fixtures: this.fixtures,
      defer: (what, step) => undo.push({ what, step }),
      name: (label) => this.fixtures.name(label),
      log: (message) => t.diagnostic(message),
    };
    let failure: { error: unknown } | undefined;
    try {
      await testCase.run(ctx);
    } catch (error) {
      failure = { error };
    }
    const cleanupErrors: Error[] = [];
    for (const { what, step } of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        cleanupErrors.push(new Error(`cleanup (${what}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
    }
    if (failure !== undefined) {
      // The case's own failure is the interesting one; cleanup trouble goes to the report.
      for (const e of cleanupErrors) t.diagnostic(e.message);
      throw failure.error;
    }
    const violations = this.#violations.slice(violationsBefore);
    assert.deepEqual(violations, [], 'the driver threw errors that are not SkyportError');
    if (cleanupErrors.length > 0) throw new AggregateError(cleanupErrors, cleanupErrors.map((e) => e.message).join('; '));
  }
}
