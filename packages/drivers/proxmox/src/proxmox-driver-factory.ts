import type { DriverFactory } from '@skyport/core';
import { PROXMOX_BEHAVIOUR, PROXMOX_CAPABILITIES } from './proxmox-capabilities.js';
import { ProxmoxCloudDriver } from './proxmox-cloud-driver.js';
import { parseProxmoxSettings } from './proxmox-settings.js';

/** Proxmox VE clusters (QEMU VMs) through the REST API `/api2/json`. */
export const proxmoxDriver: DriverFactory = {
  name: 'proxmox',
  description:
    'Proxmox VE clusters through the REST API: nodes as zones, QEMU templates as images, full clones as instances, UPID tasks awaited, key pairs written into cloud-init, disk import through an import storage.',
  capabilities: PROXMOX_CAPABILITIES,
  behaviour: PROXMOX_BEHAVIOUR,
  configFields: [
    { name: 'tokenId', description: 'API token id USER@REALM!TOKENID, e.g. skyport@pve!broker (or use username and password)', secret: true, required: false },
    { name: 'tokenSecret', description: "The API token's secret (a UUID)", secret: true, required: false },
    { name: 'username', description: 'USER@REALM for ticket login, e.g. root@pam (when no API token is given)', secret: true, required: false },
    { name: 'password', description: "The user's password, for ticket login", secret: true, required: false },
  ],
  create(config) {
    // Checked here so a typo fails when the provider is added, not on first use.
    return new ProxmoxCloudDriver(config, parseProxmoxSettings(config));
  },
};
