#!/usr/bin/env node
// `npm test`: install what the suite needs (npm packages; Debian packages when root), build,
// then run every test file with Node's test runner against real components.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';
import { build, ensureDependencies, root, run } from './lib.mjs';
import { ensurePostgres } from './postgres.mjs';

/** Debian packages the suite uses, by the command that shows they are there. */
const DEBIAN_PACKAGES = [
  { pkg: 'qemu-utils', command: 'qemu-img' },
  // Real EC2 clients for the EC2 API's tests, by full path: another `aws` may come first on PATH.
  { pkg: 'awscli', command: '/usr/bin/aws' },
  // A library, not a command: `command -v` accepts the path of its package file.
  { pkg: 'python3-boto3', command: '/usr/lib/python3/dist-packages/boto3/__init__.py' },
];

let aptUpdated = false;
function installPackages(packages) {
  if (packages.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the tests need Debian packages ${packages.join(' ')}; install them as root: apt-get install -y ${packages.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    run('apt-get', ['update', '-qq'], { env });
    aptUpdated = true;
  }
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
}

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter(({ command }) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0).map(({ pkg }) => pkg);
}

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

ensureDependencies();
installPackages(missingDebianPackages());
process.env.SKYPORT_TEST_POSTGRES_URL = ensurePostgres(installPackages);
build();
// Tests and benchmarks are type-checked too (the build covers only shipped sources), then linted.
process.stdout.write('Type-checking tests and linting...\n');
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.check.json']);
run(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']);

const filter = process.argv.slice(2);
const files = [...findTests(join(root, 'packages')), ...findTests(join(root, 'bench'))]
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
process.stdout.write(`Running ${files.length} test files against PostgreSQL at ${process.env.SKYPORT_TEST_POSTGRES_URL}\n`);
const status = run(process.execPath, ['--conditions=source', '--import', 'tsx', '--test', `--test-concurrency=${Math.max(2, availableParallelism())}`, ...files], {
  allowFailure: true,
});
process.exit(status);
