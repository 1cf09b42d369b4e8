/**
 * The guest OS between an OVF's `OperatingSystemSection` and the broker's one-word `os`.
 * CIM OsType numbers are many; what matters for launching is the family.
 */
import type { OperatingSystem } from '@skyport/ovf';

/** CIM_OperatingSystem.OsType values of Windows releases (WIN95 .. Windows Server 2012 R2). */
const WINDOWS_IDS = new Set([16, 17, 18, 19, 58, 63, 67, 69, 70, 71, 72, 73, 74, 76, 77, 103, 105, 111, 112, 113, 114, 115]);
/** LINUX, "Linux 2.4/2.6/64-bit" and the Linux distributions (RHEL, SUSE, Ubuntu, Debian, CentOS, Oracle...). */
const LINUX_IDS = new Set([36, 79, 80, 82, 83, 84, 85, 87, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 106, 107, 108, 109]);

export function osFamily(os: OperatingSystem): 'linux' | 'windows' | 'other' {
  const words = `${os.description ?? ''} ${os.vendorType ?? ''}`.toLowerCase();
  if (/windows|win\d|winnet|winxp|winvista/.test(words)) return 'windows';
  if (/linux|ubuntu|debian|centos|rhel|red hat|fedora|suse|alpine|rocky|alma|oracle|gentoo|coreos/.test(words)) return 'linux';
  // The text says nothing: the number decides.
  if (os.id !== undefined && LINUX_IDS.has(os.id)) return 'linux';
  if (os.id !== undefined && WINDOWS_IDS.has(os.id)) return 'windows';
  return 'other';
}

/** The section an exported appliance carries for the broker's `os`. */
export function osSection(os: string | undefined): OperatingSystem {
  switch (os) {
    case 'linux':
      return { id: 101, description: 'Linux 64-bit' };
    case 'windows':
      return { id: 103, description: 'Microsoft Windows 64-bit' };
    default:
      return { id: 1, description: os === undefined || os === '' ? 'Other' : os };
  }
}
