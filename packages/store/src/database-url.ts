import { SkyportError } from '@skyport/model';

export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly path: string; readonly display: string }
  | { readonly dialect: 'postgres'; readonly connectionString: string; readonly display: string };

/**
 * Reads a store URL: `postgres://` / `postgresql://` for PostgreSQL; `sqlite:PATH`,
 * `sqlite://PATH`, `:memory:` or a bare file path for SQLite. `display` is safe to log: it
 * never contains the password.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed === '') {
    throw new SkyportError('InvalidArgument', 'the store URL is empty; use postgres://USER@HOST/DB, sqlite:PATH, a file path or :memory:');
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch (cause) {
      throw new SkyportError('InvalidArgument', `the store URL is not a valid PostgreSQL URL; use postgres://USER:PASSWORD@HOST:PORT/DB`, { cause });
    }
    return { dialect: 'postgres', connectionString: trimmed, display: describePostgresUrl(parsed) };
  }
  if (/^sqlite:/i.test(trimmed)) {
    let path = trimmed.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new SkyportError('InvalidArgument', `the store URL '${trimmed}' names no file; use sqlite:PATH or sqlite::memory:`);
    return sqliteTarget(path);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const scheme = trimmed.slice(0, trimmed.indexOf(':'));
    throw new SkyportError('InvalidArgument', `the store URL scheme '${scheme}' is not supported; use postgres://, postgresql://, sqlite:PATH or a file path`);
  }
  return sqliteTarget(trimmed);
}

function sqliteTarget(path: string): DatabaseTarget {
  return { dialect: 'sqlite', path, display: path === ':memory:' ? 'SQLite in memory' : `SQLite file ${path}` };
}

/** `postgres://user@host:port/db`, password left out. */
export function describePostgresUrl(url: URL): string {
  const user = url.username === '' ? '' : `${decodeURIComponent(url.username)}@`;
  const host = url.hostname === '' ? 'localhost' : url.hostname;
  const port = url.port === '' ? '5432' : url.port;
  const database = url.pathname.replace(/^\//, '') || '(default database)';
  return `PostgreSQL at ${user}${host}:${port}/${decodeURIComponent(database)}`;
}
