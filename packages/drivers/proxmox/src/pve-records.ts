/**
 * What the driver reads from Proxmox VE records, and the conversions: VM config strings
 * (`scsi0: local-lvm:vm-100-disk-0,size=32G`), the notes block Skyport keeps in a VM's
 * `description`, and states.
 */
import type { InstanceState, Tags } from '@skyport/model';

export interface ClusterVm {
  readonly id: string;
  readonly type: 'qemu' | 'lxc';
  readonly vmid: number;
  readonly name?: string;
  readonly node: string;
  readonly status: string;
  readonly template?: number;
  readonly maxcpu?: number;
  readonly maxmem?: number;
  readonly maxdisk?: number;
  readonly lock?: string;
}

export interface NodeRecord {
  readonly node: string;
  readonly status: 'online' | 'offline' | 'unknown';
}

export interface VmStatus {
  readonly status: 'running' | 'stopped';
  readonly qmpstatus?: string;
  readonly lock?: string;
  readonly name?: string;
}

export type VmConfig = Readonly<Record<string, string | number | undefined>>;

export interface StorageRecord {
  readonly storage: string;
  readonly type: string;
  readonly content: string;
  readonly active?: number;
  readonly enabled?: number;
}

const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$/;

/** Bytes of a size such as `32G`, `512M`, `1T` (Proxmox's disk size notation). */
export function parseSize(size: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(size);
  if (m === null) return 0;
  const power = { '': 0, K: 1, M: 2, G: 3, T: 4 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** The disk a VM boots from: the first disk in `boot: order=…`, else the first disk that is not a CD. */
export function bootDisk(config: VmConfig): { key: string; volume: string; bytes: number } | undefined {
  const disks = Object.keys(config).filter((k) => DISK_KEY.test(k) && !String(config[k]).includes('media=cdrom') && !String(config[k]).includes('cloudinit'));
  const order = /order=([^,]+)/.exec(String(config['boot'] ?? ''))?.[1]?.split(';') ?? [];
  const key = order.find((k) => disks.includes(k)) ?? disks.sort()[0];
  if (key === undefined) return undefined;
  const value = String(config[key]);
  const volume = value.split(',')[0] ?? '';
  const size = /(?:^|,)size=([^,]+)/.exec(value)?.[1];
  return { key, volume, bytes: size === undefined ? 0 : parseSize(size) };
}

export function hasCloudInit(config: VmConfig): boolean {
  return Object.entries(config).some(([k, v]) => DISK_KEY.test(k) && String(v).includes('cloudinit'));
}

/** What Skyport keeps about a VM or template, inside its notes (rendered as Markdown, so hidden). */
export interface NotesBlock {
  readonly image?: string;
  readonly profile?: string;
  readonly key?: string;
  readonly created?: string;
  readonly os?: string;
  readonly tags?: Tags;
}

const BLOCK = /\n*<!-- skyport:(\{.*?\}) -->\s*$/s;

export function readNotes(description: unknown): { text: string; block: NotesBlock } {
  const raw = typeof description === 'string' ? description : '';
  const m = BLOCK.exec(raw);
  if (m === null) return { text: raw, block: {} };
  try {
    return { text: raw.slice(0, m.index), block: JSON.parse(m[1] ?? '{}') as NotesBlock };
  } catch {
    return { text: raw, block: {} };
  }
}

export function writeNotes(text: string, block: NotesBlock): string {
  // `--` cannot appear inside an HTML comment; JSON escapes keep it out.
  const json = JSON.stringify(block).replaceAll('--', '-\\u002d');
  return `${text === '' ? '' : `${text}\n\n`}<!-- skyport:${json} -->`;
}

/** The `ctime` Proxmox writes into `meta` when it creates a VM. */
export function createdAt(config: VmConfig, block: NotesBlock): string {
  if (block.created !== undefined) return block.created;
  const ctime = /ctime=(\d+)/.exec(String(config['meta'] ?? ''))?.[1];
  return ctime === undefined ? '1970-01-01T00:00:00.000Z' : new Date(Number(ctime) * 1000).toISOString();
}

export type TaskKind = 'start' | 'stop' | 'reboot' | 'destroy';

/** A VM's state from its status, its lock and a task of ours still running on it. */
export function vmState(status: VmStatus, running: TaskKind | undefined): { state: InstanceState; raw: string } {
  const raw = [status.status, status.qmpstatus !== undefined && status.qmpstatus !== status.status ? status.qmpstatus : undefined, status.lock === undefined ? undefined : `lock ${status.lock}`, running === undefined ? undefined : `${running} task running`]
    .filter((s) => s !== undefined)
    .join(', ');
  if (running === 'destroy' || status.lock === 'destroyed') return { state: 'shutting-down', raw };
  if (running === 'stop') return { state: 'stopping', raw };
  if (running === 'reboot') return { state: 'rebooting', raw };
  if (running === 'start' || status.lock === 'clone' || status.lock === 'create') return { state: 'pending', raw };
  if (status.status === 'running') return status.qmpstatus === 'paused' ? { state: 'unknown', raw } : { state: 'running', raw };
  if (status.status === 'stopped') return { state: 'stopped', raw };
  return { state: 'unknown', raw };
}
