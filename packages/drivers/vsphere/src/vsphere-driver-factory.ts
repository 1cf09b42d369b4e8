import type { DriverFactory } from '@skyport/core';
import { VSPHERE_BEHAVIOUR, VSPHERE_CAPABILITIES } from './vsphere-catalogue.js';
import { VsphereCloudDriver } from './vsphere-cloud-driver.js';
import { parseVsphereSettings } from './vsphere-settings.js';

/** VMware vSphere: a vCenter Server or a standalone ESXi host, over the vim25 SOAP API. */
export const vsphereDriver: DriverFactory = {
  name: 'vsphere',
  description: 'VMware vSphere (vCenter or ESXi) over the vim25 SOAP API: templates as images, clones as instances, datacenters and clusters as locations.',
  capabilities: VSPHERE_CAPABILITIES,
  behaviour: VSPHERE_BEHAVIOUR,
  configFields: [
    { name: 'username', description: 'vSphere user, e.g. administrator@vsphere.local', secret: true, required: true },
    { name: 'password', description: "The user's password", secret: true, required: true },
  ],
  create(config) {
    // Checked here so a typo fails when the provider is added, not on first use.
    return new VsphereCloudDriver(config, parseVsphereSettings(config));
  },
};
