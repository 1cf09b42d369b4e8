/**
 * For the tests: a private libvirtd in session mode, started and stopped by the test itself, and
 * the skyport-tiny guest disk from the host's cache (built by the qemu driver's guest builder;
 * `npm test` builds it before the tests run). As root, session URIs redirect to system mode, so
 * the daemon runs as `nobody` (setpriv) with private XDG folders; root's virsh reaches it
 * through its socket. As another user it runs as that user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NOBODY = 65534;

export interface TestLibvirt {
  readonly uri: string;
  /** Inside the daemon's own folder, so it can create the pool there. */
  readonly poolPath: string;
  /** Destroys every domain left, stops the daemon, removes its folder. */
  stop(): Promise<void>;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startTestLibvirt(): Promise<TestLibvirt> {
  const lab = await mkdtemp(join(tmpdir(), 'skyport-libvirt-'));
  await chmod(lab, 0o755);
  const home = join(lab, 'lvs');
  const dirs = ['home', 'run', 'config', 'cache'].map((d) => join(home, d));
  for (const dir of [home, ...dirs]) await mkdir(dir, { recursive: true, mode: 0o700 });
  const root = process.getuid?.() === 0;
  if (root) for (const dir of [home, ...dirs]) await chown(dir, NOBODY, NOBODY);
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: join(home, 'home'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
  };
  const command = root
    ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--inh-caps=-all', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'libvirtd']
    : ['libvirtd'];
  let log = '';
  const daemon: ChildProcess = spawn(command[0]!, command.slice(1), { env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  daemon.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  daemon.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  const uri = `qemu+unix:///session?socket=${join(home, 'run', 'libvirt', 'libvirt-sock')}`;
  try {
    await waitFor('libvirtd did not answer', async () => (await run('virsh', ['-c', uri, 'version']), true), 20_000);
  } catch (error) {
    daemon.kill('SIGTERM');
    await rm(lab, { recursive: true, force: true });
    throw new Error(`${String(error)}; libvirtd said: ${log.slice(-2000)}`);
  }
  return {
    uri,
    poolPath: join(home, 'pool'),
    async stop() {
      const { stdout } = await run('virsh', ['-q', '-c', uri, 'list', '--name']).catch(() => ({ stdout: '' }));
      for (const name of stdout.split('\n').map((s) => s.trim()).filter(Boolean)) await run('virsh', ['-c', uri, 'destroy', name]).catch(() => undefined);
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      await rm(lab, { recursive: true, force: true });
    },
  };
}

/** The host's cache folder, as the qemu driver resolves it. */
function cacheDir(): string {
  return process.env['SKYPORT_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'skyport');
}

/** The newest complete skyport-tiny build's disk (qcow2, boots by itself through GRUB). */
export async function tinyGuestDisk(): Promise<string> {
  const guests = join(cacheDir(), 'guest');
  const builds: { disk: string; at: number }[] = [];
  for (const key of await readdir(guests).catch(() => [] as string[])) {
    const manifest = await stat(join(guests, key, 'manifest.json')).catch(() => undefined);
    const disk = join(guests, key, 'disk.qcow2');
    if (manifest !== undefined && (await stat(disk).catch(() => undefined)) !== undefined) builds.push({ disk, at: manifest.mtimeMs });
  }
  const newest = builds.sort((a, b) => b.at - a.at)[0];
  if (newest === undefined) {
    throw new Error(`no skyport-tiny build in ${guests}; npm test builds it before the tests (scripts/test.mjs), or start the broker once (its local provider builds it)`);
  }
  return newest.disk;
}
