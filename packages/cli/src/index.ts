/** @skyport/cli — the `skyport` command line, as a library for tests and embedding. */
export { buildProgram, run, type RunOptions } from './main.js';
export { resolveConnection, DEFAULT_URL, type Connection } from './connection.js';
export { formatDimension } from './format.js';
export { progressLine } from './operation-progress.js';
