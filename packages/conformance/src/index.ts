export { runConformance, checkSkips, conformanceTestNames, type ConformanceOptions, type ConformanceSkip } from './run-conformance.js';
export { waitForInstanceState, isPlausibleChange, type WaitForInstanceStateOptions } from './wait-for-instance-state.js';
export { waitForVolumeState, waitForSnapshotState } from './wait-for-resource.js';
export { expectSkyportError, expectUnsupported } from './expect-error.js';
export type { FixtureOptions } from './suite-fixtures.js';
