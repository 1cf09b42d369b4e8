export { loadConfig, type ServerConfig } from './config.js';
export { startServer, DRIVERS, type RunningServer, type StartOptions } from './start-server.js';
export { AesGcmVault } from './file-vault.js';
export { rotateMasterKey, type RotationResult } from './rotate-master-key.js';
export { VERSION } from './version.js';
