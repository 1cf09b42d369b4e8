/**
 * Launch latency of the local cloud: from the REST create of a `skyport-tiny` instance to
 * `running` in the API and to the guest's boot marker on its console, beside the bare
 * `qemu-system-x86_64` command with the same arguments (the instance's own qemu-args.json, paths
 * and ports swapped for a fresh copy), in one run. Rounds alternate which goes first, so drift in
 * the host's load hits both. Prints JSON; the goal is a marker ratio under 1.05.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = new URL('../..', import.meta.url).pathname;
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const profile = process.env['BENCH_PROFILE'] ?? 'tiny';
/** How often the API is asked for the instance's state (a user's polling). */
const POLL_MS = Number(process.env['BENCH_POLL_MS'] ?? 50);
/** How often both console files are read: cheap, so it barely disturbs the guests. */
const FILE_POLL_MS = 10;
const MARKER = /SKYPORT-BOOTED instance=(vm-[0-9a-f]+)/;

interface Broker {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
}

async function startBroker(): Promise<Broker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyport-bench-launch-'));
  const child = spawn(process.execPath, [join(root, 'packages/server/dist/main.js')], {
    env: { ...process.env, SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_SEED_SIM: 'false', SKYPORT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`broker exited with ${code} before it listened`)));
  });
  return { child, url, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), dataDir };
}

async function api(b: Broker, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${b.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${b.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 300_000, intervalMs = POLL_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** QMP `query-status` answers `running`: the bare equivalent of the API's `running`. */
function qmpRunning(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let buffer = '';
    socket.on('error', () => resolve(false));
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (buffer.includes('"QMP"') && !buffer.includes('"id": "c"') && !buffer.includes('"id":"c"')) {
        socket.write('{"execute":"qmp_capabilities","id":"c"}\n{"execute":"query-status","id":"s"}\n');
        buffer = buffer.replace('"QMP"', '');
      }
      if (/"status": ?"running"/.test(buffer)) {
        socket.destroy();
        resolve(true);
      }
    });
  });
}

interface Sample {
  readonly runningMs: number;
  readonly markerMs: number;
}

/** A console.log that shows the boot marker, polled the same way for the broker's VM and the bare one. */
async function markerInFile(path: () => string | undefined, started: number): Promise<number> {
  return until('boot marker in the console file', async () => {
    const file = path();
    const text = file !== undefined && existsSync(file) ? readFileSync(file, 'utf8') : '';
    return MARKER.test(text) ? performance.now() - started : undefined;
  }, 300_000, FILE_POLL_MS);
}

async function brokerLaunch(b: Broker, providerId: string, imageId: string, name: string): Promise<Sample & { apiMarkerMs: number; nativeId: string; instanceId: string }> {
  const instancesDir = join(b.dataDir, 'providers', 'local', 'instances');
  const before = new Set(existsSync(instancesDir) ? readdirSync(instancesDir) : []);
  const started = performance.now();
  const op = await api(b, 'POST', '/instances', { providerId, name, imageId, hardwareProfileId: profile });
  if (op.status !== 202) throw new Error(`create failed: ${JSON.stringify(op.json)}`);
  const id = op.json.targetId as string;
  const running = until('running in the API', async () => ((await api(b, 'GET', `/instances/${id}`)).json?.state === 'running' ? performance.now() - started : undefined));
  // The instance's folder is the one that was not there before the create.
  const consoleFile = (): string | undefined => {
    const dir = existsSync(instancesDir) ? readdirSync(instancesDir).find((d) => !before.has(d)) : undefined;
    return dir === undefined ? undefined : join(instancesDir, dir, 'console.log');
  };
  const [runningMs, markerMs] = await Promise.all([running, markerInFile(consoleFile, started)]);
  // What a user polling the API sees: the same marker through GET /instances/{id}/console.
  const seen = await until('boot marker in the API console', async () => {
    const res = await api(b, 'GET', `/instances/${id}/console`);
    const match = res.status === 200 ? MARKER.exec(res.json.output as string) : null;
    return match ? { ms: performance.now() - started, nativeId: match[1]! } : undefined;
  });
  return { runningMs, markerMs, apiMarkerMs: seen.ms, nativeId: seen.nativeId, instanceId: id };
}

async function destroy(b: Broker, id: string): Promise<void> {
  const op = await api(b, 'DELETE', `/instances/${id}`);
  await until('destroyed', async () => (['succeeded', 'failed'].includes((await api(b, 'GET', `/operations/${op.json.id}`)).json?.status) ? true : undefined));
}

/** The instance's own command line, pointed at a fresh overlay, seed copy, console and ports. */
async function bareLaunch(template: { args: string[]; binary: string; instanceDir: string; baseDisk: string }): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'skyport-bench-bare-'));
  try {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', template.baseDisk, join(dir, 'root.qcow2'), String(1024 ** 3)]);
    copyFileSync(join(template.instanceDir, 'seed.iso'), join(dir, 'seed.iso'));
    const [http, ssh] = [await freePort(), await freePort()];
    const args = template.args.map((a) =>
      a.replaceAll(template.instanceDir, dir).replace(/hostfwd=tcp:127\.0\.0\.1:\d+-:80/, `hostfwd=tcp:127.0.0.1:${http}-:80`).replace(/hostfwd=tcp:127\.0\.0\.1:\d+-:22/, `hostfwd=tcp:127.0.0.1:${ssh}-:22`),
    );
    const started = performance.now();
    const child = spawn(template.binary, args, { cwd: dir, stdio: 'ignore' });
    try {
      const running = until('bare QMP running', async () => ((await qmpRunning(join(dir, 'qmp.sock'))) ? performance.now() - started : undefined));
      const [runningMs, markerMs] = await Promise.all([running, markerInFile(() => join(dir, 'console.log'), started)]);
      return { runningMs, markerMs };
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return Math.round(sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
}

const broker = await startBroker();
try {
  const local = await until('provider local', async () => ((await api(broker, 'GET', '/providers/local')).json?.status === 'available' ? (await api(broker, 'GET', '/providers/local')).json : undefined));
  const image = await until(
    'skyport-tiny available',
    async () => (await api(broker, 'GET', '/images?provider=local&name=skyport-tiny')).json?.items?.find((i: { state: string }) => i.state === 'available'),
    15 * 60_000,
  );
  const providerDir = join(broker.dataDir, 'providers', 'local');
  // Warm-up (not counted): decides the accelerator and gives the command line to replay bare.
  const warm = await brokerLaunch(broker, local.id, image.id, 'bench-warmup');
  const instanceDir = join(providerDir, 'instances', warm.nativeId);
  const recorded = JSON.parse(readFileSync(join(instanceDir, 'qemu-args.json'), 'utf8')) as { binary: string; args: string[]; accelerator: string };
  const templateDir = mkdtempSync(join(tmpdir(), 'skyport-bench-template-'));
  copyFileSync(join(instanceDir, 'seed.iso'), join(templateDir, 'seed.iso'));
  // The seed names the warm-up instance; the bare guest boots the same way with it.
  const template = { args: recorded.args.map((a) => a.replaceAll(instanceDir, templateDir)), binary: recorded.binary, instanceDir: templateDir, baseDisk: join(providerDir, 'images', 'skyport-tiny', 'disk.qcow2') };
  await destroy(broker, warm.instanceId);

  const brokerSamples: (Sample & { apiMarkerMs: number })[] = [];
  const bareSamples: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    const runBroker = async (): Promise<void> => {
      const sample = await brokerLaunch(broker, local.id, image.id, `bench-${round}`);
      brokerSamples.push({ runningMs: sample.runningMs, markerMs: sample.markerMs, apiMarkerMs: sample.apiMarkerMs });
      await destroy(broker, sample.instanceId);
    };
    const runBare = async (): Promise<void> => {
      bareSamples.push(await bareLaunch(template));
    };
    for (const run of round % 2 === 0 ? [runBroker, runBare] : [runBare, runBroker]) await run();
  }
  rmSync(templateDir, { recursive: true, force: true });
  const brokerMarker = median(brokerSamples.map((s) => s.markerMs));
  const bareMarker = median(bareSamples.map((s) => s.markerMs));
  const brokerRunning = median(brokerSamples.map((s) => s.runningMs));
  const brokerApiMarker = median(brokerSamples.map((s) => s.apiMarkerMs));
  const bareRunning = median(bareSamples.map((s) => s.runningMs));
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'launch',
        image: 'skyport-tiny',
        hardwareProfile: profile,
        accelerator: recorded.accelerator,
        rounds,
        host: { cpus: availableParallelism(), loadAverage1m: Number(loadavg()[0]!.toFixed(2)) },
        medianMs: {
          broker: { createToRunning: brokerRunning, createToBootMarker: brokerMarker, createToBootMarkerInApiConsole: brokerApiMarker },
          bare: { spawnToRunning: bareRunning, spawnToBootMarker: bareMarker },
        },
        ratio: { bootMarker: Number((brokerMarker / bareMarker).toFixed(3)), running: Number((brokerRunning / bareRunning).toFixed(3)) },
        goal: 'bootMarker ratio < 1.05',
        samplesMs: { broker: brokerSamples.map((s) => ({ running: Math.round(s.runningMs), marker: Math.round(s.markerMs), apiMarker: Math.round(s.apiMarkerMs) })), bare: bareSamples.map((s) => ({ running: Math.round(s.runningMs), marker: Math.round(s.markerMs) })) },
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  broker.child.kill('SIGTERM');
  await new Promise((r) => broker.child.once('exit', r));
  rmSync(broker.dataDir, { recursive: true, force: true });
}
