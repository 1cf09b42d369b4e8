/**
 * Scale-out on PostgreSQL, measured from outside like a user: broker processes on one fresh
 * database, `sim` clouds seeded with many instances, REST over loopback. Prints JSON.
 *
 * 1. 100k instances across 10 providers: seeding, first full inventory refresh (cold), and a
 *    steady refresh (every provider re-listed, nothing changed).
 * 2. A filtered list (running + tag env=prod, page of 100) under 50 concurrent clients, with
 *    1 broker and with 3 brokers (clients spread round-robin); broker memory.
 * 3. The same list at 20k instances at a fixed 10, 20 and 30 requests/s (OpenNebula publishes
 *    2.39 / 4.68 / 6.36 s for this shape on its hardware; the goal here is under 0.1 s at 30).
 *
 * Knobs: BENCH_INSTANCES (100000), BENCH_PROVIDERS (10), BENCH_CLIENTS (50),
 * BENCH_REQUESTS (3000 per closed-loop run), BENCH_RATE_INSTANCES (20000), BENCH_RATE_SECONDS (20 per rate),
 * BENCH_SETTLE_SECONDS (30, quiet time before the list workloads).
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestStore } from '@skyport/store/testing';
import { BrokerCluster, type BrokerProcess } from '@skyport/server/testing';

const instances = Number(process.env['BENCH_INSTANCES'] ?? 100_000);
const providerCount = Number(process.env['BENCH_PROVIDERS'] ?? 10);
const clientCount = Number(process.env['BENCH_CLIENTS'] ?? 50);
const requests = Number(process.env['BENCH_REQUESTS'] ?? 3000);
const rateSeconds = Number(process.env['BENCH_RATE_SECONDS'] ?? 20);
const rateInstances = Number(process.env['BENCH_RATE_INSTANCES'] ?? 20_000);
const settleSeconds = Number(process.env['BENCH_SETTLE_SECONDS'] ?? 30);
const QUERY = 'state=running&tag=env%3Dprod&limit=100';

interface Latency {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly requestsPerSecond: number;
  readonly errors: number;
}

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

function summarize(times: number[], errors: number, seconds: number): Latency {
  times.sort((a, b) => a - b);
  const at = (p: number): number => Number((times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? NaN).toFixed(1));
  return {
    requests: times.length,
    p50Ms: at(50),
    p99Ms: at(99),
    meanMs: Number((times.reduce((a, b) => a + b, 0) / Math.max(1, times.length)).toFixed(1)),
    maxMs: Number((times[times.length - 1] ?? NaN).toFixed(1)),
    requestsPerSecond: Math.round(times.length / seconds),
    errors,
  };
}

async function listOnce(url: string, token: string, times: number[]): Promise<boolean> {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/instances?${QUERY}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  times.push(performance.now() - started);
  return res.ok;
}

/** Closed loop: `clients` clients, each with its own token (rate limits are per credential), back to back. */
async function closedLoop(brokers: readonly BrokerProcess[], tokens: readonly string[]): Promise<Latency> {
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token, c) => {
      const broker = brokers[c % brokers.length]!;
      while (next++ < requests) if (!(await listOnce(broker.url, token, times))) errors++;
    }),
  );
  return summarize(times, errors, (performance.now() - started) / 1000);
}

/** Open loop: requests arrive at a fixed rate whatever the answers take (as OpenNebula's test). */
async function openLoop(broker: BrokerProcess, tokens: readonly string[], rate: number): Promise<Latency> {
  const times: number[] = [];
  let errors = 0;
  const total = rate * rateSeconds;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(listOnce(broker.url, tokens[i % tokens.length]!, times).then((ok) => void (ok || errors++)));
  }
  await Promise.all(inFlight);
  return summarize(times, errors, rateSeconds);
}

function rssMiB(broker: BrokerProcess): number {
  const status = readFileSync(`/proc/${broker.child.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A fresh database, one broker, `total` instances over `providers` sim clouds; returns what the phases need. */
async function cluster(total: number, providers: number) {
  const baseDir = mkdtempSync(join(tmpdir(), 'skyport-bench-scale-'));
  const db = await createTestStore('postgres');
  const brokers = new BrokerCluster({ databaseUrl: db.url, baseDir, env: { SKYPORT_LOG_LEVEL: 'warn' }, startTimeoutMs: 120_000 });
  const b1 = await brokers.start('b1');
  const admin = brokers.adminToken('b1');
  const perProvider = Math.ceil(total / providers);
  const seedStarted = performance.now();
  for (let p = 1; p <= providers; p++) {
    await api(b1.url, admin, 'POST', '/providers', {
      name: `scale-${p}`,
      driver: 'sim',
      region: `scale-${p}`,
      settings: { seedInstances: perProvider, latencyMs: 0, dataDir: join(baseDir, `cloud-${p}`) },
    });
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  // The pollers' first syncs started as each provider was added.
  await until('every provider to be synced', 600_000, async () => ((await api(b1.url, admin, 'GET', '/providers')).items as { lastSyncAt?: string }[]).every((p) => p.lastSyncAt !== undefined));
  const firstRefreshSeconds = (performance.now() - seedStarted) / 1000 - seedSeconds;
  const steadyStarted = performance.now();
  await Promise.all(Array.from({ length: providers }, (_, i) => api(b1.url, admin, 'POST', `/providers/scale-${i + 1}/sync`)));
  const steadyRefreshSeconds = (performance.now() - steadyStarted) / 1000;
  // Let the pollers settle (the first syncs found changes, so they poll fast for a while): the
  // list workloads measure a steady broker, not one still re-listing 100k instances every 2 s.
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
  const tokens: string[] = [];
  for (let c = 0; c < clientCount; c++) tokens.push((await api(b1.url, admin, 'POST', '/tokens', { name: `bench-${c}`, role: 'viewer' })).token);
  return {
    b1,
    brokers,
    tokens,
    refresh: { seedSeconds: round(seedSeconds), firstRefreshSeconds: round(firstRefreshSeconds), steadyRefreshSeconds: round(steadyRefreshSeconds) },
    async close() {
      await brokers.stopAll();
      await db.cleanup();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

function round(n: number): number {
  return Number(n.toFixed(2));
}

// Phase 1 and 2: 100k instances.
const big = await cluster(instances, providerCount);
let atScale: Record<string, unknown>;
try {
  const counts = await api(big.b1.url, big.tokens[0]!, 'GET', '/instances/counts');
  const matching = (await api(big.b1.url, big.tokens[0]!, 'GET', `/instances?${QUERY}`)).items.length;
  const oneBroker = await closedLoop([big.b1], big.tokens);
  const rssOne = rssMiB(big.b1);
  const others = [await big.brokers.start('b2'), await big.brokers.start('b3')];
  const all = [big.b1, ...others];
  const threeBrokers = await closedLoop(all, big.tokens);
  atScale = {
    instances,
    providers: providerCount,
    counts,
    pageItems: matching,
    inventory: big.refresh,
    list50Clients: { oneBroker, threeBrokers },
    brokerRssMiB: { oneBrokerAfterLoad: rssOne, threeBrokersAfterLoad: Object.fromEntries(all.map((b) => [b.name, rssMiB(b)])) },
  };
} finally {
  await big.close();
}

// Phase 3: 20k instances at fixed rates.
const small = await cluster(rateInstances, 2);
let atRates: Record<string, unknown>;
try {
  const rates: Record<string, Latency> = {};
  for (const rate of [10, 20, 30]) rates[`${rate}/s`] = await openLoop(small.b1, small.tokens, rate);
  atRates = { instances: rateInstances, providers: 2, brokers: 1, inventory: small.refresh, secondsPerRate: rateSeconds, latency: rates, openNebulaSeconds: { '10/s': 2.39, '20/s': 4.68, '30/s': 6.36 }, goalAt30PerSecondMs: 100 };
} finally {
  await small.close();
}

process.stdout.write(
  JSON.stringify(
    {
      benchmark: 'scale',
      database: 'postgresql',
      machine: `${cpus().length} cores`,
      // The machine may be shared: a load average above its cores means the numbers are pessimistic.
      loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(1))), query: `GET /api/v1/instances?${QUERY}`, clients: clientCount, requestsPerRun: requests, atScale, atRates },
    null,
    2,
  ) + '\n',
);
