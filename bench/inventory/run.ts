/**
 * Inventory at scale: a broker process with N `sim` instances across several providers,
 * measured from outside (REST over loopback, like a user) and, side by side, the same filtered
 * page read straight from the store in this process (the floor the API adds its cost to).
 * Prints JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@skyport/store';

const root = new URL('../..', import.meta.url).pathname;
const sizes = (process.env['BENCH_SIZES'] ?? '10000,100000').split(',').map(Number);
const providerCount = Number(process.env['BENCH_PROVIDERS'] ?? 5);
const requests = Number(process.env['BENCH_REQUESTS'] ?? 400);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 1);

interface Broker {
  child: ChildProcess;
  url: string;
  token: string;
  dataDir: string;
}

async function startBroker(): Promise<Broker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyport-bench-'));
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

async function api(b: Broker, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${b.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${b.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

function percentile(sorted: number[], p: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
}

async function timeMany(count: number, parallel: number, once: (i: number) => Promise<void>): Promise<{ p50: number; p99: number; mean: number }> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        await once(i);
        times.push(performance.now() - started);
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), mean: Number((times.reduce((a, b) => a + b, 0) / times.length).toFixed(2)) };
}

/** The query shapes a user runs: one state, one tag, a provider, and a name prefix. */
const QUERIES = [
  { label: 'state=running&tag env=prod', qs: 'state=running&tag=env%3Dprod&limit=100' },
  { label: 'provider + state=stopped', qs: 'provider=bench-1&state=stopped&limit=100' },
  { label: 'name prefix', qs: 'name=sim-0001*&limit=100' },
];

async function benchSize(total: number): Promise<Record<string, unknown>> {
  const broker = await startBroker();
  try {
    const perProvider = Math.ceil(total / providerCount);
    const seedStarted = performance.now();
    for (let p = 1; p <= providerCount; p++) {
      await api(broker, 'POST', '/providers', { name: `bench-${p}`, driver: 'sim', region: `bench-${p}`, settings: { seedInstances: perProvider, latencyMs: 0 } });
    }
    for (let p = 1; p <= providerCount; p++) await api(broker, 'POST', `/providers/bench-${p}/sync`);
    const syncSeconds = Number(((performance.now() - seedStarted) / 1000).toFixed(2));
    const counts = await api(broker, 'GET', '/instances/counts');
    const rest: Record<string, unknown> = {};
    for (const q of QUERIES) {
      const first = await api(broker, 'GET', `/instances?${q.qs}`);
      // Follow the cursor too, so pages past the first are measured, not only page one.
      const cursors: (string | undefined)[] = [undefined, first.nextCursor];
      rest[q.label] = await timeMany(requests, concurrency, async (i) => {
        const cursor = cursors[i % cursors.length];
        await api(broker, 'GET', `/instances?${q.qs}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      });
    }
    const rss = rssMiB(broker.child.pid!);
    // The floor: the same first query straight on the store, in this process.
    const store = await createStore({ url: join(broker.dataDir, 'skyport.db') });
    const direct = await timeMany(requests, concurrency, async () => {
      await store.resources.list({ kind: 'instance', states: ['running'], tags: { env: 'prod' }, limit: 100 });
    });
    await store.close();
    return { instances: total, providers: providerCount, counts, seedAndSyncSeconds: syncSeconds, restListMs: rest, storeListMs: direct, brokerRssMiB: rss };
  } finally {
    broker.child.kill('SIGTERM');
    await new Promise((r) => broker.child.once('exit', r));
    rmSync(broker.dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (const size of sizes) results.push(await benchSize(size));
process.stdout.write(JSON.stringify({ benchmark: 'inventory', requests, concurrency, database: 'sqlite', goal: 'p50 < 20 ms at 100k', results }, null, 2) + '\n');
