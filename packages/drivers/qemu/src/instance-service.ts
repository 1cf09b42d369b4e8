/**
 * Instances: one QEMU per running instance. Actions check the state, set the transitional state
 * and return; the work (boot, ACPI stop, destroy) finishes as a background task, in order per
 * instance. QEMU exits nobody asked for become `shutoff` or `crashed` with the reason.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { DriverCreateInstanceRequest, NativeInstance } from '@skyport/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { chooseAccelerator, type AcceleratorChoice } from './accelerator-probe.js';
import type { DriverContext } from './driver-context.js';
import { GIB } from './driver-context.js';
import type { InstanceRecord, RawInstanceState } from './driver-state.js';
import { invalidState, messageOf, notFound } from './errors.js';
import { classifyExit, classifyVanished } from './exit-reason.js';
import { readTail } from './file-tail.js';
import type { GuestImage } from './guest-image.js';
import type { ImageService } from './image-service.js';
import { instanceView, RAW_TO_STATE, terminatedView } from './instance-view.js';
import { checkMemoryAvailable, validateCreate } from './instance-validation.js';
import { newMac, newNativeId } from './native-ids.js';
import { freeLoopbackPorts } from './port-allocator.js';
import { hostnameFor, writeSeedIso } from './seed-iso.js';
import { launchVm } from './vm-launcher.js';
import { VmProcess } from './vm-process.js';

const CONSOLE_OUTPUT_BYTES = 64 * 1024;

/** Read after awaits: a destroy may have been accepted meanwhile (TypeScript's narrowing cannot know). */
function isDeleting(record: InstanceRecord): boolean {
  return record.state === 'deleting';
}
/** How long a destroy or hard stop waits for QEMU to quit before SIGKILL. */
const QUIT_GRACE_MS = 3_000;

export class InstanceService {
  readonly #terminated = new Map<string, { view: NativeInstance; until: number }>();
  #accelerator: Promise<AcceleratorChoice> | undefined;

  constructor(
    private readonly ctx: DriverContext,
    private readonly images: ImageService,
    private readonly guest: GuestImage,
  ) {}

  list(): NativeInstance[] {
    this.#purgeTerminated();
    return [...this.ctx.state.instances.map(instanceView), ...[...this.#terminated.values()].map((t) => t.view)];
  }

  get(id: string): NativeInstance | undefined {
    this.#purgeTerminated();
    const record = this.ctx.state.instances.find((i) => i.id === id);
    return record === undefined ? this.#terminated.get(id)?.view : instanceView(record);
  }

  record(id: string, field = 'instanceId'): InstanceRecord {
    const record = this.ctx.state.instances.find((i) => i.id === id);
    if (record === undefined) throw notFound('instance', id, field);
    return record;
  }

  async create(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    const valid = await validateCreate(this.ctx, request);
    const id = newNativeId('vm');
    const [http, ssh] = await freeLoopbackPorts(2);
    const record: InstanceRecord = {
      id,
      name: valid.name,
      imageId: valid.image.id,
      hardwareProfileId: valid.profile.nativeId,
      cpus: valid.cpus,
      memoryMiB: valid.memoryMiB,
      diskGiB: valid.diskGiB,
      locationId: valid.zone,
      ...(valid.keyName === undefined ? {} : { keyName: valid.keyName }),
      tags: valid.tags,
      createdAt: new Date().toISOString(),
      state: 'creating',
      ports: { http: http!, ssh: ssh! },
      mac: newMac(),
    };
    const dir = this.ctx.layout.instanceDir(id);
    // Disks first: a failure here leaves nothing behind and surfaces to the caller at once.
    try {
      await mkdir(dir, { recursive: true });
      const size = Math.max(valid.image.virtualSizeBytes, valid.diskGiB * GIB);
      // Two independent tool runs: side by side, they add one tool's start-up time to a launch, not
      // two. Both finish before any cleanup, so nothing writes into a removed folder.
      const made = await Promise.allSettled([
        this.ctx.qemuImg.createOverlay(this.ctx.layout.instanceFile(id, 'root.qcow2'), this.ctx.layout.imageDisk(valid.image.id), size),
        writeSeedIso(
          this.ctx.layout.instanceFile(id, 'seed.iso'),
          { instanceId: id, hostname: hostnameFor(valid.name), publicKeys: valid.publicKeys, ...(valid.userData === undefined ? {} : { userData: valid.userData }) },
          this.ctx.tools.genisoimage,
        ),
      ]);
      for (const result of made) if (result.status === 'rejected') throw result.reason;
      this.ctx.state.instances.push(record);
      await this.ctx.save();
    } catch (error) {
      this.ctx.state.instances = this.ctx.state.instances.filter((i) => i.id !== id);
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    this.ctx.tasks.background(id, () => this.#boot(record));
    return instanceView(record);
  }

  async start(id: string): Promise<void> {
    const record = this.record(id);
    this.#require(record, 'start', ['shutoff', 'crashed']);
    await checkMemoryAvailable(record.memoryMiB);
    // Again after the await: a concurrent start may have been accepted meanwhile.
    this.#require(record, 'start', ['shutoff', 'crashed']);
    await this.#setState(record, 'starting');
    this.ctx.tasks.background(id, () => this.#boot(record));
  }

  async stop(id: string, force: boolean): Promise<void> {
    const record = this.record(id);
    this.#require(record, 'stop', ['running', 'resetting', 'crashed']);
    if (record.state === 'crashed') {
      // Nothing runs: stopping acknowledges the failure.
      record.process = undefined;
      await this.#setState(record, 'shutoff', record.stateReason);
      return;
    }
    await this.#setState(record, 'powering-down');
    this.ctx.tasks.background(id, () => this.#powerDown(record, force));
  }

  async reboot(id: string): Promise<void> {
    const record = this.record(id);
    this.#require(record, 'reboot', ['running']);
    const vm = this.ctx.vms.get(id);
    await this.#setState(record, 'resetting');
    try {
      if (vm === undefined) throw new Error('its QEMU process is not running');
      // system_reset is the reset button: immediate, like a hypervisor's hard reboot.
      await vm.qmp.execute('system_reset');
      await this.#setState(record, 'running');
    } catch (error) {
      await this.#setState(record, 'running');
      throw invalidState(`cannot reboot instance ${id}: ${messageOf(error)}`, { instanceId: id });
    }
  }

  async destroy(id: string): Promise<void> {
    const record = this.record(id);
    if (record.state === 'deleting') return;
    await this.#setState(record, 'deleting');
    // Stop QEMU now rather than after a stop that may be waiting for the guest (stopTimeoutMs).
    void this.ctx.vms.get(id)?.quit(QUIT_GRACE_MS);
    this.ctx.tasks.background(id, () => this.#destroy(record));
  }

  async consoleOutput(id: string): Promise<string> {
    if (this.ctx.state.instances.every((i) => i.id !== id)) {
      if (this.#terminated.has(id)) return '';
      throw notFound('instance', id, 'instanceId');
    }
    return readTail(this.ctx.layout.instanceFile(id, 'console.log'), CONSOLE_OUTPUT_BYTES);
  }

  /** After a broker restart: find the QEMU processes again, or report why they are gone. */
  async reattach(): Promise<void> {
    for (const record of this.ctx.state.instances) {
      if (record.state === 'deleting') {
        this.ctx.tasks.background(record.id, () => this.#destroy(record));
        continue;
      }
      if (record.process === undefined) {
        if (record.state !== 'shutoff' && record.state !== 'crashed') {
          record.state = 'crashed';
          record.stateReason = 'the broker stopped before this instance finished starting; start it again or destroy it';
        }
        continue;
      }
      const { pid, qmpSocket } = record.process;
      const vm = await VmProcess.attach(pid, qmpSocket);
      if (vm === undefined) {
        const verdict = classifyVanished(pid, record.state === 'powering-down', await this.#consoleTail(record.id));
        record.process = undefined;
        record.state = verdict.state;
        record.stateReason = verdict.reason;
        await rm(qmpSocket, { force: true });
        continue;
      }
      this.#watch(record, vm);
      if (record.state === 'powering-down') this.ctx.tasks.background(record.id, () => this.#powerDown(record, false));
      else if (record.state !== 'running') record.state = 'running';
    }
    await this.ctx.save();
  }

  /** Lets go of every QEMU without stopping it (the broker is stopping or restarting). */
  detachAll(): void {
    for (const vm of this.ctx.vms.values()) vm.detach();
    this.ctx.vms.clear();
  }

  /** The accelerator every boot uses, decided once per driver (the probe itself is cached per host). */
  accelerator(): Promise<AcceleratorChoice> {
    this.#accelerator ??= (async (): Promise<AcceleratorChoice> => {
      const guest = this.ctx.settings.accelerator === 'auto' ? await this.guest.artifacts() : undefined;
      return chooseAccelerator(this.ctx.settings.accelerator, {
        qemuSystem: this.ctx.tools.qemuSystem,
        cacheDir: this.ctx.settings.cacheDir,
        timeoutMs: this.ctx.settings.kvmProbeTimeoutMs,
        ...(guest === undefined ? {} : { guest }),
      });
    })().catch((error: unknown) => {
      // Not remembered: the next boot decides again.
      this.#accelerator = undefined;
      throw error;
    });
    return this.#accelerator;
  }

  async #boot(record: InstanceRecord): Promise<void> {
    if (this.ctx.tasks.closed || record.state === 'deleting') return;
    // Never a second QEMU on the same disks.
    if (this.ctx.vms.get(record.id)?.running === true) {
      await this.#setState(record, 'running');
      return;
    }
    try {
      const { accelerator } = await this.accelerator();
      const vm = await launchVm(this.ctx, record, accelerator);
      record.process = { pid: vm.pid, qmpSocket: this.ctx.layout.qmpSocket(record.id), accelerator, startedAt: new Date().toISOString() };
      this.#watch(record, vm);
      // A destroy asked for meanwhile wins; it stops this QEMU next.
      if (isDeleting(record)) await this.ctx.save();
      else await this.#setState(record, 'running');
    } catch (error) {
      record.process = undefined;
      if (isDeleting(record)) return;
      await this.#setState(record, 'crashed', `the instance could not start: ${messageOf(error)}`);
    }
  }

  #watch(record: InstanceRecord, vm: VmProcess): void {
    this.ctx.vms.set(record.id, vm);
    void vm.exited
      .then(async (exit) => {
        if (this.ctx.vms.get(record.id) !== vm) return;
        this.ctx.vms.delete(record.id);
        if (this.ctx.tasks.closed) return;
        // Stops and destroys set their own outcome; this handles exits nobody asked for.
        if (record.state === 'powering-down' || record.state === 'deleting') return;
        const verdict = classifyExit(exit, await this.#consoleTail(record.id), await readTail(this.ctx.layout.instanceFile(record.id, 'qemu.log'), 2048));
        record.process = undefined;
        await this.#setState(record, verdict.state, verdict.reason);
        await rm(this.ctx.layout.qmpSocket(record.id), { force: true });
      })
      .catch(() => undefined);
  }

  async #powerDown(record: InstanceRecord, force: boolean): Promise<void> {
    const vm = this.ctx.vms.get(record.id);
    let reason: string | undefined;
    if (vm !== undefined && vm.running) {
      if (force) {
        await vm.quit(QUIT_GRACE_MS);
        reason = 'stopped hard (force): QEMU was told to quit without waiting for the guest';
      } else {
        await vm.qmp.execute('system_powerdown').catch(() => undefined);
        const timeoutMs = this.ctx.settings.stopTimeoutMs;
        const settled = new AbortController();
        const timeout = sleep(timeoutMs, false, { signal: AbortSignal.any([settled.signal, this.ctx.tasks.signal]) }).catch(() => 'aborted' as const);
        const ended = await Promise.race([vm.exited.then(() => true), timeout]);
        settled.abort(); // no timer left behind once the guest is off
        // The driver is closing: leave the VM to the next broker, which finishes the stop.
        if (ended === 'aborted' || (ended !== true && this.ctx.tasks.closed)) return;
        if (ended === false) {
          await vm.quit(QUIT_GRACE_MS);
          reason = `the guest did not power off within ${Math.round(timeoutMs / 1000)} s of the ACPI power button, so QEMU was stopped hard`;
        }
      }
    }
    this.ctx.vms.delete(record.id);
    record.process = undefined;
    await rm(this.ctx.layout.qmpSocket(record.id), { force: true });
    // A destroy during the stop has taken over (it removes the instance next).
    if (isDeleting(record)) return;
    await this.#setState(record, 'shutoff', reason);
  }

  async #destroy(record: InstanceRecord): Promise<void> {
    const vm = this.ctx.vms.get(record.id);
    if (vm !== undefined) await vm.quit(QUIT_GRACE_MS);
    this.ctx.vms.delete(record.id);
    const socket = record.process?.qmpSocket ?? this.ctx.layout.qmpSocket(record.id);
    for (const volume of this.ctx.state.volumes) {
      if (volume.attachment?.instanceId === record.id) {
        volume.attachment = undefined;
        volume.state = 'available';
      }
    }
    await rm(this.ctx.layout.instanceDir(record.id), { recursive: true, force: true });
    await rm(socket, { force: true });
    // Images only this instance kept alive go first, so `terminated` means everything is gone.
    await this.images.collectGarbage(record.id);
    this.ctx.state.instances = this.ctx.state.instances.filter((i) => i !== record);
    this.#terminated.set(record.id, { view: terminatedView({ ...record, process: undefined }), until: Date.now() + this.ctx.settings.terminatedRetentionMs });
    await this.ctx.save();
  }

  #require(record: InstanceRecord, action: string, allowed: readonly RawInstanceState[]): void {
    if (allowed.includes(record.state)) return;
    const state = RAW_TO_STATE[record.state];
    const allowedStates = [...new Set(allowed.map((s) => RAW_TO_STATE[s]))];
    throw invalidState(`cannot ${action} instance ${record.id}: it is ${state} (${record.state}); ${action} needs it to be ${allowedStates.join(' or ')}`, {
      instanceId: record.id,
      state,
      rawState: record.state,
      allowedStates,
    });
  }

  async #setState(record: InstanceRecord, state: RawInstanceState, reason?: string): Promise<void> {
    record.state = state;
    if (reason === undefined) delete record.stateReason;
    else record.stateReason = reason;
    await this.ctx.save();
  }

  #consoleTail(id: string): Promise<string> {
    return readTail(this.ctx.layout.instanceFile(id, 'console.log'), 4096);
  }

  #purgeTerminated(): void {
    const now = Date.now();
    for (const [id, entry] of this.#terminated) if (entry.until <= now) this.#terminated.delete(id);
  }
}
