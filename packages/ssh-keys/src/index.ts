export { fingerprint, generateKeyPair, parsePublicKey, PUBLIC_KEY_TYPES, type GeneratedKeyPair, type ParsedPublicKey } from './openssh-keys.js';
