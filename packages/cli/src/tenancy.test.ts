/**
 * Tenancy as a user meets it through the CLI: a real broker in this process, the built
 * `skyport` launcher in child processes (stdin piped, for --password-stdin), each user with
 * their own config folder so their sessions stay apart as on separate machines.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig, startServer, type RunningServer } from '@skyport/server';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/skyport.js');

let server: RunningServer;
let home: string;
let dataDir: string;
let adminToken: string;

before(async () => {
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: root });
  home = mkdtempSync(join(tmpdir(), 'skyport-cli-tenancy-'));
  dataDir = join(home, 'data');
  server = await startServer(loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false', SKYPORT_LOG_LEVEL: 'silent' }));
  assert.ok(server.adminToken.token);
  adminToken = server.adminToken.token;
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

const PASSWORDS = { alice: 'alice-long-password-1', bob: 'bob long password 2 ' } as const;

/** The config folder of one user: where their `skyport login` session lives. */
const configOf = (user: string) => join(home, `config-${user}`);
const sessionFileOf = (user: string) => join(configOf(user), 'skyport', 'session');

/**
 * How a command authenticates: as the admin (its token), as a logged-in user (their session
 * only: no admin-token file to fall back on), or with a given token.
 */
function as(who: { admin: true } | { user: string } | { token: string }): Record<string, string> {
  const base = { SKYPORT_URL: server.url, SKYPORT_DATA_DIR: join(home, 'no-data-dir') };
  if ('admin' in who) return { ...base, SKYPORT_TOKEN: adminToken, XDG_CONFIG_HOME: configOf('admin') };
  if ('user' in who) return { ...base, XDG_CONFIG_HOME: configOf(who.user) };
  return { ...base, SKYPORT_TOKEN: who.token, XDG_CONFIG_HOME: configOf('nobody') };
}
const admin = () => as({ admin: true });

/** Runs `skyport ...` with `input` on stdin; asynchronous, as the broker lives in this event loop. */
function cli(args: readonly string[], env: Record<string, string>, input = ''): Promise<Result> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKYPORT_') && k !== 'XDG_CONFIG_HOME'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...clean, ...env }, cwd: home, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

function ok(result: Result): Result {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

function fails(result: Result, code: number, stderr: RegExp): Result {
  assert.equal(result.code, code, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, stderr);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace for an expected error');
  return result;
}

const login = (user: keyof typeof PASSWORDS) => cli(['login', user, '--password-stdin'], as({ user }), `${PASSWORDS[user]}\n`);

test('tenants: create with quotas, change one quota keeping the others, list and usage', async () => {
  const created = ok(await cli(['tenants', 'create', 'acme', '--quota', 'instances=3', '--quota', 'vcpus=4'], admin()));
  assert.match(created.stderr, /created tenant acme \(tnt-[0-9a-f]{17}\)/);
  assert.match(created.stdout, /^instances:\s+3$/m);
  assert.match(created.stdout, /^memoryMiB:\s+unlimited$/m);

  assert.equal(ok(await cli(['tenants', 'quotas', 'acme', '--quota', 'VCPUS=8'], admin())).stdout.trim(), 'quotas of acme: instances=3 vcpus=8');
  assert.equal(ok(await cli(['tenants', 'quotas', 'acme', '--quota', 'vcpus=unlimited'], admin())).stdout.trim(), 'quotas of acme: instances=3');

  // Independent reads and refusals run side by side: the suite stays quick.
  const [listed, usage, badKey, badValue] = await Promise.all([
    cli(['tenants', 'list'], admin()),
    cli(['tenants', 'usage', 'acme'], admin()),
    cli(['tenants', 'create', 'bad', '--quota', 'cpus=3'], admin()),
    cli(['tenants', 'create', 'bad', '--quota', 'instances=-1'], admin()),
  ]);
  assert.match(ok(listed).stdout, /^ID\s+NAME\s+QUOTAS\s+CREATED$/m);
  assert.match(listed.stdout, /^tnt-[0-9a-f]{17}\s+acme\s+instances=3\s+\d{4}-/m);
  assert.match(listed.stdout, /^tnt-0{17}\s+default\s+unlimited/m);
  assert.match(ok(usage).stdout, /^QUOTA\s+USED\s+LIMIT\s+FREE$/m);
  assert.match(usage.stdout, /^instances\s+0\s+3\s+3$/m);
  assert.match(usage.stdout, /^vcpus\s+0\s+unlimited$/m);
  fails(badKey, 2, /--quota.*key one of instances, vcpus, memoryMiB, volumeGiB/);
  fails(badValue, 2, /instances must be a whole number >= 0, or unlimited/);
});

test('users: create with a role per tenant and a password from stdin; a bad role is a usage error', async () => {
  const [alice, bob] = await Promise.all([
    cli(['users', 'create', 'alice', '--member', 'acme:admin', '--password-stdin'], admin(), `${PASSWORDS.alice}\n`),
    cli(['users', 'create', 'bob', '--member', 'acme:viewer', '--password-stdin'], admin(), `${PASSWORDS.bob}\n`),
  ]);
  assert.match(ok(alice).stdout, /^memberships:\s+acme:admin$/m);
  assert.match(ok(bob).stdout, /^memberships:\s+acme:viewer$/m);

  const [json, table, badRole, noRole, shortPassword] = await Promise.all([
    cli(['users', 'list', '--json'], admin()),
    cli(['users', 'list'], admin()),
    cli(['users', 'create', 'eve', '--member', 'acme:king'], admin()),
    cli(['users', 'create', 'eve'], admin()),
    cli(['users', 'create', 'eve', '--member', 'acme:viewer', '--password-stdin'], admin(), 'short\n'),
  ]);
  const users = JSON.parse(ok(json).stdout) as { name: string; memberships: { role: string }[] }[];
  assert.deepEqual(users.find((u) => u.name === 'bob')?.memberships.map((m) => m.role), ['viewer']);
  assert.match(ok(table).stdout, /^usr-[0-9a-f]{17}\s+alice\s+acme:admin\s+no\s/m);
  fails(badRole, 2, /"king" is not a role; roles: admin, operator, viewer/);
  fails(noRole, 2, /needs a role in a tenant: add --member/);
  fails(shortPassword, 1, /^skyport: the password is too short/m);
});

test('login with --password-stdin stores a 0600 session; whoami shows the tenant and role', async () => {
  const result = ok(await login('bob'));
  assert.match(result.stdout, /^logged in as bob: viewer in tenant acme; the session expires at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);
  assert.match(result.stderr, /session saved to .*config-bob[/\\]skyport[/\\]session \(mode 0600\)/);
  assert.equal(statSync(sessionFileOf('bob')).mode & 0o777, 0o600);
  assert.equal(statSync(join(configOf('bob'), 'skyport')).mode & 0o777, 0o700);

  const [me, wrongPassword, noTerminal] = await Promise.all([
    cli(['whoami'], as({ user: 'bob' })),
    cli(['login', 'bob', '--password-stdin'], as({ user: 'mallory' }), 'guess\n'),
    cli(['login', 'bob'], as({ user: 'mallory' })),
  ]);
  const whoami = ok(me).stdout;
  assert.match(whoami, /^user:\s+bob \(usr-[0-9a-f]{17}\)$/m);
  assert.match(whoami, /^tenant:\s+acme \(tnt-[0-9a-f]{17}\)$/m);
  assert.match(whoami, /^role:\s+viewer$/m);
  assert.match(whoami, /^signed in by:\s+password \(session\) tok-[0-9a-f]{17}$/m);
  assert.match(whoami, /^token from:\s+session of skyport login/m);

  fails(wrongPassword, 1, /^skyport: the user name or password is wrong/m);
  assert.ok(!existsSync(sessionFileOf('mallory')), 'a failed login stores nothing');
  fails(noTerminal, 2, /no terminal to ask for the password on; pipe it in with --password-stdin/);
});

test("a viewer's session cannot create an instance: exit 1, the message names the role", async () => {
  ok(await login('alice'));
  ok(await cli(['providers', 'add', 'acme-sim', '--driver', 'sim', '--setting', 'latencyMs=1'], as({ user: 'alice' })));
  ok(await cli(['providers', 'sync', 'acme-sim'], as({ user: 'alice' })));

  const refused = await cli(['instances', 'create', '--provider', 'acme-sim', '--image', 'debian-12', '--profile', 'small', '--name', 'nope'], as({ user: 'bob' }));
  fails(refused, 1, /^skyport: instances\.create needs the operator role; bob is viewer in this tenant/m);
  // Reading is what a viewer may do.
  assert.deepEqual(JSON.parse(ok(await cli(['instances', 'list', '--json'], as({ user: 'bob' }))).stdout), []);
});

test('tokens: create shows the token once, limited to your role; a revoked token gets 401', async () => {
  const created = ok(await cli(['tokens', 'create', 'ci', '--role', 'viewer', '--expires', '12h'], as({ user: 'alice' })));
  const token = created.stdout.trim();
  assert.match(token, /^\S{20,}$/, 'the token alone on stdout');
  assert.match(created.stderr, /created token ci \(tok-[0-9a-f]{17}\), role viewer, expires at /);
  assert.match(created.stderr, /only time the token is shown/);

  const [me, json, table] = await Promise.all([
    cli(['whoami'], as({ token })),
    cli(['tokens', 'list', '--json'], as({ user: 'alice' })),
    cli(['tokens', 'list'], as({ user: 'alice' })),
  ]);
  const whoami = ok(me).stdout;
  assert.match(whoami, /^role:\s+viewer$/m);
  assert.match(whoami, /^signed in by:\s+API token (tok-[0-9a-f]{17})$/m);
  assert.match(whoami, /^token from:\s+SKYPORT_TOKEN$/m);
  const id = /API token (tok-[0-9a-f]{17})/.exec(whoami)![1]!;

  const listed = JSON.parse(ok(json).stdout) as { id: string; name: string; role: string; expiresAt?: string }[];
  const ci = listed.find((t) => t.id === id);
  assert.equal(ci?.role, 'viewer');
  const hours = (Date.parse(ci?.expiresAt ?? '') - Date.now()) / 3_600_000;
  assert.ok(hours > 11.9 && hours <= 12, `expires in 12 h, not ${hours}`);
  assert.match(ok(table).stdout, new RegExp(`^${id}\\s+ci\\s+alice\\s+viewer\\s`, 'm'));

  assert.equal(ok(await cli(['tokens', 'revoke', id], as({ user: 'alice' }))).stdout.trim(), `revoked token ${id}`);
  const [revoked, aboveRole, noUnit] = await Promise.all([
    cli(['whoami'], as({ token })),
    cli(['tokens', 'create', 'up', '--role', 'admin'], as({ user: 'bob' })),
    cli(['tokens', 'create', 'x', '--expires', '30'], as({ user: 'bob' })),
  ]);
  fails(revoked, 1, /^skyport: the API token "ci" was revoked at .*; the token in SKYPORT_TOKEN was refused$/m);
  fails(aboveRole, 1, /^skyport: a token cannot have more than your own role \(viewer\)/m);
  fails(noUnit, 2, /--expires.*use a number and a unit/);
});

test('access-key create prints an id and a secret, once; list shows the id and never the secret', async () => {
  const [text, json] = await Promise.all([cli(['access-key', 'create'], as({ user: 'bob' })), cli(['access-key', 'create', '--json'], as({ user: 'bob' }))]);
  const created = ok(text);
  const id = /^access key id:\s+(AKSP[0-9A-F]{16})$/m.exec(created.stdout)?.[1];
  const secret = /^secret access key:\s+(\S{40})$/m.exec(created.stdout)?.[1];
  assert.ok(id && secret, created.stdout);
  assert.match(created.stderr, /only time the secret access key is shown/);

  const asJson = JSON.parse(ok(json).stdout) as { accessKeyId: string; secretAccessKey: string };
  assert.match(asJson.accessKeyId, /^AKSP/);
  assert.equal(asJson.secretAccessKey.length, 40);

  const listed = ok(await cli(['access-keys', 'list'], as({ user: 'bob' }))).stdout;
  assert.match(listed, new RegExp(`^${id}\\s+bob\\s`, 'm'));
  assert.ok(!listed.includes(secret) && !listed.includes(asJson.secretAccessKey), 'secrets are never listed');
  assert.equal(ok(await cli(['access-key', 'delete', asJson.accessKeyId], as({ user: 'bob' }))).stdout.trim(), `deleted access key ${asJson.accessKeyId}`);
});

test('audit list shows the actions just done, refusals included; a tenant admin sees only its tenant', async () => {
  const [json, table, mineJson, viewer] = await Promise.all([
    cli(['audit', 'list', '--limit', '1000', '--json'], admin()),
    cli(['audit', 'list', '--limit', '3'], admin()),
    cli(['audit', 'list', '--all', '--json'], as({ user: 'alice' })),
    cli(['audit', 'list'], as({ user: 'bob' })),
  ]);
  const entries = JSON.parse(ok(json).stdout) as {
    action: string;
    result: string;
    errorCode?: string;
    actor: { userName: string };
  }[];
  const seen = entries.map((e) => `${e.actor.userName} ${e.action} ${e.result}${e.errorCode === undefined ? '' : ` ${e.errorCode}`}`);
  for (const expected of [
    'admin tenants.create success',
    'admin tenants.setQuotas success',
    'admin users.create success',
    'bob session.login success',
    'alice providers.add success',
    'bob instances.create failure Forbidden',
    'alice tokens.create success',
    'alice tokens.revoke success',
    'bob tokens.create failure Forbidden',
    'bob accessKeys.create success',
    'bob accessKeys.delete success',
  ]) {
    assert.ok(seen.includes(expected), `${expected} is in the audit log:\n${seen.join('\n')}`);
  }

  assert.match(ok(table).stdout, /^SEQ\s+TIME\s+TENANT\s+ACTOR\s+ACTION\s+TARGET\s+RESULT\s+DOOR\s+ADDRESS$/m);
  assert.match(table.stdout, /^\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+acme\s+bob\s+accessKeys\.delete\s+AKSP/m);
  assert.match(table.stderr, /more results: add --cursor \S+/);

  const mine = JSON.parse(ok(mineJson).stdout) as { action: string }[];
  assert.ok(mine.some((e) => e.action === 'providers.add'));
  assert.ok(!mine.some((e) => e.action === 'tenants.create'), "the default tenant's entries are not acme's to see");
  fails(viewer, 1, /^skyport: reading the audit log needs the admin role; bob is viewer/m);
});

test('audit verify says ok; export writes every entry to a new 0600 file', async () => {
  const verified = ok(await cli(['audit', 'verify'], admin())).stdout.trim();
  const count = Number(/^ok: the audit log's hash chain is intact \((\d+) entries\)$/.exec(verified)?.[1]);
  assert.ok(count > 10, verified);

  const file = join(home, 'audit.ndjson');
  assert.match(ok(await cli(['audit', 'export', '--out', file], admin())).stdout, /^exported \d+ audit entries to /);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const records = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { seq: number; prevHash: string; hash: string });
  assert.ok(records.length >= count);
  records.forEach((r, i) => {
    assert.equal(r.seq, i + 1);
    assert.equal(r.prevHash, i === 0 ? '' : records[i - 1]!.hash, 'the export carries the chain');
  });
  const [again, notSystemAdmin] = await Promise.all([cli(['audit', 'export', '--out', file], admin()), cli(['audit', 'export'], as({ user: 'alice' }))]);
  fails(again, 1, /cannot create .*audit\.ndjson: the file exists \(it is not overwritten\)/);
  fails(notSystemAdmin, 1, /^skyport: exporting the whole audit log needs a system administrator/m);
});

test('logout revokes the session on the broker and removes it; without a session the hint says to log in', async () => {
  const { token } = JSON.parse(readFileSync(sessionFileOf('bob'), 'utf8')) as { token: string };
  assert.equal(ok(await cli(['logout'], as({ user: 'bob' }))).stdout.trim(), `logged out bob from ${server.url}`);
  assert.ok(!existsSync(sessionFileOf('bob')));
  const [revoked, noSession, again] = await Promise.all([cli(['whoami'], as({ token })), cli(['whoami'], as({ user: 'bob' })), cli(['logout'], as({ user: 'bob' }))]);
  fails(revoked, 1, /^skyport: the API token "session rest from .*" was revoked/m);
  fails(noSession, 1, /log in with `skyport login <user>`/);
  assert.match(ok(again).stderr, /not logged in: there is no session in /);
});

test('audit verify exits 1 naming the entry that was edited and why', async () => {
  // Someone with access to the database edits an entry (dropping the table's guard first).
  // better-sqlite3 comes with the store, through @skyport/server.
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dataDir, 'skyport.db'));
  try {
    const triggers = db.prepare("select name from sqlite_master where type = 'trigger' and tbl_name = 'audit_log'").all() as { name: string }[];
    for (const t of triggers) db.prepare(`drop trigger "${t.name}"`).run();
    db.prepare("update audit_log set action = 'nothing' where seq = 3").run();
  } finally {
    db.close();
  }
  const broken = fails(await cli(['audit', 'verify'], admin()), 1, /^skyport: the audit log's hash chain is broken at entry 3: entry 3 was altered after it was written \(2 entries before it are intact\)$/m);
  assert.equal(broken.stdout, '');
  const asJson = await cli(['audit', 'verify', '--json'], admin());
  assert.equal(asJson.code, 1);
  assert.deepEqual(JSON.parse(asJson.stdout), { ok: false, entries: 2, brokenAt: 3, reason: 'entry 3 was altered after it was written' });
});
