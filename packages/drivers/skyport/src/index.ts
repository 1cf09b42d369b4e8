export { skyportDriver } from './skyport-driver-factory.js';
export { SKYPORT_BEHAVIOUR, SKYPORT_CAPABILITIES } from './skyport-capabilities.js';
export { parseSkyportSettings, parseEndpoint, type SkyportSettings } from './skyport-settings.js';
export { remoteError } from './remote-errors.js';
