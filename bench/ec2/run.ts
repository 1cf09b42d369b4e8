/**
 * The EC2 API at scale: DescribeInstances of every instance of a `sim` provider with 1k and
 * 10k instances, through the AWS SDK for JavaScript v3 (its paginator, pages of 1000), side by
 * side with the REST list of the same instances (cursor pages of 1000) in the same run, against
 * one broker process. Also one page of 1000 alone, to separate per-page cost from paging, and
 * that page's request replayed without the SDK, to separate the broker's cost from the
 * client's XML parsing.
 * Prints JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';

const root = new URL('../..', import.meta.url).pathname;
const sizes = (process.env['BENCH_SIZES'] ?? '1000,10000').split(',').map(Number);
const requests = Number(process.env['BENCH_REQUESTS'] ?? 20);
const PAGE = 1000;

interface Broker {
  readonly child: ChildProcess;
  readonly url: string;
  readonly ec2Url: string;
  readonly token: string;
  readonly dataDir: string;
}

async function startBroker(): Promise<Broker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyport-bench-ec2-'));
  // From the sources (tsx compiles them once at load), so the benchmark needs no build.
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(root, 'packages/server/src/main.ts')], {
    cwd: root,
    env: { ...process.env, SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_EC2_PORT: '0', SKYPORT_SEED_SIM: 'false', SKYPORT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [url, ec2Url] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const rest = /running at (http:\/\/\S+)/.exec(out);
      const ec2 = /EC2 API:\s+(http:\/\/\S+)/.exec(out);
      if (rest && ec2) resolve([rest[1]!, ec2[1]!]);
    });
    child.on('exit', (code) => reject(new Error(`broker exited with ${code} before it listened`)));
  });
  return { child, url, ec2Url, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), dataDir };
}

async function api(b: Broker, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${b.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${b.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

function percentile(sorted: number[], p: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
}

/** Runs `once` `count` times one after the other; p50/p99/mean in ms, and what it returned last. */
async function time(count: number, once: () => Promise<number>): Promise<{ p50: number; p99: number; mean: number; items: number }> {
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    items = await once();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), mean: Number((times.reduce((a, b) => a + b, 0) / times.length).toFixed(2)), items };
}

async function restAll(b: Broker, provider: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await api(b, 'GET', `/instances?provider=${provider}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

async function ec2All(client: EC2Client): Promise<number> {
  let count = 0;
  for await (const page of paginateDescribeInstances({ client, pageSize: PAGE }, {})) count += page.Reservations?.length ?? 0;
  return count;
}

/**
 * The request the SDK sends, as signed: replayed with fetch it shows what the broker costs
 * without the SDK's XML parsing (signatures stay valid for 15 minutes; EC2 has no nonces).
 */
async function signedByTheSdk(client: EC2Client, command: DescribeInstancesCommand): Promise<{ method: string; path: string; headers: Record<string, string>; body: string }> {
  let captured: { method: string; path: string; headers: Record<string, string>; body: string } | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; path: string; headers: Record<string, string>; body: string };
      const { host: _host, ...headers } = request.headers;
      captured ??= { method: request.method, path: request.path, headers, body: request.body };
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchCapture' },
  );
  await client.send(command);
  client.middlewareStack.remove('benchCapture');
  return captured!;
}

const broker = await startBroker();
try {
  const key = (await api(broker, 'POST', '/access-keys')) as { accessKeyId: string; secretAccessKey: string };
  const results = [];
  for (const size of sizes) {
    const provider = `bench-${size}`;
    const seeded = performance.now();
    await api(broker, 'POST', '/providers', { name: provider, driver: 'sim', region: provider, settings: { seedInstances: size, latencyMs: 0 } });
    await api(broker, 'POST', `/providers/${provider}/sync`);
    const seedAndSyncSeconds = Number(((performance.now() - seeded) / 1000).toFixed(2));
    const client = new EC2Client({ endpoint: broker.ec2Url, region: provider, credentials: key });
    // Warm both paths once (JIT, caches) before timing.
    await ec2All(client);
    await restAll(broker, provider);
    const ec2Page = await time(requests, async () => (await client.send(new DescribeInstancesCommand({ MaxResults: PAGE }))).Reservations?.length ?? 0);
    const signed = await signedByTheSdk(client, new DescribeInstancesCommand({ MaxResults: PAGE }));
    const ec2Raw = await time(requests, async () => {
      const res = await fetch(`${broker.ec2Url}${signed.path}`, { method: signed.method, headers: signed.headers, body: signed.body });
      return (await res.text()).split('<instanceId>').length - 1;
    });
    const restPage = await time(requests, async () => (await api(broker, 'GET', `/instances?provider=${provider}&limit=${PAGE}`)).items.length);
    const ec2List = await time(requests, () => ec2All(client));
    const restList = await time(requests, () => restAll(broker, provider));
    client.destroy();
    results.push({
      instances: size,
      seedAndSyncSeconds,
      pageOf1000Ms: { ec2DescribeInstances: ec2Page, ec2SameRequestWithoutSdkParsing: ec2Raw, restList: restPage },
      allInstancesMs: { ec2DescribeInstancesPaginated: ec2List, restListPaginated: restList },
      ec2OverRestP50: Number((ec2List.p50 / restList.p50).toFixed(2)),
    });
  }
  process.stdout.write(JSON.stringify({ benchmark: 'ec2', client: '@aws-sdk/client-ec2', requests, pageSize: PAGE, database: 'sqlite', results }, null, 2) + '\n');
} finally {
  broker.child.kill('SIGTERM');
  await new Promise((r) => broker.child.once('exit', r));
  rmSync(broker.dataDir, { recursive: true, force: true });
}
