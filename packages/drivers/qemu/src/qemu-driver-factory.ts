import type { DriverFactory } from '@skyport/core';
import { QEMU_BEHAVIOUR, QEMU_CAPABILITIES } from './qemu-capabilities.js';
import { QemuCloudDriver } from './qemu-cloud-driver.js';
import { parseQemuSettings } from './qemu-settings.js';

/** This host's own hypervisor: real VMs under QEMU (TCG, or KVM when it really works). */
export const qemuDriver: DriverFactory = {
  name: 'qemu',
  description:
    'Real virtual machines on the broker host: one QEMU per instance (TCG, or KVM when a probe boot succeeds), QMP control, qcow2 images and overlays, NoCloud seeds, serial console, loopback port forwards, and the skyport-tiny guest built from Debian packages.',
  capabilities: QEMU_CAPABILITIES,
  behaviour: QEMU_BEHAVIOUR,
  // Everything is a (non-secret) setting: accelerator, tool paths, stopTimeoutMs, network, cacheDir...
  configFields: [],
  create(config) {
    // Settings are checked here, so a typo fails when the provider is added.
    return new QemuCloudDriver(config, parseQemuSettings(config.settings));
  },
};
