import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConnection } from './connection.js';
import { readSession, sameBroker, sessionPath, writeSession, type StoredSession } from './session-file.js';

const session: StoredSession = { url: 'http://127.0.0.1:8080', token: 'skp_session', expiresAt: '2030-01-01T00:00:00.000Z', userName: 'bob', userId: 'usr-1', tenantId: 'tnt-1' };

function inTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'skyport-session-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the session lives under XDG_CONFIG_HOME when it is absolute, else ~/.config', () => {
  assert.equal(sessionPath({ XDG_CONFIG_HOME: '/x/config', HOME: '/home/bob' }), join('/x/config', 'skyport', 'session'));
  assert.equal(sessionPath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/bob' }), join('/home/bob', '.config', 'skyport', 'session'));
  assert.equal(sessionPath({ HOME: '/home/bob' }), join('/home/bob', '.config', 'skyport', 'session'));
});

test('a session is written 0600 in a 0700 folder, replacing an older file whatever its mode', () => {
  inTempDir((dir) => {
    const path = sessionPath({ XDG_CONFIG_HOME: dir });
    writeSession(path, session);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'skyport')).mode & 0o777, 0o700);
    assert.deepEqual(readSession(path), session);

    chmodSync(path, 0o644);
    writeSession(path, { ...session, token: 'skp_newer' });
    assert.equal(statSync(path).mode & 0o777, 0o600, 'the wider mode of the old file is not kept');
    assert.equal(readSession(path)?.token, 'skp_newer');

    writeFileSync(path, 'not json');
    assert.equal(readSession(path), undefined);
    writeFileSync(path, JSON.stringify({ url: session.url, token: 'skp_x' }));
    assert.equal(readSession(path), undefined, 'a file missing fields is not a session');
  });
});

test('the token comes from the flag, SKYPORT_TOKEN, the session of the same broker, then the admin-token file', () => {
  inTempDir((dir) => {
    writeFileSync(join(dir, 'admin-token'), 'from-file\n');
    writeSession(sessionPath({ XDG_CONFIG_HOME: dir }), session);
    const env = { SKYPORT_DATA_DIR: dir, XDG_CONFIG_HOME: dir, SKYPORT_URL: 'http://127.0.0.1:8080/' };
    assert.equal(resolveConnection({ token: 'flag' }, { ...env, SKYPORT_TOKEN: 'env' }).tokenSource, 'flag');
    assert.equal(resolveConnection({}, { ...env, SKYPORT_TOKEN: 'env' }).tokenSource, 'env');
    const fromSession = resolveConnection({}, env);
    assert.deepEqual([fromSession.token, fromSession.tokenSource, fromSession.sessionFile], ['skp_session', 'session', join(dir, 'skyport', 'session')]);
    // Another broker never gets this broker's session token.
    const other = resolveConnection({ url: 'http://broker.example.com:8080' }, env);
    assert.deepEqual([other.token, other.tokenSource], ['from-file', 'file']);
  });
});

test('the same broker however its address is written', () => {
  assert.ok(sameBroker('http://127.0.0.1:8080', 'http://127.0.0.1:8080/api/v1/'));
  assert.ok(sameBroker('http://Broker.example.com:80/', 'http://broker.example.com'));
  assert.ok(!sameBroker('http://127.0.0.1:8080', 'http://127.0.0.1:8081'));
  assert.ok(!sameBroker('http://broker.example.com', 'https://broker.example.com'));
});
