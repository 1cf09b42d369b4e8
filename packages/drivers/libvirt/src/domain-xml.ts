/**
 * Domain XML generated from the model: one root disk (the instance's qcow2 overlay), an
 * optional NoCloud seed disk, the serial console into a log file in the pool, one NIC.
 * `type='qemu'` is TCG (works on any host, nested or not); `kvm` only when configured.
 * No graphics: libvirt rejects `<graphics type='none'/>`, so the element is left out.
 */
export interface DomainSpec {
  readonly name: string;
  readonly title: string;
  readonly type: 'qemu' | 'kvm';
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly rootDisk: string;
  readonly seedDisk?: string;
  readonly consoleLog: string;
  /** `user`, `none` or `network:<name>`. */
  readonly network: string;
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function nic(network: string): string {
  if (network === 'none') return '';
  if (network.startsWith('network:')) return `    <interface type='network'><source network='${xmlEscape(network.slice('network:'.length))}'/><model type='virtio'/></interface>\n`;
  return "    <interface type='user'><model type='virtio'/></interface>\n";
}

export function domainXml(spec: DomainSpec): string {
  const seed =
    spec.seedDisk === undefined
      ? ''
      : `    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${xmlEscape(spec.seedDisk)}'/><target dev='vdz' bus='virtio'/><serial>cidata</serial><readonly/></disk>\n`;
  return `<domain type='${spec.type}'>
  <name>${xmlEscape(spec.name)}</name>
  <title>${xmlEscape(spec.title)}</title>
  <memory unit='MiB'>${spec.memoryMiB}</memory>
  <vcpu>${spec.cpus}</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${xmlEscape(spec.rootDisk)}'/><target dev='vda' bus='virtio'/></disk>
${seed}${nic(spec.network)}    <serial type='file'><source path='${xmlEscape(spec.consoleLog)}' append='on'/><target port='0'/></serial>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

export interface DomainDisk {
  readonly target: string;
  readonly source: string;
  readonly serial?: string;
}

/** The file-backed disks of a domain's XML (as `virsh dumpxml` prints it). */
export function domainDisks(xml: string): DomainDisk[] {
  const disks: DomainDisk[] = [];
  for (const match of xml.matchAll(/<disk\b[^>]*>([\s\S]*?)<\/disk>/g)) {
    const body = match[1] ?? '';
    const source = /<source\s+file=['"]([^'"]+)['"]/.exec(body)?.[1];
    const target = /<target\s+dev=['"]([^'"]+)['"]/.exec(body)?.[1];
    const serial = /<serial>([^<]*)<\/serial>/.exec(body)?.[1];
    if (source !== undefined && target !== undefined) disks.push({ target, source: unescape(source), ...(serial === undefined ? {} : { serial }) });
  }
  return disks;
}

function unescape(text: string): string {
  return text.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
}
