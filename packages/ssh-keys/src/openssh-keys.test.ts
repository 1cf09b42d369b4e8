import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SkyportError } from '@skyport/model';
import { generateKeyPair, parsePublicKey } from './index.js';

test('a generated pair is what OpenSSH itself reads: ssh-keygen derives the same public key and fingerprint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyport-ssh-keys-'));
  try {
    const pair = generateKeyPair('alice@laptop');
    const keyFile = join(dir, 'id');
    writeFileSync(keyFile, pair.privateKey, { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', keyFile], { encoding: 'utf8' }).trim();
    assert.equal(derived.split(' ').slice(0, 2).join(' '), pair.publicKey.split(' ').slice(0, 2).join(' '));
    writeFileSync(`${keyFile}.pub`, `${pair.publicKey}\n`);
    const listed = execFileSync('ssh-keygen', ['-l', '-f', `${keyFile}.pub`], { encoding: 'utf8' });
    assert.equal(listed.split(' ')[1], pair.fingerprint);
    assert.equal(parsePublicKey(pair.publicKey).fingerprint, pair.fingerprint);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an imported key is normalized, and its fingerprint is the one ssh-keygen prints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyport-ssh-keys-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'bob', '-f', join(dir, 'rsa')]);
    const text = execFileSync('cat', [join(dir, 'rsa.pub')], { encoding: 'utf8' });
    const parsed = parsePublicKey(`  ${text.replace(' ', '   ')}  `);
    assert.equal(parsed.type, 'ssh-rsa');
    assert.equal(parsed.line, text.trim());
    assert.equal(parsed.fingerprint, execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'rsa.pub')], { encoding: 'utf8' }).split(' ')[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('garbage is refused as InvalidArgument naming what is wrong, with the caller\'s provider code', () => {
  const valid = generateKeyPair('x').publicKey;
  const [type, data] = valid.split(' ') as [string, string];
  const cases: [unknown, RegExp][] = [
    [42, /not a string/],
    ['ssh-dss AAAAB3NzaC1kc3M=', /unknown key type "ssh-dss"/],
    [`${type} not*base64`, /not base64/],
    [`${type} ${data.slice(0, 20)}`, /truncated/],
    [`ssh-rsa ${data}`, /does not match its type/],
    [`${type} ${Buffer.concat([Buffer.from(data, 'base64'), Buffer.from([0, 0, 0, 1, 7])]).toString('base64')}`, /extra bytes/],
  ];
  for (const [input, why] of cases) {
    assert.throws(
      () => parsePublicKey(input, { providerCode: 'InvalidKey.Format' }),
      (e: unknown) => e instanceof SkyportError && e.code === 'InvalidArgument' && why.test(e.message) && e.providerCode === 'InvalidKey.Format' && e.details?.['field'] === 'publicKey',
      String(input),
    );
  }
});
