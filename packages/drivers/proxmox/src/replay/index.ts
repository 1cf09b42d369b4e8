/** The replayed Proxmox VE cluster, for tests in other packages (the broker's end-to-end tests). */
export { PveReplay, REPLAY_TOKEN, REPLAY_USER, type PveReplayOptions } from './pve-replay.js';
