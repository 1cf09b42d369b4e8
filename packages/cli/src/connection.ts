/**
 * Where the broker is and how to authenticate: flags, then environment, then the session of
 * `skyport login` (for the same broker only), then the admin token a local broker wrote on
 * first start, so `npm start` followed by `npx skyport ...` needs no setup at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readSession, sameBroker, sessionPath } from './session-file.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface ConnectionFlags {
  readonly url?: string;
  readonly token?: string;
}

export interface Connection {
  readonly url: string;
  readonly token?: string;
  /** Where the token came from, for the hint shown when the broker refuses it. */
  readonly tokenSource: 'flag' | 'env' | 'session' | 'file' | 'none';
  /** The admin-token file looked at (whether or not it existed). */
  readonly tokenFile: string;
  /** The session file of `skyport login` looked at (whether or not it existed). */
  readonly sessionFile: string;
}

/** The data dir a broker started from `cwd` uses, as the server's config resolves it. */
export function dataDir(env: NodeJS.ProcessEnv, cwd: string): string {
  const raw = env['SKYPORT_DATA_DIR'] ?? '.skyport';
  return isAbsolute(raw) ? raw : resolve(cwd, raw);
}

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Connection {
  const url = flags.url ?? nonEmpty(env['SKYPORT_URL']) ?? DEFAULT_URL;
  const files = { tokenFile: join(dataDir(env, cwd), 'admin-token'), sessionFile: sessionPath(env) };
  if (flags.token !== undefined) return { url, token: flags.token, tokenSource: 'flag', ...files };
  const fromEnv = nonEmpty(env['SKYPORT_TOKEN']);
  if (fromEnv !== undefined) return { url, token: fromEnv, tokenSource: 'env', ...files };
  // Before the admin token: who logged in means to act as themselves, not as the admin whose
  // token happens to lie in the working directory. Used even when expired, so the broker's
  // "expired" is what the user reads, rather than a silent switch to the admin token. Another
  // broker's session is never sent: its token would be disclosed to that broker.
  const session = readSession(files.sessionFile);
  if (session !== undefined && sameBroker(session.url, url)) return { url, token: session.token, tokenSource: 'session', ...files };
  const fromFile = readTokenFile(files.tokenFile);
  if (fromFile !== undefined) return { url, token: fromFile, tokenSource: 'file', ...files };
  return { url, tokenSource: 'none', ...files };
}

function readTokenFile(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return nonEmpty(readFileSync(path, 'utf8').trim());
  } catch {
    // Unreadable (permissions): act as if absent; the 401 hint names the file.
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
