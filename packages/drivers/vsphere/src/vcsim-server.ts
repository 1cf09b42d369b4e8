/**
 * For tests: VMware's vCenter simulator (govmomi's `simulator` package from Debian's
 * golang-github-vmware-govmomi-dev), built from the small Go main in `../vcsim/` into a cache
 * folder (rebuilt only when that source or the library changes) and started on a free
 * loopback port. Not used by the driver itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const GOCODE = '/usr/share/gocode';
const SIMULATOR_SOURCE = join(GOCODE, 'src/github.com/vmware/govmomi/simulator/simulator.go');
export const VCSIM_DEBIAN_PACKAGES = ['golang-go', 'golang-github-vmware-govmomi-dev'];
const MAIN_GO = join(dirname(fileURLToPath(import.meta.url)), '..', 'vcsim', 'main.go');

export interface VcsimOptions {
  /** Virtual machines per resource pool and per standalone host. */
  readonly vm?: number;
  readonly templates?: number;
  readonly cluster?: number;
  readonly host?: number;
  readonly clusterHost?: number;
  readonly tls?: boolean;
  readonly username?: string;
  readonly password?: string;
}

export interface VcsimServer {
  /** The SOAP endpoint, `http://127.0.0.1:PORT/sdk`. */
  readonly url: string;
  readonly pid: number;
  readonly username: string;
  readonly password: string;
  /** What the simulator logged to stderr so far (e.g. NFC transfers). */
  log(): string;
  stop(): Promise<void>;
}

function cacheDir(): string {
  return process.env['SKYPORT_CACHE_DIR'] ?? join(homedir(), '.cache', 'skyport');
}

/** Builds the simulator once per source version; returns the binary's path. */
export async function buildVcsim(): Promise<string> {
  if (!existsSync(SIMULATOR_SOURCE) || spawnSync('sh', ['-c', 'command -v go'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`the vCenter simulator needs Go and govmomi's simulator library: apt-get install -y --no-install-recommends ${VCSIM_DEBIAN_PACKAGES.join(' ')}`);
  }
  const source = await readFile(MAIN_GO);
  const library = await stat(SIMULATOR_SOURCE);
  const version = createHash('sha256').update(source).update(`${library.size}:${library.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'vcsim', version);
  const binary = join(dir, 'vcsim');
  if (existsSync(binary)) return binary;
  await mkdir(dir, { recursive: true });
  const gopath = await mkdtemp(join(dir, 'gopath-'));
  try {
    await mkdir(join(gopath, 'src', 'skyport-vcsim'), { recursive: true });
    await copyFile(MAIN_GO, join(gopath, 'src', 'skyport-vcsim', 'main.go'));
    const output = join(gopath, 'vcsim');
    const built = spawnSync('go', ['build', '-o', output, 'skyport-vcsim'], {
      env: { ...process.env, GO111MODULE: 'off', GOPATH: `${gopath}:${GOCODE}`, GOCACHE: join(cacheDir(), 'vcsim', 'go-build'), GOFLAGS: '' },
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (built.status !== 0) throw new Error(`building the vCenter simulator failed: ${built.stderr || built.error?.message}`);
    // Another test file may build at the same time: the rename makes whichever finishes last win whole.
    await rename(output, binary);
  } finally {
    await rm(gopath, { recursive: true, force: true });
  }
  return binary;
}

/** Starts a simulator on 127.0.0.1 with a port of its own; stop it with `stop()`. */
export async function startVcsim(options: VcsimOptions = {}): Promise<VcsimServer> {
  const binary = await buildVcsim();
  const username = options.username ?? 'skyport';
  const password = options.password ?? 'vcsim-secret';
  const args = ['-l', '127.0.0.1:0', '-username', username, '-password', password];
  for (const [flag, value] of [['vm', options.vm], ['templates', options.templates], ['cluster', options.cluster], ['host', options.host], ['cluster-host', options.clusterHost]] as const) {
    if (value !== undefined) args.push(`-${flag}`, String(value));
  }
  if (options.tls) args.push('-tls');
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    log = (log + chunk).slice(-1_000_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`the vCenter simulator did not start within 60 s: ${log}`)), 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the vCenter simulator exited with ${code} before it was ready: ${log}`));
    });
  });
  const { url } = JSON.parse(first) as { url: string };
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    username,
    password,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
      await exited;
    },
  };
}

