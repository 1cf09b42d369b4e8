/**
 * `skyport migrate plan ...` as a user runs it: the built launcher against a real broker with
 * two fast sim clouds; progress is printed as lines when stderr is not a terminal.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient, type SkyportClient } from '@skyport/client';
import type { MigrationPlan } from '@skyport/model';
import { loadConfig, startServer, type RunningServer } from '@skyport/server';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/skyport.js');
const FAST_SIM = { latencyMs: 1, transitionMs: 150 };

let server: RunningServer;
let client: SkyportClient;
let home: string;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[]): Promise<Result> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKYPORT_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...env, SKYPORT_URL: server.url, SKYPORT_TOKEN: server.adminToken.token! }, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function ok(result: Result): Result {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

before(async () => {
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: root });
  home = mkdtempSync(join(tmpdir(), 'skyport-migrate-cli-'));
  server = await startServer(loadConfig({ SKYPORT_DATA_DIR: join(home, '.skyport'), SKYPORT_PORT: '0', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false', SKYPORT_LOG_LEVEL: 'silent' }), {
    tuning: { pollFastMs: 200, operationPollMs: 40, retryBaseDelayMs: 20 },
  });
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
  for (const name of ['src', 'dst']) {
    // The source stops slower than the watcher polls (500 ms), so a run shows a step line
    // however fast the rest moves.
    await client.providers.add({ name, driver: 'sim', settings: name === 'src' ? { ...FAST_SIM, transitionMs: 1500 } : FAST_SIM });
    await client.providers.sync(name);
  }
  const [image] = (await client.images.list({ provider: ['src'], name: 'debian-12' })).items;
  for (const name of ['web-1', 'web-2', 'spare']) {
    const op = await client.instances.create({ providerId: 'src', name, imageId: image!.id, hardwareProfileId: 'small' });
    assert.equal((await client.operations.waitFor(op.id, { timeoutSeconds: 30 })).status, 'succeeded');
  }
  await client.providers.sync('src');
});

after(async () => {
  await server?.close();
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

test('create, preflight, run with progress, status, steps and finalize', async () => {
  const created = ok(await cli(['migrate', 'plan', 'create', '--name', 'shop', '--source', 'src', '--target', 'dst', '--instance', 'web-1', '--instance', 'web-2', '--target-name', 'web-2=web-2b', '--map-profile', 'small=small', '--delete-source']));
  assert.match(created.stderr, /created plan shop \(mig-[0-9a-f]{17}\)/);
  assert.match(created.stdout, /^status:\s+draft/m);
  assert.match(created.stdout, /delete source on finalize/);
  assert.match(created.stdout, /web-2\s+web-2b\s+pending/);

  const preflight = ok(await cli(['migrate', 'plan', 'preflight', 'shop']));
  assert.match(preflight.stdout, /^preflight: no blockers/);
  assert.match(preflight.stdout, /web-1\s+web-1\s+small \(1 CPU, 1024 MiB, 20 GiB\)/);

  const run = ok(await cli(['migrate', 'plan', 'run', 'shop']));
  assert.match(run.stderr, /^web-1 \d+% (stop-source|export-disk|convert|transfer|import|create-target|boot-verify) · /m, 'progress lines name the step');
  assert.match(run.stderr, /^web-2 100% cut-over$/m);
  assert.match(run.stdout, /plan shop \(mig-[0-9a-f]{17}\) is completed/);
  assert.match(run.stdout, /web-2\s+web-2b\s+cut-over\s+100/);

  const status = JSON.parse(ok(await cli(['migrate', 'plan', 'status', 'shop', '--json'])).stdout) as MigrationPlan;
  assert.equal(status.status, 'completed');
  const watched = ok(await cli(['migrate', 'plan', 'status', 'shop', '--watch']));
  assert.match(watched.stdout, /is completed/);

  const steps = ok(await cli(['migrate', 'plan', 'steps', 'shop', 'web-1']));
  for (const step of ['preflight', 'stop-source', 'export-disk', 'convert', 'transfer', 'import', 'create-target', 'boot-verify', 'cutover']) assert.match(steps.stdout, new RegExp(`\\s${step}\\s+completed`));

  const listed = ok(await cli(['migrate', 'plan', 'list']));
  assert.match(listed.stdout, /shop\s+src\s+dst\s+2\s+completed\s+100/);

  const finalized = ok(await cli(['migrate', 'plan', 'finalize', 'shop']));
  assert.match(finalized.stdout, /is finalized/);
  assert.equal((await client.instances.get(status.vms[0]!.sourceInstanceId)).state, 'terminated');
});

test('what cannot work is refused with the reason and exit 1 or 2', async () => {
  const missing = await cli(['migrate', 'plan', 'show', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no migration plan named "nope"/);
  const usage = await cli(['migrate', 'plan', 'create', '--name', 'x', '--source', 'src']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--target/);
  ok(await cli(['migrate', 'plan', 'create', '--name', 'blocked', '--source', 'src', '--target', 'dst', '--instance', 'spare', '--map-profile', 'small=giant']));
  const blocked = await cli(['migrate', 'plan', 'preflight', 'blocked']);
  assert.equal(blocked.code, 1);
  assert.match(blocked.stdout, /preflight: BLOCKED/);
  assert.match(blocked.stdout, /blocker\s+missing-mapping\s+hardware profile "giant" does not exist/);
  const refused = await cli(['migrate', 'plan', 'run', 'blocked']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot run: preflight found 1 blocker/);
});
