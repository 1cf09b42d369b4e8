import type { DriverFactory } from '@skyport/core';
import { XEN_BEHAVIOUR, XEN_CAPABILITIES } from './xen-capabilities.js';
import { XenCloudDriver } from './xen-cloud-driver.js';
import { parseXenSettings } from './xen-settings.js';

/** XCP-ng and XenServer pools through XAPI's JSON-RPC interface. */
export const xenDriver: DriverFactory = {
  name: 'xen',
  description:
    'XCP-ng / XenServer pools through XAPI (JSON-RPC): VMs cloned from templates, power operations, VDIs as volumes and snapshots, disks in and out through the import_raw_vdi / export_raw_vdi handlers.',
  capabilities: XEN_CAPABILITIES,
  behaviour: XEN_BEHAVIOUR,
  configFields: [
    { name: 'username', description: 'XAPI user (root, or an RBAC user with the vm-admin role)', secret: true, required: true },
    { name: 'password', description: "The XAPI user's password", secret: true, required: true },
  ],
  create(config) {
    // Checked here so a typo fails when the provider is added, not on first use.
    return new XenCloudDriver(config, parseXenSettings(config));
  },
};
