/**
 * A second client against the same replay: Debian's python3-proxmoxer (the Python client
 * most Proxmox tooling uses) logs in with a ticket, reads, and clones through the replayed
 * cluster. It only speaks https, so the replay serves a certificate made for this test. Its
 * requests must fit the same recordings the driver's do.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, it } from 'node:test';
import { PveReplay, REPLAY_TOKEN, REPLAY_USER } from './replay/pve-replay.js';

const run = promisify(execFile);

const SCRIPT = `
import json, sys, time, urllib3
urllib3.disable_warnings()
from proxmoxer import ProxmoxAPI
port, user, password, token_user, token_name, token_value = sys.argv[1:7]
pve = ProxmoxAPI('127.0.0.1', port=int(port), user=user, password=password, verify_ssl=False)
nodes = [n['node'] for n in pve.nodes.get()]
newid = int(pve.cluster.nextid.get())
upid = pve.nodes('pve1').qemu(9000).clone.post(newid=newid, name='py-clone', full=1)
while pve.nodes('pve1').tasks(upid).status.get()['status'] == 'running':
    time.sleep(0.02)
status = pve.nodes('pve1').tasks(upid).status.get()
config = pve.nodes('pve1').qemu(newid).config.get()
token = ProxmoxAPI('127.0.0.1', port=int(port), user=token_user, token_name=token_name, token_value=token_value, verify_ssl=False)
version = token.version.get()['version']
print(json.dumps({'nodes': nodes, 'newid': newid, 'exit': status['exitstatus'], 'name': config['name'], 'version': version}))
`;

let replay: PveReplay;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skyport-proxmoxer-'));
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1']);
  replay = await PveReplay.start({ taskMs: 20, tls: { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') } });
});

after(async () => {
  await replay.close();
  await rm(dir, { recursive: true, force: true });
});

it('proxmoxer logs in, lists nodes, clones a template, waits for the task, and uses an API token', async () => {
  const [user, name] = REPLAY_TOKEN.tokenId.split('!') as [string, string];
  const { stdout } = await run('/usr/bin/python3', ['-c', SCRIPT, String(replay.port), REPLAY_USER.username, REPLAY_USER.password, user, name, REPLAY_TOKEN.secret], { timeout: 60_000 });
  assert.deepEqual(JSON.parse(stdout), { nodes: ['pve1', 'pve2'], newid: 100, exit: 'OK', name: 'py-clone', version: '8.2.4' });
  assert.ok(replay.log.includes('POST /access/ticket') && replay.log.includes('POST /nodes/pve1/qemu/9000/clone'), replay.log.join('\n'));
  assert.deepEqual(replay.violations, [], 'proxmoxer sent only what the recordings document, with its CSRF token on the write');
});
