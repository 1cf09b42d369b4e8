export { vsphereDriver } from './vsphere-driver-factory.js';
export { VsphereCloudDriver } from './vsphere-cloud-driver.js';
export { VSPHERE_CAPABILITIES, VSPHERE_PROFILES } from './vsphere-catalogue.js';
export type { VsphereSettings } from './vsphere-settings.js';
