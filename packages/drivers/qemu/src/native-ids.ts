/** Provider ids of the qemu driver: a kind prefix and random hex (short enough for a virtio serial). */
import { randomBytes } from 'node:crypto';

export type NativeKind = 'vm' | 'img' | 'disk' | 'snap' | 'key';

export function newNativeId(kind: NativeKind): string {
  return `${kind}-${randomBytes(5).toString('hex')}`;
}

/** A locally administered, unicast MAC in QEMU's 52:54:00 range. */
export function newMac(): string {
  return `52:54:00:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}
