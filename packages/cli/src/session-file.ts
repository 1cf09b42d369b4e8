/**
 * The session `skyport login` keeps: `$XDG_CONFIG_HOME/skyport/session` (default
 * `~/.config/skyport/session`), JSON, mode 0600 in a 0700 folder. It holds a bearer token,
 * so it is written the way a private key is: never readable by others, not even briefly.
 */
import { closeSync, fchmodSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

export interface StoredSession {
  /** The broker the token was issued by; it is sent to no other. */
  readonly url: string;
  readonly token: string;
  readonly expiresAt: string;
  readonly userName: string;
  readonly userId: string;
  readonly tenantId: string;
}

/** Where the session lives. A relative XDG_CONFIG_HOME is ignored, as the XDG spec says. */
export function sessionPath(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const config = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env['HOME'] || homedir(), '.config');
  return join(config, 'skyport', 'session');
}

/** The stored session, or undefined when there is none (or it is unreadable or not ours). */
export function readSession(path: string): StoredSession | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<StoredSession>;
    const fields = ['url', 'token', 'expiresAt', 'userName', 'userId', 'tenantId'] as const;
    return fields.every((f) => typeof value[f] === 'string' && value[f] !== '') ? (value as StoredSession) : undefined;
  } catch {
    // Not JSON: a file someone else wrote there; never send its content anywhere.
    return undefined;
  }
}

/**
 * Replaces the session atomically: a new 0600 file beside it, then a rename, so a crash
 * leaves the old session or the new one, and no moment exists where the token is readable
 * by others (an existing file's wider mode is not inherited).
 */
export function writeSession(path: string, session: StoredSession): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    // open's mode is masked by the umask; the token must be 0600 whatever the umask.
    fchmodSync(fd, 0o600);
    writeSync(fd, `${JSON.stringify(session, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

export function removeSession(path: string): void {
  rmSync(path, { force: true });
}

/** The same broker whether written with a trailing slash or `/api/v1` (as the client accepts it). */
export function sameBroker(a: string, b: string): boolean {
  const normalize = (url: string) => {
    const path = (p: string) => p.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    try {
      // URL lowercases the host and drops a default port: http://Host:80/ is http://host.
      const parsed = new URL(url);
      return `${parsed.protocol}//${parsed.host}${path(parsed.pathname)}`;
    } catch {
      return path(url);
    }
  };
  return normalize(a) === normalize(b);
}
