// Shared by the start and test scripts: make a fresh clone runnable with nothing but Node and npm.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0 && !options.allowFailure) {
    process.stderr.write(`\n${command} ${args.join(' ')} failed with exit code ${result.status}\n`);
    process.exit(result.status ?? 1);
  }
  return result.status ?? 1;
}

/** npm install when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const stale = !existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs);
  if (stale) {
    process.stdout.write('Installing npm dependencies...\n');
    run('npm', ['install', '--no-audit', '--no-fund']);
  }
}

/** Type-checks and compiles every package (incremental: quick when nothing changed). */
export function build() {
  process.stdout.write('Building...\n');
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.json']);
}

/** What the portal bundle is made from: its own files and the workspace sources it bundles. */
const PORTAL_INPUTS = ['apps/portal/src', 'apps/portal/public', 'apps/portal/index.html', 'apps/portal/vite.config.ts', 'apps/portal/package.json', 'packages/client/src', 'packages/model/src'];

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestChange(join(path, entry))), stats.mtimeMs);
}

/** Builds the web portal (apps/portal/dist, served by the broker at /) unless it is newer than its sources. */
export function buildPortal() {
  const built = join(root, 'apps', 'portal', 'dist', 'index.html');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  if (PORTAL_INPUTS.every((input) => newestChange(join(root, input)) < builtAt)) return;
  process.stdout.write('Building the portal...\n');
  run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: join(root, 'apps', 'portal') });
}
