/**
 * Where everything lives under the provider's data folder:
 *
 *   state.json                 resource records (see driver-state.ts)
 *   driver.lock                pid of the broker process that has the folder open
 *   images/<id>/disk.qcow2     base images (never written once available), plus vmlinuz, initrd.img
 *   instances/<id>/root.qcow2  copy-on-write overlay over the image's disk
 *   instances/<id>/seed.iso    NoCloud seed; console.log (serial), qemu.log (stderr), qemu-args.json
 *   volumes/<id>.qcow2         volumes; snapshots/<id>.qcow2 snapshots (standalone copies)
 *   exports/                   temporary flattened disks handed out by exportDisk
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Unix socket paths are limited to 107 bytes; longer ones go to a hashed name in the temp folder. */
const MAX_SOCKET_PATH = 100;

export class DataLayout {
  constructor(readonly root: string) {}

  get stateFile(): string {
    return join(this.root, 'state.json');
  }

  get lockFile(): string {
    return join(this.root, 'driver.lock');
  }

  imageDir(id: string): string {
    return join(this.root, 'images', id);
  }

  imageDisk(id: string): string {
    return join(this.imageDir(id), 'disk.qcow2');
  }

  instanceDir(id: string): string {
    return join(this.root, 'instances', id);
  }

  instanceFile(id: string, name: 'root.qcow2' | 'seed.iso' | 'console.log' | 'qemu.log' | 'qemu-args.json'): string {
    return join(this.instanceDir(id), name);
  }

  qmpSocket(id: string): string {
    const natural = join(this.instanceDir(id), 'qmp.sock');
    if (Buffer.byteLength(natural) <= MAX_SOCKET_PATH) return natural;
    const digest = createHash('sha256').update(natural).digest('hex').slice(0, 20);
    return join(tmpdir(), `skyport-qmp-${digest}.sock`);
  }

  volumeFile(id: string): string {
    return join(this.root, 'volumes', `${id}.qcow2`);
  }

  snapshotFile(id: string): string {
    return join(this.root, 'snapshots', `${id}.qcow2`);
  }

  get exportsDir(): string {
    return join(this.root, 'exports');
  }
}
