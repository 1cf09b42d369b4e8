/** Reading the end of a growing log (serial console, QEMU's stderr) without loading all of it. */
import { open } from 'node:fs/promises';

/** The last `maxBytes` of a file as UTF-8 ('' when it does not exist). */
export async function readTail(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    // Cutting into a multi-byte character leaves a replacement mark at most; drop a partial first line.
    const text = buffer.toString('utf8');
    return length < size ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}
