export { xenDriver } from './xen-driver-factory.js';
export { XenCloudDriver } from './xen-cloud-driver.js';
export { XEN_CAPABILITIES, XEN_PROFILE } from './xen-capabilities.js';
export type { XenSettings } from './xen-settings.js';
