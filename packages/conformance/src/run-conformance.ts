/**
 * The one function every cloud driver's test file calls. It registers the shared cases with
 * node:test; the driver's own declarations (capabilities, behaviour) decide what each case
 * expects, and a skip is an explicit, reasoned exception that the report shows.
 */
import { after, before, describe, it } from 'node:test';
import type { DriverConfig, DriverFactory } from '@skyport/core';
import { caseId } from './conformance-case.js';
import { CONFORMANCE_CASES } from './cases/index.js';
import { ConformanceSuite } from './conformance-suite.js';
import type { FixtureOptions } from './suite-fixtures.js';

export interface ConformanceSkip {
  /** A test name as reported, `group > case`. */
  readonly test: string;
  /** Why this driver cannot pass it; shown in the skip message. */
  readonly reason: string;
}

export interface ConformanceOptions {
  /** Names the suite in reports, e.g. `sim`. */
  readonly name: string;
  readonly factory: DriverFactory;
  /** Called once before the cases; e.g. makes a fresh data folder. */
  readonly config: () => Promise<DriverConfig> | DriverConfig;
  readonly skip?: readonly ConformanceSkip[];
  readonly timeouts?: {
    /** Time allowed for one state change; default 300 000 ms (real clouds are slow). */
    readonly stateChangeMs?: number;
    /** Poll interval while waiting; default derived from stateChangeMs. */
    readonly pollMs?: number;
  };
  /** Which image/profile to use and what an unknown id looks like, for real clouds. */
  readonly fixtures?: FixtureOptions;
  /** Called after the driver is closed, e.g. to remove the data folder. */
  readonly cleanup?: () => Promise<void>;
}

const DEFAULT_STATE_CHANGE_MS = 300_000;
/** A case waits for at most a handful of state changes in a row. */
const STATE_CHANGES_PER_CASE = 8;

/** The names of all conformance tests, as skip lists must spell them. */
export function conformanceTestNames(): string[] {
  return CONFORMANCE_CASES.map(caseId);
}

/**
 * Checks a skip list against the known test names: every entry must name a test and give a
 * reason, and none may repeat. Throws (so the test file fails loudly) otherwise.
 */
export function checkSkips(skips: readonly ConformanceSkip[], known: readonly string[] = conformanceTestNames()): Map<string, string> {
  const problems: string[] = [];
  const result = new Map<string, string>();
  for (const { test, reason } of skips) {
    if (!known.includes(test)) problems.push(`"${test}" is not a conformance test`);
    else if (typeof reason !== 'string' || reason.trim() === '') problems.push(`skipping "${test}" needs a reason`);
    else if (result.has(test)) problems.push(`"${test}" is skipped twice`);
    else result.set(test, reason.trim());
  }
  if (problems.length > 0) {
    throw new Error(`invalid conformance skip list: ${problems.join('; ')}. Known tests:\n  ${known.join('\n  ')}`);
  }
  return result;
}

/** Registers the conformance suite for one driver with node:test. */
export function runConformance(options: ConformanceOptions): void {
  const skips = checkSkips(options.skip ?? []);
  const stateChangeMs = options.timeouts?.stateChangeMs ?? DEFAULT_STATE_CHANGE_MS;
  const suite = new ConformanceSuite({
    factory: options.factory,
    config: options.config,
    stateChangeMs,
    ...(options.timeouts?.pollMs === undefined ? {} : { pollMs: options.timeouts.pollMs }),
    ...(options.fixtures === undefined ? {} : { fixtures: options.fixtures }),
    ...(options.cleanup === undefined ? {} : { cleanup: options.cleanup }),
  });
  describe(`conformance: ${options.name}`, () => {
    before(() => suite.open());
    after(() => suite.close());
    for (const testCase of CONFORMANCE_CASES) {
      const id = caseId(testCase);
      const reason = skips.get(id);
      it(
        id,
        { skip: reason === undefined ? false : `${options.name}: ${reason}`, timeout: stateChangeMs * STATE_CHANGES_PER_CASE },
        (t) => suite.run(testCase, t),
      );
    }
  });
}
