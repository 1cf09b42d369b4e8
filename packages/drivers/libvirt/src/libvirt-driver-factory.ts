import type { DriverFactory } from '@skyport/core';
import { LIBVIRT_BEHAVIOUR, LIBVIRT_CAPABILITIES } from './libvirt-capabilities.js';
import { LibvirtCloudDriver } from './libvirt-cloud-driver.js';
import { parseLibvirtSettings, parseUri } from './libvirt-settings.js';

/** KVM hosts through libvirt (`virsh`), local or remote over `qemu+ssh://`. */
export const libvirtDriver: DriverFactory = {
  name: 'libvirt',
  description:
    'KVM/QEMU hosts through libvirt (virsh), local or remote (qemu+ssh://): domains generated from the model on qcow2 overlays in a storage pool the driver manages, NoCloud seeds, serial console logs, volumes and snapshots as pool volumes.',
  capabilities: LIBVIRT_CAPABILITIES,
  behaviour: LIBVIRT_BEHAVIOUR,
  configFields: [
    { name: 'endpoint', description: 'libvirt URI: qemu:///system, qemu:///session (default) or qemu+ssh://user@host/system', secret: false, required: false },
  ],
  create(config) {
    // Checked here so a typo fails when the provider is added, not on first use.
    return new LibvirtCloudDriver(config, parseUri(config.endpoint), parseLibvirtSettings(config.settings));
  },
};
