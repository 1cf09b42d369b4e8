/**
 * The CLI as a user runs it: a real broker in this process, the built `skyport` launcher in
 * a child process, and assertions on exit codes, stdout and stderr.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig, startServer, type RunningServer } from '@skyport/server';
import type { Instance } from '@skyport/model';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/skyport.js');

let server: RunningServer;
let home: string;
let dataDir: string;
let token: string;

before(async () => {
  // The launcher runs dist/; build it (and the client it imports) the way `npm run build` does.
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: root });
  home = mkdtempSync(join(tmpdir(), 'skyport-cli-'));
  // Named like the default data dir, so a CLI started in `home` finds the admin token alone.
  dataDir = join(home, '.skyport');
  server = await startServer(loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false', SKYPORT_LOG_LEVEL: 'silent' }));
  assert.ok(server.adminToken.token);
  token = server.adminToken.token;
});

after(async () => {
  await server?.close();
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without any SKYPORT_* of the machine running the tests. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKYPORT_')));
  return { ...env, ...extra };
}

/**
 * Runs `skyport ...` asynchronously (the broker answering it lives in this event loop).
 * `onStderr` sees stderr as it arrives, to interrupt a command mid-way.
 */
function cli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<Result> {
  const env = cleanEnv(options.env ?? { SKYPORT_URL: server.url, SKYPORT_TOKEN: token });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: options.cwd ?? home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function ok(result: Result): Result {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

function noStackTrace(result: Result): void {
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace for an expected error');
}

let instanceId: string;

test('providers add, sync and list show the new provider in a table', async () => {
  ok(await cli(['providers', 'add', 'fast', '--driver', 'sim', '--setting', 'latencyMs=1', '--setting', 'transitionMs=150']));
  ok(await cli(['providers', 'sync', 'fast']));
  const { stdout } = ok(await cli(['providers', 'list']));
  const [header, row] = stdout.trim().split('\n');
  assert.match(header!, /^ID\s+NAME\s+DRIVER\s+REGION\s+STATUS/);
  assert.match(row!, /^prv-[0-9a-f]{17}\s+fast\s+sim\s+available/);
});

test('profiles list renders dimensions as fixed, range and choice', async () => {
  const { stdout } = ok(await cli(['profiles', 'list', '--provider', 'fast']));
  assert.match(stdout, /small\s+x86_64\s+1\s+1024\s+20/);
  assert.match(stdout, /flex\s+x86_64\s+1\.\.16 \(2\)/);
  assert.match(stdout, /16384\|32768\|65536/);
});

test('instances create --json waits with progress lines and prints the running instance', async () => {
  const result = ok(await cli(['instances', 'create', '--provider', 'fast', '--image', 'debian-12', '--profile', 'small', '--name', 'web-1', '--tag', 'env=test', '--json']));
  const instance = JSON.parse(result.stdout) as Instance;
  assert.equal(instance.state, 'running');
  assert.equal(instance.name, 'web-1');
  assert.deepEqual(instance.tags, { env: 'test' });
  // Not a TTY: plain progress lines on stderr, ending with the success.
  assert.match(result.stderr, /^op-[0-9a-f]{17} \d+% /m);
  assert.match(result.stderr, /^op-[0-9a-f]{17} 100% succeeded/m);
  instanceId = instance.id;
});

test('stop and start wait for the target state, with plain progress lines', async () => {
  const stopped = ok(await cli(['instances', 'stop', instanceId]));
  assert.match(stopped.stderr, /^op-[0-9a-f]{17} \d+% .*stop/m);
  assert.match(stopped.stderr, /^op-[0-9a-f]{17} 100% succeeded/m);
  assert.equal(stopped.stdout.trim(), `instance ${instanceId} (web-1) is stopped`);

  const started = ok(await cli(['instances', 'start', instanceId]));
  assert.match(started.stderr, /^op-[0-9a-f]{17} 100% succeeded/m);
  assert.equal(started.stdout.trim(), `instance ${instanceId} (web-1) is running`);
});

test('instances list --state running --json prints the items array', async () => {
  const running = JSON.parse(ok(await cli(['instances', 'list', '--state', 'running', '--json'])).stdout) as Instance[];
  assert.ok(Array.isArray(running));
  assert.ok(running.some((i) => i.id === instanceId));
  assert.ok(running.every((i) => i.state === 'running'));
  const stopped = JSON.parse(ok(await cli(['instances', 'list', '--state', 'stopped', '--json'])).stdout) as Instance[];
  assert.ok(!stopped.some((i) => i.id === instanceId));
});

test('lists page with --limit, hint at the cursor, and follow it with --all', async () => {
  const one = ok(await cli(['images', 'list', '--provider', 'fast', '--limit', '1', '--json']));
  assert.equal((JSON.parse(one.stdout) as unknown[]).length, 1);
  assert.match(one.stderr, /more results: add --cursor \S+/);
  const all = ok(await cli(['images', 'list', '--provider', 'fast', '--limit', '1', '--all', '--json']));
  assert.equal((JSON.parse(all.stdout) as unknown[]).length, 4);
  assert.doesNotMatch(all.stderr, /more results/);

  // Sorted by the broker, across pages: --all with pages of one still comes out in order.
  const sorted = JSON.parse(ok(await cli(['images', 'list', '--provider', 'fast', '--sort', '-name', '--limit', '1', '--all', '--json'])).stdout) as { name: string }[];
  assert.deepEqual(sorted.map((i) => i.name), sorted.map((i) => i.name).sort().reverse());
  const badSort = await cli(['images', 'list', '--sort', 'size']);
  assert.equal(badSort.code, 1);
  assert.match(badSort.stderr, /sort "size" is not a sort of this list; allowed: id, -id, name, -name, provider, -provider/);
});

test('--no-wait prints the operation id at once; operations wait follows it', async () => {
  const result = ok(await cli(['instances', 'reboot', instanceId, '--no-wait']));
  const opId = result.stdout.trim();
  assert.match(opId, /^op-[0-9a-f]{17}$/);
  assert.match(result.stderr, new RegExp(`skyport operations wait ${opId}`));
  const waited = ok(await cli(['operations', 'wait', opId]));
  assert.match(waited.stderr, new RegExp(`^${opId} 100% succeeded`, 'm'));
  assert.equal(waited.stdout.trim(), `instance ${instanceId} (web-1) is running`);
});

test('a create retried with the same idempotency key (and no name) is the same operation', async () => {
  const args = ['instances', 'create', '--provider', 'fast', '--image', 'debian-12', '--profile', 'small', '--idempotency-key', 'retry-1', '--no-wait'];
  const first = ok(await cli(args)).stdout.trim();
  const second = ok(await cli(args)).stdout.trim();
  assert.match(first, /^op-[0-9a-f]{17}$/);
  assert.equal(second, first);
});

test('an action the state does not allow exits 1 with the current and allowed states', async () => {
  const result = await cli(['instances', 'start', instanceId]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^skyport: cannot start instance .*: it is running/m);
  assert.match(result.stderr, /details: current state: running; allowed states: stopped, error/);
  noStackTrace(result);
});

test('an unknown id exits 1 with the API message', async () => {
  const result = await cli(['instances', 'show', 'i-00000000000000000']);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^skyport: instance i-00000000000000000 does not exist/);
  noStackTrace(result);
});

test('an override outside the profile exits 1 naming the field and its range', async () => {
  const result = await cli(['instances', 'create', '--provider', 'fast', '--image', 'debian-12', '--profile', 'flex', '--cpus', '99']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^skyport: cpus 99 is not allowed by hardware profile flex: it must be 1\.\.16/m);
  assert.match(result.stderr, /details: field: cpus; value: 99; allowed: 1\.\.16/);
  noStackTrace(result);
});

test('bad command lines exit 2: missing required option, malformed value, unknown state', async () => {
  const missing = await cli(['instances', 'create', '--provider', 'fast', '--image', 'debian-12']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^skyport: required option '--profile <profile>' not specified/m);
  const malformed = await cli(['instances', 'create', '--provider', 'fast', '--image', 'debian-12', '--profile', 'flex', '--cpus', 'many']);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /--cpus <n>.*must be a whole number/);
  const state = await cli(['instances', 'list', '--state', 'runing']);
  assert.equal(state.code, 2);
  assert.match(state.stderr, /"runing" is not an instance state/);
  const unknown = await cli(['instances', 'explode']);
  assert.equal(unknown.code, 2);
});

test('without SKYPORT_TOKEN the admin token is read from the data dir', async () => {
  // From the default ./.skyport of the working directory...
  const fromCwd = ok(await cli(['providers', 'list'], { env: { SKYPORT_URL: server.url }, cwd: home }));
  assert.match(fromCwd.stdout, /fast/);
  // ...or from SKYPORT_DATA_DIR, wherever the command runs.
  const fromEnv = ok(await cli(['providers', 'list'], { env: { SKYPORT_URL: server.url, SKYPORT_DATA_DIR: dataDir }, cwd: tmpdir() }));
  assert.match(fromEnv.stdout, /fast/);
  // No token anywhere: 401, and the hint says where a token was looked for.
  const none = await cli(['providers', 'list'], { env: { SKYPORT_URL: server.url, SKYPORT_DATA_DIR: join(home, 'nowhere') } });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /--token or SKYPORT_TOKEN/);
  assert.match(none.stderr, /nowhere[/\\]admin-token/);
});

test('an unreachable broker is one line saying so and how to start one', async () => {
  const port = await closedPort();
  const result = await cli(['providers', 'list'], { env: { SKYPORT_URL: `http://127.0.0.1:${port}`, SKYPORT_TOKEN: token } });
  assert.equal(result.code, 1);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^skyport: cannot reach the Skyport broker at http:\/\/127\.0\.0\.1:\d+ .*npm start/);
});

test('keys create --out writes the private key to a new 0600 file and never overwrites one', async () => {
  const file = join(home, 'id_fast');
  const created = ok(await cli(['keys', 'create', 'laptop', '--provider', 'fast', '--out', file]));
  assert.match(created.stdout, /created key pair laptop \(key-[0-9a-f]{17}\); private key written to/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const key = readFileSync(file, 'utf8');
  assert.match(key, /^-----BEGIN OPENSSH PRIVATE KEY-----/);

  const again = await cli(['keys', 'create', 'laptop2', '--provider', 'fast', '--out', file]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /the file exists/);
  assert.equal(readFileSync(file, 'utf8'), key);
  // Refused before asking the provider: no key pair was created for nothing.
  const names = (JSON.parse(ok(await cli(['keys', 'list', '--provider', 'fast', '--json'])).stdout) as { name: string }[]).map((k) => k.name);
  assert.deepEqual(names, ['laptop']);
});

test('tags set and remove print the resulting tags', async () => {
  const set = ok(await cli(['tags', 'set', 'instance', instanceId, 'team=web', 'owner=ops', '--json']));
  assert.deepEqual(JSON.parse(set.stdout), { env: 'test', team: 'web', owner: 'ops' });
  const removed = ok(await cli(['tags', 'remove', 'instance', instanceId, 'owner']));
  assert.match(removed.stdout, /^KEY\s+VALUE\n/);
  assert.doesNotMatch(removed.stdout, /owner/);
  const bad = await cli(['tags', 'set', 'instance', instanceId, 'novalue']);
  assert.equal(bad.code, 2);
});

test('volumes: create, attach, detach and delete, each waited for', async () => {
  const volume = JSON.parse(ok(await cli(['volumes', 'create', '--provider', 'fast', '--size', '5', '--name', 'data-1', '--json'])).stdout) as { id: string; state: string };
  assert.equal(volume.state, 'available');
  assert.match(ok(await cli(['volumes', 'attach', volume.id, instanceId])).stdout, /is in-use/);
  assert.match(ok(await cli(['volumes', 'detach', volume.id])).stdout, /is available/);
  ok(await cli(['volumes', 'delete', volume.id]));
});

test('security-groups: create, authorize a port range, launch in it by name, refuse deleting it while in use', async () => {
  const group = JSON.parse(ok(await cli(['security-groups', 'create', 'web', '--provider', 'fast', '--description', 'web servers', '--json'])).stdout) as { id: string; name: string };
  assert.match(group.id, /^sg-[0-9a-f]{17}$/);
  const authorized = ok(await cli(['security-groups', 'authorize', 'web', '--provider', 'fast', '--protocol', 'tcp', '--port', '8000-8100', '--cidr', '0.0.0.0/0', '--cidr', '::/0']));
  assert.match(authorized.stderr, /authorized ingress tcp 8000-8100 0\.0\.0\.0\/0, tcp 8000-8100 ::\/0/);
  assert.match(authorized.stdout, /^ingress:\s+tcp 8000-8100 0\.0\.0\.0\/0, tcp 8000-8100 ::\/0$/m);
  ok(await cli(['sg', 'authorize', group.id, '--protocol', 'tcp', '--port', '22', '--cidr', '203.0.113.0/24']));

  const reversed = await cli(['security-groups', 'authorize', group.id, '--protocol', 'tcp', '--port', '90-80', '--cidr', '0.0.0.0/0']);
  assert.equal(reversed.code, 2);
  assert.match(reversed.stderr, /reversed/);
  const noPort = await cli(['security-groups', 'authorize', group.id, '--protocol', 'udp', '--cidr', '0.0.0.0/0']);
  assert.equal(noPort.code, 2);
  assert.match(noPort.stderr, /udp rules need --port/);
  const badCidr = await cli(['security-groups', 'authorize', group.id, '--protocol', 'tcp', '--port', '80', '--cidr', '10.0.0.0/33']);
  assert.equal(badCidr.code, 1);
  assert.match(badCidr.stderr, /^skyport: rules\[0\]\.cidr: "10\.0\.0\.0\/33" is not a CIDR block/m);
  noStackTrace(badCidr);

  const listed = ok(await cli(['security-groups', 'list', '--provider', 'fast']));
  assert.match(listed.stdout, /^ID\s+PROVIDER\s+NAME\s+INGRESS\s+EGRESS\s+DESCRIPTION/);
  assert.match(listed.stdout, new RegExp(`${group.id}\\s+fast\\s+web\\s+tcp 8000-8100 0\\.0\\.0\\.0/0, tcp 8000-8100 ::/0, tcp 22 203\\.0\\.113\\.0/24\\s+all 0\\.0\\.0\\.0/0\\s+web servers`));
  assert.match(listed.stdout, /\bdefault\b/, "the provider's default group is listed too");

  const instance = JSON.parse(
    ok(await cli(['instances', 'create', '--provider', 'fast', '--image', 'debian-12', '--profile', 'small', '--name', 'grouped', '--security-group', 'web', '--json'])).stdout,
  ) as Instance;
  assert.deepEqual(instance.securityGroupIds, [group.id]);
  const inUse = await cli(['security-groups', 'delete', group.id]);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, new RegExp(`^skyport: cannot delete security group ${group.id}: instance ${instance.id} \\(grouped, running\\) still uses it`, 'm'));

  const revoked = ok(await cli(['security-groups', 'revoke', group.id, '--protocol', 'tcp', '--port', '22', '--cidr', '203.0.113.0/24', '--json']));
  assert.equal((JSON.parse(revoked.stdout) as { ingress: unknown[] }).ingress.length, 2);
  assert.deepEqual(JSON.parse(ok(await cli(['tags', 'set', 'security-group', group.id, 'env=test', '--json'])).stdout), { env: 'test' });

  ok(await cli(['instances', 'destroy', instance.id]));
  assert.equal(ok(await cli(['security-groups', 'delete', 'web', '--provider', 'fast'])).stdout.trim(), `deleted security group ${group.id}`);
  const byNameAlone = await cli(['security-groups', 'delete', 'web']);
  assert.equal(byNameAlone.code, 1);
  assert.match(byNameAlone.stderr, /give the id, or --provider with a name/);
});

test('images create waits until the image of a stopped instance is available; images delete removes it', async () => {
  const running = await cli(['images', 'create', instanceId, '--name', 'web-1-golden']);
  assert.equal(running.code, 1);
  assert.match(running.stderr, /^skyport: cannot create an image from instance .*: it is running; provider fast needs it to be stopped/m);
  ok(await cli(['instances', 'stop', instanceId]));
  const created = ok(await cli(['images', 'create', instanceId, '--name', 'web-1-golden', '--description', 'golden web server', '--tag', 'release=1']));
  assert.match(created.stderr, /^op-[0-9a-f]{17} 100% succeeded/m);
  assert.match(created.stdout, /^state:\s+available$/m);
  assert.match(created.stdout, /^description:\s+golden web server$/m);
  const imageId = /^id:\s+(ami-[0-9a-f]{17})$/m.exec(created.stdout)?.[1];
  assert.ok(imageId, created.stdout);
  const deleted = ok(await cli(['images', 'delete', imageId]));
  assert.equal(deleted.stdout.trim(), `image.delete ${imageId} succeeded`);
  ok(await cli(['instances', 'start', instanceId]));
});

test('Ctrl-C while waiting says the operation continues and how to follow it', async () => {
  ok(await cli(['providers', 'add', 'slow', '--driver', 'sim', '--setting', 'latencyMs=1', '--setting', 'transitionMs=3000']));
  ok(await cli(['providers', 'sync', 'slow']));
  let interrupted = false;
  const result = await cli(['instances', 'create', '--provider', 'slow', '--image', 'debian-12', '--profile', 'small'], {
    onStderr: (text, child) => {
      if (!interrupted && /^op-\S+ \d+% /m.test(text)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    },
  });
  assert.equal(result.code, 130);
  assert.match(result.stderr, /the operation continues on the broker/);
  assert.match(result.stderr, /follow it with: skyport operations wait op-[0-9a-f]{17}/);
});

test('destroy waits until the instance is terminated', async () => {
  const result = ok(await cli(['instances', 'destroy', instanceId, '--json']));
  assert.equal((JSON.parse(result.stdout) as Instance).state, 'terminated');
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
