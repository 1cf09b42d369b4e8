import type {
  CloudDriver,
  DriverCreateInstanceRequest,
  NativeHardwareProfile,
  NativeImage,
  NativeInstance,
} from '@skyport/core';
import { dimensionDefault } from '@skyport/model';
import type { Fixtures } from './conformance-case.js';
import { destroyInstanceQuietly } from './cleanup.js';
import { waitForInstanceState } from './wait-for-instance-state.js';

export interface FixtureOptions {
  /** Use this image instead of picking one (real clouds list thousands). */
  readonly imageId?: string;
  readonly hardwareProfileId?: string;
  /** An id of the provider's shape that does not exist; defaults to a made-up one. */
  readonly unknownId?: string;
}

/** Picks the image/profile pair once per suite and owns the shared running instance. */
export class SuiteFixtures implements Fixtures {
  readonly runId: string;
  readonly unknownId: string;
  #choice: Promise<{ image: NativeImage; profile: NativeHardwareProfile }> | undefined;
  #shared: Promise<NativeInstance> | undefined;

  constructor(
    private readonly driver: () => CloudDriver,
    private readonly options: FixtureOptions,
    private readonly stateChangeMs: number,
    private readonly pollMs: number,
    private readonly createdStopped: boolean,
  ) {
    this.runId = Math.random().toString(36).slice(2, 8);
    this.unknownId = options.unknownId ?? 'conformance-unknown-000000000';
  }

  async image(): Promise<NativeImage> {
    return (await this.#choose()).image;
  }

  async profile(): Promise<NativeHardwareProfile> {
    return (await this.#choose()).profile;
  }

  async instanceRequest(label: string, extra: Partial<DriverCreateInstanceRequest> = {}): Promise<DriverCreateInstanceRequest> {
    const { image, profile } = await this.#choose();
    return {
      name: this.name(label),
      imageId: image.nativeId,
      hardwareProfileId: profile.nativeId,
      cpus: dimensionDefault(profile.cpus),
      memoryMiB: dimensionDefault(profile.memoryMiB),
      diskGiB: dimensionDefault(profile.diskGiB),
      ...extra,
      tags: { 'conformance-run': this.runId, ...extra.tags },
    };
  }

  /** Lower-case, digits and dashes, short: the subset every cloud accepts as a name. */
  name(label: string): string {
    const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    return `cf-${this.runId}-${safe}`.slice(0, 60);
  }

  runningInstance(): Promise<NativeInstance> {
    this.#shared ??= this.#createShared();
    return this.#shared;
  }

  /** Destroys the shared instance, if a case asked for one. */
  async release(): Promise<void> {
    const shared = this.#shared;
    this.#shared = undefined;
    if (shared === undefined) return;
    const instance = await shared.catch(() => undefined);
    if (instance !== undefined) await destroyInstanceQuietly(this.driver(), instance.nativeId);
  }

  async #createShared(): Promise<NativeInstance> {
    const driver = this.driver();
    const created = await driver.createInstance(await this.instanceRequest('shared'));
    const wait = (states: Parameters<typeof waitForInstanceState>[2]) =>
      waitForInstanceState(driver, created.nativeId, states, this.stateChangeMs, { pollMs: this.pollMs });
    if (this.createdStopped) {
      await wait(['stopped']);
      await driver.startInstance(created.nativeId);
    }
    const running = await wait(['running']);
    if (running === undefined) throw new Error(`shared instance ${created.nativeId} vanished`);
    return running;
  }

  #choose(): Promise<{ image: NativeImage; profile: NativeHardwareProfile }> {
    this.#choice ??= this.#pick();
    return this.#choice;
  }

  async #pick(): Promise<{ image: NativeImage; profile: NativeHardwareProfile }> {
    const driver = this.driver();
    const [images, profiles] = await Promise.all([driver.listImages(), driver.listHardwareProfiles()]);
    const usableImages = images.filter((i) => i.state === 'available' && (this.options.imageId === undefined || i.nativeId === this.options.imageId));
    const usableProfiles = profiles
      .filter((p) => this.options.hardwareProfileId === undefined || p.nativeId === this.options.hardwareProfileId)
      // Cheapest first: conformance runs may cost real money.
      .sort((a, b) => dimensionDefault(a.memoryMiB) - dimensionDefault(b.memoryMiB) || dimensionDefault(a.cpus) - dimensionDefault(b.cpus));
    for (const profile of usableProfiles) {
      const image = usableImages.find(
        (i) => i.architecture === profile.architecture && (i.sizeGiB === undefined || i.sizeGiB <= dimensionDefault(profile.diskGiB)),
      );
      if (image !== undefined) return { image, profile };
    }
    throw new Error(
      `no available image fits any hardware profile (images: ${usableImages.map((i) => i.nativeId).join(', ') || 'none'}; ` +
        `profiles: ${usableProfiles.map((p) => p.nativeId).join(', ') || 'none'}); set fixtures.imageId/hardwareProfileId`,
    );
  }
}
