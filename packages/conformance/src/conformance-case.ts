/**
 * The shape of one conformance case and what it may use. Cases are plain data plus a `run`
 * function so the runner can list them (for skip validation) before any driver exists.
 */
import type {
  CloudDriver,
  DriverCreateInstanceRequest,
  DriverFactory,
  NativeHardwareProfile,
  NativeImage,
  NativeInstance,
} from '@skyport/core';

/** Resources picked (or created) once per suite and shared by the cases that only read them. */
export interface Fixtures {
  /** An available image that fits `profile()`. */
  image(): Promise<NativeImage>;
  /** The cheapest profile an image fits. */
  profile(): Promise<NativeHardwareProfile>;
  /** A create request with the fixture image/profile at its defaults, tagged with the run id. */
  instanceRequest(label: string, extra?: Partial<DriverCreateInstanceRequest>): Promise<DriverCreateInstanceRequest>;
  /** A running instance shared by read-mostly cases; destroyed when the suite ends. */
  runningInstance(): Promise<NativeInstance>;
  /** An id of the right shape that the provider does not know. */
  readonly unknownId: string;
  /** Tag value marking everything this run creates, so leftovers can be found by hand. */
  readonly runId: string;
}

/** What a case gets: the driver under test (guarded), its self-description and helpers. */
export interface CaseContext {
  /** Every method is guarded: a rejection that is not a SkyportError fails the case. */
  readonly driver: CloudDriver;
  readonly factory: DriverFactory;
  /** Time allowed for one state change (create -> running, stop -> stopped, ...). */
  readonly stateChangeMs: number;
  readonly pollMs: number;
  readonly fixtures: Fixtures;
  /** Registers an undo step; steps run in reverse order after the case, even when it failed. */
  defer(what: string, undo: () => Promise<unknown>): void;
  /** A resource name unique to this run. */
  name(label: string): string;
  /** Adds a line to the test report. */
  log(message: string): void;
}

export interface ConformanceCase {
  readonly group: string;
  readonly name: string;
  run(ctx: CaseContext): Promise<void>;
}

/** The `group > case` string used in reports and skip lists. */
export function caseId(c: Pick<ConformanceCase, 'group' | 'name'>): string {
  return `${c.group} > ${c.name}`;
}
