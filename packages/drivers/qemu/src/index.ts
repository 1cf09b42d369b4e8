export { qemuDriver } from './qemu-driver-factory.js';
export { QEMU_BEHAVIOUR, QEMU_CAPABILITIES } from './qemu-capabilities.js';
export { DEFAULT_QEMU_SETTINGS, defaultCacheDir, parseQemuSettings, type QemuSettings } from './qemu-settings.js';
export { qemuArgs, type VmSpec } from './qemu-command.js';
export { ensureGuestArtifacts, GUEST_SOURCE_DIR, type GuestArtifacts } from './guest-build.js';
export { GUEST_IMAGE_ID } from './guest-image.js';
export { installCommand } from './errors.js';
