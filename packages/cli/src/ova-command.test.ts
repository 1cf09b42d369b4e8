/** `skyport ova inspect|validate`, run in-process: no broker involved. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from './main.js';

const samples = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));

async function skyport(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await run(['node', 'skyport', ...args], { stdout, stderr, env: {} });
  return { code, stdout: out, stderr: err };
}

test('ova inspect shows the VM spec of a descriptor', async () => {
  const result = await skyport('ova', 'inspect', `${samples}ovf-samples/vmware-ovftool41-win2008r2-two-disks.ovf`);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /producer:\s+vmware \(VMware ovftool 4\.1\.0/);
  assert.match(result.stdout, /memory:\s+2048 MiB/);
  assert.match(result.stdout, /vmdisk2\s+1 GiB\s+streamOptimized\s+disk2\.vmdk\s+scsi \(lsilogicsas\)/);
  const json = await skyport('--json', 'ova', 'inspect', `${samples}ovf-samples/cisco-csr1000v-vendor-appliance.ovf`, '--configuration', '4CPU-8GB');
  assert.equal((JSON.parse(json.stdout) as { vms: { cpus: number }[] }).vms[0]?.cpus, 4);
});

test('ova validate lists findings with where they are, and sets the exit code', async () => {
  const vbox = `${samples}ovftool-xmltestfiles/LaxMode/Pos/vbox1_default_vm/vbox1.ovf`;
  const strict = await skyport('ova', 'validate', vbox, '--target', 'vsphere');
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /^error: .*\[target\.device\] at \/Envelope\[1\]\/VirtualSystem\[1\]\/VirtualHardwareSection\[1\]\/Item\[7\]$/m);
  assert.match(strict.stderr, /invalid/);
  const lax = await skyport('ova', 'validate', vbox, '--target', 'vsphere', '--lax');
  assert.equal(lax.code, 0, lax.stdout);
  assert.match(lax.stderr, /valid \(0 errors, \d+ warnings\) for vsphere, lax/);
  const xxe = await skyport('--json', 'ova', 'validate', `${samples}ovf-samples/negative-xxe-external-entity.ovf`);
  assert.equal(xxe.code, 1);
  assert.equal((JSON.parse(xxe.stdout) as { errors: { code: string }[] }).errors[0]?.code, 'xml.dtd');
  assert.equal((await skyport('ova', 'validate', vbox, '--target', 'hyperv')).code, 2);
  assert.match((await skyport('ova', 'inspect', '/nonexistent.ova')).stderr, /cannot read \/nonexistent\.ova/);
});
