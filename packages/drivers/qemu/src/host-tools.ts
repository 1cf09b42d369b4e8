/**
 * Finds the host tools the driver runs. A missing tool is the one failure a user fixes with a
 * single command, so the error names the exact `apt-get install` line.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { installCommand, unavailable } from './errors.js';
import type { QemuSettings } from './qemu-settings.js';

export interface HostTools {
  readonly qemuSystem: string;
  readonly qemuImg: string;
  readonly genisoimage: string;
}

/** Which Debian package provides each tool; the order is the order of the install command. */
const PACKAGES = [
  { tool: 'qemuSystem', pkg: 'qemu-system-x86' },
  { tool: 'qemuImg', pkg: 'qemu-utils' },
  { tool: 'genisoimage', pkg: 'genisoimage' },
] as const;

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(() => true, () => false);
}

/** The absolute path of `command` (a name looked up on PATH, or a path), or undefined. */
export async function locate(command: string, searchPath = process.env['PATH'] ?? ''): Promise<string | undefined> {
  if (command.includes('/')) return (await executable(command)) ? (isAbsolute(command) ? command : join(process.cwd(), command)) : undefined;
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Resolves every tool or throws ProviderUnavailable naming what is missing and the command that
 * installs it (always QEMU's two packages first, so the line is the documented one).
 */
export async function findHostTools(settings: Pick<QemuSettings, 'qemuSystem' | 'qemuImg' | 'genisoimage'>): Promise<HostTools> {
  const found = await Promise.all(PACKAGES.map(async ({ tool }) => ({ tool, command: settings[tool], path: await locate(settings[tool]) })));
  const missing = found.filter((f) => f.path === undefined);
  if (missing.length > 0) {
    const packages = PACKAGES.filter((p) => missing.some((m) => m.tool === p.tool)).map((p) => p.pkg);
    const qemuMissing = missing.some((m) => m.tool === 'qemuSystem' || m.tool === 'qemuImg');
    // QEMU's own line is always given whole, so users see one well-known command.
    const toInstall = qemuMissing ? [...new Set(['qemu-system-x86', 'qemu-utils', ...packages])] : packages;
    throw unavailable(
      `${qemuMissing ? 'QEMU is not installed on this host' : 'a tool the qemu driver needs is missing'}: ${missing.map((m) => m.command).join(', ')} not found. ` +
        `Install ${toInstall.length === 1 ? 'it' : 'them'} as root with: ${installCommand(toInstall)}`,
    );
  }
  const path = (tool: keyof HostTools): string => found.find((f) => f.tool === tool)!.path!;
  return { qemuSystem: path('qemuSystem'), qemuImg: path('qemuImg'), genisoimage: path('genisoimage') };
}
