export { simDriver } from './sim-driver-factory.js';
export { SIM_BEHAVIOUR, SIM_CAPABILITIES } from './sim-capabilities.js';
export { DEFAULT_SETTINGS, parseSimSettings, type SimFaultSettings, type SimSettings } from './sim-settings.js';
export { RAW_INSTANCE_STATE, normalizeInstanceState } from './raw-instance-state.js';
