/**
 * The files of an appliance package as the validator and importer see them: a folder (an
 * unpacked OVA) or anything else that can tell a file's size and bytes. Names are the
 * descriptor's hrefs; a folder refuses any name that would leave it.
 */
import { open, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

export interface PackageFiles {
  /** Size in bytes, or undefined when the package has no such file. */
  size(name: string): Promise<number | undefined>;
  /** Bytes [start, start + length) of a file (fewer at its end). */
  read(name: string, start: number, length: number): Promise<Uint8Array>;
  /** Whether the package can hold such a name at all (a folder refuses names that leave it). */
  allows?(name: string): boolean;
}

/** Whether an href names a file inside the package (relative, no `..`, no scheme, no drive). */
export function isSafePackagePath(href: string): boolean {
  if (href === '' || href.includes('\0') || href.includes('\\') || isAbsolute(href) || /^[a-z][a-z0-9+.-]*:/i.test(href)) return false;
  return !href.split('/').some((part) => part === '..');
}

export function directoryPackage(dir: string): PackageFiles {
  const resolve = (name: string): string | undefined => {
    if (!isSafePackagePath(name)) return undefined;
    const path = join(dir, normalize(name));
    const rel = relative(dir, path);
    return rel.startsWith(`..${sep}`) || rel === '..' ? undefined : path;
  };
  return {
    allows: (name) => resolve(name) !== undefined,
    async size(name) {
      const path = resolve(name);
      if (path === undefined) return undefined;
      try {
        const info = await stat(path);
        return info.isFile() ? info.size : undefined;
      } catch {
        return undefined;
      }
    },
    async read(name, start, length) {
      const path = resolve(name);
      if (path === undefined) return new Uint8Array();
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, start);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}

/** Files held in memory, keyed by href (tests, small packages). */
export function memoryPackage(files: ReadonlyMap<string, Uint8Array>): PackageFiles {
  return {
    size: (name) => Promise.resolve(files.get(name)?.byteLength),
    read: (name, start, length) => Promise.resolve((files.get(name) ?? new Uint8Array()).subarray(start, start + length)),
  };
}
