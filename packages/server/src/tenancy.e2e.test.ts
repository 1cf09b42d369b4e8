/**
 * Tenancy and security as users meet them, through the real server: two tenants, every role,
 * the REST door and the event stream; authorization matrix, isolation, quotas, credentials
 * at rest, the audit chain, and hostile input. Run once per database dialect.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestStore, testDatabaseUrls, type TestStore } from '@skyport/store/testing';
import { loadConfig, startServer, type RunningServer } from './index.js';

const FAST_SIM = { latencyMs: 1, transitionMs: 150 };
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };
const PASSWORD = 'correct horse battery staple';

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

for (const database of testDatabaseUrls()) {
  describe(`tenancy and security on ${database.dialect}`, () => {
    let dataDir: string;
    let testStore: TestStore;
    let server: RunningServer;
    const tokens: Record<string, string> = {};

    const call = async (token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
      const res = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // NDJSON and other text stay as they are.
      }
      return { status: res.status, body: parsed, headers: res.headers };
    };
    const as = (who: string) => (method: string, path: string, body?: unknown) => call(tokens[who]!, method, path, body);
    const ok = async (reply: Promise<Reply>, status = 200): Promise<any> => {
      const r = await reply;
      assert.equal(r.status, status, JSON.stringify(r.body));
      return r.body;
    };
    const settle = async (who: string, operation: { id: string }) => {
      const done = await ok(as(who)('GET', `/operations/${operation.id}/wait?timeout=30`));
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      return done;
    };
    const imageOf = async (who: string, provider: string) =>
      (await ok(as(who)('GET', `/images?provider=${provider}&name=debian-12`))).items[0].id as string;

    /** Reads raw rows, as someone with the database file (not the API) would. */
    const rawQuery = async (sql: string): Promise<any[]> => {
      if (testStore.dialect === 'sqlite') {
        const db = new Database(testStore.url.replace(/^sqlite:/, ''));
        try {
          return db.prepare(sql).all();
        } finally {
          db.close();
        }
      }
      const client = new pg.Client({ connectionString: testStore.url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'skyport-tenancy-'));
      testStore = await createTestStore(database);
      const config = loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_DATABASE_URL: testStore.url, SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false' });
      server = await startServer(config, { tuning: TUNING });
      tokens['root'] = server.adminToken.token!;
      const root = as('root');
      await ok(root('POST', '/tenants', { name: 'acme' }), 201);
      await ok(root('POST', '/tenants', { name: 'globex' }), 201);
      for (const [name, tenant, role] of [
        ['acme-admin', 'acme', 'admin'],
        ['acme-op', 'acme', 'operator'],
        ['acme-viewer', 'acme', 'viewer'],
        ['globex-admin', 'globex', 'admin'],
      ] as const) {
        await ok(root('POST', '/users', { name, password: PASSWORD, memberships: [{ tenantId: tenant, role }] }), 201);
        const login = await ok(call(null, 'POST', '/sessions', { userName: name, password: PASSWORD }), 201);
        tokens[name] = login.token;
      }
      await ok(as('acme-admin')('POST', '/providers', { name: `acme-sim-${database.dialect}`, driver: 'sim', credentials: { apiKey: 'acme-cloud-secret' }, settings: { ...FAST_SIM, requiredApiKey: 'acme-cloud-secret' } }), 201);
      await ok(as('globex-admin')('POST', '/providers', { name: `globex-sim-${database.dialect}`, driver: 'sim', settings: FAST_SIM }), 201);
      await ok(as('acme-admin')('POST', `/providers/acme-sim-${database.dialect}/sync`));
      await ok(as('globex-admin')('POST', `/providers/globex-sim-${database.dialect}/sync`));
    });

    after(async () => {
      await server?.close();
      await testStore?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });

    const acmeSim = () => `acme-sim-${database.dialect}`;

    test('login: a wrong password or unknown user is refused alike; whoami shows tenant and role', async () => {
      const wrong = await call(null, 'POST', '/sessions', { userName: 'acme-op', password: 'not the password' });
      const unknown = await call(null, 'POST', '/sessions', { userName: 'nobody', password: 'whatever password' });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.equal(wrong.body.message, unknown.body.message, 'no hint whether the user exists');
      const me = await ok(as('acme-op')('GET', '/whoami'));
      assert.equal(me.userName, 'acme-op');
      assert.equal(me.role, 'operator');
      assert.equal(me.tenantId, (await ok(as('root')('GET', '/tenants/acme'))).id);
    });

    test('authorization matrix: each role, each kind of action', async () => {
      const image = await imageOf('acme-admin', acmeSim());
      const createInstance = (who: string, name: string) => as(who)('POST', '/instances', { providerId: acmeSim(), name, imageId: image, hardwareProfileId: 'small' });
      const expectations: { action: string; run: (who: string) => Promise<Reply>; allowed: Record<string, boolean> }[] = [
        { action: 'list instances', run: (w) => as(w)('GET', '/instances'), allowed: { 'acme-admin': true, 'acme-op': true, 'acme-viewer': true } },
        { action: 'read a provider', run: (w) => as(w)('GET', `/providers/${acmeSim()}`), allowed: { 'acme-admin': true, 'acme-op': true, 'acme-viewer': true } },
        { action: 'create an instance', run: (w) => createInstance(w, `m-${w}`), allowed: { 'acme-admin': true, 'acme-op': true, 'acme-viewer': false } },
        { action: 'create a key pair', run: (w) => as(w)('POST', '/key-pairs', { providerId: acmeSim(), name: `k-${w}` }), allowed: { 'acme-admin': true, 'acme-op': true, 'acme-viewer': false } },
        { action: 'sync a provider', run: (w) => as(w)('POST', `/providers/${acmeSim()}/sync`), allowed: { 'acme-admin': true, 'acme-op': true, 'acme-viewer': false } },
        { action: 'add a provider', run: (w) => as(w)('POST', '/providers', { name: `p-${w}-${database.dialect}`, driver: 'sim', settings: FAST_SIM }), allowed: { 'acme-admin': true, 'acme-op': false, 'acme-viewer': false } },
        { action: 'list users', run: (w) => as(w)('GET', '/users'), allowed: { 'acme-admin': true, 'acme-op': false, 'acme-viewer': false } },
        { action: 'read the audit log', run: (w) => as(w)('GET', '/audit'), allowed: { 'acme-admin': true, 'acme-op': false, 'acme-viewer': false } },
        { action: 'create a tenant', run: (w) => as(w)('POST', '/tenants', { name: `t-${w}` }), allowed: { 'acme-admin': false, 'acme-op': false, 'acme-viewer': false } },
        { action: 'create an own token', run: (w) => as(w)('POST', '/tokens', { name: `own-${w}` }), allowed: { 'acme-admin': true, 'acme-op': true, 'acme-viewer': true } },
        { action: 'create an own access key', run: (w) => as(w)('POST', '/access-keys'), allowed: { 'acme-admin': true, 'acme-op': true, 'acme-viewer': true } },
      ];
      for (const { action, run, allowed } of expectations) {
        for (const [who, expected] of Object.entries(allowed)) {
          const r = await run(who);
          if (expected) assert.ok(r.status < 300, `${who} may ${action}: got ${r.status} ${JSON.stringify(r.body)}`);
          else {
            assert.equal(r.status, 403, `${who} may not ${action}: got ${r.status}`);
            assert.equal(r.body.code, 'Forbidden');
            assert.match(r.body.message, /needs (the \w+ role|a system administrator)/);
          }
        }
      }
      // Nothing was created by the refused calls.
      const names = (await ok(as('acme-admin')('GET', '/instances'))).items.map((i: { name: string }) => i.name);
      assert.ok(!names.includes('m-acme-viewer'));
      assert.ok(!(await ok(as('root')('GET', '/tenants'))).items.some((t: { name: string }) => t.name.startsWith('t-')));
    });

    test('a role cannot be raised: tokens and users stay within the creator\'s own role', async () => {
      const r = await as('acme-op')('POST', '/tokens', { name: 'escalate', role: 'admin' });
      assert.equal(r.status, 403);
      const u = await as('acme-admin')('POST', '/users', { name: 'sneaky', password: PASSWORD, systemAdmin: true, memberships: [{ tenantId: 'acme', role: 'viewer' }] });
      assert.equal(u.status, 403);
      const cross = await as('acme-admin')('POST', '/users', { name: 'spy', password: PASSWORD, memberships: [{ tenantId: 'globex', role: 'viewer' }] });
      assert.equal(cross.status, 404, 'another tenant reads as not existing');
    });

    test('isolation: another tenant\'s ids read as not found, lists and the event stream never show them', async () => {
      const acme = as('acme-op');
      const globex = as('globex-admin');
      const events: string[] = [];
      const abort = new AbortController();
      const stream = fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${tokens['globex-admin']}` }, signal: abort.signal }).then(async (res) => {
        const reader = res.body!.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          events.push(new TextDecoder().decode(value));
        }
      }).catch(() => undefined);

      const op = await ok(acme('POST', '/instances', { providerId: acmeSim(), name: 'secret-vm', imageId: await imageOf('acme-op', acmeSim()), hardwareProfileId: 'small' }), 202);
      await settle('acme-op', op);
      const instanceId = op.targetId as string;

      for (const [method, path] of [
        ['GET', `/instances/${instanceId}`],
        ['POST', `/instances/${instanceId}/stop`],
        ['DELETE', `/instances/${instanceId}`],
        ['GET', `/operations/${op.id}`],
        ['GET', `/providers/${acmeSim()}`],
        ['PATCH', `/instances/${instanceId}/tags`],
      ] as const) {
        const r = await globex(method, path, method === 'PATCH' ? { set: { owned: 'by-globex' } } : undefined);
        assert.equal(r.status, 404, `${method} ${path} from another tenant: ${r.status}`);
      }
      const listed = await ok(globex('GET', '/instances?limit=1000'));
      assert.ok(!listed.items.some((i: { id: string }) => i.id === instanceId));
      assert.ok(!(await ok(globex('GET', '/providers'))).items.some((p: { name: string }) => p.name === acmeSim()));
      assert.ok(!(await ok(globex('GET', '/operations'))).items.some((o: { id: string }) => o.id === op.id));
      const filtered = await globex('GET', `/instances?provider=${acmeSim()}`);
      assert.equal(filtered.status, 404);
      // The instance is untouched.
      assert.equal((await ok(acme('GET', `/instances/${instanceId}`))).state, 'running');
      abort.abort();
      await stream;
      assert.ok(!events.join('').includes(instanceId), 'the other tenant\'s event stream never mentioned the instance');
    });

    test('quotas: a create over the limit is refused, naming the quota and by how much', async () => {
      const acmeId = (await ok(as('root')('GET', '/tenants/acme'))).id;
      const usage = await ok(as('acme-admin')('GET', `/tenants/${acmeId}/usage`));
      await ok(as('root')('PUT', '/tenants/acme/quotas', { instances: usage.used.instances, vcpus: 1000 }));
      const r = await as('acme-op')('POST', '/instances', { providerId: acmeSim(), name: 'one-too-many', imageId: await imageOf('acme-op', acmeSim()), hardwareProfileId: 'small' });
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'QuotaExceeded');
      assert.match(r.body.message, /quota instances of tenant acme would be exceeded by 1/);
      assert.equal(r.body.details.over, 1);
      const forbidden = await as('acme-admin')('PUT', '/tenants/acme/quotas', {});
      assert.equal(forbidden.status, 403, 'only system administrators change quotas');

      // A burst: creates accepted but not yet at the provider count too, so room for two
      // lets exactly two of five simultaneous creates through.
      await ok(as('root')('PUT', '/tenants/acme/quotas', { instances: usage.used.instances + 2 }));
      const imageId = await imageOf('acme-op', acmeSim());
      const burst = await Promise.all(
        ['burst-1', 'burst-2', 'burst-3', 'burst-4', 'burst-5'].map((name) => as('acme-op')('POST', '/instances', { providerId: acmeSim(), name, imageId, hardwareProfileId: 'small' })),
      );
      assert.deepEqual(burst.map((b) => b.status).sort(), [202, 202, 403, 403, 403]);
      for (const refused of burst.filter((b) => b.status === 403)) assert.equal(refused.body.code, 'QuotaExceeded');
      for (const accepted of burst.filter((b) => b.status === 202)) await settle('acme-op', accepted.body);
      assert.equal((await ok(as('acme-admin')('GET', `/tenants/${acmeId}/usage`))).used.instances, usage.used.instances + 2);
      await ok(as('root')('PUT', '/tenants/acme/quotas', {}));
    });

    test('credentials: sealed at rest, never returned; revoked tokens and deleted users stop working', async () => {
      const providers = await rawQuery(`select * from providers where name = '${acmeSim()}'`);
      assert.equal(providers.length, 1);
      assert.doesNotMatch(JSON.stringify(providers[0]), /acme-cloud-secret"?\s*}/, 'provider credentials are not stored in clear');
      assert.doesNotMatch(String(providers[0].sealed_credentials ?? ''), /acme-cloud-secret/);
      const provider = await ok(as('acme-admin')('GET', `/providers/${acmeSim()}`));
      assert.ok(!('credentials' in provider) && !('sealedCredentials' in provider));

      const key = await ok(as('acme-op')('POST', '/access-keys'), 201);
      assert.match(key.accessKeyId, /^[A-Z0-9]{20}$/);
      assert.equal(key.secretAccessKey.length, 40);
      const keyRows = await rawQuery(`select * from access_keys where id = '${key.accessKeyId}'`);
      assert.doesNotMatch(JSON.stringify(keyRows), new RegExp(key.secretAccessKey.replace(/[+/]/g, '.')), 'the secret is sealed at rest');
      const listedKeys = await ok(as('acme-op')('GET', '/access-keys'));
      assert.doesNotMatch(JSON.stringify(listedKeys), new RegExp(key.secretAccessKey.replace(/[+/]/g, '.')));
      const tokenRows = await rawQuery('select * from api_tokens');
      assert.doesNotMatch(JSON.stringify(tokenRows), new RegExp(tokens['acme-op']!), 'tokens are stored as hashes only');

      const created = await ok(as('acme-viewer')('POST', '/tokens', { name: 'short-lived' }), 201);
      await ok(call(created.token, 'GET', '/whoami'));
      await ok(as('acme-viewer')('DELETE', `/tokens/${created.view.id}`), 204);
      const revoked = await call(created.token, 'GET', '/whoami');
      assert.equal(revoked.status, 401);
      assert.match(revoked.body.message, /revoked/);

      await ok(as('acme-admin')('POST', '/users', { name: 'leaver', password: PASSWORD, memberships: [{ tenantId: 'acme', role: 'operator' }] }), 201);
      const leaver = (await ok(call(null, 'POST', '/sessions', { userName: 'leaver', password: PASSWORD }), 201)).token;
      await ok(call(leaver, 'GET', '/whoami'));
      await ok(as('acme-admin')('DELETE', '/users/leaver'), 204);
      assert.equal((await call(leaver, 'GET', '/whoami')).status, 401);
    });

    test('audit: every change is recorded with who, door and result; the chain detects an edit', async () => {
      const page = await ok(as('acme-admin')('GET', '/audit?limit=1000'));
      const actions = page.items.map((e: { action: string; result: string; actor: { userName: string } }) => `${e.actor.userName} ${e.action} ${e.result}`);
      assert.ok(actions.includes('acme-op instances.create success'));
      assert.ok(actions.includes('acme-viewer instances.create failure'), 'refused attempts are recorded too');
      assert.ok(page.items.every((e: { tenantId: string | null; door: string }) => e.door === 'rest' || e.door === 'portal'));
      const globexView = await ok(as('globex-admin')('GET', '/audit?limit=1000'));
      assert.ok(!globexView.items.some((e: { actor: { userName: string } }) => e.actor.userName.startsWith('acme')), 'tenants see their own entries');

      assert.deepEqual({ ...(await ok(as('root')('GET', '/audit/verify'))), entries: 0 }, { ok: true, entries: 0 });
      const exported = await ok(as('root')('GET', '/audit/export'));
      const lines = String(exported).trim().split('\n').map((l) => JSON.parse(l) as { seq: number });
      assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1));

      // Someone with database access edits an entry (the table refuses it, so they drop the guard first).
      if (testStore.dialect === 'sqlite') {
        const db = new Database(testStore.url.replace(/^sqlite:/, ''));
        const triggers = db.prepare("select name from sqlite_master where type = 'trigger' and tbl_name = 'audit_log'").all() as { name: string }[];
        assert.ok(triggers.length > 0, 'the audit table is guarded by triggers');
        assert.throws(() => db.prepare("update audit_log set action = 'nothing' where seq = 2").run());
        for (const t of triggers) db.prepare(`drop trigger "${t.name}"`).run();
        db.prepare("update audit_log set action = 'nothing' where seq = 2").run();
        db.close();
      } else {
        await assert.rejects(rawQuery("update audit_log set action = 'nothing' where seq = 2"));
        await rawQuery("alter table audit_log disable trigger all; update audit_log set action = 'nothing' where seq = 2");
      }
      const broken = await ok(as('root')('GET', '/audit/verify'));
      assert.equal(broken.ok, false);
      assert.equal(broken.brokenAt, 2);
      assert.match(broken.reason, /altered/);
    });

    test('hostile input: oversized and malformed bodies, traversal in names, cookie sessions without CSRF, token guessing', async () => {
      const big = await call(tokens['acme-op']!, 'POST', '/key-pairs', JSON.stringify({ providerId: acmeSim(), name: 'x', publicKey: 'a'.repeat(2 * 1024 * 1024) }));
      assert.equal(big.status, 413);
      const malformed = await call(tokens['acme-op']!, 'POST', '/key-pairs', '{"providerId": ');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.code, 'InvalidArgument');
      const traversal = await as('acme-admin')('POST', '/providers', { name: '../../etc', driver: 'sim' });
      assert.equal(traversal.status, 400);
      assert.match(traversal.body.message, /not a valid provider name/);
      const keyName = await as('acme-op')('POST', '/key-pairs', { providerId: acmeSim(), name: '../escape' });
      assert.equal(keyName.status, 400);

      // The portal's cookie session: reads work, changes need the CSRF header.
      const login = await fetch(`${server.url}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'acme-op', password: PASSWORD, cookie: true }) });
      const setCookies = login.headers.getSetCookie();
      assert.ok(setCookies.some((c) => /skyport_session=.*HttpOnly.*SameSite=Strict/.test(c)));
      const jar = setCookies.map((c) => c.split(';')[0]).join('; ');
      const csrf = /skyport_csrf=([^;]+)/.exec(jar)![1]!;
      assert.equal((await call(null, 'GET', '/whoami', undefined, { cookie: jar })).status, 200);
      const noCsrf = await call(null, 'POST', '/key-pairs', { providerId: acmeSim(), name: 'via-cookie' }, { cookie: jar });
      assert.equal(noCsrf.status, 403);
      assert.match(noCsrf.body.message, /x-csrf-token/);
      assert.equal((await call(null, 'POST', '/key-pairs', { providerId: acmeSim(), name: 'via-cookie' }, { cookie: jar, 'x-csrf-token': csrf })).status, 201);

      const headers = (await call(tokens['acme-op']!, 'GET', '/whoami')).headers;
      assert.equal(headers.get('x-content-type-options'), 'nosniff');
      assert.equal(headers.get('x-frame-options'), 'DENY');

      // Guessing tokens from one address is slowed down.
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await call(`skp_guess${i}`, 'GET', '/whoami')).status);
      assert.ok(statuses.includes(429), `guessing was never limited: ${statuses.join(',')}`);
      assert.ok(statuses.slice(0, 10).every((s) => s === 401));
    });
  });
}
