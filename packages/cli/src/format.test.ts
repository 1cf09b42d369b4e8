import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Operation } from '@skyport/model';
import { formatDetailValue, formatDimension } from './format.js';
import { progressLine } from './operation-progress.js';
import { resolveConnection } from './connection.js';

test('dimensions read as fixed, range and choice', () => {
  assert.equal(formatDimension({ kind: 'fixed', value: 2 }), '2');
  assert.equal(formatDimension({ kind: 'range', min: 1, max: 16, default: 2 }), '1..16');
  assert.equal(formatDimension({ kind: 'range', min: 512, max: 4096, default: 1024, step: 512 }), '512..4096 step 512');
  assert.equal(formatDimension({ kind: 'enum', values: [512, 1024, 2048], default: 1024 }), '512|1024|2048');
  assert.equal(formatDetailValue({ kind: 'range', min: 1, max: 16, default: 2 }), '1..16');
  assert.equal(formatDetailValue(['running', 'error']), 'running, error');
});

test('progress lines say the percentage and what is happening, then how it ended', () => {
  const op: Operation = { id: 'op-1', type: 'instance.stop', status: 'running', progress: 50, message: 'instance is stopping', createdAt: '', updatedAt: '' };
  assert.equal(progressLine(op), 'op-1 50% instance is stopping');
  assert.equal(progressLine({ ...op, status: 'succeeded', progress: 100, message: 'done' }), 'op-1 100% succeeded: done');
  assert.equal(
    progressLine({ ...op, status: 'failed', error: { code: 'ProviderError', message: 'the instance went to error', retryable: false } }),
    'op-1 50% failed: the instance went to error',
  );
});

test('the token comes from the flag, then SKYPORT_TOKEN, then the data dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyport-conn-'));
  try {
    writeFileSync(join(dir, 'admin-token'), 'from-file\n');
    // No session of `skyport login` (the machine's own ~/.config is not looked at).
    const env = { SKYPORT_DATA_DIR: dir, XDG_CONFIG_HOME: dir };
    assert.equal(resolveConnection({ token: 'flag' }, { ...env, SKYPORT_TOKEN: 'env' }).token, 'flag');
    assert.equal(resolveConnection({}, { ...env, SKYPORT_TOKEN: 'env' }).token, 'env');
    assert.deepEqual(
      { token: resolveConnection({}, env).token, source: resolveConnection({}, env).tokenSource },
      { token: 'from-file', source: 'file' },
    );
    // A relative data dir is taken from the working directory, as the broker does.
    assert.equal(resolveConnection({}, { SKYPORT_DATA_DIR: '.', XDG_CONFIG_HOME: dir }, dir).token, 'from-file');
    assert.equal(resolveConnection({}, {}, dir).tokenFile, join(dir, '.skyport', 'admin-token'));
    assert.equal(resolveConnection({}, {}, dir).url, 'http://127.0.0.1:8080');
    assert.equal(resolveConnection({}, { SKYPORT_URL: 'http://broker:9000' }).url, 'http://broker:9000');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
