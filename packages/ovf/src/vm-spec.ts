/**
 * The canonical VM spec: what Skyport understands of an appliance, whatever dialect it came
 * in. The reader fills it tolerantly, the writer turns it back into OVF, and the import and
 * export flows map it onto providers' hardware profiles and disks (ADR 0005).
 */
import type { DiskFormat } from '@skyport/model';
import type { OvfVersion } from './namespaces.js';

/** Who wrote the descriptor, as far as it shows. */
export type Dialect = 'vmware' | 'virtualbox' | 'xenserver' | 'ovirt' | 'cisco' | 'generic';

export interface Producer {
  readonly dialect: Dialect;
  /** Tool and version when the descriptor names them (`VMware ovftool 4.1.0`, `build-18485185`). */
  readonly tool?: string;
}

export interface FileReference {
  readonly id: string;
  readonly href: string;
  readonly size?: number;
  readonly compression?: 'gzip' | 'identity';
  /** When set, the file is stored as `href.000`, `href.001`, ... of this many bytes each. */
  readonly chunkSize?: number;
}

export type ControllerType = 'ide' | 'scsi' | 'sata' | 'nvme' | 'virtio' | 'floppy' | 'other';

export interface DiskController {
  readonly type: ControllerType;
  /** Subtype as written, first of a multi-valued list (`lsilogic`, `VirtualSCSI`, `AHCI`). */
  readonly subtype?: string;
  /** Every subtype written, for multi-valued `ResourceSubType`. */
  readonly subtypes?: readonly string[];
  readonly busNumber?: number;
}

export interface DiskFormatInfo {
  /** The `ovf:format` URI as written. */
  readonly uri: string;
  /** The qemu-img format it implies, when Skyport knows it. */
  readonly diskFormat?: DiskFormat;
  /** VMDK subformat from the URI fragment (`streamOptimized`, `sparse`, `monolithicSparse`...). */
  readonly variant?: string;
}

export interface VmDisk {
  readonly diskId: string;
  readonly capacityBytes: number;
  readonly populatedBytes?: number;
  readonly format?: DiskFormatInfo;
  readonly fileRef?: string;
  readonly file?: FileReference;
  /** Disk this one is a delta of (`ovf:parentRef`). */
  readonly parentRef?: string;
  readonly controller?: DiskController;
  readonly addressOnParent?: number;
  /** Item order, for boot order when nothing else says. */
  readonly index: number;
}

export type NicAdapter = 'e1000' | 'e1000e' | 'vmxnet' | 'vmxnet2' | 'vmxnet3' | 'pcnet32' | 'virtio' | 'rtl8139' | 'other';

export interface VmNic {
  readonly name?: string;
  readonly network?: string;
  readonly adapter: NicAdapter;
  /** Adapter type as written (`VmxNet3`, `E1000e`, `PCNet32`). */
  readonly adapterRaw?: string;
  readonly mac?: string;
}

export interface ProductProperty {
  readonly key: string;
  readonly type: string;
  readonly qualifiers?: string;
  readonly value?: string;
  readonly userConfigurable: boolean;
  readonly password: boolean;
  readonly label?: string;
  readonly description?: string;
  readonly category?: string;
}

export interface ProductInfo {
  readonly class?: string;
  readonly instance?: string;
  readonly product?: string;
  readonly vendor?: string;
  readonly version?: string;
  readonly fullVersion?: string;
  readonly productUrl?: string;
  readonly properties: readonly ProductProperty[];
}

export interface OperatingSystem {
  /** CIM_OperatingSystem.OsType number (`ovf:id`), e.g. 101 = Linux 64-bit, 103 = Windows 64-bit. */
  readonly id?: number;
  readonly description?: string;
  /** The producer's own guest id (`vmw:osType` such as `ubuntu64Guest`). */
  readonly vendorType?: string;
  readonly version?: string;
}

export interface DeploymentOption {
  readonly id: string;
  readonly label?: string;
  readonly description?: string;
  readonly default: boolean;
}

export interface VmSpec {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly annotation?: string;
  readonly cpus: number;
  readonly coresPerSocket?: number;
  readonly memoryMiB: number;
  readonly firmware: 'bios' | 'efi';
  /** `VirtualSystemType` values, e.g. `vmx-11`, `virtualbox-2.2`, `xen-3`. */
  readonly hardwareFamilies: readonly string[];
  readonly os: OperatingSystem;
  readonly disks: readonly VmDisk[];
  readonly nics: readonly VmNic[];
  readonly cdroms: number;
  readonly products: readonly ProductInfo[];
  /** Guest environment transport (`iso`, `com.vmware.guestInfo`) when the descriptor asks for one. */
  readonly transport?: readonly string[];
}

export interface Appliance {
  readonly ovfVersion: OvfVersion;
  readonly producer: Producer;
  /** Name of the appliance: the collection's or the single VM's. */
  readonly name: string;
  readonly files: readonly FileReference[];
  readonly networks: readonly { readonly name: string; readonly description?: string }[];
  readonly deploymentOptions: readonly DeploymentOption[];
  /** The deployment option the values were read for (the default unless asked). */
  readonly configuration?: string;
  readonly vms: readonly VmSpec[];
  readonly eulas: readonly string[];
}
