export * from './errors.js';
export * from './instance-state.js';
export * from './capabilities.js';
export * from './entities.js';
export * from './hardware-profile.js';
export * from './ids.js';
export * from './principal.js';
export * from './security-group-rules.js';
