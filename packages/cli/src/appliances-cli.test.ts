/**
 * `skyport images import|export`, `instances export` and `exports download|delete` against a
 * real broker in this process: files written and read, progress on stderr, results on stdout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig, startServer, type RunningServer } from '@skyport/server';
import type { Image, Instance } from '@skyport/model';
import type { ExportSummary } from '@skyport/client';
import { run } from './main.js';

let server: RunningServer;
let home: string;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'skyport-cli-ova-'));
  server = await startServer(
    loadConfig({ SKYPORT_DATA_DIR: join(home, '.skyport'), SKYPORT_PORT: '0', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false', SKYPORT_LOG_LEVEL: 'silent' }),
    { tuning: { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40 } },
  );
  const added = await skyport('providers', 'add', 'fast', '--driver', 'sim', '--setting', 'latencyMs=1', '--setting', 'transitionMs=100');
  assert.equal(added.code, 0, added.stderr);
});

after(async () => {
  await server?.close();
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

async function skyport(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await run(['node', 'skyport', ...args], { stdout, stderr, env: { SKYPORT_URL: server.url, SKYPORT_TOKEN: server.adminToken.token! }, cwd: home });
  return { code, stdout: out, stderr: err };
}

function ok(result: { code: number; stdout: string; stderr: string }): { code: number; stdout: string; stderr: string } {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
}

test('export an image to a file, import it again, launch it, export the stopped instance', async () => {
  const [debian] = JSON.parse(ok(await skyport('--json', 'images', 'list', '--provider', 'fast', '--name', 'debian-12')).stdout) as Image[];
  assert.ok(debian);

  const exported = ok(await skyport('images', 'export', debian.id, '--out', 'debian.ova'));
  assert.match(exported.stdout, /debian\.ova \([\d.]+ [KM]iB, sha256 [0-9a-f]{64}\)/);
  // The conversion's own progress line shows only when a poll lands during it (timing), so
  // the test checks that the operation was followed to its end.
  assert.match(exported.stderr, /op-\w+ 100% succeeded/);
  assert.match(exported.stderr, /downloading debian-12\.ova: 100%/);
  assert.ok(statSync(join(home, 'debian.ova')).size > 0);
  ok(await skyport('ova', 'validate', join(home, 'debian.ova'), '--target', 'vsphere'));
  assert.deepEqual(ok(await skyport('--json', 'operations', 'list', '--status', 'succeeded')).stdout.includes('image.export'), true);

  const imported = ok(await skyport('images', 'import', 'debian.ova', '--provider', 'fast', '--name', 'debian-copy'));
  assert.match(imported.stderr, /uploading debian\.ova: 100%/);
  assert.match(imported.stdout, /name:\s+debian-copy/);
  assert.match(imported.stdout, /hardware profile:\s+small \(1 CPU, 1024 MiB, 20 GiB\)/);
  assert.match(imported.stderr, /launch it: skyport instances create --provider prv-\w+ --image ami-\w+ --profile small/);

  // The same OVA from a web server: streamed from it into the broker, never stored here.
  const web = createServer((request, response) => {
    if (request.url !== '/appliances/debian.ova') return void response.writeHead(404, 'Not Found').end();
    response.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': String(statSync(join(home, 'debian.ova')).size) });
    createReadStream(join(home, 'debian.ova')).pipe(response);
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  try {
    const fromUrl = ok(await skyport('images', 'import', `${base}/appliances/debian.ova`, '--provider', 'fast'));
    assert.match(fromUrl.stderr, /streaming debian\.ova: 100%/);
    assert.match(fromUrl.stdout, /name:\s+debian\n/, 'the image is named after the file in the URL');
    const missing = await skyport('images', 'import', `${base}/appliances/gone.ova`, '--provider', 'fast', '--name', 'never');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot fetch http:\/\/127\.0\.0\.1:\d+\/appliances\/gone\.ova: the server answered 404 Not Found/);
    assert.equal((JSON.parse(ok(await skyport('--json', 'images', 'list', '--provider', 'fast', '--name', 'never')).stdout) as Image[]).length, 0);
  } finally {
    web.close();
  }

  const created = JSON.parse(ok(await skyport('--json', 'instances', 'create', '--provider', 'fast', '--image', 'debian-copy', '--profile', 'small', '--name', 'copy-1')).stdout) as Instance;
  assert.equal(created.state, 'running');
  const running = await skyport('instances', 'export', created.id, '--out', 'copy.ova');
  assert.equal(running.code, 1);
  assert.match(running.stderr, /it is running; export needs it to be stopped/);
  assert.ok(!existsSync(join(home, 'copy.ova')));

  ok(await skyport('instances', 'stop', created.id));
  const json = JSON.parse(ok(await skyport('--json', 'instances', 'export', created.id, '--out', 'copy.ova', '--ovf', '2.0')).stdout) as { operationId: string; file: string; sha256: string };
  assert.equal(json.file, join(home, 'copy.ova'));
  const inspected = JSON.parse(ok(await skyport('--json', 'ova', 'inspect', join(home, 'copy.ova'))).stdout) as { ovfVersion: string; vms: { name: string; cpus: number }[] };
  assert.equal(inspected.ovfVersion, '2.0');
  assert.equal(inspected.vms[0]?.name, 'copy-1');
  // Downloaded and verified, so the broker's copy is gone.
  const again = await skyport('exports', 'download', json.operationId);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /export op-\w+ was deleted at/);
});

test('--no-wait prints the operation; exports download fetches it later; refusals come before any work', async () => {
  const [fedora] = JSON.parse(ok(await skyport('--json', 'images', 'list', '--provider', 'fast', '--name', 'fedora-41')).stdout) as Image[];
  const started = ok(await skyport('images', 'export', fedora!.id, '--no-wait'));
  const operationId = started.stdout.trim();
  assert.match(operationId, /^op-[0-9a-f]{17}$/);
  assert.match(started.stderr, new RegExp(`skyport exports download ${operationId}`));
  ok(await skyport('operations', 'wait', operationId));
  const downloaded = ok(await skyport('exports', 'download', operationId, '--out', 'fedora.ova', '--keep'));
  assert.match(downloaded.stdout, /fedora\.ova/);
  assert.match(downloaded.stderr, /skyport exports delete/);
  const kept = JSON.parse(ok(await skyport('--json', 'exports', 'list')).stdout) as ExportSummary[];
  const listed = kept.find((e) => e.operationId === operationId);
  assert.equal(listed?.source.id, fedora!.id);
  assert.equal(listed?.source.kind, 'image');
  assert.equal(listed?.sizeBytes, statSync(join(home, 'fedora.ova')).size);
  assert.match(ok(await skyport('exports', 'list')).stdout, new RegExp(`${operationId}\\s+fedora-41\\.ova`));
  ok(await skyport('exports', 'delete', operationId));
  const remaining = JSON.parse(ok(await skyport('--json', 'exports', 'list')).stdout) as ExportSummary[];
  assert.equal(remaining.some((e) => e.operationId === operationId), false, 'a deleted export is no longer listed');

  const badVersion = await skyport('images', 'export', fedora!.id, '--ovf', '3');
  assert.equal(badVersion.code, 2);
  assert.match(badVersion.stderr, /--ovf must be 1\.0 or 2\.0/);
  writeFileSync(join(home, 'taken.ova'), 'x');
  const taken = await skyport('images', 'export', fedora!.id, '--out', 'taken.ova');
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /taken\.ova exists; choose another --out or add --force/);
  const missing = await skyport('images', 'import', 'nope.ova', '--provider', 'fast');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read nope\.ova: ENOENT/);
  writeFileSync(join(home, 'notes.ova'), 'not an archive\n'.repeat(100));
  const notOva = await skyport('images', 'import', 'notes.ova', '--provider', 'fast');
  assert.equal(notOva.code, 1);
  assert.match(notOva.stderr, /the body is not an OVA/);
});
