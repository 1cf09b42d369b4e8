export { proxmoxDriver } from './proxmox-driver-factory.js';
export { ProxmoxCloudDriver } from './proxmox-cloud-driver.js';
export { PROXMOX_CAPABILITIES, PROXMOX_PROFILE } from './proxmox-capabilities.js';
export type { ProxmoxSettings } from './proxmox-settings.js';
