/**
 * The data behind the recorded public image: a real qcow2 made with qemu-img (the API
 * reference shows the image's record, not its bytes), so exports can be read back.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertImage } from '@skyport/disk';

export async function makeSeedImage(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'skyport-openstack-seed-'));
  try {
    const raw = join(dir, 'seed.raw');
    const content = Buffer.alloc(2 * 1024 * 1024);
    content.write('SKYPORT-OPENSTACK-REPLAY-SEED', 0);
    await writeFile(raw, content);
    const qcow2 = join(dir, 'seed.qcow2');
    await convertImage({ source: raw, sourceFormat: 'raw', target: qcow2, targetFormat: 'qcow2' });
    return await readFile(qcow2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
