/**
 * The Store contract, run against every dialect from testDatabaseUrls(): the same cases must
 * pass on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type {
  AccessKeyRecord,
  ApiTokenRecord,
  AuditRecord,
  IdempotencyRecord,
  OperationRecord,
  ProviderRecord,
  ResourceQuery,
  ResourceRecord,
  ResourceSort,
  Store,
  TenantRecord,
  UserRecord,
} from '@skyport/core';
import { SkyportError, type ResourceKind } from '@skyport/model';
import { sql, type Kysely } from 'kysely';
import { createStore } from './create-store.js';
import { parseDatabaseUrl } from './database-url.js';
import { silentLogger } from './logger.js';
import { createMigrator } from './migrations.js';
import { openDatabase } from './open-database.js';
import type { Database } from './schema.js';
import { appendOnlyTable, toStoreError } from './store-errors.js';
import { DEFAULT_TENANT_ID, UPGRADE_ADMIN_USER_ID, tenancyMigration } from './tenancy-migration.js';
import { createTestStore, testDatabaseUrls, type TestStore } from './testing.js';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T00:01:00.000Z';
const T2 = '2025-01-01T00:02:00.000Z';
const T3 = '2025-01-01T00:03:00.000Z';

function provider(overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  const id = overrides.id ?? `prv-${Math.random().toString(16).slice(2, 12)}`;
  return {
    id,
    tenantId: 'tnt-test',
    name: `name-${id}`,
    driver: 'sim',
    endpoint: null,
    region: null,
    settings: {},
    sealedCredentials: null,
    status: 'unknown',
    statusReason: null,
    createdAt: T0,
    lastSyncAt: null,
    lastSyncError: null,
    ...overrides,
  };
}

function resource(providerId: string, n: number, overrides: Partial<ResourceRecord> = {}): ResourceRecord {
  const id = overrides.id ?? `i-${providerId}-${String(n).padStart(5, '0')}`;
  return {
    id,
    providerId,
    kind: 'instance',
    nativeId: `native-${n}`,
    name: `vm-${n}`,
    state: 'running',
    tags: {},
    data: { id, n },
    createdAt: T0,
    updatedAt: T0,
    vanishedAt: null,
    ...overrides,
  };
}

function operation(overrides: Partial<OperationRecord> = {}): OperationRecord {
  return {
    id: `op-${Math.random().toString(16).slice(2, 14)}`,
    type: 'instance.create',
    status: 'queued',
    providerId: null,
    targetKind: null,
    targetId: null,
    input: {},
    progress: 0,
    message: null,
    result: null,
    error: null,
    attempts: 0,
    lockedBy: null,
    createdAt: T0,
    updatedAt: T0,
    finishedAt: null,
    ...overrides,
  };
}

/** Runs `work` and checks it rejects with a SkyportError of that code (and message). */
async function rejectsWith(work: () => Promise<unknown>, code: SkyportError['code'], message?: RegExp): Promise<SkyportError> {
  let caught: unknown;
  try {
    await work();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SkyportError, `expected a SkyportError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) assert.match(caught.message, message);
  return caught;
}

/** Every item of a query, page by page; fails on a repeated id. */
async function listAll(store: Store, query: ResourceQuery): Promise<ResourceRecord[]> {
  const items: ResourceRecord[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.resources.list({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    assert.ok(page.items.length <= query.limit);
    items.push(...page.items);
    if (page.nextCursor === undefined) break;
    assert.equal(page.items.length, query.limit, 'only the last page may be short');
    cursor = page.nextCursor;
  }
  assert.equal(new Set(items.map((item) => item.id)).size, items.length, 'no item appears twice');
  return items;
}

function token(overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  const id = overrides.id ?? `tok-${Math.random().toString(16).slice(2, 12)}`;
  return {
    id,
    name: `token-${id}`,
    tokenHash: createHash('sha256').update(id).digest('hex'),
    userId: 'usr-test',
    tenantId: 'tnt-test',
    role: 'operator',
    kind: 'api',
    createdAt: T0,
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

function accessKey(overrides: Partial<AccessKeyRecord> = {}): AccessKeyRecord {
  const id = overrides.id ?? `AKSP${Math.random().toString(16).slice(2, 14).toUpperCase()}`;
  return { id, userId: 'usr-test', tenantId: 'tnt-test', sealedSecret: `sealed:${id}`, createdAt: T0, lastUsedAt: null, revokedAt: null, ...overrides };
}

function tenant(overrides: Partial<TenantRecord> = {}): TenantRecord {
  const id = overrides.id ?? `tnt-${Math.random().toString(16).slice(2, 12)}`;
  return { id, name: `tenant-${id}`, quotas: {}, createdAt: T0, ...overrides };
}

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = overrides.id ?? `usr-${Math.random().toString(16).slice(2, 12)}`;
  return { id, name: `user-${id}`, passwordHash: null, systemAdmin: false, memberships: [], createdAt: T0, deletedAt: null, ...overrides };
}

/**
 * The audit entry that follows `last`, hashed the simple way (the store only keeps the chain;
 * the real hash is the broker's business). The same formula is in AUDIT_CHILD below.
 */
function auditEntry(last: { seq: number; hash: string } | undefined, fields: Partial<AuditRecord> = {}): AuditRecord {
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? '';
  const actorName = fields.actorName ?? 'alice';
  const action = fields.action ?? 'instance.create';
  return {
    seq,
    at: T0,
    tenantId: 'tnt-test',
    actorUserId: 'usr-test',
    actorName,
    via: 'token',
    credentialId: 'tok-1',
    door: 'rest',
    address: '127.0.0.1',
    action,
    targetKind: 'instance',
    targetId: 'i-1',
    result: 'success',
    errorCode: null,
    details: null,
    ...fields,
    prevHash,
    hash: auditHash(seq, prevHash, actorName, action),
  };
}

function auditHash(seq: number, prevHash: string, actorName: string, action: string): string {
  return createHash('sha256').update(`${prevHash}|${seq}|${actorName}|${action}`).digest('hex');
}

/** Checks that entries (oldest first) are 1..n, each linked to the one before. */
function assertChain(entries: readonly AuditRecord[], n: number): void {
  assert.deepEqual(
    entries.map((e) => e.seq),
    Array.from({ length: n }, (_, i) => i + 1),
  );
  entries.forEach((entry, i) => {
    assert.equal(entry.prevHash, i === 0 ? '' : entries[i - 1]!.hash, `entry ${entry.seq} links to the one before`);
    assert.equal(entry.hash, auditHash(entry.seq, entry.prevHash, entry.actorName, entry.action), `entry ${entry.seq} is intact`);
  });
}

/**
 * Another process appending to the same database: it opens its own store, says `ready`,
 * waits for a line on stdin, then appends AUDIT_COUNT entries at once.
 */
const AUDIT_CHILD = `
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createStore } from '@skyport/store';
const store = await createStore({ url: process.env.AUDIT_URL });
process.stdout.write('ready\\n');
await new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));
const hash = (seq, prevHash, actorName, action) => createHash('sha256').update(prevHash + '|' + seq + '|' + actorName + '|' + action).digest('hex');
await Promise.all(Array.from({ length: Number(process.env.AUDIT_COUNT) }, () => store.audit.append((last) => {
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? '';
  return { seq, at: '${T0}', tenantId: null, actorUserId: 'usr-child', actorName: 'child', via: 'token', credentialId: null, door: 'rest',
    address: null, action: 'child.append', targetKind: null, targetId: null, result: 'success', errorCode: null, details: null,
    prevHash, hash: hash(seq, prevHash, 'child', 'child.append') };
})));
await store.close();
`;

/** Starts AUDIT_CHILD on a database; `go()` lets it append and resolves when it is done. */
async function startAuditChild(url: string, count: number): Promise<{ go(): Promise<void> }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', AUDIT_CHILD], {
    cwd: new URL('.', import.meta.url),
    env: { ...process.env, AUDIT_URL: url, AUDIT_COUNT: String(count) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the appending child process exited with ${String(code)}: ${stderr}`)))),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    exited.then(() => reject(new Error('the appending child process ended before it was ready')), reject);
  });
  return {
    go: () => {
      child.stdin.end('go\n');
      return exited;
    },
  };
}

/** A second connection to a test store's database, beside the store's own. */
async function openSecondConnection(url: string): Promise<Kysely<Database>> {
  return openDatabase(parseDatabaseUrl(url), silentLogger);
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A fresh store for one describe block, removed after it. */
function useStore(dialect: 'sqlite' | 'postgres'): () => TestStore {
  let test: TestStore | undefined;
  before(async () => {
    test = await createTestStore(dialect);
  });
  after(async () => {
    await test?.cleanup();
  });
  return () => test!;
}

for (const { dialect } of testDatabaseUrls()) {
  describe(dialect, () => {
    describe('providers', () => {
      const db = useStore(dialect);

      it('inserts, reads by id and name, lists by name, updates and deletes', async () => {
        const { store } = db();
        const b = provider({ name: 'b-cloud', settings: { faults: { rate: 0.5 } }, sealedCredentials: 'sealed:xyz', endpoint: 'https://b' });
        const a = provider({ name: 'a-cloud', region: 'eu-1' });
        await store.providers.insert(b);
        await store.providers.insert(a);
        assert.deepEqual(await store.providers.get(b.id), b);
        assert.deepEqual(await store.providers.getByName('a-cloud'), a);
        assert.equal(await store.providers.get('prv-missing'), undefined);
        assert.equal(await store.providers.getByName('missing'), undefined);
        assert.deepEqual(
          (await store.providers.list()).filter((p) => p.id === a.id || p.id === b.id),
          [a, b],
        );

        await store.providers.update(b.id, { status: 'unavailable', statusReason: 'endpoint refused', lastSyncAt: T1, endpoint: null, settings: {} });
        assert.deepEqual(await store.providers.get(b.id), { ...b, status: 'unavailable', statusReason: 'endpoint refused', lastSyncAt: T1, endpoint: null, settings: {} });
        await store.providers.update(b.id, {});
        await store.providers.delete(b.id);
        assert.equal(await store.providers.get(b.id), undefined);
        await store.providers.delete(b.id);
      });

      it('refuses a second provider with the same name, naming it', async () => {
        const { store } = db();
        await store.providers.insert(provider({ name: 'twin' }));
        await rejectsWith(() => store.providers.insert(provider({ name: 'twin' })), 'AlreadyExists', /'twin'/);
        const other = provider({ name: 'other' });
        await store.providers.insert(other);
        await rejectsWith(() => store.providers.update(other.id, { name: 'twin' }), 'AlreadyExists', /'twin'/);
        await rejectsWith(() => store.providers.insert(provider({ id: other.id, name: 'fresh' })), 'AlreadyExists', new RegExp(other.id));
      });

      it('reports an update of an unknown provider as NotFound', async () => {
        await rejectsWith(() => db().store.providers.update('prv-nope', { status: 'available' }), 'NotFound', /prv-nope/);
        await rejectsWith(() => db().store.providers.update('prv-nope', {}), 'NotFound');
      });
    });

    describe('resources: records', () => {
      const db = useStore(dialect);

      it('puts, reads by id and native id, and replaces on a second put', async () => {
        const { store } = db();
        const r = resource('prv-put', 1, { tags: { env: 'prod', 'team name': 'a b' }, data: { nested: { list: [1, 'two', null] } } });
        await store.resources.put(r);
        assert.deepEqual(await store.resources.get(r.id), r);
        assert.deepEqual(await store.resources.getByNativeId('prv-put', 'instance', 'native-1'), r);
        assert.equal(await store.resources.getByNativeId('prv-put', 'volume', 'native-1'), undefined);
        assert.equal(await store.resources.get('i-missing'), undefined);

        const replaced = { ...r, name: 'renamed', state: 'stopped', tags: { env: 'dev' }, updatedAt: T1 };
        await store.resources.put(replaced);
        assert.deepEqual(await store.resources.get(r.id), replaced);
        const prod = await store.resources.list({ kind: 'instance', providerIds: ['prv-put'], tags: { env: 'prod' }, limit: 10 });
        assert.deepEqual(prod.items, [], 'the tag rows follow the replaced tags');
        const dev = await store.resources.list({ kind: 'instance', providerIds: ['prv-put'], tags: { env: 'dev' }, limit: 10 });
        assert.deepEqual(dev.items, [replaced]);
      });

      it('clears vanishedAt on put', async () => {
        const { store } = db();
        const r = resource('prv-revive', 1);
        await store.resources.sync('prv-revive', 'instance', [r], T0);
        await store.resources.sync('prv-revive', 'instance', [], T1);
        assert.equal((await store.resources.get(r.id))?.vanishedAt, T1);
        await store.resources.put({ ...r, updatedAt: T2 });
        assert.equal((await store.resources.get(r.id))?.vanishedAt, null);
      });

      it('refuses a put whose native id is stored under another id', async () => {
        const { store } = db();
        await store.resources.put(resource('prv-clash', 1));
        await rejectsWith(() => store.resources.put(resource('prv-clash', 1, { id: 'i-other' })), 'AlreadyExists', /native-1/);
      });

      it('maps native ids to broker ids, vanished ones included', async () => {
        const { store } = db();
        const records = [1, 2, 3].map((n) => resource('prv-map', n));
        await store.resources.sync('prv-map', 'instance', records, T0);
        await store.resources.sync('prv-map', 'instance', records.slice(0, 2), T1);
        const ids = await store.resources.idsForNativeIds('prv-map', 'instance', ['native-1', 'native-3', 'native-9', 'native-1']);
        assert.deepEqual(
          [...ids].sort(),
          [
            ['native-1', records[0]!.id],
            ['native-3', records[2]!.id],
          ],
        );
        assert.equal((await store.resources.idsForNativeIds('prv-map', 'volume', ['native-1'])).size, 0);
        assert.equal((await store.resources.idsForNativeIds('prv-map', 'instance', [])).size, 0);
      });

      it('deletes one resource, or all of a provider, with their tags', async () => {
        const { store } = db();
        const keep = resource('prv-keep', 1, { tags: { gone: 'no' } });
        const a = resource('prv-drop', 1, { tags: { gone: 'yes' } });
        const b = resource('prv-drop', 2, { tags: { gone: 'yes' }, kind: 'volume', id: 'vol-drop-2' });
        const c = resource('prv-drop', 3, { tags: { gone: 'yes' } });
        for (const r of [keep, a, b, c]) await store.resources.put(r);
        await store.resources.delete(a.id);
        assert.equal(await store.resources.get(a.id), undefined);
        await store.resources.delete(a.id);
        await store.resources.deleteByProvider('prv-drop');
        assert.equal(await store.resources.get(b.id), undefined);
        assert.equal(await store.resources.get(c.id), undefined);
        assert.deepEqual(await store.resources.get(keep.id), keep);
        const tagged = await store.resources.list({ kind: 'instance', tags: { gone: null }, includeVanished: true, limit: 10 });
        assert.deepEqual(tagged.items, [keep]);
      });

      it('counts present resources per state, optionally for one provider', async () => {
        const { store } = db();
        // Snapshots: no other test of this store writes any.
        const snap = (p: string, n: number, state: string | null) => resource(p, n, { kind: 'snapshot', id: `snap-${p}-${n}`, state });
        const states = ['completed', 'completed', 'pending', 'error'];
        await store.resources.sync('prv-count-a', 'snapshot', states.map((state, n) => snap('prv-count-a', n, state)), T0);
        await store.resources.sync('prv-count-b', 'snapshot', [snap('prv-count-b', 1, 'completed'), snap('prv-count-b', 2, 'deleted')], T0);
        await store.resources.sync('prv-count-b', 'snapshot', [snap('prv-count-b', 1, 'completed')], T1);
        await store.resources.sync('prv-count-c', 'snapshot', [snap('prv-count-c', 1, null)], T0);
        assert.deepEqual(await store.resources.countByState('snapshot', 'prv-count-a'), { completed: 2, pending: 1, error: 1 });
        assert.deepEqual(await store.resources.countByState('snapshot', 'prv-count-b'), { completed: 1 }, 'vanished resources are not counted');
        assert.deepEqual(await store.resources.countByState('snapshot'), { completed: 3, pending: 1, error: 1 });
        assert.deepEqual(await store.resources.countByState('snapshot', 'prv-count-c'), {}, 'null states are not counted');
        assert.deepEqual(await store.resources.countByState('volume'), {});
      });
    });

    describe('resources: list', () => {
      const db = useStore(dialect);
      // 2 providers x 3 kinds' worth of instances with a spread of states, names and tags.
      const records: ResourceRecord[] = [];
      for (const providerId of ['prv-la', 'prv-lb']) {
        for (let n = 0; n < 120; n++) {
          const tags: Record<string, string> = { env: ['prod', 'dev', 'test'][n % 3]!, tier: `t${n % 4}` };
          if (n % 10 === 0) tags['backup'] = n % 20 === 0 ? 'daily' : 'weekly';
          records.push(
            resource(providerId, n, {
              id: `i-${((n * 7919) % 1000).toString(16).padStart(3, '0')}-${providerId}-${n}`,
              name: `${['web', 'db', 'cache'][n % 3]}-${n}`,
              state: ['running', 'stopped', 'pending', 'error', 'running'][n % 5]!,
              tags,
            }),
          );
        }
      }
      const special = [
        resource('prv-lc', 1, { name: 'a%b-1' }),
        resource('prv-lc', 2, { name: 'a_b-1' }),
        resource('prv-lc', 3, { name: 'axb-1' }),
        resource('prv-lc', 4, { name: 'x[1]-a' }),
        resource('prv-lc', 5, { name: 'x*y' }),
        resource('prv-lc', 6, { name: 'x?z' }),
        resource('prv-lc', 7, { name: 'Web-upper' }),
        resource('prv-lc', 8, { name: 'back\\slash' }),
      ];
      const volumes = [1, 2, 3].map((n) => resource('prv-la', n, { kind: 'volume', id: `vol-${n}`, name: `web-vol-${n}`, tags: { env: 'prod' } }));
      const gone = resource('prv-la', 999, { id: 'i-zz-gone', name: 'web-gone', tags: { env: 'prod' } });

      before(async () => {
        const { store } = db();
        for (const providerId of ['prv-la', 'prv-lb']) {
          const own = records.filter((r) => r.providerId === providerId);
          await store.resources.sync(providerId, 'instance', providerId === 'prv-la' ? [...own, gone] : own, T0);
        }
        await store.resources.sync('prv-la', 'instance', records.filter((r) => r.providerId === 'prv-la'), T1);
        await store.resources.sync('prv-lc', 'instance', special, T0);
        await store.resources.sync('prv-la', 'volume', volumes, T0);
      });

      const present = () => [...records, ...special].sort(byId);
      const cases: { label: string; query: Omit<ResourceQuery, 'limit' | 'kind'>; expect: (r: ResourceRecord) => boolean }[] = [
        { label: 'no filter', query: {}, expect: () => true },
        { label: 'one provider', query: { providerIds: ['prv-lb'] }, expect: (r) => r.providerId === 'prv-lb' },
        { label: 'two providers', query: { providerIds: ['prv-lb', 'prv-lc'] }, expect: (r) => r.providerId !== 'prv-la' },
        { label: 'one state', query: { states: ['error'] }, expect: (r) => r.state === 'error' },
        { label: 'two states', query: { states: ['stopped', 'pending'] }, expect: (r) => r.state === 'stopped' || r.state === 'pending' },
        { label: 'exact name', query: { name: 'db-4' }, expect: (r) => r.name === 'db-4' },
        { label: 'name prefix', query: { name: 'web-*' }, expect: (r) => r.name.startsWith('web-') },
        { label: 'tag value', query: { tags: { env: 'prod' } }, expect: (r) => r.tags['env'] === 'prod' },
        { label: 'tag exists', query: { tags: { backup: null } }, expect: (r) => r.tags['backup'] !== undefined },
        { label: 'two tags', query: { tags: { backup: 'daily', env: 'dev' } }, expect: (r) => r.tags['backup'] === 'daily' && r.tags['env'] === 'dev' },
        {
          label: 'everything at once',
          query: { providerIds: ['prv-la'], states: ['running', 'error'], name: 'web-*', tags: { tier: 't0', env: null } },
          expect: (r) => r.providerId === 'prv-la' && (r.state === 'running' || r.state === 'error') && r.name.startsWith('web-') && r.tags['tier'] === 't0',
        },
      ];

      for (const { label, query, expect } of cases) {
        it(`pages through "${label}" in id order with no duplicates or gaps`, async () => {
          const expected = present().filter(expect);
          assert.ok(expected.length > 0, 'the case selects something');
          for (const limit of [1, 7, 100]) {
            if (limit === 1 && expected.length > 60) continue;
            const items = await listAll(db().store, { kind: 'instance', limit, ...query });
            assert.deepEqual(
              items.map((r) => r.id),
              expected.map((r) => r.id),
              `limit ${limit}`,
            );
          }
        });
      }

      const sorts: { label: string; sort: ResourceSort; query?: Omit<ResourceQuery, 'limit' | 'kind' | 'sort'>; key: (r: ResourceRecord) => string }[] = [
        { label: 'name', sort: { field: 'name' }, key: (r) => r.name },
        { label: 'name descending, one provider', sort: { field: 'name', descending: true }, query: { providerIds: ['prv-la'] }, key: (r) => r.name },
        { label: 'state, name prefix', sort: { field: 'state' }, query: { name: 'web-*' }, key: (r) => r.state ?? '' },
        { label: 'provider descending, tag', sort: { field: 'providerId', descending: true }, query: { tags: { env: 'prod' } }, key: (r) => r.providerId },
        { label: 'id descending, two states', sort: { field: 'id', descending: true }, query: { states: ['running', 'error'] }, key: (r) => r.id },
      ];
      for (const { label, sort, query = {}, key } of sorts) {
        it(`pages through a sort by ${label}, ties broken by id, with no duplicates or gaps`, async () => {
          const filtered = await listAll(db().store, { kind: 'instance', limit: 1000, ...query });
          const order = (a: ResourceRecord, b: ResourceRecord) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
          const expected = [...filtered].sort((a, b) => (sort.descending === true ? order(b, a) : order(a, b))).map((r) => r.id);
          assert.ok(expected.length > 10, 'the case selects enough to page');
          for (const limit of [7, 100]) {
            const items = await listAll(db().store, { kind: 'instance', limit, sort, ...query });
            assert.deepEqual(items.map((r) => r.id), expected, `limit ${limit}`);
          }
        });
      }

      it('refuses a cursor taken under another sort', async () => {
        const { store } = db();
        const byName = await store.resources.list({ kind: 'instance', limit: 3, sort: { field: 'name' } });
        const byId = await store.resources.list({ kind: 'instance', limit: 3 });
        await rejectsWith(() => store.resources.list({ kind: 'instance', limit: 3, cursor: byName.nextCursor! }), 'InvalidArgument', /cursor .* is not valid/);
        await rejectsWith(() => store.resources.list({ kind: 'instance', limit: 3, sort: { field: 'name', descending: true }, cursor: byName.nextCursor! }), 'InvalidArgument', /cursor/);
        await rejectsWith(() => store.resources.list({ kind: 'instance', limit: 3, sort: { field: 'state' }, cursor: byId.nextCursor! }), 'InvalidArgument', /cursor/);
      });

      it('returns whole records and no cursor on the last page', async () => {
        const page = await db().store.resources.list({ kind: 'instance', name: 'db-4', providerIds: ['prv-la'], limit: 5 });
        assert.deepEqual(page, { items: [records.find((r) => r.providerId === 'prv-la' && r.name === 'db-4')] });
        const exact = await db().store.resources.list({ kind: 'instance', providerIds: ['prv-lb'], states: ['error'], limit: 24 });
        assert.equal(exact.items.length, 24);
        assert.equal(exact.nextCursor, undefined, 'a page that ends exactly at the last item has no cursor');
      });

      it('treats LIKE and GLOB wildcards in a name prefix literally, and is case-sensitive', async () => {
        const names = async (name: string) => (await db().store.resources.list({ kind: 'instance', providerIds: ['prv-lc'], name, limit: 100 })).items.map((r) => r.name).sort();
        assert.deepEqual(await names('a%b*'), ['a%b-1']);
        assert.deepEqual(await names('a_b*'), ['a_b-1']);
        assert.deepEqual(await names('x[1]*'), ['x[1]-a']);
        assert.deepEqual(await names('x**'), ['x*y']);
        assert.deepEqual(await names('x?*'), ['x?z']);
        assert.deepEqual(await names('back\\*'), ['back\\slash']);
        assert.deepEqual(await names('Web*'), ['Web-upper']);
        assert.deepEqual(await names('x*y'), ['x*y'], 'a * that does not end the name is literal');
        assert.deepEqual(await names('x*'), ['x*y', 'x?z', 'x[1]-a']);
        assert.deepEqual(await names('web-'), [], 'without a trailing * the name is exact');
        assert.equal((await names('*')).length, special.length, 'a lone * matches every name');
      });

      it('hides vanished resources unless asked, and keeps kinds apart', async () => {
        const { store } = db();
        const hidden = await listAll(store, { kind: 'instance', name: 'web-gone', limit: 10 });
        assert.deepEqual(hidden, []);
        const shown = await listAll(store, { kind: 'instance', name: 'web-gone', includeVanished: true, limit: 10 });
        assert.deepEqual(
          shown.map((r) => [r.id, r.vanishedAt]),
          [['i-zz-gone', T1]],
        );
        const withVanished = await listAll(store, { kind: 'instance', providerIds: ['prv-la'], tags: { env: 'prod' }, includeVanished: true, limit: 50 });
        assert.ok(withVanished.some((r) => r.id === 'i-zz-gone'));
        const vols = await listAll(store, { kind: 'volume', name: 'web-*', limit: 2 });
        assert.deepEqual(
          vols.map((r) => r.id),
          ['vol-1', 'vol-2', 'vol-3'],
        );
      });

      it('matches nothing for an empty provider or state list', async () => {
        assert.deepEqual(await db().store.resources.list({ kind: 'instance', providerIds: [], limit: 10 }), { items: [] });
        assert.deepEqual(await db().store.resources.list({ kind: 'instance', states: [], limit: 10 }), { items: [] });
      });

      it('refuses malformed cursors and out-of-range limits', async () => {
        const { store } = db();
        for (const cursor of ['not a cursor!', 'abc', Buffer.from('op:["x","y"]').toString('base64url'), Buffer.from('res:').toString('base64url')]) {
          await rejectsWith(() => store.resources.list({ kind: 'instance', limit: 10, cursor }), 'InvalidArgument', /cursor .* is not valid/);
        }
        for (const limit of [0, -1, 1001, 1.5, Number.NaN]) {
          await rejectsWith(() => store.resources.list({ kind: 'instance', limit }), 'InvalidArgument', /limit .* 1 to 1000/);
        }
        assert.ok((await store.resources.list({ kind: 'instance', limit: 1000 })).items.length > 0);
        const page = await store.resources.list({ kind: 'instance', limit: 2 });
        await rejectsWith(() => store.operations.list({ limit: 2, cursor: page.nextCursor! }), 'InvalidArgument', /cursor/);
      });
    });

    describe('resources: sync', () => {
      const db = useStore(dialect);

      it('reports created, updated and vanished, and keeps unchanged records as they were', async () => {
        const { store } = db();
        const p = 'prv-sync';
        const first = [1, 2, 3, 4, 5].map((n) => resource(p, n, { tags: { env: 'prod', n: String(n) } }));
        const created = await store.resources.sync(p, 'instance', first, T0);
        assert.deepEqual(created, { created: first.map((r) => r.id), updated: [], vanished: [] });
        for (const r of first) assert.deepEqual(await store.resources.get(r.id), r);

        assert.deepEqual(await store.resources.sync(p, 'instance', first, T1), { created: [], updated: [], vanished: [] });
        assert.equal((await store.resources.get(first[0]!.id))?.updatedAt, T0, 'unchanged records keep updatedAt');

        const [r1, r2, r3, r4] = first as [ResourceRecord, ResourceRecord, ResourceRecord, ResourceRecord, ResourceRecord];
        const second = [
          { ...r1, data: { ...r1.data, extra: true } },
          { ...r2, tags: { env: 'dev', n: '2' } },
          { ...r3, state: 'stopped' },
          { ...r4, name: 'renamed' },
          resource(p, 6),
        ];
        const result = await store.resources.sync(p, 'instance', second, T2);
        assert.deepEqual(result.created, [resource(p, 6).id]);
        assert.deepEqual([...result.updated].sort(), [r1.id, r2.id, r3.id, r4.id].sort());
        assert.deepEqual(result.vanished, [first[4]!.id]);

        const stored2 = await store.resources.get(r2.id);
        assert.deepEqual(stored2, { ...second[1], updatedAt: T2 }, 'changed records take syncedAt as updatedAt and keep createdAt');
        assert.equal((await store.resources.get(first[4]!.id))?.vanishedAt, T2);
        const prod = await listAll(store, { kind: 'instance', providerIds: [p], tags: { env: 'prod' }, limit: 10 });
        assert.deepEqual(
          prod.map((r) => r.id),
          [r1.id, r3.id, r4.id],
          'tag rows follow changed tags; vanished records are hidden',
        );
        const dev = await listAll(store, { kind: 'instance', providerIds: [p], tags: { env: 'dev' }, limit: 10 });
        assert.deepEqual(
          dev.map((r) => r.id),
          [r2.id],
        );

        assert.deepEqual(await store.resources.sync(p, 'instance', second, T3), { created: [], updated: [], vanished: [] }, 'vanished records are reported once');
      });

      it('brings back a record that reappears, under its old id, as created', async () => {
        const { store } = db();
        const p = 'prv-back';
        const r = resource(p, 1, { tags: { env: 'prod' } });
        await store.resources.sync(p, 'instance', [r, resource(p, 2)], T0);
        await store.resources.sync(p, 'instance', [resource(p, 2)], T1);
        assert.equal((await store.resources.get(r.id))?.vanishedAt, T1);

        // The listing carries a fresh id, as a caller that forgot idsForNativeIds would send.
        const result = await store.resources.sync(p, 'instance', [{ ...r, id: 'i-fresh' }, resource(p, 2)], T2);
        assert.deepEqual(result, { created: [r.id], updated: [], vanished: [] });
        const back = await store.resources.get(r.id);
        assert.equal(back?.vanishedAt, null);
        assert.equal(back?.createdAt, T0);
        assert.equal(back?.updatedAt, T2);
        assert.equal(await store.resources.get('i-fresh'), undefined);
        assert.equal((await store.resources.list({ kind: 'instance', tags: { env: 'prod' }, providerIds: [p], limit: 5 })).items[0]?.id, r.id);
      });

      it('touches only the provider and kind being synced', async () => {
        const { store } = db();
        const other = resource('prv-other', 1);
        const volume = resource('prv-scope', 1, { kind: 'volume', id: 'vol-scope-1' });
        await store.resources.put(other);
        await store.resources.put(volume);
        assert.deepEqual(await store.resources.sync('prv-scope', 'instance', [resource('prv-scope', 1)], T1), {
          created: [resource('prv-scope', 1).id],
          updated: [],
          vanished: [],
        });
        assert.equal((await store.resources.sync('prv-scope', 'instance', [], T2)).vanished.length, 1);
        assert.equal((await store.resources.get(other.id))?.vanishedAt, null);
        assert.equal((await store.resources.get(volume.id))?.vanishedAt, null);
      });

      it('does not count a different tag order as a change', async () => {
        const { store } = db();
        const r = resource('prv-order', 1, { tags: { a: '1', b: '2', c: '3' } });
        await store.resources.sync('prv-order', 'instance', [r], T0);
        const reordered = { ...r, tags: { c: '3', a: '1', b: '2' } };
        assert.deepEqual(await store.resources.sync('prv-order', 'instance', [reordered], T1), { created: [], updated: [], vanished: [] });
      });

      it('refuses listings that are not one provider and kind, or repeat a resource', async () => {
        const { store } = db();
        await rejectsWith(() => store.resources.sync('prv-x', 'instance', [resource('prv-y', 1)], T0), 'InvalidArgument', /prv-y/);
        await rejectsWith(() => store.resources.sync('prv-x', 'volume', [resource('prv-x', 1)], T0), 'InvalidArgument', /volume/);
        await rejectsWith(() => store.resources.sync('prv-x', 'instance', [resource('prv-x', 1), resource('prv-x', 1, { id: 'i-2' })], T0), 'InvalidArgument', /native-1/);
        await rejectsWith(() => store.resources.sync('prv-x', 'instance', [resource('prv-x', 1, { id: 'i-same' }), resource('prv-x', 2, { id: 'i-same' })], T0), 'InvalidArgument', /i-same/);
        assert.deepEqual(await store.resources.idsForNativeIds('prv-x', 'instance', ['native-1', 'native-2']), new Map(), 'nothing was written');
      });

      it('refuses a new record whose id another resource already has, writing nothing', async () => {
        const { store } = db();
        await store.resources.put(resource('prv-taken', 1, { id: 'i-taken' }));
        await rejectsWith(() => store.resources.sync('prv-taker', 'instance', [resource('prv-taker', 1), resource('prv-taker', 2, { id: 'i-taken' })], T0), 'AlreadyExists');
        assert.equal(await store.resources.get(resource('prv-taker', 1).id), undefined, 'the sync was rolled back');
      });

      it('syncs 20k records in one call and serves filtered pages from them', async () => {
        const { store } = db();
        const p = 'prv-big';
        const states = ['running', 'running', 'stopped', 'pending', 'error'];
        const big = Array.from({ length: 20_000 }, (_, n) =>
          resource(p, n, {
            id: `i-${(((n + 1) * 2654435761) % 4294967296).toString(16).padStart(8, '0')}-${n}`,
            name: `${n % 2 === 0 ? 'web' : 'db'}-${n}`,
            state: states[n % states.length]!,
            tags: { env: n % 3 === 0 ? 'prod' : 'dev', owner: `u${n % 250}` },
          }),
        );
        const first = await store.resources.sync(p, 'instance', big, T0);
        assert.equal(first.created.length, 20_000);
        const again = await store.resources.sync(p, 'instance', big, T1);
        assert.deepEqual(again, { created: [], updated: [], vanished: [] });

        const ids = await store.resources.idsForNativeIds(p, 'instance', big.map((r) => r.nativeId));
        assert.equal(ids.size, 20_000);

        const query = { kind: 'instance' as ResourceKind, providerIds: [p], states: ['running'], name: 'web-*', tags: { env: 'prod' }, limit: 100 };
        const expected = big.filter((r) => r.state === 'running' && r.name.startsWith('web-') && r.tags['env'] === 'prod').sort(byId);
        const page1 = await store.resources.list(query);
        assert.deepEqual(page1.items, expected.slice(0, 100));
        const page2 = await store.resources.list({ ...query, cursor: page1.nextCursor! });
        assert.deepEqual(page2.items, expected.slice(100, 200));
        const rare = await store.resources.list({ kind: 'instance', tags: { owner: 'u7' }, providerIds: [p], limit: 1000 });
        assert.deepEqual(
          rare.items.map((r) => r.id),
          big
            .filter((r) => r.tags['owner'] === 'u7')
            .sort(byId)
            .map((r) => r.id),
        );
        assert.equal((await store.resources.countByState('instance', p))['error'], 4_000);
      });
    });

    describe('operations', () => {
      const db = useStore(dialect);

      it('inserts, reads and updates, returning the updated record', async () => {
        const { store } = db();
        const op = operation({ providerId: 'prv-1', targetKind: 'instance', targetId: 'i-1', input: { name: 'vm', count: 2 } });
        await store.operations.insert(op);
        assert.deepEqual(await store.operations.get(op.id), op);
        assert.equal(await store.operations.get('op-missing'), undefined);
        const error = { code: 'ProviderError' as const, message: 'quota', retryable: false, details: { limit: 5 } };
        const updated = await store.operations.update(op.id, { status: 'failed', progress: 100, message: 'failed', error, updatedAt: T1, finishedAt: T1 });
        assert.deepEqual(updated, { ...op, status: 'failed', progress: 100, message: 'failed', error, updatedAt: T1, finishedAt: T1 });
        assert.deepEqual(await store.operations.get(op.id), updated);
        const cleared = await store.operations.update(op.id, { error: null, result: { instanceId: 'i-9' }, message: null });
        assert.deepEqual(cleared, { ...updated, error: null, result: { instanceId: 'i-9' }, message: null });
        assert.deepEqual(await store.operations.update(op.id, {}), cleared);
      });

      it('reports unknown and duplicate operations', async () => {
        const { store } = db();
        await rejectsWith(() => store.operations.update('op-nope', { progress: 5 }), 'NotFound', /op-nope/);
        await rejectsWith(() => store.operations.update('op-nope', {}), 'NotFound');
        const op = operation();
        await store.operations.insert(op);
        await rejectsWith(() => store.operations.insert(op), 'AlreadyExists', new RegExp(op.id));
      });

      it('lists newest first with filters, across pages, ties broken by id', async () => {
        const { store } = db();
        const ops: OperationRecord[] = [];
        for (let n = 0; n < 30; n++) {
          ops.push(
            operation({
              id: `op-list-${String(n).padStart(2, '0')}`,
              createdAt: `2025-02-01T00:00:${String(Math.floor(n / 3)).padStart(2, '0')}.000Z`,
              status: n % 3 === 0 ? 'succeeded' : 'queued',
              providerId: n % 2 === 0 ? 'prv-even' : 'prv-odd',
              targetId: n % 5 === 0 ? 'i-five' : null,
              type: n % 4 === 0 ? 'image.export' : 'instance.create',
            }),
          );
        }
        for (const op of [...ops].reverse()) await store.operations.insert(op);
        const newestFirst = [...ops].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
        const walk = async (query: { statuses?: OperationRecord['status'][]; providerId?: string; targetId?: string; types?: string[] }, limit: number) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.operations.list({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) });
            seen.push(...page.items.map((o) => o.id));
            cursor = page.nextCursor;
          } while (cursor !== undefined);
          return seen;
        };
        const mine = (o: OperationRecord) => o.id.startsWith('op-list-');
        assert.deepEqual((await walk({}, 4)).filter((id) => id.startsWith('op-list-')), newestFirst.filter(mine).map((o) => o.id));
        assert.deepEqual(await walk({ statuses: ['succeeded'], providerId: 'prv-even' }, 3), newestFirst.filter((o) => o.status === 'succeeded' && o.providerId === 'prv-even').map((o) => o.id));
        assert.deepEqual(await walk({ targetId: 'i-five' }, 2), newestFirst.filter((o) => o.targetId === 'i-five').map((o) => o.id));
        assert.deepEqual(await walk({ statuses: ['queued', 'succeeded'], providerId: 'prv-odd' }, 100), newestFirst.filter((o) => o.providerId === 'prv-odd').map((o) => o.id));
        assert.deepEqual((await walk({ types: ['image.export'] }, 2)).filter((id) => id.startsWith('op-list-')), newestFirst.filter((o) => o.type === 'image.export').map((o) => o.id));
        assert.deepEqual((await walk({ types: ['image.export', 'instance.create'], statuses: ['succeeded'] }, 5)).filter((id) => id.startsWith('op-list-')), newestFirst.filter((o) => o.status === 'succeeded').map((o) => o.id));
        assert.deepEqual(await store.operations.list({ statuses: [], limit: 5 }), { items: [] });
        assert.deepEqual(await store.operations.list({ types: [], limit: 5 }), { items: [] });
        await rejectsWith(() => store.operations.list({ limit: 0 }), 'InvalidArgument', /limit/);
        await rejectsWith(() => store.operations.list({ limit: 10, cursor: Buffer.from('op:not json').toString('base64url') }), 'InvalidArgument', /cursor/);
        await rejectsWith(() => store.operations.list({ limit: 10, cursor: Buffer.from('op:[1,2]').toString('base64url') }), 'InvalidArgument', /cursor/);
      });
    });

    describe('operations: claiming', () => {
      const db = useStore(dialect);

      it('claims the oldest queued operation, counting the attempt', async () => {
        const { store } = db();
        assert.equal(await store.operations.claimNext('w-0', T0), undefined, 'nothing queued');
        const older = operation({ createdAt: T0, attempts: 2 });
        const newer = operation({ createdAt: T1 });
        const done = operation({ createdAt: '2024-01-01T00:00:00.000Z', status: 'succeeded' });
        for (const op of [newer, done, older]) await store.operations.insert(op);
        const claimed = await store.operations.claimNext('w-1', T2);
        assert.deepEqual(claimed, { ...older, status: 'running', lockedBy: 'w-1', attempts: 3, updatedAt: T2 });
        assert.deepEqual(await store.operations.get(older.id), claimed);
        assert.equal((await store.operations.claimNext('w-2', T2))?.id, newer.id);
        assert.equal(await store.operations.claimNext('w-3', T2), undefined);
      });

      it('hands each of 50 operations to exactly one of 20 concurrent claimers', async () => {
        const { store } = db();
        const ops = Array.from({ length: 50 }, (_, n) => operation({ id: `op-race-${String(n).padStart(2, '0')}`, createdAt: `2025-03-01T00:00:${String(n).padStart(2, '0')}.000Z` }));
        for (const op of ops) await store.operations.insert(op);
        const claims = await Promise.all(
          Array.from({ length: 20 }, async (_, w) => {
            const mine: string[] = [];
            for (;;) {
              const op = await store.operations.claimNext(`w-${w}`, T3);
              if (op === undefined) return mine;
              assert.equal(op.lockedBy, `w-${w}`);
              assert.equal(op.attempts, 1);
              mine.push(op.id);
            }
          }),
        );
        const all = claims.flat();
        assert.equal(all.length, 50, 'no operation is claimed twice');
        assert.deepEqual([...all].sort(), ops.map((o) => o.id));
        for (const op of ops) assert.equal((await store.operations.get(op.id))?.status, 'running');
      });

    });

    describe('operations: requeue', () => {
      const db = useStore(dialect);

      it('requeues the running operations of given workers, or of all', async () => {
        const { store } = db();
        assert.equal(await store.operations.requeueRunning(), 0);
        const ops = ['a', 'b', 'c'].map((w, n) => operation({ id: `op-requeue-${w}`, createdAt: `2025-04-01T00:00:0${n}.000Z` }));
        for (const op of ops) await store.operations.insert(op);
        for (const w of ['a', 'b', 'c']) await store.operations.claimNext(`w-${w}`, T1);
        assert.equal(await store.operations.requeueRunning([]), 0);
        assert.equal(await store.operations.requeueRunning(['w-a', 'w-nobody']), 1);
        const a = await store.operations.get('op-requeue-a');
        assert.equal(a?.status, 'queued');
        assert.equal(a?.lockedBy, null);
        assert.equal(a?.attempts, 1, 'the attempt stays counted');
        assert.equal((await store.operations.get('op-requeue-b'))?.status, 'running');
        assert.equal(await store.operations.requeueRunning(), 2);
        assert.equal((await store.operations.get('op-requeue-c'))?.status, 'queued');
        assert.equal((await store.operations.claimNext('w-d', T2))?.id, 'op-requeue-a', 'requeued operations are claimed again, oldest first');
      });
    });

    describe('idempotency keys', () => {
      const db = useStore(dialect);
      const record = (overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
        scope: 'token-1',
        key: 'k-1',
        requestHash: 'hash-1',
        operationId: 'op-1',
        createdAt: T1,
        ...overrides,
      });

      it('stores a key once and returns the stored record afterwards', async () => {
        const { store } = db();
        assert.equal(await store.idempotency.get('token-1', 'k-1'), undefined);
        const first = record();
        assert.deepEqual(await store.idempotency.putIfAbsent(first), first);
        assert.deepEqual(await store.idempotency.putIfAbsent(record({ requestHash: 'hash-2', operationId: 'op-2' })), first);
        assert.deepEqual(await store.idempotency.get('token-1', 'k-1'), first);
        const otherScope = record({ scope: 'token-2', operationId: 'op-3' });
        assert.deepEqual(await store.idempotency.putIfAbsent(otherScope), otherScope);
      });

      it('lets exactly one of many concurrent callers win a key', async () => {
        const { store } = db();
        const contenders = Array.from({ length: 20 }, (_, n) => record({ key: 'race', operationId: `op-race-${n}` }));
        const results = await Promise.all(contenders.map((r) => store.idempotency.putIfAbsent(r)));
        const winners = new Set(results.map((r) => r.operationId));
        assert.equal(winners.size, 1);
        assert.ok(contenders.some((c) => winners.has(c.operationId)));
        assert.deepEqual(await store.idempotency.get('token-1', 'race'), results[0]);
      });

      it('expires keys older than a time', async () => {
        const { store } = db();
        await store.idempotency.putIfAbsent(record({ scope: 'exp', key: 'old', createdAt: T0 }));
        await store.idempotency.putIfAbsent(record({ scope: 'exp', key: 'new', createdAt: T3 }));
        const removed = await store.idempotency.expire(T2);
        assert.ok(removed >= 1);
        assert.equal(await store.idempotency.get('exp', 'old'), undefined);
        assert.ok(await store.idempotency.get('exp', 'new'));
        assert.equal(await store.idempotency.expire(T2), 0);
      });
    });

    describe('providers: tenants and credentials', () => {
      const db = useStore(dialect);

      it('lists the providers of one tenant, and moves a provider to another', async () => {
        const { store } = db();
        const a1 = provider({ tenantId: 'tnt-pa', name: 'pa-2' });
        const a2 = provider({ tenantId: 'tnt-pa', name: 'pa-1' });
        const b1 = provider({ tenantId: 'tnt-pb', name: 'pb-1' });
        for (const p of [a1, a2, b1]) await store.providers.insert(p);
        assert.deepEqual(await store.providers.list('tnt-pa'), [a2, a1]);
        assert.deepEqual(await store.providers.list('tnt-pb'), [b1]);
        assert.deepEqual(await store.providers.list('tnt-none'), []);
        assert.deepEqual(await store.providers.list(), [a2, a1, b1]);
        await store.providers.update(a1.id, { tenantId: 'tnt-pb' });
        assert.deepEqual(
          (await store.providers.list('tnt-pb')).map((p) => p.id),
          [a1.id, b1.id],
        );
        assert.equal((await store.providers.get(a1.id))?.tenantId, 'tnt-pb');
        await rejectsWith(() => store.providers.insert(provider({ tenantId: 'tnt-pc', name: 'pa-1' })), 'AlreadyExists', /'pa-1'/);
      });

      it('re-seals every provider credential in one transaction and counts them', async () => {
        const { store } = db();
        const before = await store.providers.list();
        const withCredentials = before.filter((p) => p.sealedCredentials !== null).length;
        const x = provider({ name: 'reseal-x', sealedCredentials: 'k1:x' });
        const y = provider({ name: 'reseal-y', sealedCredentials: 'k1:y' });
        const none = provider({ name: 'reseal-none', sealedCredentials: null });
        for (const p of [x, y, none]) await store.providers.insert(p);

        // A failing reseal (the vault refusing one value) leaves every provider as it was.
        const failing = (sealed: string) => {
          if (sealed === 'k1:y') throw new SkyportError('Internal', 'cannot unseal y');
          return sealed.replace(/^k1:/, 'k2:');
        };
        await rejectsWith(() => store.resealProviderCredentials(failing), 'Internal', /cannot unseal y/);
        assert.equal((await store.providers.get(x.id))?.sealedCredentials, 'k1:x');

        const seen: string[] = [];
        const count = await store.resealProviderCredentials((sealed) => {
          seen.push(sealed);
          return sealed.replace(/^k1:/, 'k2:');
        });
        assert.equal(count, withCredentials + 2);
        assert.equal(seen.length, count, 'providers without credentials are not passed to reseal');
        assert.equal((await store.providers.get(x.id))?.sealedCredentials, 'k2:x');
        assert.equal((await store.providers.get(y.id))?.sealedCredentials, 'k2:y');
        assert.equal((await store.providers.get(none.id))?.sealedCredentials, null);
        assert.deepEqual(await store.providers.get(x.id), { ...x, sealedCredentials: 'k2:x' }, 'nothing else changes');
      });
    });

    describe('tenants', () => {
      const db = useStore(dialect);

      it('inserts, reads by id and name, lists by name and updates', async () => {
        const { store } = db();
        const beta = tenant({ name: 'beta', quotas: { instances: 10, vcpus: 40, memoryMiB: 65536, volumeGiB: 500 } });
        const alpha = tenant({ name: 'alpha' });
        await store.tenants.insert(beta);
        await store.tenants.insert(alpha);
        assert.deepEqual(await store.tenants.get(beta.id), beta);
        assert.deepEqual(await store.tenants.getByName('alpha'), alpha);
        assert.equal(await store.tenants.get('tnt-missing'), undefined);
        assert.equal(await store.tenants.getByName('missing'), undefined);
        assert.deepEqual(await store.tenants.list(), [alpha, beta]);

        await store.tenants.update(beta.id, { quotas: { instances: 5 } });
        assert.deepEqual(await store.tenants.get(beta.id), { ...beta, quotas: { instances: 5 } }, 'quotas are replaced as a whole');
        await store.tenants.update(beta.id, { name: 'gamma' });
        assert.equal(await store.tenants.getByName('beta'), undefined);
        assert.deepEqual(await store.tenants.getByName('gamma'), { ...beta, name: 'gamma', quotas: { instances: 5 } });
        await store.tenants.update(beta.id, {});
        await rejectsWith(() => store.tenants.update('tnt-nope', { quotas: {} }), 'NotFound', /tnt-nope/);
        await rejectsWith(() => store.tenants.update('tnt-nope', {}), 'NotFound', /tnt-nope/);
      });

      it('refuses a second tenant with the same name, naming it', async () => {
        const { store } = db();
        const first = tenant({ name: 'acme' });
        await store.tenants.insert(first);
        const error = await rejectsWith(() => store.tenants.insert(tenant({ name: 'acme' })), 'AlreadyExists', /'acme'/);
        assert.equal(error.details?.['existingId'], first.id);
        const other = tenant({ name: 'other-co' });
        await store.tenants.insert(other);
        await rejectsWith(() => store.tenants.update(other.id, { name: 'acme' }), 'AlreadyExists', /'acme'/);
        await rejectsWith(() => store.tenants.insert(tenant({ id: other.id, name: 'fresh' })), 'AlreadyExists', new RegExp(other.id));
        assert.equal((await store.tenants.get(other.id))?.name, 'other-co');
      });
    });

    describe('users', () => {
      const db = useStore(dialect);

      it('inserts, reads by id and name, and updates every field the port allows', async () => {
        const { store } = db();
        const carol = user({ name: 'carol', passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', memberships: [{ tenantId: 'tnt-u1', role: 'operator' }] });
        await store.users.insert(carol);
        assert.deepEqual(await store.users.get(carol.id), carol);
        assert.deepEqual(await store.users.getByName('carol'), carol);
        assert.equal(await store.users.get('usr-missing'), undefined);
        assert.equal(await store.users.getByName('nobody'), undefined);

        const patch = { passwordHash: null, systemAdmin: true, memberships: [{ tenantId: 'tnt-u1', role: 'admin' as const }, { tenantId: 'tnt-u2', role: 'viewer' as const }] };
        await store.users.update(carol.id, patch);
        assert.deepEqual(await store.users.get(carol.id), { ...carol, ...patch });
        await store.users.update(carol.id, { deletedAt: T2 });
        assert.equal((await store.users.getByName('carol'))?.deletedAt, T2, 'deleted users can still be read');
        await store.users.update(carol.id, {});
        await rejectsWith(() => store.users.update('usr-nope', { systemAdmin: false }), 'NotFound', /usr-nope/);
        await rejectsWith(() => store.users.update('usr-nope', {}), 'NotFound', /usr-nope/);
      });

      it('refuses a second user with the same name, naming it, also after a deletion', async () => {
        const { store } = db();
        const dave = user({ name: 'dave' });
        await store.users.insert(dave);
        await rejectsWith(() => store.users.insert(user({ name: 'dave' })), 'AlreadyExists', /'dave'/);
        await store.users.update(dave.id, { deletedAt: T1 });
        await rejectsWith(() => store.users.insert(user({ name: 'dave' })), 'AlreadyExists', /'dave'.*deleted/);
        await rejectsWith(() => store.users.insert(user({ id: dave.id, name: 'dave-2' })), 'AlreadyExists', new RegExp(dave.id));
      });

      it('lists users not deleted, by name, optionally the members of one tenant', async () => {
        const { store } = db();
        const zed = user({ name: 'l-zed', memberships: [{ tenantId: 'tnt-la', role: 'viewer' }] });
        const amy = user({ name: 'l-amy', memberships: [{ tenantId: 'tnt-lb', role: 'admin' }, { tenantId: 'tnt-la', role: 'operator' }] });
        const bob = user({ name: 'l-bob', memberships: [{ tenantId: 'tnt-lab', role: 'admin' }] });
        const root = user({ name: 'l-root', systemAdmin: true });
        const gone = user({ name: 'l-gone', memberships: [{ tenantId: 'tnt-la', role: 'admin' }], deletedAt: T1 });
        for (const u of [zed, amy, bob, root, gone]) await store.users.insert(u);
        const mine = (list: UserRecord[]) => list.filter((u) => u.name.startsWith('l-'));
        assert.deepEqual(mine(await store.users.list()), [amy, bob, root, zed]);
        assert.deepEqual(await store.users.list('tnt-la'), [amy, zed], "members only: not a tenant whose id starts the same, not system admins, not deleted users");
        assert.deepEqual(await store.users.list('tnt-lab'), [bob]);
        assert.deepEqual(await store.users.list('tnt-none'), []);
        await store.users.update(zed.id, { memberships: [] });
        assert.deepEqual(await store.users.list('tnt-la'), [amy]);
      });
    });

    describe('API tokens', () => {
      const db = useStore(dialect);

      it('inserts, reads by id and hash, lists newest first, touches', async () => {
        const { store } = db();
        const admin = token({ id: 'tok-1', name: 'ci', tokenHash: 'a'.repeat(64), role: 'admin', createdAt: T0 });
        const viewer = token({ id: 'tok-2', name: 'dash', tokenHash: 'b'.repeat(64), role: 'viewer', kind: 'session', createdAt: T1, expiresAt: T3 });
        await store.tokens.insert(admin);
        await store.tokens.insert(viewer);
        assert.deepEqual(await store.tokens.get('tok-1'), admin);
        assert.equal(await store.tokens.get('tok-missing'), undefined);
        assert.deepEqual(await store.tokens.findByHash('b'.repeat(64)), viewer);
        assert.equal(await store.tokens.findByHash('c'.repeat(64)), undefined);
        assert.deepEqual(await store.tokens.list(), [viewer, admin]);
        await store.tokens.touch('tok-2', T2);
        assert.equal((await store.tokens.findByHash('b'.repeat(64)))?.lastUsedAt, T2);
        await store.tokens.touch('tok-missing', T2);
        await rejectsWith(() => store.tokens.insert({ ...admin, id: 'tok-3', tokenHash: 'b'.repeat(64) }), 'AlreadyExists');
        await rejectsWith(() => store.tokens.insert({ ...admin, tokenHash: 'd'.repeat(64) }), 'AlreadyExists', /tok-1/);
      });

      it('filters by user and by tenant', async () => {
        const { store } = db();
        const t = (id: string, userId: string, tenantId: string, createdAt: string) => token({ id, userId, tenantId, createdAt });
        const tokens = [
          t('tok-f1', 'usr-f1', 'tnt-f1', T0),
          t('tok-f2', 'usr-f1', 'tnt-f2', T1),
          t('tok-f3', 'usr-f2', 'tnt-f1', T2),
          t('tok-f4', 'usr-f2', 'tnt-f1', T2),
        ];
        for (const tok of tokens) await store.tokens.insert(tok);
        const ids = async (filter: { userId?: string; tenantId?: string }) => (await store.tokens.list(filter)).map((tok) => tok.id);
        assert.deepEqual(await ids({ userId: 'usr-f1' }), ['tok-f2', 'tok-f1']);
        assert.deepEqual(await ids({ tenantId: 'tnt-f1' }), ['tok-f4', 'tok-f3', 'tok-f1'], 'newest first, ties by id descending');
        assert.deepEqual(await ids({ userId: 'usr-f1', tenantId: 'tnt-f1' }), ['tok-f1']);
        assert.deepEqual(await ids({ userId: 'usr-none' }), []);
        assert.deepEqual(await ids({}), (await store.tokens.list()).map((tok) => tok.id));
      });

      it('revokes one token, keeping the first revocation time, and all of a user', async () => {
        const { store } = db();
        const one = token({ userId: 'usr-r1' });
        const two = token({ userId: 'usr-r1', createdAt: T1 });
        const three = token({ userId: 'usr-r1', createdAt: T2 });
        const others = token({ userId: 'usr-r2' });
        for (const tok of [one, two, three, others]) await store.tokens.insert(tok);

        await store.tokens.revoke(one.id, T1);
        await store.tokens.revoke(one.id, T3);
        assert.equal((await store.tokens.get(one.id))?.revokedAt, T1, 'a second revoke keeps the first time');
        assert.equal((await store.tokens.findByHash(one.tokenHash))?.revokedAt, T1, 'revoked tokens are still found, as revoked');
        await rejectsWith(() => store.tokens.revoke('tok-nope', T1), 'NotFound', /tok-nope/);

        await store.tokens.revokeByUser('usr-r1', T2);
        assert.deepEqual(
          (await store.tokens.list({ userId: 'usr-r1' })).map((tok) => [tok.id, tok.revokedAt]),
          [
            [three.id, T2],
            [two.id, T2],
            [one.id, T1],
          ],
          'revoked tokens stay listed; the earlier revocation is kept',
        );
        assert.equal((await store.tokens.get(others.id))?.revokedAt, null, "another user's tokens are untouched");
        await store.tokens.revokeByUser('usr-without-tokens', T2);
      });
    });

    describe('access keys', () => {
      const db = useStore(dialect);

      it('inserts, reads, lists newest first with filters, touches and revokes', async () => {
        const { store } = db();
        const k1 = accessKey({ id: 'AKSPK1', userId: 'usr-k1', tenantId: 'tnt-k1', createdAt: T0 });
        const k2 = accessKey({ id: 'AKSPK2', userId: 'usr-k1', tenantId: 'tnt-k2', createdAt: T1 });
        const k3 = accessKey({ id: 'AKSPK3', userId: 'usr-k2', tenantId: 'tnt-k1', createdAt: T2 });
        for (const k of [k1, k2, k3]) await store.accessKeys.insert(k);
        assert.deepEqual(await store.accessKeys.get('AKSPK2'), k2);
        assert.equal(await store.accessKeys.get('AKSPNONE'), undefined);
        assert.deepEqual(await store.accessKeys.list(), [k3, k2, k1]);
        assert.deepEqual(await store.accessKeys.list({ userId: 'usr-k1' }), [k2, k1]);
        assert.deepEqual(await store.accessKeys.list({ tenantId: 'tnt-k1' }), [k3, k1]);
        assert.deepEqual(await store.accessKeys.list({ userId: 'usr-k1', tenantId: 'tnt-k2' }), [k2]);
        assert.deepEqual(await store.accessKeys.list({ tenantId: 'tnt-none' }), []);

        await store.accessKeys.touch('AKSPK1', T2);
        await store.accessKeys.revoke('AKSPK1', T3);
        await store.accessKeys.revoke('AKSPK1', '2026-01-01T00:00:00.000Z');
        assert.deepEqual(await store.accessKeys.get('AKSPK1'), { ...k1, lastUsedAt: T2, revokedAt: T3 });
        await rejectsWith(() => store.accessKeys.revoke('AKSPNONE', T3), 'NotFound', /AKSPNONE/);
        await rejectsWith(() => store.accessKeys.insert({ ...k2, sealedSecret: 'other' }), 'AlreadyExists', /AKSPK2/);
      });

      it('re-seals every secret, revoked keys included, in one transaction and counts them', async () => {
        const { store } = db();
        const existing = (await store.accessKeys.list()).length;
        const live = accessKey({ sealedSecret: 'k1:live' });
        const revoked = accessKey({ sealedSecret: 'k1:revoked', revokedAt: T1 });
        await store.accessKeys.insert(live);
        await store.accessKeys.insert(revoked);
        await rejectsWith(
          () =>
            store.accessKeys.reseal((sealed) => {
              if (sealed === 'k1:revoked') throw new SkyportError('Internal', 'cannot unseal');
              return `k2:${sealed}`;
            }),
          'Internal',
        );
        assert.equal((await store.accessKeys.get(live.id))?.sealedSecret, 'k1:live', 'a failed reseal changes nothing');
        assert.equal(await store.accessKeys.reseal((sealed) => `k2:${sealed}`), existing + 2);
        assert.deepEqual(await store.accessKeys.get(live.id), { ...live, sealedSecret: 'k2:k1:live' });
        assert.equal((await store.accessKeys.get(revoked.id))?.sealedSecret, 'k2:k1:revoked');
      });
    });

    describe('audit log: appending', () => {
      it('gives 30 parallel appenders seq 1..30, each linked to the entry before', async () => {
        const test = await createTestStore(dialect);
        // On PostgreSQL a second store on the same database: its own pool, as another broker
        // would have. Not on SQLite: better-sqlite3 waits for a lock synchronously, so a second
        // connection in this process would block the event loop the first one needs to commit
        // (another process is the next test).
        const second = dialect === 'postgres' ? await createStore({ url: test.url }) : test.store;
        try {
          const results = await Promise.all(
            Array.from({ length: 30 }, (_, n) => (n % 2 === 0 ? test.store : second).audit.append((last) => auditEntry(last, { action: `act-${n}` }))),
          );
          assert.deepEqual(
            results.map((r) => r.seq).sort((a, b) => a - b),
            Array.from({ length: 30 }, (_, i) => i + 1),
          );
          assertChain(await test.store.audit.scan(0, 100), 30);
        } finally {
          if (second !== test.store) await second.close();
          await test.cleanup();
        }
      });

      it('keeps the chain when another process appends at the same time', async () => {
        const test = await createTestStore(dialect);
        try {
          // Enough entries on each side that the two bursts overlap despite the child's start-up.
          const child = await startAuditChild(test.url, 60);
          const done = child.go();
          const mine = await Promise.all(Array.from({ length: 60 }, () => test.store.audit.append((last) => auditEntry(last))));
          await done;
          assert.equal(mine.length, 60);
          const all = await test.store.audit.scan(0, 1000);
          assertChain(all, 120);
          assert.equal(all.filter((e) => e.actorName === 'child').length, 60);
        } finally {
          await test.cleanup();
        }
      });

      it('refuses an entry that does not continue the chain, writing nothing', async () => {
        const test = await createTestStore(dialect);
        try {
          await rejectsWith(() => test.store.audit.append((last) => auditEntry(last, { seq: 2 })), 'InvalidArgument', /seq 1/);
          const first = await test.store.audit.append((last) => {
            assert.equal(last, undefined, 'an empty log has no last entry');
            return auditEntry(last);
          });
          assert.equal(first.prevHash, '');
          await rejectsWith(() => test.store.audit.append((last) => ({ ...auditEntry(last), prevHash: 'forged' })), 'InvalidArgument', /prevHash/);
          await rejectsWith(() => test.store.audit.append((last) => auditEntry(last, { seq: 1 })), 'InvalidArgument', /seq 2/);
          await rejectsWith(
            () =>
              test.store.audit.append(() => {
                throw new SkyportError('Internal', 'cannot hash');
              }),
            'Internal',
            /cannot hash/,
          );
          const second = await test.store.audit.append((last) => {
            assert.deepEqual(last, { seq: 1, hash: first.hash });
            return auditEntry(last, { details: { size: 'large', tags: ['a'] }, result: 'failure', errorCode: 'QuotaExceeded', tenantId: null });
          });
          assert.deepEqual(await test.store.audit.scan(0, 10), [first, second], 'entries read back exactly as built');
        } finally {
          await test.cleanup();
        }
      });
    });

    describe('audit log: reading and immutability', () => {
      const db = useStore(dialect);
      const entries: AuditRecord[] = [];
      const tenantOf = (n: number) => (n % 5 === 0 ? null : n % 2 === 0 ? 'tnt-even' : 'tnt-odd');

      before(async () => {
        const { store } = db();
        for (let n = 1; n <= 25; n++) entries.push(await store.audit.append((last) => auditEntry(last, { tenantId: tenantOf(n), action: `act-${n}` })));
      });

      const walk = async (tenantId: string | undefined, limit: number) => {
        const seen: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await db().store.audit.list({ limit, ...(tenantId === undefined ? {} : { tenantId }), ...(cursor === undefined ? {} : { cursor }) });
          assert.ok(page.items.length <= limit);
          if (page.nextCursor !== undefined) assert.equal(page.items.length, limit, 'only the last page may be short');
          seen.push(...page.items.map((e) => e.seq));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        return seen;
      };

      it('lists newest first across cursor pages, optionally for one tenant', async () => {
        const newestFirst = [...entries].reverse();
        assert.deepEqual(await walk(undefined, 4), newestFirst.map((e) => e.seq));
        assert.deepEqual(await walk(undefined, 25), newestFirst.map((e) => e.seq));
        assert.deepEqual(await walk('tnt-even', 3), newestFirst.filter((e) => e.tenantId === 'tnt-even').map((e) => e.seq));
        assert.deepEqual(await walk('tnt-odd', 100), newestFirst.filter((e) => e.tenantId === 'tnt-odd').map((e) => e.seq));
        assert.deepEqual(await walk('tnt-none', 10), []);
        assert.deepEqual((await db().store.audit.list({ limit: 2 })).items, [entries[24], entries[23]], 'whole records');
      });

      it('refuses malformed cursors and out-of-range limits', async () => {
        const { store } = db();
        for (const cursor of ['nope!', Buffer.from('audit:abc').toString('base64url'), Buffer.from('audit:0').toString('base64url'), Buffer.from('res:5').toString('base64url')]) {
          await rejectsWith(() => store.audit.list({ limit: 5, cursor }), 'InvalidArgument', /cursor/);
        }
        await rejectsWith(() => store.audit.list({ limit: 0 }), 'InvalidArgument', /limit/);
        await rejectsWith(() => store.audit.scan(0, 1001), 'InvalidArgument', /limit/);
        await rejectsWith(() => store.audit.scan(-1, 10), 'InvalidArgument', /afterSeq/);
        await rejectsWith(() => store.audit.scan(1.5, 10), 'InvalidArgument', /afterSeq/);
      });

      it('scans oldest first after a seq', async () => {
        const { store } = db();
        assert.deepEqual(await store.audit.scan(0, 1000), entries);
        assert.deepEqual(await store.audit.scan(10, 5), entries.slice(10, 15));
        assert.deepEqual(await store.audit.scan(24, 5), entries.slice(24));
        assert.deepEqual(await store.audit.scan(25, 5), []);
        assertChain(await store.audit.scan(0, 1000), 25);
      });

      it('refuses UPDATE and DELETE in the database itself, as Forbidden naming the table', async () => {
        const raw = await openSecondConnection(db().url);
        try {
          const attempts = [
            sql`update audit_log set action = 'tampered' where seq = 3`,
            sql`update audit_log set hash = 'x'`,
            sql`delete from audit_log where seq = 25`,
            sql`delete from audit_log`,
            ...(dialect === 'postgres' ? [sql`truncate audit_log`] : []),
          ];
          for (const attempt of attempts) {
            let caught: unknown;
            await attempt.execute(raw).catch((error: unknown) => (caught = error));
            assert.ok(caught !== undefined, `${attempt.compile(raw).sql} was refused`);
            assert.equal(appendOnlyTable(caught), 'audit_log', String(caught));
            const mapped = toStoreError(caught, { dialect, display: 'test' });
            assert.equal(mapped.code, 'Forbidden');
            assert.match(mapped.message, /audit_log/);
            assert.equal(mapped.details?.['table'], 'audit_log');
          }
          assert.deepEqual(await db().store.audit.scan(0, 1000), entries, 'nothing changed');
        } finally {
          await raw.destroy();
        }
      });
    });

    describe('migration 0002_tenancy', () => {
      /** A database at 0001_initial, as a broker before tenancy left it. */
      async function at0001(): Promise<{ test: TestStore; raw: Kysely<any> }> {
        const test = await createTestStore(dialect, { migrate: false });
        const raw = (await openSecondConnection(test.url)) as Kysely<any>;
        const { error } = await createMigrator(raw, dialect).migrateTo('0001_initial');
        if (error !== undefined) throw error;
        return { test, raw };
      }

      it('moves existing providers and tokens into the default tenant, owned by an admin user', async () => {
        const { test, raw } = await at0001();
        try {
          const legacyProvider = {
            id: 'prv-legacy',
            name: 'legacy',
            driver: 'sim',
            endpoint: null,
            region: null,
            settings: '{}',
            sealed_credentials: 'sealed:old',
            status: 'available',
            status_reason: null,
            created_at: T0,
            last_sync_at: null,
            last_sync_error: null,
          };
          await raw.insertInto('providers').values(legacyProvider).execute();
          const tokenRow = (id: string, role: string, hash: string) => ({ id, name: id, token_hash: hash, role, created_at: T1, expires_at: null, last_used_at: null });
          await raw.insertInto('api_tokens').values([tokenRow('tok-admin', 'admin', 'a'.repeat(64)), tokenRow('tok-viewer', 'viewer', 'v'.repeat(64))]).execute();

          await test.store.migrate();
          const { store } = test;

          const defaultTenant = await store.tenants.get(DEFAULT_TENANT_ID);
          assert.equal(defaultTenant?.name, 'default');
          assert.deepEqual(defaultTenant?.quotas, {});
          assert.deepEqual(await store.tenants.getByName('default'), defaultTenant);
          assert.equal((await store.providers.get('prv-legacy'))?.tenantId, DEFAULT_TENANT_ID);
          assert.equal((await store.providers.get('prv-legacy'))?.sealedCredentials, 'sealed:old');
          assert.deepEqual((await store.providers.list(DEFAULT_TENANT_ID)).map((p) => p.id), ['prv-legacy']);

          const admin = await store.users.get(UPGRADE_ADMIN_USER_ID);
          assert.deepEqual(admin && { ...admin, createdAt: 'x' }, {
            id: UPGRADE_ADMIN_USER_ID,
            name: 'admin',
            passwordHash: null,
            systemAdmin: true,
            memberships: [{ tenantId: DEFAULT_TENANT_ID, role: 'admin' }],
            createdAt: 'x',
            deletedAt: null,
          });
          assert.deepEqual((await store.users.list(DEFAULT_TENANT_ID)).map((u) => u.id), [UPGRADE_ADMIN_USER_ID]);

          const oldAdminToken = await store.tokens.findByHash('a'.repeat(64));
          assert.deepEqual(oldAdminToken, {
            id: 'tok-admin',
            name: 'tok-admin',
            tokenHash: 'a'.repeat(64),
            userId: UPGRADE_ADMIN_USER_ID,
            tenantId: DEFAULT_TENANT_ID,
            role: 'admin',
            kind: 'api',
            createdAt: T1,
            expiresAt: null,
            lastUsedAt: null,
            revokedAt: null,
          });
          assert.equal((await store.tokens.get('tok-viewer'))?.role, 'viewer', 'tokens keep their role');
          assert.deepEqual((await store.tokens.list({ userId: UPGRADE_ADMIN_USER_ID })).map((t) => t.id).sort(), ['tok-admin', 'tok-viewer']);

          // Running the migration's steps again (a crash before Kysely recorded it) changes nothing.
          await tenancyMigration(raw, dialect);
          await test.store.migrate();
          assert.deepEqual(await store.users.get(UPGRADE_ADMIN_USER_ID), admin);
          assert.equal((await store.tenants.list()).length, 1);

          // The upgraded schema works as a fresh one: new rows, new tables, the audit triggers.
          await store.providers.insert(provider({ name: 'after-upgrade', tenantId: DEFAULT_TENANT_ID }));
          await store.tokens.insert(token({ userId: UPGRADE_ADMIN_USER_ID, tenantId: DEFAULT_TENANT_ID }));
          await store.audit.append((last) => auditEntry(last));
          await assert.rejects(sql`delete from audit_log`.execute(raw), (error: unknown) => appendOnlyTable(error) === 'audit_log');
        } finally {
          await raw.destroy();
          await test.cleanup();
        }
      });

      it('creates no default tenant or admin user for a database without providers or tokens', async () => {
        const { test, raw } = await at0001();
        try {
          await test.store.migrate();
          assert.deepEqual(await test.store.tenants.list(), []);
          assert.deepEqual(await test.store.users.list(), []);
        } finally {
          await raw.destroy();
          await test.cleanup();
        }
      });

      it('creates the default tenant but no user for a database with providers only', async () => {
        const { test, raw } = await at0001();
        try {
          await raw
            .insertInto('providers')
            .values({ id: 'prv-only', name: 'only', driver: 'sim', endpoint: null, region: null, settings: '{}', sealed_credentials: null, status: 'unknown', status_reason: null, created_at: T0, last_sync_at: null, last_sync_error: null })
            .execute();
          await test.store.migrate();
          assert.deepEqual((await test.store.tenants.list()).map((t) => t.id), [DEFAULT_TENANT_ID]);
          assert.equal((await test.store.providers.get('prv-only'))?.tenantId, DEFAULT_TENANT_ID);
          assert.deepEqual(await test.store.users.list(), []);
        } finally {
          await raw.destroy();
          await test.cleanup();
        }
      });
    });

    describe('lifecycle', () => {
      it('treats a second migrate() as a no-op', async () => {
        const test = await createTestStore(dialect);
        try {
          await test.store.providers.insert(provider({ id: 'prv-keep', name: 'keep' }));
          await test.store.migrate();
          await test.store.migrate();
          assert.equal((await test.store.providers.get('prv-keep'))?.name, 'keep');
          assert.equal(test.store.dialect, dialect);
        } finally {
          await test.cleanup();
        }
      });

      it('keeps data across close and reopen', async () => {
        const test = await createTestStore(dialect);
        try {
          const r = resource('prv-durable', 1, { tags: { env: 'prod' } });
          await test.store.resources.sync('prv-durable', 'instance', [r], T0);
          await test.store.close();
          await test.store.close();
          const reopened = await createStore({ url: test.url });
          try {
            await reopened.migrate();
            assert.deepEqual(await reopened.resources.get(r.id), r);
            assert.deepEqual((await reopened.resources.list({ kind: 'instance', tags: { env: 'prod' }, limit: 5 })).items, [r]);
          } finally {
            await reopened.close();
          }
        } finally {
          await test.cleanup();
        }
      });
    });
  });
}

describe('createStore', () => {
  it('names an unreachable PostgreSQL server without its password', async () => {
    const error = await rejectsWith(() => createStore({ url: 'postgres://skyport:s3cret@127.0.0.1:1/inventory' }), 'Internal');
    assert.match(error.message, /127\.0\.0\.1:1\/inventory/);
    assert.match(error.message, /running|reachable/);
    assert.doesNotMatch(error.message, /s3cret/);
  });

  it('names a SQLite file that cannot be opened', async () => {
    const error = await rejectsWith(() => createStore({ url: 'sqlite:/nonexistent-dir/skyport/store.db' }), 'Internal');
    assert.match(error.message, /\/nonexistent-dir\/skyport\/store\.db/);
  });

  it('refuses URLs it does not know', async () => {
    await rejectsWith(() => createStore({ url: 'mysql://localhost/db' }), 'InvalidArgument', /mysql/);
    await rejectsWith(() => createStore({ url: '' }), 'InvalidArgument');
  });

  it('opens an in-memory SQLite store', async () => {
    for (const url of [':memory:', 'sqlite::memory:']) {
      const store = await createStore({ url });
      try {
        await store.migrate();
        assert.equal(store.dialect, 'sqlite');
        await store.providers.insert(provider({ name: 'mem' }));
        assert.equal((await store.providers.getByName('mem'))?.driver, 'sim');
      } finally {
        await store.close();
      }
    }
  });
});
