/**
 * Starts an instance's QEMU: resolves its image's boot files, attached volumes and port forwards
 * into a VmSpec, records the exact command line (qemu-args.json, for people and benchmarks), and
 * retries with new ports when another process took a forwarded port in the meantime.
 */
import { stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTail } from './file-tail.js';
import type { DriverContext } from './driver-context.js';
import type { InstanceRecord } from './driver-state.js';
import { hostError } from './errors.js';
import { freeLoopbackPorts, isPortFree } from './port-allocator.js';
import { qemuArgs, type Accelerator, type VmSpec } from './qemu-command.js';
import { VmProcess } from './vm-process.js';

/** Console logs are capped when an instance starts: the API shows the tail anyway. */
const CONSOLE_KEEP_BYTES = 256 * 1024;
const CONSOLE_TRIM_AT_BYTES = 1024 * 1024;
const START_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 3;

export function vmSpec(ctx: DriverContext, record: InstanceRecord, accelerator: Accelerator): VmSpec {
  const image = ctx.state.images.find((i) => i.id === record.imageId);
  if (image === undefined) throw hostError(`the image ${record.imageId} of instance ${record.id} is gone from this host; the instance cannot start`);
  const imageDir = ctx.layout.imageDir(image.id);
  const volumes = ctx.state.volumes
    .filter((v) => v.attachment?.instanceId === record.id && (v.state === 'in-use' || v.state === 'attaching'))
    .map((v) => ({ id: v.id, path: ctx.layout.volumeFile(v.id), slot: v.attachment!.slot }));
  return {
    id: record.id,
    accelerator,
    cpus: record.cpus,
    memoryMiB: record.memoryMiB,
    ...(image.boot === undefined
      ? {}
      : { boot: { kernel: join(imageDir, image.boot.kernel), ...(image.boot.initrd === undefined ? {} : { initrd: join(imageDir, image.boot.initrd) }), append: image.boot.append } }),
    rootDisk: ctx.layout.instanceFile(record.id, 'root.qcow2'),
    seedIso: ctx.layout.instanceFile(record.id, 'seed.iso'),
    volumes,
    consoleLog: ctx.layout.instanceFile(record.id, 'console.log'),
    qmpSocket: ctx.layout.qmpSocket(record.id),
    mac: record.mac,
    ports: record.ports,
    network: ctx.settings.network,
  };
}

async function trimConsole(path: string): Promise<void> {
  const size = await stat(path).then((s) => s.size, () => 0);
  if (size <= CONSOLE_TRIM_AT_BYTES) return;
  const tail = await readTail(path, CONSOLE_KEEP_BYTES);
  await truncate(path, 0);
  await writeFile(path, tail);
}

async function ensurePorts(record: InstanceRecord, fresh: boolean): Promise<void> {
  if (!fresh && (await isPortFree(record.ports.http)) && (await isPortFree(record.ports.ssh))) return;
  const [http, ssh] = await freeLoopbackPorts(2);
  record.ports = { http: http!, ssh: ssh! };
}

export async function launchVm(ctx: DriverContext, record: InstanceRecord, accelerator: Accelerator): Promise<VmProcess> {
  await trimConsole(ctx.layout.instanceFile(record.id, 'console.log'));
  for (let attempt = 1; ; attempt++) {
    await ensurePorts(record, attempt > 1);
    const spec = vmSpec(ctx, record, accelerator);
    const args = qemuArgs(spec);
    await writeFile(ctx.layout.instanceFile(record.id, 'qemu-args.json'), JSON.stringify({ binary: ctx.tools.qemuSystem, args, accelerator }, null, 1) + '\n');
    try {
      return await VmProcess.spawn({
        binary: ctx.tools.qemuSystem,
        args,
        cwd: ctx.layout.instanceDir(record.id),
        logPath: ctx.layout.instanceFile(record.id, 'qemu.log'),
        qmpSocket: spec.qmpSocket,
        startTimeoutMs: START_TIMEOUT_MS,
      });
    } catch (error) {
      // A forwarded port taken between our check and QEMU's bind: try other ports.
      if (attempt < PORT_ATTEMPTS && /host forwarding|Address already in use/i.test(error instanceof Error ? error.message : '')) continue;
      throw error;
    }
  }
}
