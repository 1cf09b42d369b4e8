import type { DriverFactory } from '@skyport/core';
import { SIM_BEHAVIOUR, SIM_CAPABILITIES } from './sim-capabilities.js';
import { SimCloudDriver } from './sim-cloud-driver.js';
import { parseSimSettings } from './sim-settings.js';

/** The simulated cloud: realistic latency, fault injection, persistence and scale, no account needed. */
export const simDriver: DriverFactory = {
  name: 'sim',
  description: 'Simulated cloud kept in a local SQLite file: realistic latency, state transitions, fault injection and scale to 100k instances.',
  capabilities: SIM_CAPABILITIES,
  behaviour: SIM_BEHAVIOUR,
  configFields: [
    {
      name: 'apiKey',
      description: 'API key presented on every call; checked only when the provider setting requiredApiKey is set.',
      secret: true,
      required: false,
    },
  ],
  create(config) {
    // Settings are checked here so a typo fails when the provider is added, not on first use.
    return new SimCloudDriver(config, parseSimSettings(config.settings));
  },
};
