import type { DriverFactory } from '@skyport/core';
import { OPENSTACK_BEHAVIOUR, OPENSTACK_CAPABILITIES } from './openstack-capabilities.js';
import { OpenStackCloudDriver } from './openstack-cloud-driver.js';
import { OPENSTACK_CONFIG_FIELDS, parseOpenStackSettings } from './openstack-settings.js';

/** OpenStack through its REST APIs: Keystone v3, Nova, Glance v2, Cinder v3, Neutron. */
export const openstackDriver: DriverFactory = {
  name: 'openstack',
  description: 'OpenStack clouds through Keystone v3 (password or application credential), Nova, Glance, Cinder and Neutron.',
  capabilities: OPENSTACK_CAPABILITIES,
  behaviour: OPENSTACK_BEHAVIOUR,
  configFields: OPENSTACK_CONFIG_FIELDS,
  create(config) {
    // Settings are checked here so a typo fails when the provider is added, not on first use.
    return new OpenStackCloudDriver(config, parseOpenStackSettings(config));
  },
};
