import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestStore } from '@skyport/store/testing';
import { BrokerCluster } from '@skyport/server/testing';
const baseDir = mkdtempSync(join(tmpdir(), 'probe-'));
const db = await createTestStore(process.env['D'] === 'sqlite' ? 'sqlite' : 'postgres');
const c = new BrokerCluster({ databaseUrl: process.env['D'] === 'sqlite' ? db.url.replace('sqlite:', '') : db.url, baseDir, env: { SKYPORT_LOG_LEVEL: 'warn' }, nodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] });
const b = await c.start('b1');
const t = c.adminToken('b1');
const h = { authorization: `Bearer ${t}`, 'content-type': 'application/json' };
await fetch(`${b.url}/api/v1/providers`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'p1', driver: 'sim', region: 'r', settings: { seedInstances: 2000, latencyMs: 0 } }) });
await fetch(`${b.url}/api/v1/providers/p1/sync`, { method: 'POST', headers: h });
await Promise.all(Array.from({length: 50}, async () => { for (let i = 0; i < 20; i++) { const r = await fetch(`${b.url}/api/v1/instances?state=running&tag=env%3Dprod&limit=100`, { headers: h }); await r.arrayBuffer(); } }));
for (const path of ['/instances?state=running&tag=env%3Dprod&limit=100', '/instances?limit=100', '/providers', '/whoami']) {
  const times: number[] = [];
  for (let i = 0; i < 50; i++) { const s = performance.now(); const r = await fetch(`${b.url}/api/v1${path}`, { headers: h }); await r.arrayBuffer(); times.push(performance.now() - s); }
  times.sort((a, b) => a - b);
  console.log(path, 'p50', times[25]!.toFixed(1), 'max', times[49]!.toFixed(1));
}
await c.stopAll(); await db.cleanup();
