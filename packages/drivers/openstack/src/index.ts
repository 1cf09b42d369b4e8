export { openstackDriver } from './openstack-driver-factory.js';
export { OpenStackCloudDriver } from './openstack-cloud-driver.js';
export { OPENSTACK_CAPABILITIES, OPENSTACK_BEHAVIOUR, OPENSTACK_DISK_FORMATS } from './openstack-capabilities.js';
export { parseOpenStackSettings, keystoneRoot, type OpenStackSettings } from './openstack-settings.js';
export { COMPUTE_MICROVERSION } from './openstack-client.js';
export { parseFault, faultToError } from './openstack-errors.js';
