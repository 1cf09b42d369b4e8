// Makes a PostgreSQL server available to the tests: the machine's own at 127.0.0.1:5432 when it
// accepts the test user without a password, otherwise a private cluster in .test-tmp started
// from Debian's postgresql package (installed when missing and running as root).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib.mjs';

const PRIVATE_PORT = 54329;

function canConnect(url) {
  // pg is a dependency of @skyport/store, so it is installed by now.
  const probe = `import pg from 'pg'; const c = new pg.Client({ connectionString: ${JSON.stringify(url)}, connectionTimeoutMillis: 3000 }); c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: join(root, 'packages/store') }).status === 0;
}

function sh(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: 'inherit', ...options });
  return r.status === 0;
}

function pgBinDir() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : undefined;
}

/** Returns a connection URL for an admin role that may create databases. */
export function ensurePostgres(installPackages) {
  const fromEnv = process.env.SKYPORT_TEST_POSTGRES_URL;
  if (fromEnv) {
    if (!canConnect(fromEnv)) throw new Error(`SKYPORT_TEST_POSTGRES_URL=${fromEnv} does not accept connections`);
    return fromEnv;
  }
  const machine = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (canConnect(machine)) return machine;
  const privateUrl = `postgres://postgres@127.0.0.1:${PRIVATE_PORT}/postgres`;
  if (canConnect(privateUrl)) return privateUrl;

  let bin = pgBinDir();
  if (!bin) {
    installPackages(['postgresql']);
    bin = pgBinDir();
  }
  if (!bin) throw new Error('PostgreSQL is not installed and could not be installed: run `apt-get install postgresql` as root, or set SKYPORT_TEST_POSTGRES_URL');
  // initdb refuses to run as root; the package creates the `postgres` system user.
  const dir = join(root, '.test-tmp', 'postgres');
  const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true });
    if (asPostgres.length) sh('chown', ['-R', 'postgres:postgres', join(root, '.test-tmp', 'postgres')]);
    chmodSync(dir, 0o700);
    const [cmd, ...rest] = [...asPostgres, join(bin, 'initdb'), '-D', dir, '-U', 'postgres', '--auth=trust', '--no-sync'];
    if (!sh(cmd, rest, { stdio: 'ignore' })) throw new Error(`initdb failed for ${dir}`);
  }
  const [cmd, ...rest] = [...asPostgres, join(bin, 'pg_ctl'), '-D', dir, '-l', join(dir, 'server.log'), '-o', `-p ${PRIVATE_PORT} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start'];
  if (!sh(cmd, rest, { stdio: 'ignore' })) throw new Error(`could not start a private PostgreSQL in ${dir}; see ${join(dir, 'server.log')}`);
  if (!canConnect(privateUrl)) throw new Error(`a private PostgreSQL was started in ${dir} but does not accept connections`);
  return privateUrl;
}
