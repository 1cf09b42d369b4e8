import type { DriverFactory } from '@skyport/core';
import { SKYPORT_BEHAVIOUR, SKYPORT_CAPABILITIES } from './skyport-capabilities.js';
import { SkyportCloudDriver } from './skyport-cloud-driver.js';
import { parseEndpoint, parseSkyportSettings } from './skyport-settings.js';

/** Federation: one provider of another Skyport broker, through its REST API. */
export const skyportDriver: DriverFactory = {
  name: 'skyport',
  description:
    "Another Skyport broker as a cloud (federation): one of its providers through its REST API, with its ids, operations, errors and request ids; disks move as OVAs through its appliance routes.",
  capabilities: SKYPORT_CAPABILITIES,
  behaviour: SKYPORT_BEHAVIOUR,
  configFields: [
    { name: 'endpoint', description: "The remote broker's base URL, e.g. https://broker.site-b.example:8080", secret: false, required: true },
    { name: 'token', description: 'An API token of the remote broker (operator role to change things, viewer to only look)', secret: true, required: true },
    { name: 'remoteProvider', description: 'Name or id of the remote broker\'s provider this provider exposes', secret: false, required: true },
  ],
  create(config) {
    // Checked here so a typo fails when the provider is added, not on first use.
    parseEndpoint(config.endpoint);
    return new SkyportCloudDriver(config, parseSkyportSettings(config.settings));
  },
};
