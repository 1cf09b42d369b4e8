/**
 * Helpers of the qemu driver's tests: data folders that clean up after themselves, a driver with
 * test settings, polling, and the checks that a failure left nothing behind (no files, no QEMU).
 * The guest build is cached per host (SKYPORT_CACHE_DIR or ~/.cache/skyport), so only the first
 * run on a machine builds it.
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudDriver, DriverConfig, NativeInstance } from '@skyport/core';
import { isSkyportError, type SkyportError } from '@skyport/model';
import { qemuDriver } from './qemu-driver-factory.js';
import { defaultCacheDir } from './qemu-settings.js';

/** Generous: boots are CPU-bound and test files run side by side on small machines. */
export const BOOT_TIMEOUT_MS = 90_000;

export const TEST_SETTINGS = { accelerator: 'tcg', stopTimeoutMs: 10_000, cacheDir: defaultCacheDir(), terminatedRetentionMs: 5_000 } as const;

interface Cleanup {
  after(fn: () => Promise<void> | void): void;
}

/**
 * Cleanups that run last-registered-first (node:test runs `t.after` hooks in registration order):
 * a folder made before its driver is removed after the driver closed and its VMs are gone.
 */
export function lifo(t: Cleanup): Cleanup {
  const steps: (() => Promise<void> | void)[] = [];
  t.after(async () => {
    for (const step of steps.reverse()) await step();
  });
  return { after: (fn) => void steps.push(fn) };
}

/** A fresh data folder under the temp dir, removed when the test (or suite) ends. */
export async function tempDir(t: Cleanup, prefix = 'skyport-qemu-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function qemuConfig(dataDir: string, settings: Record<string, unknown> = {}): DriverConfig {
  return { providerId: 'prv-qemu-test', name: 'local-test', dataDir, credentials: {}, settings: { ...TEST_SETTINGS, ...settings } };
}

/** Polls `probe` until it returns a value (not undefined); fails with what was seen last. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = BOOT_TIMEOUT_MS, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Waits until skyport-tiny is available (built or copied from the host's cache). */
export async function guestImageReady(driver: CloudDriver): Promise<void> {
  await eventually('skyport-tiny available', async () => {
    const image = (await driver.listImages()).find((i) => i.nativeId === 'skyport-tiny');
    if (image?.state === 'failed') throw new Error(`skyport-tiny failed: ${image.description ?? ''}`);
    return image?.state === 'available' ? true : undefined;
  }, 15 * 60_000, 200);
}

/** A driver on a fresh folder with skyport-tiny ready; at the end its VMs go, then the driver, then the folder. */
export async function readyDriver(t: Cleanup, settings: Record<string, unknown> = {}): Promise<{ driver: CloudDriver; dataDir: string }> {
  const cleanup = lifo(t);
  const dataDir = await tempDir(cleanup);
  const driver = qemuDriver.create(qemuConfig(dataDir, settings));
  cleanup.after(async () => {
    await destroyAll(driver);
    await driver.close();
  });
  await guestImageReady(driver);
  return { driver, dataDir };
}

/** Destroys every instance and waits until QEMU is gone, so a test never leaves a VM behind. */
export async function destroyAll(driver: CloudDriver): Promise<void> {
  const instances = await driver.listInstances().catch(() => [] as NativeInstance[]);
  for (const i of instances) if (i.state !== 'terminated' && i.state !== 'shutting-down') await driver.destroyInstance(i.nativeId).catch(() => undefined);
  await eventually('all instances destroyed', async () => ((await driver.listInstances().catch(() => [])).every((i) => i.state === 'terminated') ? true : undefined), 30_000);
}

export async function waitForState(driver: CloudDriver, id: string, state: NativeInstance['state'], timeoutMs = BOOT_TIMEOUT_MS): Promise<NativeInstance> {
  let last: NativeInstance | undefined;
  return eventually(`instance ${id} ${state} (last: ${last?.state ?? '?'})`, async () => {
    last = await driver.getInstance(id);
    if (last?.state === 'error' && state !== 'error') throw new Error(`instance ${id} went to error: ${last.stateReason ?? ''}`);
    return last?.state === state ? last : undefined;
  }, timeoutMs);
}

/** Waits until the console shows `pattern`; returns the whole console. */
export async function waitForConsole(driver: CloudDriver, id: string, pattern: RegExp, timeoutMs = BOOT_TIMEOUT_MS): Promise<string> {
  return eventually(`console of ${id} showing ${pattern}`, async () => {
    const output = await driver.getConsoleOutput!(id);
    return pattern.test(output) ? output : undefined;
  }, timeoutMs, 100);
}

/** The forwarded HTTP address of a running instance (`127.0.0.1:PORT`, guest port 80). */
export function httpAddress(instance: NativeInstance): string {
  const address = instance.addresses.find((a) => a.kind === 'public')?.address;
  if (address === undefined) throw new Error(`instance ${instance.nativeId} has no public address`);
  return address;
}

export async function httpGet(address: string, path = '/'): Promise<string> {
  const response = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(10_000) });
  return response.text();
}

/** Every file under `dir`, relative, sorted (but the state file's temporary copy, present mid-save). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.push(relative(dir, path));
    }
  };
  await walk(dir);
  return out.filter((f) => f !== 'state.json.tmp').sort();
}

/** Pids of live QEMU processes whose command line mentions `needle` (a data folder). */
export async function qemuProcessesFor(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    const program = basename(cmdline.split('\0')[0] ?? '');
    if (!zombie && program.startsWith('qemu-system') && cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** Awaits a rejection and returns it as a SkyportError (failing otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    if (isSkyportError(error)) return error;
    throw new Error(`expected a SkyportError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the call to fail');
}
